"""The beat task that reminds staff, in November and December, that next year's calendar is missing."""

import pytest
from django.urls import reverse
from freezegun import freeze_time

from portal.notifications.models import Notification
from portal.notifications.services import notify_staff
from portal.workdays.tasks import warn_if_next_year_not_official

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _urlconf_loaded_before_the_clock_is_frozen():
    # Loading the URLconf imports psycopg's C module; under freezegun's fake datetime it would be built
    # against the wrong type ("datetime.date size changed").
    reverse("admin:workdays_calendaryear_changelist")


def test_notify_staff_has_the_signature_the_task_relies_on():
    assert notify_staff.__kwdefaults__ == {"link": "", "dedupe_key": None}


@freeze_time("2026-11-27 09:00:00+08:00")
def test_staff_are_told_once_a_day_that_next_year_is_not_official(staff_admin, commissioner):
    # Only is_staff users are notified; the commissioner is not staff.
    assert warn_if_next_year_not_official.delay().get() == 1
    assert warn_if_next_year_not_official.delay().get() == 0
    notification = Notification.objects.get()
    assert notification.recipient == staff_admin
    assert notification.kind == "calendar.missing_year"
    assert "2027" in notification.subject
    assert notification.link == reverse("admin:workdays_calendaryear_changelist")


@freeze_time("2026-11-27 09:00:00+08:00")
def test_the_next_day_brings_a_new_reminder(staff_admin):
    assert warn_if_next_year_not_official() == 1
    with freeze_time("2026-11-28 09:00:00+08:00"):
        assert warn_if_next_year_not_official() == 1


@freeze_time("2025-11-20 09:00:00+08:00")
def test_nobody_is_told_when_next_year_is_official(staff_admin):
    # 2026 is official in a fresh database.
    assert warn_if_next_year_not_official() == 0
