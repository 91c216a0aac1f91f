"""Forms of the loan-product pages. They parse and type the input; the rules (ranges, valid period,
allowed IP kinds) live in ``Product.clean`` and come back through the services as field errors."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loans.models import ProductStatus, TargetFlag
from portal.policy.models import IpKind

_MONEY = {"max_digits": 14, "decimal_places": 2}
_RATE = {"max_digits": 5, "decimal_places": 2}


class ProductForm(forms.Form):
    name = forms.CharField(label=_("Product name"), max_length=120)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    ip_kinds = forms.MultipleChoiceField(
        label=_("IP kinds accepted"), choices=IpKind.choices, widget=forms.CheckboxSelectMultiple
    )
    amount_min = forms.DecimalField(label=_("Minimum amount (yuan)"), min_value=Decimal("0.01"), **_MONEY)
    amount_max = forms.DecimalField(label=_("Maximum amount (yuan)"), min_value=Decimal("0.01"), **_MONEY)
    term_min_months = forms.IntegerField(label=_("Minimum term (months)"), min_value=1, max_value=600)
    term_max_months = forms.IntegerField(label=_("Maximum term (months)"), min_value=1, max_value=600)
    rate_min_pct = forms.DecimalField(
        label=_("Lowest indicative rate (% p.a.)"), min_value=Decimal("0"), **_RATE
    )
    rate_max_pct = forms.DecimalField(
        label=_("Highest indicative rate (% p.a.)"), min_value=Decimal("0"), **_RATE
    )
    guarantor_involved = forms.BooleanField(label=_("A guarantor takes part"), required=False)
    insurer_involved = forms.BooleanField(label=_("An insurer takes part"), required=False)
    target = forms.CharField(
        label=_("Target enterprises"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    target_flags = forms.MultipleChoiceField(
        label=_("Target categories"),
        choices=TargetFlag.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    valid_from = forms.DateField(label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"}))
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text=_("Leave empty for no fixed end."),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    contact_email = forms.EmailField(label=_("Contact e-mail"), required=False)

    @classmethod
    def initial_from(cls, product) -> dict:
        return {name: getattr(product, name) for name in cls.base_fields}


class ProductFilterForm(forms.Form):
    """The catalogue's GET filters; every field optional, a bad value is an error shown on the page."""

    ip_kind = forms.ChoiceField(label=_("IP kind"), choices=[("", _("All")), *IpKind.choices], required=False)
    amount = forms.DecimalField(
        label=_("Amount needed (yuan)"), min_value=Decimal("0.01"), required=False, **_MONEY
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=600, required=False)
    bank = forms.TypedChoiceField(label=_("Bank"), coerce=int, required=False, empty_value=None)
    guarantor = forms.ChoiceField(
        label=_("Guarantor"),
        choices=[("", _("Either")), ("yes", _("With a guarantor")), ("no", _("Without a guarantor"))],
        required=False,
    )
    insurer = forms.ChoiceField(
        label=_("Insurer"),
        choices=[("", _("Either")), ("yes", _("With an insurer")), ("no", _("Without an insurer"))],
        required=False,
    )
    search = forms.CharField(label=_("Search"), max_length=100, required=False)

    def __init__(self, *args, banks=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].choices = [("", _("All")), *((bank.pk, bank.name) for bank in banks)]


class BankProductFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ProductStatus.choices], required=False
    )
    search = forms.CharField(label=_("Name"), max_length=100, required=False)


class ProductTransitionForm(forms.Form):
    to = forms.ChoiceField(choices=ProductStatus.choices)
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
