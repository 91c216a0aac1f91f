"""Forms of the IP bureau's review pages, the finance bureau's payment page and the banks' NPL-ratio page
for risk compensation. They parse input only; the rules live in the services (riskcomp.review,
riskcomp.npl_ratios)."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from riskcomp.models import ClaimStatus

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads
_TEXT = forms.Textarea(attrs={"rows": 2})
_S = ClaimStatus


class QueueFilterForm(forms.Form):
    DEFAULT_STATUSES = [_S.SUBMITTED, _S.UNDER_REVIEW, _S.PROPOSED]

    status = forms.MultipleChoiceField(
        label=_("Status"), choices=ClaimStatus.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    year = forms.IntegerField(label=_("Fund year"), min_value=2000, max_value=2100, required=False)

    def statuses(self) -> list[str]:
        return (self.cleaned_data.get("status") if self.is_valid() else None) or self.DEFAULT_STATUSES

    def year_chosen(self) -> int | None:
        return self.cleaned_data.get("year") if self.is_valid() else None


class CorrectionForm(forms.Form):
    message = forms.CharField(
        label=_("What must be corrected"),
        required=False,
        widget=_TEXT,
        help_text=_("Sent to the claimant bank and the participants; the claim goes back to the bank."),
    )


APPROVE, REJECT = "approve", "reject"


class ProposeForm(forms.Form):
    """Approve with one payout per participant (prefilled to the calculation; lower ones need a reason),
    or reject with a reason."""

    outcome = forms.ChoiceField(
        label=_("Proposal"), choices=[(APPROVE, _("Approve")), (REJECT, _("Reject"))], initial=APPROVE
    )

    def __init__(self, *args, participants=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.participants = list(participants)
        for participant in self.participants:
            self.fields[self.payout_name(participant)] = forms.DecimalField(
                label=_("Payout to %(name)s (yuan)") % {"name": participant.name},
                max_digits=14,
                decimal_places=2,
                min_value=0,
                required=False,
                initial=participant.payout,
                help_text=_("Calculated: %(amount)s") % {"amount": f"{participant.payout:,.2f}"},
            )
        self.fields["reason"] = forms.CharField(
            label=_("Reason"),
            required=False,
            widget=_TEXT,
            help_text=_("Required for a rejection or for payouts lower than the calculation."),
        )

    @staticmethod
    def payout_name(participant) -> str:
        return f"payout_{participant.pk}"

    def payouts(self) -> dict:
        return {
            participant.pk: self.cleaned_data[self.payout_name(participant)]
            for participant in self.participants
            if self.cleaned_data.get(self.payout_name(participant)) is not None
        }


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Confirm the proposal")), ("return", _("Return to the first reviewer"))],
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=_TEXT, help_text=_("Required when you return it.")
    )


class _DayForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.initial = timezone.localdate()


class MarkPaidForm(_DayForm):
    paid_on = forms.DateField(label=_("Paid on"), widget=_DATE)


class SettleForm(_DayForm):
    settled_on = forms.DateField(label=_("Money back in the fund on"), widget=_DATE)


class NplRatioForm(forms.Form):
    period_end = forms.DateField(
        label=_("Quarter ending"),
        widget=_DATE,
        help_text=_("The quarter's last day: 31 March, 30 June, 30 September or 31 December."),
    )
    ratio_pct = forms.DecimalField(
        label=_("Overall NPL ratio (%)"),
        max_digits=5,
        decimal_places=2,
        help_text=_("All the bank's loans, as reported to the regulator; from 0 to 100."),
    )
