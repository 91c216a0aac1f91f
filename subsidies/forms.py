from django import forms
from django.utils.translation import gettext_lazy as _

from subsidies.calculations import FEE_KINDS

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FEE_LABELS = {
    "evaluation": _("Evaluation fee"),
    "guarantee": _("Guarantee fee"),
    "insurance": _("Insurance premium"),
}


class BatchYearForm(forms.Form):
    batch_year = forms.IntegerField(
        label=_("Batch year"),
        min_value=2000,
        max_value=2100,
        help_text=_("The year the subsidy is applied for."),
    )


class LoanForm(forms.Form):
    ref = forms.CharField(label=_("Loan"), required=False, max_length=64)
    interest_paid = forms.DecimalField(
        label=_("Interest paid (yuan)"), max_digits=14, decimal_places=2, min_value=0
    )
    annual_rate_pct = forms.DecimalField(
        label=_("Annual rate (%)"), max_digits=5, decimal_places=2, min_value=0.01
    )
    ip_share = forms.DecimalField(
        label=_("IP share"),
        max_digits=5,
        decimal_places=4,
        min_value=0,
        max_value=1,
        initial=1,
        help_text=_("1 for a loan secured by IP only; the bank's certified share for a combination loan."),
    )
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=_DATE)
    settled_on = forms.DateField(label=_("Settled on"), widget=_DATE)
    pledge_registered_on = forms.DateField(label=_("Pledge registered on"), widget=_DATE)


class FeeForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Fee"), choices=[("", "—"), *((kind, FEE_LABELS[kind]) for kind in FEE_KINDS)]
    )
    amount = forms.DecimalField(label=_("Amount (yuan)"), max_digits=14, decimal_places=2, min_value=0)


LoanFormSet = forms.formset_factory(LoanForm, extra=3, max_num=20)
FeeFormSet = forms.formset_factory(FeeForm, extra=3, max_num=20)
