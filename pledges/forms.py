"""Forms of the filing pages and the commissioner's workbench: they parse, the services decide."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.models import (
    OPEN_STATUSES,
    PLEDGED_STATUSES,
    PLEDGEE_KINDS,
    WAIVABLE_REASONS,
    ContactKind,
    IpAsset,
    PledgeRegistration,
    RefusalReason,
    RegistrationKind,
    Status,
)
from portal.accounts.models import Organisation, OrgKind
from portal.identifiers.fields import MAX_INPUT_LENGTH, UsccFormField
from portal.policy.models import Channel, IpKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


class AssetLabelChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: IpAsset) -> str:
        return f"{obj.get_kind_display()} {obj.number} · {obj.title}"


class PledgeeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Organisation) -> str:
        return f"{obj.parent.name} · {obj.name}" if obj.parent_id else obj.name


class WindowPledgorForm(forms.Form):
    """Step one of a window filing: which enterprise is the pledgor."""

    uscc = UsccFormField(label=_("Pledgor's unified social credit code"))

    def clean_uscc(self):
        uscc = self.cleaned_data["uscc"]
        self._enterprise = Organisation.objects.filter(
            kind=OrgKind.ENTERPRISE, uscc=uscc, is_active=True
        ).first()
        if self._enterprise is None:
            raise forms.ValidationError(
                _("No enterprise with this credit code is registered in the portal; it must register first.")
            )
        return uscc

    def enterprise(self) -> Organisation:
        return self._enterprise


class FilingForm(forms.Form):
    """A new filing, or the terms of a draft (``registration`` given: kind, IP kind and original are fixed)."""

    kind = forms.ChoiceField(
        label=_("Filing kind"), choices=RegistrationKind.choices, initial=RegistrationKind.PLEDGE
    )
    ip_kind = forms.ChoiceField(label=_("IP kind"), choices=IpKind.choices)
    original = forms.ModelChoiceField(
        label=_("Registration to change or cancel"),
        queryset=PledgeRegistration.objects.none(),
        required=False,
        help_text=_("Only for a change, cancellation or term extension."),
    )
    pledgee = PledgeeChoiceField(label=_("Pledgee (bank or guarantor)"), queryset=Organisation.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.ONLINE)
    assets = AssetLabelChoiceField(
        label=_("Assets to pledge"),
        queryset=IpAsset.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("From your IP register; all of the IP kind chosen above."),
    )
    co_owner_consent = AssetLabelChoiceField(
        label=_("Co-owned assets whose co-owners all consent"),
        queryset=IpAsset.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Tick an asset with more than one holder once every co-owner has agreed in writing."),
    )
    debt_amount = forms.DecimalField(
        label=_("Secured debt (yuan)"), max_digits=14, decimal_places=2, min_value=0.01
    )
    debt_start = forms.DateField(label=_("Debt term starts"), widget=DateInput())
    debt_end = forms.DateField(label=_("Debt term ends"), widget=DateInput())
    valued = forms.BooleanField(
        label=_("The IP was valued (a valuation report will be attached)"), required=False
    )
    via_agent = forms.BooleanField(label=_("An agent files for the parties"), required=False)

    def __init__(
        self,
        *args,
        pledgor: Organisation,
        registration: PledgeRegistration | None = None,
        window: bool = False,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.registration = registration
        if window:
            # Entered by the office at the window: that is the channel, whatever the form posts.
            self.fields["channel"].choices = [(Channel.WINDOW, Channel.WINDOW.label)]
            self.fields["channel"].initial = Channel.WINDOW
            self.fields["channel"].disabled = True
            self.fields["assets"].help_text = _(
                "From the pledgor's IP register; all of the IP kind chosen above."
            )
        assets = IpAsset.objects.filter(owner=pledgor).order_by("kind", "number")
        self.fields["assets"].queryset = assets
        self.fields["co_owner_consent"].queryset = assets
        self.fields["pledgee"].queryset = (
            Organisation.objects.filter(kind__in=PLEDGEE_KINDS, is_active=True)
            .select_related("parent")
            .order_by("kind", "name")
        )
        self.fields["original"].queryset = PledgeRegistration.objects.filter(
            pledgor=pledgor, status__in=PLEDGED_STATUSES
        ).order_by("-registered_on", "-id")
        if registration is not None:
            for name in ("kind", "ip_kind", "original"):
                self.fields[name].disabled = True
                self.fields[name].required = False
            self.initial.setdefault("kind", registration.kind)
            self.initial.setdefault("ip_kind", registration.ip_kind)
            self.initial.setdefault("original", registration.original_id)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("debt_start"), cleaned.get("debt_end")
        if start and end and end < start:
            self.add_error("debt_end", _("The debt term cannot end before it starts."))
        return cleaned

    def consent_map(self) -> dict[int, bool]:
        return {asset.pk: True for asset in self.cleaned_data.get("co_owner_consent") or []}


class MaterialUploadForm(forms.Form):
    item = forms.ChoiceField(label=_("Checklist item"))
    # No extension or content-type check here: the service reads the file's first bytes.
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"))

    def __init__(self, *args, items, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(item.code, item.label) for item in items]


class MaterialTickForm(forms.Form):
    accepted = forms.TypedChoiceField(
        label=_("Result"),
        choices=[("1", _("Fine")), ("0", _("Needs correction"))],
        coerce=lambda value: value == "1",
    )
    comment = forms.CharField(label=_("Comment"), max_length=300, required=False)


class CorrectionRequestForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the parties"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=2000,
    )


class CureForm(forms.Form):
    note = forms.CharField(label=_("What was corrected"), required=False, max_length=2000)


class ContactLogForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=ContactKind.choices)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), max_length=4000)


class WaiverForm(forms.Form):
    reason = forms.ChoiceField(
        choices=[(code, label) for code, label in RefusalReason.choices if code in WAIVABLE_REASONS]
    )


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_("Why it goes back"), max_length=2000)


class MoveForm(forms.Form):
    """An office move drawn from ``available_transitions``; register and refuse carry their details."""

    to = forms.ChoiceField(choices=Status.choices)
    reason = forms.CharField(label=_("Reason or note"), required=False, max_length=2000)
    notice_number = forms.CharField(label=_("Registration notice number"), required=False, max_length=64)
    registered_on = forms.DateField(label=_("Registered on"), required=False, widget=DateInput())
    refusal_reasons = forms.MultipleChoiceField(
        label=_("Grounds for refusal"),
        choices=RefusalReason.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, allowed: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = [(code, label) for code, label in Status.choices if code in allowed]
        self.fields["registered_on"].initial = timezone.localdate()

    def clean(self):
        cleaned = super().clean()
        to = cleaned.get("to")
        if to == Status.REGISTERED:
            if not (cleaned.get("notice_number") or "").strip():
                self.add_error("notice_number", _("Enter the registration notice number."))
            if not cleaned.get("registered_on"):
                self.add_error("registered_on", _("Enter the registration date."))
        if to == Status.REFUSED and not cleaned.get("refusal_reasons"):
            self.add_error("refusal_reasons", _("Tick at least one ground for refusal."))
        return cleaned

    def details(self) -> dict | None:
        to = self.cleaned_data["to"]
        if to == Status.REGISTERED:
            return {
                "notice_number": self.cleaned_data["notice_number"].strip(),
                "registered_on": self.cleaned_data["registered_on"],
            }
        if to == Status.REFUSED:
            return {"refusal_reasons": list(self.cleaned_data["refusal_reasons"])}
        return None


WORKBENCH_PAGE_SIZES = (20, 50, 100)


class WorkbenchFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All open"))]
        + [(code, label) for code, label in Status.choices if code in OPEN_STATUSES],
    )
    ip_kind = forms.ChoiceField(label=_("IP kind"), required=False, choices=[("", _("All")), *IpKind.choices])
    channel = forms.ChoiceField(
        label=_("Channel"), required=False, choices=[("", _("All")), *Channel.choices]
    )
    commissioner = forms.TypedChoiceField(
        label=_("Commissioner"), required=False, coerce=int, empty_value=None
    )
    search = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=MAX_INPUT_LENGTH,
        help_text=_("Case number, enterprise name or credit code, or asset number."),
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10000, widget=forms.HiddenInput)
    page_size = forms.TypedChoiceField(
        label=_("Per page"),
        required=False,
        coerce=int,
        empty_value=WORKBENCH_PAGE_SIZES[0],
        choices=[(size, size) for size in WORKBENCH_PAGE_SIZES],
    )

    def __init__(self, *args, commissioners=None, **kwargs):
        super().__init__(*args, **kwargs)
        if commissioners is None:
            del self.fields["commissioner"]
        else:
            self.fields["commissioner"].choices = [("", _("All"))] + [(u.pk, str(u)) for u in commissioners]


class IdListField(forms.Field):
    """Ids of ticked rows; which of them the user may touch is the view's scoping, not the form's."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {"invalid": _("Choose the cases again.")}

    def to_python(self, value):
        if not value:
            return []
        if not isinstance(value, list | tuple):
            value = [value]
        try:
            ids = sorted({int(item) for item in value})
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if any(pk < 1 for pk in ids) or len(ids) > 500:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return ids

    def validate(self, value):
        if self.required and not value:
            raise forms.ValidationError(_("Tick at least one case."), code="required")


class ReassignForm(forms.Form):
    registrations = IdListField(label=_("Cases"))
    commissioner = forms.TypedChoiceField(coerce=int, label=_("New commissioner"))
    reason = forms.CharField(label=_("Reason"), max_length=2000)

    def __init__(self, *args, commissioners, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["commissioner"].choices = [(u.pk, str(u)) for u in commissioners]


class OnTimeStatsForm(forms.Form):
    group_by = forms.ChoiceField(
        label=_("Group by"),
        choices=[
            ("commissioner", _("Service commissioner")),
            ("office", _("Office")),
            ("channel", _("Channel")),
            ("ip_kind", _("IP kind")),
            ("month", _("Month")),
        ],
        initial="commissioner",
        required=False,
    )
    date_from = forms.DateField(label=_("Completed from"), required=False, widget=DateInput())
    date_to = forms.DateField(label=_("Completed until"), required=False, widget=DateInput())
    ip_kind = forms.ChoiceField(label=_("IP kind"), choices=[("", _("All")), *IpKind.choices], required=False)
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False
    )
