"""Forms of the IP register pages: one asset form per IP kind, and the legal-status feed upload."""

from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.identifiers.fields import (
    CopyrightNumberFormField,
    NiceClassFormField,
    PatentNumberFormField,
    TrademarkNumberFormField,
)
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind

MAX_FEED_BYTES = 5 * 1024 * 1024
FEED_EXTENSIONS = (".csv", ".json")


class _DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        # The browser's date picker sends and expects ISO dates whatever the page language.
        kwargs.setdefault("format", "%Y-%m-%d")
        super().__init__(**kwargs)


def _date_field(label, help_text=""):
    return forms.DateField(label=label, required=False, help_text=help_text, widget=_DateInput())


class _AssetForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=300)
    holders = forms.CharField(
        label=_("Co-owners"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One co-owner per line, exactly as in the register. Your organisation is entered as the "
            "primary holder. A co-owned asset needs every co-owner's consent to be pledged."
        ),
    )

    def clean_holders(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["holders"].splitlines() if line.strip()]


class PatentAssetForm(_AssetForm):
    number = PatentNumberFormField(
        label=_("Patent number"), help_text=_("For example ZL201310699744.2; ZL or CN in front is optional.")
    )
    patent_type = forms.ChoiceField(
        label=_("Patent type"),
        required=False,
        choices=[("", "—"), *PatentType.choices],
        help_text=_("Only needed for numbers from before October 2003, which do not always state the type."),
    )
    filing_date = _date_field(_("Filing date"), _("The term is counted from this date."))
    grant_date = _date_field(_("Grant date"), _("Leave empty while the application is not yet granted."))
    annual_fee_paid_through = _date_field(
        _("Annual fee paid through"), _("The last day covered by the annual fees paid so far.")
    )
    field_order = ["number", "title", "patent_type", "filing_date", "grant_date", "annual_fee_paid_through"]


class TrademarkAssetForm(_AssetForm):
    number = TrademarkNumberFormField(
        label=_("Registration number"),
        help_text=_("The N of 第N号 on the certificate; G in front for an international registration."),
    )
    nice_class = NiceClassFormField(label=_("Nice class"))
    grant_date = _date_field(_("Registration date"))
    valid_until = _date_field(_("Valid until"), _("The last day of the current 10-year term."))
    field_order = ["number", "nice_class", "title", "grant_date", "valid_until"]


class CopyrightAssetForm(_AssetForm):
    number = CopyrightNumberFormField(
        label=_("Registration number"), help_text=_("For example 国作登字-2021-L-00268255 or 2021SR0123456.")
    )
    grant_date = _date_field(_("Registration date"))
    valid_until = _date_field(_("Term ends"), _("Only if known."))
    field_order = ["number", "title", "grant_date", "valid_until"]


class DataIpAssetForm(_AssetForm):
    number = forms.CharField(label=_("Certificate number"), max_length=64)
    grant_date = _date_field(_("Registration date"))
    valid_until = _date_field(_("Valid until"))
    field_order = ["number", "title", "grant_date", "valid_until"]


ASSET_FORMS: dict[str, type[_AssetForm]] = {
    IpKind.PATENT: PatentAssetForm,
    IpKind.TRADEMARK: TrademarkAssetForm,
    IpKind.COPYRIGHT: CopyrightAssetForm,
    IpKind.DATA_IP: DataIpAssetForm,
}


class LegalStatusImportForm(forms.Form):
    file = forms.FileField(
        label=_("Feed file"),
        help_text=_(
            "CSV (UTF-8) or JSON, at most 5 MB; the format is described in docs/legal-status-feed.md."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(FEED_EXTENSIONS)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_FEED_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB; split it into smaller files."))
        if PurePath(upload.name).suffix.lower() not in FEED_EXTENSIONS:
            raise forms.ValidationError(_("Upload a .csv or .json file."))
        return upload
