from django import forms
from django.utils.translation import gettext_lazy as _

from portal.workdays.calculations import MAX_DAYS
from portal.workdays.services import EARLIEST_START, LATEST_START

WORKING_DAYS = "working_days"
CALENDAR_DAYS = "calendar_days"


class DueDateForm(forms.Form):
    """The calculator without JavaScript; ``mode`` says whether ``n`` counts working or calendar days."""

    start = forms.DateField(label=_("Start date (not counted)"), input_formats=["%Y-%m-%d"])
    n = forms.IntegerField(label=_("Number of days"), min_value=1, max_value=MAX_DAYS)
    mode = forms.ChoiceField(
        label=_("Count"),
        choices=[(WORKING_DAYS, _("working days")), (CALENDAR_DAYS, _("calendar days"))],
        initial=WORKING_DAYS,
    )

    def clean_start(self):
        start = self.cleaned_data["start"]
        if not EARLIEST_START <= start <= LATEST_START:
            raise forms.ValidationError(
                _("Enter a date from %(first)s to %(last)s.")
                % {"first": EARLIEST_START.isoformat(), "last": LATEST_START.isoformat()}
            )
        return start
