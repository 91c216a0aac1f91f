from celery import shared_task
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.locks import single_run
from portal.notifications.services import notify_staff
from portal.workdays.services import calendar_year_is_official


@shared_task(name="portal.workdays.tasks.warn_if_next_year_not_official")
@single_run("portal.workdays.tasks.warn_if_next_year_not_official")
def warn_if_next_year_not_official() -> int:
    """Beat runs this daily in November and December: until next year's notice is entered and marked
    official, every deadline reaching into next year is provisional (domain.md §4.1). Returns how many
    staff users were notified; a second run on the same day notifies nobody (dedupe key)."""
    today = timezone.localdate()
    year = today.year + 1
    if calendar_year_is_official(year):
        return 0
    return notify_staff(
        kind="calendar.missing_year",
        subject=_("The %(year)d holiday calendar is not official yet") % {"year": year},
        body=_(
            "Deadlines that reach into %(year)d are provisional: they count only weekends and the fixed "
            "statutory holidays. When the General Office of the State Council publishes its notice on the "
            "%(year)d public holidays, enter it in the admin under Working-day calendar, Calendar years, "
            "with every holiday and makeup working day, and mark the year official."
        )
        % {"year": year},
        link=reverse("admin:workdays_calendaryear_changelist"),
        dedupe_key=f"calendar-missing-{year}-{today.isoformat()}",
    )
