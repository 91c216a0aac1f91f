"""Forms of the demand pool and event pages: they parse; the services decide."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from loans.models import Loan, Product, ProductStatus
from matchmaking.models import ContactChannel, DeclineReason, DemandSource, DemandStatus, EventKind
from pledges.models import IpAsset
from portal.accounts.models import District, Organisation, OrgKind, Park
from portal.policy.models import IpKind

DATETIME_FORMAT = "%Y-%m-%dT%H:%M"


def _banks():
    return (
        Organisation.objects.filter(kind=OrgKind.BANK, is_active=True)
        .select_related("parent")
        .order_by("name")
    )


ALL = _("All")


def _blank(choices, label=ALL):
    return [("", label), *choices]


class DemandForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount sought (yuan)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01")
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=360)
    purpose = forms.CharField(
        label=_("Intended use"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )
    ip_assets = forms.ModelMultipleChoiceField(
        label=_("IP offered"),
        queryset=IpAsset.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("From the enterprise's IP register."),
    )
    ip_note = forms.CharField(
        label=_("Notes on the IP offered"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    preferred_banks = forms.ModelMultipleChoiceField(
        label=_("Preferred banks (optional)"), queryset=Organisation.objects.none(), required=False
    )
    consent = forms.BooleanField(
        label=_("Share this need with banks"),
        required=False,
        help_text=_("Without your consent no bank sees the need in the demand pool."),
    )

    def __init__(self, *args, assets=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ip_assets"].queryset = assets if assets is not None else IpAsset.objects.none()
        self.fields["preferred_banks"].queryset = _banks()


class CollectForm(DemandForm):
    enterprise = forms.ModelChoiceField(label=_("Enterprise"), queryset=Organisation.objects.none())
    field_order = ["enterprise"]

    def __init__(self, *args, enterprises=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields.pop("consent")
        self.fields["enterprise"].queryset = (
            enterprises if enterprises is not None else Organisation.objects.none()
        )
        self.fields["ip_assets"].help_text = _("Only IP the chosen enterprise owns is accepted.")


class ConfirmForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("confirm", _("Confirm the need")), ("decline", _("This is not our need"))],
    )
    consent = forms.BooleanField(label=_("Share this need with banks"), required=False)
    reason = forms.CharField(label=_("Reason (when declining)"), required=False, max_length=500)


class ContactForm(forms.Form):
    contacted_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    channel = forms.ChoiceField(label=pgettext_lazy("contact", "Channel"), choices=ContactChannel.choices)
    summary = forms.CharField(label=_("Summary"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000)
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=500)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[
            (DemandStatus.CREDIT_GRANTED, DemandStatus.CREDIT_GRANTED.label),
            (DemandStatus.LOAN, DemandStatus.LOAN.label),
            (DemandStatus.DECLINED, DemandStatus.DECLINED.label),
        ],
    )
    credit_amount = forms.DecimalField(
        label=_("Amount granted (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
    )
    loan = forms.ModelChoiceField(label=_("Loan (optional)"), queryset=Loan.objects.none(), required=False)
    decline_reason = forms.ChoiceField(
        label=_("Reason declined"), choices=_blank(DeclineReason.choices, "—"), required=False
    )
    decline_note = forms.CharField(label=_("Explanation"), required=False, max_length=2000)

    def __init__(self, *args, loans=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loan"].queryset = loans if loans is not None else Loan.objects.none()
        self.fields["loan"].label_from_instance = lambda loan: f"{loan.reference} · {loan.bank.name}"


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class PoolFilterForm(forms.Form):
    amount_min = forms.DecimalField(
        label=_("Amount from (yuan)"), required=False, min_value=0, decimal_places=2
    )
    amount_max = forms.DecimalField(
        label=_("Amount up to (yuan)"), required=False, min_value=0, decimal_places=2
    )
    ip_kind = forms.ChoiceField(label=_("IP kind"), choices=_blank(IpKind.choices), required=False)
    district = forms.ChoiceField(label=_("District"), choices=_blank(District.choices), required=False)
    park = forms.ModelChoiceField(
        label=_("Park"), queryset=Park.objects.filter(is_active=True), required=False
    )
    preferred_me = forms.BooleanField(label=_("Naming my bank as preferred"), required=False)

    def clean(self):
        data = super().clean()
        low, high = data.get("amount_min"), data.get("amount_max")
        if low is not None and high is not None and low > high:
            self.add_error("amount_max", _("The upper amount must not be below the lower one."))
        return data


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=_blank(DemandStatus.choices), required=False)
    source = forms.ChoiceField(label=_("Source"), choices=_blank(DemandSource.choices), required=False)
    search = forms.CharField(label=_("Need number or enterprise"), required=False, max_length=100)


class FunnelForm(forms.Form):
    start = forms.DateField(
        label=_("Posted from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end = forms.DateField(
        label=_("Posted until"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    source = forms.ChoiceField(label=_("Source"), choices=_blank(DemandSource.choices), required=False)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            self.add_error("end", _("The end of the period must not be before its start."))
        return data


def _datetime(label):
    return forms.DateTimeField(
        label=label,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=pgettext_lazy("type", "Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    agenda = forms.CharField(label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4}))
    place = forms.CharField(label=_("Place"), max_length=200)
    park = forms.ModelChoiceField(
        label=_("Park"), queryset=Park.objects.filter(is_active=True), required=False
    )
    starts_at = _datetime(_("Starts at"))
    ends_at = _datetime(_("Ends at"))
    capacity = forms.IntegerField(label=_("Capacity"), min_value=1, max_value=100000)
    registration_deadline = _datetime(_("Registration deadline"))
    banks = forms.ModelMultipleChoiceField(label=_("Participating banks"), queryset=_banks(), required=False)
    products = forms.ModelMultipleChoiceField(
        label=_("Loan products presented"),
        queryset=Product.objects.filter(status=ProductStatus.PUBLISHED).select_related("bank"),
        required=False,
        help_text=_("Published products only."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].label_from_instance = lambda product: f"{product.bank.name} · {product.name}"


class MatchForm(forms.Form):
    enterprise = forms.ModelChoiceField(
        label=_("Enterprise (checked in)"), queryset=Organisation.objects.none()
    )
    bank = forms.ModelChoiceField(label=_("Bank"), queryset=Organisation.objects.none())
    amount = forms.DecimalField(
        label=_("Amount sought (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text=_("Needed when the enterprise has no open need; an open need is reused."),
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=360, required=False)
    purpose = forms.CharField(label=_("Intended use"), required=False, max_length=2000)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)

    def __init__(self, *args, enterprises=None, banks=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enterprise"].queryset = (
            enterprises if enterprises is not None else Organisation.objects.none()
        )
        self.fields["bank"].queryset = banks if banks is not None else Organisation.objects.none()


class EventFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=pgettext_lazy("type", "Kind"), choices=_blank(EventKind.choices), required=False
    )
    park = forms.ModelChoiceField(
        label=_("Park"), queryset=Park.objects.filter(is_active=True), required=False
    )
