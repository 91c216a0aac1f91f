"""Forms of the ratings pages: the five-point rating, a follow-up's record, the report's filters."""

from datetime import date

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ratings.models import FollowUpKind, FollowUpStatus, Score

SCALE_CHOICES = [(str(value), label) for value, label in Score.choices]


def _scale(label, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        help_text=help_text,
        choices=SCALE_CHOICES,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose one of the five answers.")},
    )


class RatingForm(forms.Form):
    score = _scale(_("Overall, how satisfied are you with this service?"))
    timeliness = _scale(_("Timeliness: was the case handled within the promised time?"))
    helpfulness = _scale(_("Helpfulness: did the staff in charge guide and help you?"))
    clarity = _scale(_("Clarity: were the requirements and the outcome explained clearly?"))
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Required when you are dissatisfied: say what went wrong so it can be put right."),
    )

    SCALES = ("score", "timeliness", "helpfulness", "clarity")

    def scales(self):
        return [self[name] for name in self.SCALES]


class DeclineForm(forms.Form):
    reason = forms.CharField(label=_("Why not (optional)"), required=False, max_length=500)


class FollowUpForm(forms.Form):
    note = forms.CharField(label=_("Record"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5}))

    def __init__(self, *args, kind: str, **kwargs):
        super().__init__(*args, **kwargs)
        if kind == FollowUpKind.CALLBACK:
            self.fields["note"].label = _("What the rater said on the callback")
        else:
            self.fields["note"].label = _("What was fixed")


class FollowUpFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *list(FollowUpStatus.choices)]
    )
    kind = forms.ChoiceField(
        label=_("Task"), required=False, choices=[("", _("All")), *list(FollowUpKind.choices)]
    )


class ReportFilterForm(forms.Form):
    date_from = forms.DateField(label=_("From"), widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), widget=forms.DateInput(attrs={"type": "date"}))
    cut = forms.ChoiceField(label=_("Group by"))

    def __init__(self, *args, cuts: list[tuple[str, str]], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cut"].choices = cuts

    @staticmethod
    def defaults(first_cut: str) -> dict:
        today = timezone.localdate()
        return {"date_from": date(today.year, 1, 1), "date_to": today, "cut": first_cut}

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_from"] > data["date_to"]:
            self.add_error("date_to", _("The end of the period cannot be before its start."))
        return data
