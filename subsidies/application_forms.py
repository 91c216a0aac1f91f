"""Forms of the enterprise's subsidy application pages and the banks' confirmations. They parse and type the
input; the rules (the loan is the enterprise's, the invoice not claimed twice, the file's real type, the
application still editable, who may act) live in subsidies.applications and come back as field errors
under the same field names."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organisation, OrgKind
from subsidies.models import ApplicationStatus, FeeKind
from subsidies.permissions import batch_scope

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_MONEY = {"max_digits": 14, "decimal_places": 2}
_FILE = forms.ClearableFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"})
TEXT_MAX = 2000


class _PageForm(forms.Form):
    """The application page shows several forms at once: ids carry the form's name so two forms never
    share one (the field names stay plain, as the services name them)."""

    form_name = "form"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.form_name}_%s")
        super().__init__(*args, **kwargs)


class DetailsForm(_PageForm):
    form_name = "details"

    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    bank_account_name = forms.CharField(
        label=_("Account name"), max_length=200, help_text=_("The enterprise's own account, in its name.")
    )
    bank_account_bank = forms.CharField(label=_("Account bank"), max_length=200)
    bank_account_number = forms.CharField(label=_("Account number"), max_length=40)

    FIELDS = (
        "contact_name",
        "contact_phone",
        "bank_account_name",
        "bank_account_bank",
        "bank_account_number",
    )

    @classmethod
    def for_application(cls, application, data=None):
        return cls(data, initial={name: getattr(application, name) for name in cls.FIELDS})


class LoanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.reference} · {obj.contract_number or '—'} · {obj.bank.name}"


class PortalLoanForm(forms.Form):
    """One of the enterprise's settled loans the portal holds (``eligible_portal_loans``)."""

    loan = LoanChoiceField(label=_("Loan"), queryset=None, widget=forms.HiddenInput)
    district_programme = forms.BooleanField(label=_("Also claimed in a district programme"), required=False)

    def __init__(self, *args, loans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loan"].queryset = loans
        self.fields["loan"].error_messages["invalid_choice"] = _(
            "This loan cannot be added: it is not one of your enterprise's settled loans, or it is already in "
            "the application."
        )


class BankChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.name


def active_banks():
    return Organisation.objects.filter(kind=OrgKind.BANK, is_active=True).order_by("name", "pk")


class LoanFiguresForm(_PageForm):
    """The figures the calculation reads (the preview parses only these)."""

    form_name = "entered"

    interest_paid = forms.DecimalField(label=_("Interest paid (yuan)"), min_value=Decimal("0"), **_MONEY)
    annual_rate_pct = forms.DecimalField(
        label=_("Annual rate (%)"),
        min_value=Decimal("0.01"),
        max_value=Decimal("100"),
        max_digits=5,
        decimal_places=2,
    )
    ip_share = forms.DecimalField(
        label=_("IP share"),
        min_value=Decimal("0.0001"),
        max_value=Decimal("1"),
        max_digits=5,
        decimal_places=4,
        initial=Decimal("1"),
        help_text=_("1 for a loan secured by IP only; the bank's certified share for a combination loan."),
    )
    disbursed_on = forms.DateField(label=_("Disbursed on"), widget=_DATE)
    settled_on = forms.DateField(label=_("Settled on"), widget=_DATE)
    pledge_registered_on = forms.DateField(label=_("Pledge registered on"), widget=_DATE)

    FIGURES = (
        "interest_paid",
        "annual_rate_pct",
        "ip_share",
        "disbursed_on",
        "settled_on",
        "pledge_registered_on",
    )

    def clean(self):
        cleaned = super().clean()
        disbursed, settled = cleaned.get("disbursed_on"), cleaned.get("settled_on")
        if disbursed and settled and settled < disbursed:
            self.add_error("settled_on", _("A loan cannot be settled before it was disbursed."))
        return cleaned


class EnteredLoanForm(LoanFiguresForm):
    """A loan the portal does not hold: its figures and the evidence its bank will confirm."""

    bank = BankChoiceField(label=_("Lending bank"), queryset=None, empty_label=_("Choose the bank"))
    contract_number = forms.CharField(label=_("Contract number"), max_length=64)
    principal = forms.DecimalField(label=_("Principal (yuan)"), min_value=Decimal("0.01"), **_MONEY)
    district_programme = forms.BooleanField(label=_("Also claimed in a district programme"), required=False)
    evidence = forms.FileField(
        label=_("Evidence (PDF, JPEG or PNG)"),
        widget=_FILE,
        help_text=_(
            "The loan contract and the interest-payment vouchers; the bank checks the figures against them."
        ),
    )

    field_order = [
        "bank",
        "contract_number",
        "principal",
        "interest_paid",
        "annual_rate_pct",
        "ip_share",
        "disbursed_on",
        "settled_on",
        "pledge_registered_on",
        "district_programme",
        "evidence",
    ]
    VALUES = ("bank", "contract_number", "principal", *LoanFiguresForm.FIGURES, "district_programme")

    def __init__(self, *args, evidence_required: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bank"].queryset = active_banks()
        self.fields["evidence"].required = evidence_required
        if not evidence_required:
            self.fields["evidence"].help_text = _("Leave empty to keep the file already attached.")

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.VALUES}


class CorrectLoanForm(EnteredLoanForm):
    """An entered loan corrected (its bank stays: a loan of another bank is another loan)."""

    form_name = "correct"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("evidence_required", False)
        super().__init__(*args, **kwargs)
        del self.fields["bank"]

    VALUES = ("contract_number", "principal", *LoanFiguresForm.FIGURES, "district_programme")

    @classmethod
    def for_line(cls, line, data=None, files=None):
        initial = {name: getattr(line, name) for name in cls.VALUES}
        return cls(data, files, initial=initial)


class FeeForm(_PageForm):
    form_name = "fee"

    kind = forms.ChoiceField(label=_("Fee"), choices=[("", _("Choose the kind of fee")), *FeeKind.choices])
    payee = forms.CharField(label=_("Paid to"), max_length=200)
    invoice_code = forms.CharField(label=_("Invoice code"), max_length=20, required=False)
    invoice_number = forms.CharField(label=_("Invoice number"), max_length=20)
    invoice_date = forms.DateField(label=_("Invoice date"), widget=_DATE)
    amount = forms.DecimalField(label=_("Amount paid (yuan)"), min_value=Decimal("0.01"), **_MONEY)
    loan_contract = forms.ChoiceField(
        label=_("For the loan (contract number)"),
        help_text=_("A fee is subsidised for a loan of this application: add the loan first."),
    )
    invoice = forms.FileField(label=_("Invoice (PDF, JPEG or PNG)"), widget=_FILE)

    VALUES = ("kind", "payee", "invoice_code", "invoice_number", "invoice_date", "amount", "loan_contract")

    def __init__(self, *args, contracts, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loan_contract"].choices = [
            ("", _("Choose the loan")),
            *((number, number) for number in contracts),
        ]

    def values(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.VALUES}


class MaterialForm(forms.Form):
    file = forms.FileField(label=_("File (PDF, JPEG or PNG)"), widget=_FILE)

    def __init__(self, *args, item, **kwargs):
        kwargs.setdefault("auto_id", f"material{item.pk}_%s")
        super().__init__(*args, **kwargs)


class WithdrawForm(_PageForm):
    form_name = "withdraw"

    reason = forms.CharField(
        label=_("Why the application is withdrawn"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ConfirmForm(forms.Form):
    """The bank's answer on one entered loan: confirm, or dispute with a note (two buttons, one form)."""

    CONFIRM, DISPUTE = "confirm", "dispute"

    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[(CONFIRM, _("Confirm the figures")), (DISPUTE, _("Dispute the figures"))],
    )
    note = forms.CharField(
        label=_("Note (required to dispute: which figures are wrong and what the bank's records show)"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, line, **kwargs):
        kwargs.setdefault("auto_id", f"line{line.pk}_%s")
        super().__init__(*args, **kwargs)


class ApplicationFilterForm(forms.Form):
    """The oversight roles' filters on the list of every application."""

    batch = forms.ModelChoiceField(label=_("Batch"), queryset=None, required=False, empty_label=_("All"))
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ApplicationStatus.choices], required=False
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["batch"].queryset = batch_scope(user)
