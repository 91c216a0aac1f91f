"""Forms of the public risk compensation calculator: the figures of the quote API (api-contract.md §5) with
its validation (shares adding up to 1, a part passed on below 1, recoveries at most principal × IP share)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loans.models import ParticipantKind

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_MONEY = {"max_digits": 14, "decimal_places": 2}
_FRACTION = {"max_digits": 5, "decimal_places": 4}


class QuoteForm(forms.Form):
    year = forms.IntegerField(
        label=_("Fund year"),
        min_value=2000,
        max_value=2100,
        help_text=_("The year whose policy parameters apply (rate, cap per loan, minimum IP share)."),
    )
    npl_principal = forms.DecimalField(
        label=_("Principal outstanding at non-performance (yuan)"), min_value=Decimal("0.01"), **_MONEY
    )
    ip_share = forms.DecimalField(
        label=_("IP share"),
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        initial=Decimal("1"),
        help_text=_("1 for a loan secured by IP only; the certified share for a combination loan."),
        **_FRACTION,
    )
    recovered = forms.DecimalField(
        label=_("Recoveries before the claim (yuan)"), min_value=Decimal("0"), initial=Decimal("0"), **_MONEY
    )
    npl_on = forms.DateField(label=_("Non-performing since"), widget=_DATE)
    pledge_registered_on = forms.DateField(label=_("Pledge registered on"), widget=_DATE)

    def clean(self):
        cleaned = super().clean()
        principal, share, recovered = (
            cleaned.get(name) for name in ("npl_principal", "ip_share", "recovered")
        )
        if None not in (principal, share, recovered) and recovered > principal * share:
            self.add_error(
                "recovered", _("Recoveries cannot exceed the IP-secured principal (principal × IP share).")
            )
        return cleaned


class ParticipantForm(forms.Form):
    ref = forms.CharField(label=_("Participant"), max_length=64, required=False)
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *ParticipantKind.choices])
    share = forms.DecimalField(
        label=_("Share of the loss"), min_value=Decimal("0.0001"), max_value=Decimal("1"), **_FRACTION
    )
    dispersed = forms.DecimalField(
        label=_("Part passed on"),
        min_value=Decimal("0"),
        max_value=Decimal("0.9999"),
        initial=Decimal("0"),
        required=False,
        help_text=_("Passed on by re-guarantee or reinsurance; less than 1 (empty: 0)."),
        **_FRACTION,
    )


class BaseParticipantFormSet(forms.BaseFormSet):
    def filled(self) -> list[dict]:
        rows = [dict(form.cleaned_data) for form in self.forms if form.cleaned_data]
        for row in rows:
            if row.get("dispersed") is None:
                row["dispersed"] = Decimal("0")
        return rows

    def clean(self):
        if any(self.errors):
            return
        rows = self.filled()
        if not rows:
            raise forms.ValidationError(_("Enter at least one participant."))
        problems = []
        if sum((row["share"] for row in rows), Decimal("0")) != 1:
            problems.append(_("The participants' shares must add up to 1."))
        refs = [row["ref"].strip() for row in rows if row["ref"].strip()]
        if len(set(refs)) != len(refs):
            problems.append(_("Each participant needs its own name."))
        if problems:
            raise forms.ValidationError(problems)


ParticipantFormSet = forms.formset_factory(
    ParticipantForm, formset=BaseParticipantFormSet, extra=4, max_num=50, validate_max=True
)
