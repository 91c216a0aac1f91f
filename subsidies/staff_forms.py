"""Forms of the IP bureau's and the finance bureau's subsidy pages and of the public notice. They parse
input only; the rules live in the services (subsidies.batches, checklists, review, payments)."""

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.policy.models import PolicyParameterSet
from subsidies import parameters as params
from subsidies.models import ApplicationStatus, Batch, MaterialScope, Verdict

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")  # what a date input reads
_TEXT = forms.Textarea(attrs={"rows": 2})
_S = ApplicationStatus


class BatchForm(forms.Form):
    year = forms.IntegerField(
        label=_("Batch year"),
        min_value=2000,
        max_value=2100,
        help_text=_("Chooses the year's policy parameters; fixed once the batch is published."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    opens_on = forms.DateField(label=_("Applications open on"), widget=_DATE)
    closes_on = forms.DateField(label=_("Applications close on"), widget=_DATE)
    budget = forms.DecimalField(label=_("Budget (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    budget_source = forms.CharField(
        label=_("Budget allocated by"),
        max_length=200,
        required=False,
        help_text=_("The finance bureau's notice."),
    )
    publicity_working_days = forms.IntegerField(
        label=_("Publicity period (working days)"), min_value=1, max_value=60, initial=5
    )

    @classmethod
    def for_batch(cls, batch: Batch, data=None) -> "BatchForm":
        return cls(data, initial={name: getattr(batch, name) for name in cls.base_fields})


class TransitionForm(forms.Form):
    to = forms.ChoiceField(choices=())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].choices = list(choices)


class ParameterCorrectionForm(forms.Form):
    """One field per parameter of ``PARAMETER_FIELDS``, prefilled with the batch's current version."""

    reason = forms.CharField(
        label=_("Reason for the correction"),
        widget=_TEXT,
        help_text=_("For example the notice's erratum. Kept with the new parameter version."),
    )

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        fields = {}
        for name in params.PARAMETER_FIELDS:
            label = params.label(name)
            model_field = PolicyParameterSet._meta.get_field(name)
            if isinstance(model_field, models.BooleanField):
                fields[name] = forms.BooleanField(
                    label=label, required=False, initial=bool(current.get(name))
                )
            elif isinstance(model_field, models.DateField):
                fields[name] = forms.DateField(label=label, widget=_DATE, initial=current.get(name))
            else:
                fields[name] = forms.CharField(
                    label=label,
                    initial=current.get(name),
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}),
                )
        reason = self.fields.pop("reason")
        self.fields.update(fields)
        self.fields["reason"] = reason

    def changes(self) -> dict:
        return {name: self.cleaned_data[name] for name in params.PARAMETER_FIELDS}


class BudgetForm(forms.Form):
    budget = forms.DecimalField(label=_("Budget (yuan)"), max_digits=14, decimal_places=2, min_value=0)
    budget_source = forms.CharField(label=_("Allocated by (the finance bureau's notice)"), max_length=200)
    reason = forms.CharField(label=_("Reason"), required=False, widget=_TEXT)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=_TEXT)


class ChecklistItemForm(forms.Form):
    title = forms.CharField(label=_("Material"), max_length=200)
    scope = forms.ChoiceField(label=_("Required for"), choices=MaterialScope.choices)
    needs_signature = forms.BooleanField(label=_("Signed"), required=False)
    needs_seal = forms.BooleanField(label=_("Sealed"), required=False)
    needs_colour_scan = forms.BooleanField(label=_("Colour scan"), required=False)
    template = forms.FileField(
        label=_("Template to download"),
        required=False,
        help_text=_("A PDF, Word (.docx) or Excel (.xlsx) file the enterprise fills in."),
    )
    remove_template = forms.BooleanField(label=_("Remove the current template"), required=False)

    def __init__(self, *args, item=None, **kwargs):
        if item is not None:
            kwargs.setdefault(
                "initial",
                {
                    name: getattr(item, name)
                    for name in ("title", "scope", "needs_signature", "needs_seal", "needs_colour_scan")
                },
            )
        super().__init__(*args, **kwargs)
        if item is None or not item.template:
            del self.fields["remove_template"]


class MoveForm(forms.Form):
    direction = forms.ChoiceField(choices=[("up", _("Up")), ("down", _("Down"))])


class QueueFilterForm(forms.Form):
    DEFAULT_STATUSES = [_S.SUBMITTED, _S.UNDER_REVIEW, _S.PROPOSED]

    batch = forms.ModelChoiceField(
        label=_("Batch"), queryset=Batch.objects.all(), required=False, empty_label=_("All batches")
    )
    status = forms.MultipleChoiceField(
        label=_("Status"),
        choices=ApplicationStatus.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def statuses(self) -> list[str]:
        return (self.cleaned_data.get("status") if self.is_valid() else None) or self.DEFAULT_STATUSES


class MaterialCheckForm(forms.Form):
    verdict = forms.ChoiceField(
        label=_("Check"), choices=[(Verdict.OK, _("In order")), (Verdict.FAILING, _("Needs correcting"))]
    )
    note = forms.CharField(label=_("What to correct"), required=False, max_length=1000)


class CorrectionForm(forms.Form):
    message = forms.CharField(
        label=_("Message to the enterprise"),
        required=False,
        widget=_TEXT,
        help_text=_("The items marked as needing correction are listed for the enterprise as well."),
    )


class ProposeForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Proposal"), choices=[("approve", _("Approve")), ("reject", _("Reject"))], initial="approve"
    )
    amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        max_digits=14,
        decimal_places=2,
        min_value=0,
        required=False,
        help_text=_("The calculated subsidy unless you adjust it (at most the calculation, with a reason)."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        widget=_TEXT,
        help_text=_("Required for a rejection or an amount that differs from the calculation."),
    )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Confirm the proposal")), ("return", _("Return to the first reviewer"))],
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, widget=_TEXT, help_text=_("Required when you return it.")
    )


class ObjectionResolveForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("dismissed", _("Dismissed")), ("upheld", _("Upheld: the case goes back to review"))],
    )
    resolution = forms.CharField(label=_("Resolution"), widget=_TEXT)


class ObjectionLodgeForm(forms.Form):
    application = forms.TypedChoiceField(label=_("Application objected to"), coerce=int, choices=())
    name = forms.CharField(label=_("Your name"), max_length=100)
    contact = forms.CharField(label=_("How to reach you"), max_length=200)
    text = forms.CharField(
        label=_("Your objection"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, applications=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = [
            (application.pk, f"{application.reference} · {application.enterprise.name}")
            for application in applications
        ]


class MarkPaidForm(forms.Form):
    paid_on = forms.DateField(label=_("Paid on"), widget=_DATE)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["paid_on"].initial = timezone.localdate()
