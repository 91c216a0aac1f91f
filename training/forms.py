from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from training.models import Audience, Commendation, Course, Programme

_DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class ProgrammeForm(forms.ModelForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=100000)
    completion_hours_share = forms.DecimalField(
        label=_("Share of the hours to attend for completion"),
        min_value=Decimal("0.0100"),
        max_value=Decimal("1.0000"),
        max_digits=5,
        decimal_places=4,
        initial=Decimal("0.8000"),
        help_text=_("For example 0.8000: attend at least 0.8 of the programme's hours."),
    )

    class Meta:
        model = Programme
        fields = ["title", "audience", "description", "year", "capacity", "completion_hours_share"]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year


class CourseForm(forms.ModelForm):
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.01"),
        max_value=Decimal("999.99"),
        max_digits=6,
        decimal_places=2,
    )
    capacity = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100000, required=False)
    online_link = forms.URLField(
        label=_("Online link"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = Course
        fields = ["title", "teacher", "starts_at", "ends_at", "place", "online_link", "hours", "capacity"]
        widgets = {"starts_at": _DATETIME, "ends_at": _DATETIME}

    def clean(self):
        data = super().clean()
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The course must end after it starts."))
        if not data.get("place") and not data.get("online_link") and "online_link" not in self.errors:
            self.add_error("place", _("Give the place, or the online link, or both."))
        return data


class ProgrammeFilterForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("Audience"), choices=[("", _("All audiences")), *Audience.choices], required=False
    )
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100, required=False)


class VerifyForm(forms.Form):
    number = forms.RegexField(
        label=_("Certificate number"),
        regex=r"^\s*[A-Za-z]{2}-\d{4}-\d{6}\s*$",
        max_length=20,
        error_messages={"invalid": _("A certificate number looks like PX-2026-000123.")},
    )
    code = forms.RegexField(
        label=_("Verification code"),
        regex=r"^\s*[A-Za-z0-9]{6,12}\s*$",
        max_length=14,
        error_messages={"invalid": _("The verification code is printed under the certificate number.")},
    )


class CommendationForm(forms.ModelForm):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)

    class Meta:
        model = Commendation
        fields = ["year", "kind", "name", "organisation_name", "citation"]
        widgets = {"citation": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.instance.pk:
            self.fields["year"].initial = timezone.localdate().year
