"""manage.py seed_calendar YEAR [YEAR ...] [--official]."""

from datetime import date
from io import StringIO

import chinese_calendar
import pytest
from django.core.management import CommandError, call_command

from portal.workdays.models import CalendarStatus, CalendarYear, DayKind, SpecialDay
from portal.workdays.services import add_working_days, is_workday
from tests.portal.workdays.conftest import days_of

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_calendar", *args, stdout=out)
    return out.getvalue()


def test_seeding_a_known_year_as_official_matches_chinesecalendar():
    seed("2024", "--official")
    calendar = CalendarYear.objects.get(year=2024)
    assert calendar.status == CalendarStatus.OFFICIAL
    assert calendar.notice_reference
    assert calendar.special_days.filter(kind=DayKind.MAKEUP_WORKDAY).count() == 8
    assert all(is_workday(day) == chinese_calendar.is_workday(day) for day in days_of(2024))
    assert sum(is_workday(day) for day in days_of(2024)) == 251
    assert add_working_days(date(2024, 9, 30), 1).due_date == date(2024, 10, 8)
    assert add_working_days(date(2024, 9, 30), 1).provisional is False


def test_seeding_twice_changes_nothing_the_second_time():
    seed("2024", "--official")
    before = list(SpecialDay.objects.filter(date__year=2024).values_list("pk", "date", "kind", "name_zh"))
    output = seed("2024", "--official")
    assert "0 day(s) added, 0 updated, 0 removed" in output
    assert (
        list(SpecialDay.objects.filter(date__year=2024).values_list("pk", "date", "kind", "name_zh"))
        == before
    )


def test_reseeding_the_migrated_years_finds_them_already_complete():
    output = seed("2025", "2026")
    assert output.count("0 day(s) added, 0 updated, 0 removed") == 2
    assert CalendarYear.objects.get(year=2026).status == CalendarStatus.OFFICIAL


def test_without_official_a_new_year_stays_provisional():
    seed("2023")
    assert CalendarYear.objects.get(year=2023).status == CalendarStatus.PROVISIONAL
    assert SpecialDay.objects.filter(date__year=2023).exists()
    # 2023-10-06 was a day off under the notice, but a provisional year counts only 1-3 October.
    assert add_working_days(date(2023, 9, 30), 1).due_date == date(2023, 10, 4)
    assert add_working_days(date(2023, 9, 30), 1).provisional is True


def test_seeding_restores_a_day_staff_changed_and_removes_one_the_package_lacks():
    SpecialDay.objects.filter(date=date(2026, 10, 10)).update(kind=DayKind.HOLIDAY)
    SpecialDay.objects.create(
        calendar=CalendarYear.objects.get(year=2026),
        date=date(2026, 11, 30),
        kind=DayKind.HOLIDAY,
        name_zh="临时",
        name_en="Extra",
    )
    output = seed("2026")
    assert "0 day(s) added, 1 updated, 1 removed" in output
    assert is_workday(date(2026, 10, 10)) is True
    assert is_workday(date(2026, 11, 30)) is True


def test_an_unknown_year_explains_that_staff_must_enter_the_notice(english):
    with pytest.raises(CommandError) as error:
        seed("2027")
    message = str(error.value)
    assert "2027" in message
    assert "admin" in message
    assert not CalendarYear.objects.filter(year=2027).exists()


def test_known_years_are_seeded_even_when_another_one_is_unknown():
    with pytest.raises(CommandError, match="2027"):
        seed("2024", "2027")
    assert CalendarYear.objects.filter(year=2024).exists()
