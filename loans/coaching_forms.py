"""Forms of the coaching pages. They parse and type the input; the rules (who may, which status, a date
not in the future) live in ``loans.services.coaching`` and come back as field errors."""

from django import forms
from django.core.validators import RegexValidator
from django.utils.timezone import localdate
from django.utils.translation import gettext_lazy as _

from loans.models import CoachingStatus, CoachingTopic, SessionMode
from loans.services.coaching import PHONE_PATTERN, REASON_MAX, TEXT_MAX

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class CoachingRequestForm(forms.Form):
    topic = forms.ChoiceField(label=_("What would you like help with?"), choices=CoachingTopic.choices)
    message = forms.CharField(
        label=_("Your question"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What you want to know, and anything the coach should know first."),
    )
    contact_phone = forms.CharField(
        label=_("Phone number for the coach"),
        max_length=20,
        required=False,
        validators=[
            RegexValidator(PHONE_PATTERN, _("Enter a phone number: digits, spaces, +, - and brackets."))
        ],
        help_text=_("Leave empty to be contacted through the portal."),
    )


class CoachingFilterForm(forms.Form):
    """The lists' GET filters; every field optional, a bad value is an error shown on the page."""

    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *CoachingStatus.choices], required=False
    )
    topic = forms.ChoiceField(
        label=_("Topic"), choices=[("", _("All")), *CoachingTopic.choices], required=False
    )
    search = forms.CharField(label=_("Enterprise"), max_length=100, required=False)


class CoachChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        organisation = getattr(obj, "coach_organisation", "")
        return f"{obj} · {organisation}" if organisation else str(obj)


class CoachingAssignForm(forms.Form):
    coach = CoachChoiceField(label=_("Coach"), queryset=None, empty_label=_("Choose a coach"))
    reason = forms.CharField(
        label=_("Note for the record"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, coaches, **kwargs):
        kwargs.setdefault("auto_id", "assign_%s")
        super().__init__(*args, **kwargs)
        self.fields["coach"].queryset = coaches


class CoachingSessionForm(forms.Form):
    held_on = forms.DateField(label=_("Held on"), widget=_DATE)
    mode = forms.ChoiceField(label=_("How"), choices=SessionMode.choices)
    advice = forms.CharField(
        label=_("Advice given"), max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4})
    )
    next_steps = forms.CharField(
        label=_("Next steps"), max_length=TEXT_MAX, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "session_%s")
        kwargs.setdefault("initial", {"held_on": localdate()})
        super().__init__(*args, **kwargs)


class CoachingMoveForm(forms.Form):
    """Close or cancel: the step (one the page offered) and an optional note."""

    to = forms.ChoiceField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("Note (optional)"),
        max_length=REASON_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args, to: str, **kwargs):
        kwargs.setdefault("auto_id", f"{to}_%s")
        kwargs.setdefault("initial", {"to": to})
        super().__init__(*args, **kwargs)
        self.to = to
        self.fields["to"].choices = [(to, to)]


class TimelineEnterpriseForm(forms.Form):
    """The promotion centre's search for whose timeline to read."""

    q = forms.CharField(label=_("Enterprise name or credit code"), max_length=100, required=False)
    enterprise = forms.IntegerField(min_value=1, required=False, widget=forms.HiddenInput)
