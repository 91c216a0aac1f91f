"""Forms of the disposal pages; the services check everything again (a form only shapes the input)."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from disposal.auction import MAX_ROUND_HOURS
from disposal.models import Bidder, CaseStatus, Method

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": Decimal("0.01")}
DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AssetChoice(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_kind_display()} {obj.number} · {obj.title}"


class TermsForm(forms.Form):
    method = forms.ChoiceField(
        label=_("Method"),
        choices=Method.choices,
        help_text=_(
            "A clause handing the IP to the pledgee on default is void (Civil Code Art. 428): the pledgee is "
            "repaid first from the price, by agreement, auction or sale."
        ),
    )
    valuation = forms.DecimalField(label=_("Valuation (yuan)"), **MONEY)
    valuer = forms.CharField(label=_("Evaluation firm"), max_length=200)
    valued_on = forms.DateField(label=_("Valued on"), widget=DATE)
    reserve_price = forms.DecimalField(label=_("Reserve price (yuan)"), **MONEY)
    description = forms.CharField(
        label=_("Notes for buyers"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public listing. No personal data."),
    )


class CaseOpenForm(TermsForm):
    assets = AssetChoice(
        label=_("Pledged assets to dispose of"), queryset=None, widget=forms.CheckboxSelectMultiple
    )

    field_order = ["assets", "method", "valuation", "valuer", "valued_on", "reserve_price", "description"]

    def __init__(self, *args, assets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assets"].queryset = assets


class AuctionStartForm(forms.Form):
    round_hours = forms.IntegerField(
        label=_("Hours each round stays open"), min_value=1, max_value=MAX_ROUND_HOURS, initial=72
    )


class DealForm(forms.Form):
    price = forms.DecimalField(label=_("Price (yuan)"), **MONEY)
    counterparty = forms.CharField(label=_("Buyer or counterparty"), max_length=200)
    deal_on = forms.DateField(label=_("Deal concluded on"), widget=DATE)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class ReopenForm(forms.Form):
    method = forms.ChoiceField(label=_("Another method"), choices=Method.choices)


class OutsideBidderForm(forms.Form):
    name = forms.CharField(label=_("Bidder's name"), max_length=200)
    deposit_paid = forms.BooleanField(label=_("Deposit paid"), required=False)


class BidForm(forms.Form):
    amount = forms.DecimalField(label=_("Your bid (yuan)"), **MONEY)


class OfflineBidForm(forms.Form):
    bidder = forms.ModelChoiceField(label=_("Outside bidder"), queryset=Bidder.objects.none())
    amount = forms.DecimalField(label=_("Bid (yuan)"), **MONEY)

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bidder"].queryset = Bidder.objects.filter(case=case, user=None)


class ProceedsForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount received (yuan)"), **MONEY)
    received_on = forms.DateField(label=_("Received on"), widget=DATE)
    note = forms.CharField(label=_("Note"), required=False, max_length=500)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", "—"), *CaseStatus.choices])
    method = forms.ChoiceField(label=_("Method"), required=False, choices=[("", "—"), *Method.choices])


class ListingFilterForm(forms.Form):
    method = forms.ChoiceField(label=_("Method"), required=False, choices=[("", "—"), *Method.choices])
