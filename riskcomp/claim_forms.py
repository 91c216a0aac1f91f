"""Forms of the banks' and participant institutions' risk compensation pages. They parse and type the input;
the rules (the claim still editable, the shares adding up to 1, the file's real type, who may act) live in
riskcomp.claims and riskcomp.review and come back as errors under the same field names."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loans.models import ParticipantKind
from portal.accounts.models import Organisation
from riskcomp.models import ClaimStatus, RecoverySource
from riskcomp.permissions import PARTICIPANT_KINDS

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_MONEY = {"max_digits": 14, "decimal_places": 2}
_FRACTION = {"max_digits": 5, "decimal_places": 4}
_FILE = forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"})
TEXT_MAX = 2000


class _PageForm(forms.Form):
    """The claim page shows several forms at once: ids carry the form's name so two forms never share one
    (the field names stay plain, as the services name them)."""

    form_name = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.form_name}_%s")
        super().__init__(*args, **kwargs)


class ClaimFilterForm(forms.Form):
    year = forms.IntegerField(label=_("Fund year"), min_value=2000, max_value=2100, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ClaimStatus.choices], required=False
    )


class FiguresForm(_PageForm):
    """The bank's figures: the principal outstanding at non-performance and the recoveries before the claim."""

    form_name = "figures"

    npl_principal = forms.DecimalField(
        label=_("Principal outstanding at non-performance (yuan)"), min_value=Decimal("0.01"), **_MONEY
    )
    recovered = forms.DecimalField(
        label=_("Recoveries before the claim (yuan)"),
        min_value=Decimal("0"),
        help_text=_(
            "What was recovered on the IP-secured part before the claim; at most principal × IP share."
        ),
        **_MONEY,
    )

    FIELDS = ("npl_principal", "recovered")

    @classmethod
    def for_claim(cls, claim, data=None):
        return cls(data, initial={name: getattr(claim, name) for name in cls.FIELDS})


class InstitutionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} ({obj.get_kind_display()})"


def participant_institutions():
    return Organisation.objects.filter(kind__in=PARTICIPANT_KINDS, is_active=True).order_by(
        "kind", "name", "pk"
    )


class ParticipantForm(forms.Form):
    """One participant of the claim: its kind, the institution if it has a portal account (it then confirms
    its share), the name, its share of the loss and the part it passed on."""

    kind = forms.ChoiceField(label=_("Kind"), choices=[("", "—"), *ParticipantKind.choices])
    organisation = InstitutionChoiceField(
        label=_("Institution in the portal"),
        queryset=Organisation.objects.none(),
        required=False,
        empty_label=_("None (no portal account)"),
    )
    name = forms.CharField(
        label=_("Name"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the institution's name."),
    )
    share = forms.DecimalField(
        label=_("Share of the loss"), min_value=Decimal("0.0001"), max_value=Decimal("1"), **_FRACTION
    )
    dispersed = forms.DecimalField(
        label=_("Part passed on"),
        min_value=Decimal("0"),
        max_value=Decimal("0.9999"),
        required=False,
        initial=Decimal("0"),
        help_text=_("The part of its own share passed on by re-guarantee or reinsurance (less than 1)."),
        **_FRACTION,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = participant_institutions()

    def row(self) -> dict:
        data = self.cleaned_data
        return {
            "kind": data["kind"],
            "organisation": data.get("organisation"),
            "name": data.get("name", ""),
            "share": data["share"],
            "dispersed": data.get("dispersed") if data.get("dispersed") is not None else Decimal("0"),
        }


ParticipantFormSet = forms.formset_factory(
    ParticipantForm, extra=2, max_num=20, validate_max=True, can_delete=True
)
PARTICIPANTS_PREFIX = "participants"


def participants_formset(claim, data=None):
    initial = [
        {
            "kind": participant.kind,
            "organisation": participant.organisation_id,
            "name": participant.name,
            "share": participant.share,
            "dispersed": participant.dispersed,
        }
        for participant in claim.participants.order_by("pk")
    ]
    return ParticipantFormSet(data, initial=initial, prefix=PARTICIPANTS_PREFIX)


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"), widget=_FILE)

    def __init__(self, *args, item: str, **kwargs):
        kwargs.setdefault("auto_id", f"evidence_{item}_%s")
        super().__init__(*args, **kwargs)


class WithdrawForm(_PageForm):
    form_name = "withdraw"

    reason = forms.CharField(
        label=_("Why the claim is withdrawn"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConfirmForm(forms.Form):
    """A participant institution's answer on its share: confirm, or dispute with a note (two buttons)."""

    CONFIRM, DISPUTE = "confirm", "dispute"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(CONFIRM, _("Confirm the share")), (DISPUTE, _("Dispute the share"))],
    )
    note = forms.CharField(
        label=_("Note (required to dispute: what is wrong and what your records show)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, participant, **kwargs):
        kwargs.setdefault("auto_id", f"share{participant.pk}_%s")
        super().__init__(*args, **kwargs)


class RecoveryForm(_PageForm):
    form_name = "recovery"

    amount = forms.DecimalField(label=_("Amount recovered (yuan)"), min_value=Decimal("0.01"), **_MONEY)
    received_on = forms.DateField(label=_("Received on"), widget=_DATE)
    source = forms.ChoiceField(label=_("Source"), choices=[("", "—"), *RecoverySource.choices])
    note = forms.CharField(
        label=_("Note"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
