"""Forms of the loan pages. They parse and type the input; the rules (shares adding up to 1, which fact a
loan can take, dates, amounts within the principal) live in ``services.facts`` and
``loans.calculations`` and come back as field errors."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loans.calculations import ALLOWED_IN
from loans.models import Classification, FactKind, LoanStatus, ParticipantKind
from portal.forms import QuickSelect

_MONEY = {"max_digits": 14, "decimal_places": 2}
_RATE = {"max_digits": 5, "decimal_places": 2}
_SHARE = {"max_digits": 5, "decimal_places": 4, "min_value": Decimal("0"), "max_value": Decimal("1")}
_DATE = forms.DateInput(attrs={"type": "date"})
PARTICIPANTS_MAX = 10


class LoanFilterForm(forms.Form):
    """The list's GET filters; ``after`` is the keyset cursor (the last id of the page before)."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *LoanStatus.choices], required=False
    )
    classification = forms.ChoiceField(
        label=_("Classification"), choices=[("", _("All")), *Classification.choices], required=False
    )
    search = forms.CharField(
        label=_("Search"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("Loan number, bank reference or enterprise")}),
    )
    after = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)


class LoanContractForm(forms.Form):
    """The signed contract of a loan born from an accepted offer; the offer's figures are the initial
    values."""

    bank_loan_ref = forms.CharField(label=_("Bank's loan reference"), max_length=64)
    contract_number = forms.CharField(label=_("Contract number"), max_length=64)
    contract_signed_on = forms.DateField(label=_("Contract signed on"), widget=_DATE)
    principal = forms.DecimalField(label=_("Principal (yuan)"), **_MONEY)
    annual_rate_pct = forms.DecimalField(label=_("Annual rate (%)"), **_RATE)
    term_months = forms.IntegerField(label=_("Term (months)"))
    maturity_date = forms.DateField(
        label=_("Maturity date"),
        widget=_DATE,
        required=False,
        help_text=_("Leave empty to count the term from the signing date."),
    )
    is_combination = forms.BooleanField(label=_("Combination loan (IP and other collateral)"), required=False)
    ip_share = forms.DecimalField(
        label=_("IP share"),
        initial=Decimal("1"),
        help_text=_(
            "The IP-secured share of the loan as a fraction, such as 0.6; 1 for a loan secured by IP alone."
        ),
        **_SHARE,
    )
    ip_share_certified_by = forms.CharField(
        label=_("IP share certified by"),
        max_length=100,
        required=False,
        help_text=_("For a combination loan: the bank or guarantor that certified the IP share."),
    )

    @classmethod
    def initial_from(cls, loan) -> dict:
        return {
            "bank_loan_ref": loan.bank_loan_ref,
            "contract_number": loan.contract_number,
            "contract_signed_on": loan.contract_signed_on,
            "principal": loan.principal,
            "annual_rate_pct": loan.annual_rate_pct,
            "term_months": loan.term_months,
            "maturity_date": loan.maturity_date,
            "is_combination": loan.is_combination,
            "ip_share": loan.ip_share,
            "ip_share_certified_by": loan.ip_share_certified_by,
        }


class ParticipantForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *ParticipantKind.choices])
    organisation = forms.ModelChoiceField(
        label=_("Registered institution"), queryset=None, required=False, empty_label="—", widget=QuickSelect
    )
    # For an institution not registered in the portal.
    name = forms.CharField(label=_("Name"), max_length=200, required=False)
    risk_share = forms.DecimalField(label=_("Risk share"), **_SHARE)
    dispersed = forms.DecimalField(label=_("Part passed on"), required=False, initial=Decimal("0"), **_SHARE)

    def __init__(self, *args, institutions=None, institution_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = institutions
        if institution_choices is not None:
            # Read once for the whole formset, not once per row (validation still looks up the queryset).
            self.fields["organisation"].choices = institution_choices

    def participant(self) -> dict:
        """The row as the service takes it."""
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "organisation": data.get("organisation"),
            "name": data.get("name") or "",
            "risk_share": data["risk_share"],
            "dispersed": data.get("dispersed") if data.get("dispersed") is not None else Decimal("0"),
        }


ParticipantFormSet = forms.formset_factory(
    ParticipantForm, extra=2, can_delete=True, max_num=PARTICIPANTS_MAX, validate_max=True
)


def participant_initial(loan) -> list[dict]:
    return [
        {
            "kind": participant.kind,
            "organisation": participant.organisation_id,
            "name": "" if participant.organisation_id else participant.name,
            "risk_share": participant.risk_share,
            "dispersed": participant.dispersed,
        }
        for participant in loan.participants.all()
    ]


def fact_kinds_for(status: str) -> list[tuple[str, str]]:
    """The facts a loan in ``status`` can take (the ledger refuses the others)."""
    return [(kind, label) for kind, label in FactKind.choices if status in ALLOWED_IN[kind]]


class LoanFactForm(forms.Form):
    kind = forms.ChoiceField(label=_("Fact"))
    occurred_on = forms.DateField(label=_("Date"), widget=_DATE)
    amount = forms.DecimalField(label=_("Amount (yuan)"), required=False, **_MONEY)
    overdue_days = forms.IntegerField(label=_("Days overdue"), min_value=0, max_value=100000, required=False)
    classification = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *Classification.choices], required=False
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, status: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", "—"), *fact_kinds_for(status)]


class LoanCancelForm(forms.Form):
    reason = forms.CharField(label=_("Why is the loan cancelled?"), max_length=500)
