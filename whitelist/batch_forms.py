from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from whitelist.models import Decision, ExclusionReason, RunStatus, ScreeningRun


class BatchCreateForm(forms.Form):
    run = forms.ModelChoiceField(
        label=_("Screening run"),
        queryset=ScreeningRun.objects.filter(status=RunStatus.DONE).select_related("rule_set"),
        empty_label=None,
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),  # what a date input reads
        help_text=_("Banks treat the published entries as current until this day."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["valid_until"].initial = timezone.localdate() + timedelta(days=365)
        self.fields["run"].label_from_instance = lambda run: (
            _("%(rules)s, %(when)s: %(passed)s candidates")
            % {"rules": run.rule_set, "when": f"{run.requested_at:%Y-%m-%d %H:%M}", "passed": run.passed}
        )


class EntryFilterForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Show"), required=False, choices=[("", _("All enterprises")), *Decision.choices]
    )


class DecideForm(forms.Form):
    entries = forms.TypedMultipleChoiceField(label=_("Enterprises"), coerce=int, choices=())
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[(Decision.INCLUDED, _("Include")), (Decision.EXCLUDED, _("Exclude"))]
    )
    reason = forms.ChoiceField(
        label=_("Reason for an exclusion"), required=False, choices=[("", "—"), *ExclusionReason.choices]
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=300)

    def __init__(self, *args, entry_ids=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["entries"].choices = [(pk, pk) for pk in entry_ids]


class SendBackForm(forms.Form):
    reason = forms.CharField(label=_("What needs another look"), widget=forms.Textarea(attrs={"rows": 2}))
