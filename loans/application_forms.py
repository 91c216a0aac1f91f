"""Forms of the application pages. They parse and type the input; the rules (each product's ranges and
IP kinds, one product per bank group, the threshold, who may act) live in the services and come back
as field errors. No form carries status, bank, offer or approver fields of its own choosing."""

from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from loans.models import ApplicationStatus, DeclineReason
from loans.selectors import application_assignable_officers, product_public_list
from loans.services.applications import DOCUMENTS_MAX, PRODUCTS_MAX, RATE_MAX, TERM_MAX_MONTHS, TEXT_MAX
from pledges.selectors import asset_scope

_MONEY = {"max_digits": 14, "decimal_places": 2}


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the type and size checks are the service's (content sniffing)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            files = [single(item, initial) for item in data if item]
        else:
            files = [single(data, initial)] if data else []
        if len(files) > DOCUMENTS_MAX:
            raise forms.ValidationError(
                _("Attach at most %(max)d documents at a time."), params={"max": DOCUMENTS_MAX}
            )
        return [item for item in files if item]


class ProductChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return _(
            "%(bank)s · %(name)s (%(kinds)s; %(min)s – %(max)s yuan; %(term_min)d – %(term_max)d months)"
        ) % {
            "bank": obj.bank.name,
            "name": obj.name,
            "kinds": ", ".join(obj.ip_kind_labels),
            "min": f"{obj.amount_min:,.2f}",
            "max": f"{obj.amount_max:,.2f}",
            "term_min": obj.term_min_months,
            "term_max": obj.term_max_months,
        }


class AssetChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.get_kind_display()} {obj.number} · {obj.title}"


class ApplyForm(forms.Form):
    products = ProductChoiceField(
        label=_("Products to apply to"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("One product per bank; each bank receives its own application."),
    )
    assets = AssetChoiceField(
        label=_("IP offered as pledge"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("From your IP register."),
    )
    amount = forms.DecimalField(label=_("Amount wanted (yuan)"), min_value=Decimal("0.01"), **_MONEY)
    term_months = forms.IntegerField(label=_("Term wanted (months)"), min_value=1, max_value=TERM_MAX_MONTHS)
    purpose = forms.CharField(
        label=_("Purpose of the loan"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )
    documents = MultipleFileField(
        label=_("Documents for every bank (PDF, JPEG or PNG)"),
        required=False,
        help_text=_("For example the financial statements, the business licence or a valuation report."),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["products"].queryset = product_public_list()
        self.fields["assets"].queryset = asset_scope(user=user).order_by("kind", "number", "pk")

    def clean_products(self):
        products = self.cleaned_data["products"]
        if len(products) > PRODUCTS_MAX:
            raise forms.ValidationError(
                _("Apply to at most %(max)d products at once."), params={"max": PRODUCTS_MAX}
            )
        return products


class _StepForm(forms.Form):
    """A form of the application page, which shows several at once: ids carry the step's name so two
    forms never share one (the field names stay plain)."""

    step = "step"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.step}_%s")
        super().__init__(*args, **kwargs)


class AssignForm(_StepForm):
    step = "assign"

    officer = forms.ModelChoiceField(label=_("Officer"), queryset=None)
    reason = forms.CharField(label=_("Note (optional)"), max_length=TEXT_MAX, required=False)

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["officer"].queryset = application_assignable_officers(application)


class RequestInfoForm(_StepForm):
    step = "request_info"

    note = forms.CharField(
        label=_("What the bank needs to know"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3})
    )


class RespondForm(_StepForm):
    step = "respond"

    note = forms.CharField(
        label=_("Your answer"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    documents = MultipleFileField(label=_("Documents for this bank (PDF, JPEG or PNG)"), required=False)

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("note") or "").strip() and not cleaned.get("documents"):
            raise forms.ValidationError(
                _("Answer the bank's question, or attach the documents it asked for.")
            )
        return cleaned


class ApproveForm(_StepForm):
    step = "approve"

    amount = forms.DecimalField(label=_("Approved amount (yuan)"), min_value=Decimal("0.01"), **_MONEY)
    rate_pct = forms.DecimalField(
        label=_("Annual rate (%)"), min_value=Decimal("0"), max_value=RATE_MAX, max_digits=5, decimal_places=2
    )
    term_months = forms.IntegerField(label=_("Term (months)"), min_value=1, max_value=TERM_MAX_MONTHS)
    conditions = forms.CharField(
        label=_("Conditions"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class SendBackForm(_StepForm):
    step = "send_back"

    reason = forms.CharField(label=_("Why it goes back"), max_length=TEXT_MAX)


class DeclineForm(_StepForm):
    step = "decline"

    reason_code = forms.ChoiceField(
        label=_("Reason"), choices=[("", _("Choose the reason")), *DeclineReason.choices]
    )
    note = forms.CharField(
        label=_("Explanation"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class WithdrawForm(_StepForm):
    step = "withdraw"

    reason = forms.CharField(label=_("Reason (optional)"), max_length=TEXT_MAX, required=False)


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *ApplicationStatus.choices], required=False
    )
    assigned = forms.ChoiceField(
        label=_("Assigned"),
        choices=[("", _("Anyone")), ("mine", _("To me")), ("unassigned", _("Nobody yet"))],
        required=False,
    )
    search = forms.CharField(label=_("Request number or enterprise"), max_length=100, required=False)
