"""The seeded 2025 and 2026 calendars, checked against the notices and two independent libraries."""

from collections import Counter
from datetime import date

import chinese_calendar
import holidays
import pytest

from portal.workdays.models import CalendarStatus, CalendarYear, DayKind, SpecialDay
from portal.workdays.services import is_workday
from tests.portal.workdays.conftest import days_of

pytestmark = pytest.mark.django_db

HOLIDAY_NAMES = {
    ("元旦", "New Year's Day"),
    ("春节", "Spring Festival"),
    ("清明节", "Qingming"),
    ("劳动节", "Labour Day"),
    ("端午节", "Dragon Boat Festival"),
    ("中秋节", "Mid-Autumn Festival"),
    ("国庆节", "National Day"),
}

# domain.md §4.1, from the notice of 2025-11-04.
MONTHLY_WORKING_DAYS_2026 = [21, 16, 22, 21, 19, 21, 23, 21, 22, 18, 21, 23]
MAKEUP_DAYS = {
    2025: [date(2025, 1, 26), date(2025, 2, 8), date(2025, 4, 27), date(2025, 9, 28), date(2025, 10, 11)],
    2026: [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ],
}


@pytest.mark.parametrize(
    ("year", "reference", "notice_date"),
    [
        (2025, "国办发明电〔2024〕12号", date(2024, 11, 12)),
        (2026, "国办发明电〔2025〕7号", date(2025, 11, 4)),
    ],
)
def test_fresh_database_holds_the_official_calendar(year, reference, notice_date):
    calendar = CalendarYear.objects.get(year=year)
    assert calendar.status == CalendarStatus.OFFICIAL
    assert calendar.notice_reference == reference
    assert calendar.notice_date == notice_date
    assert calendar.source_url.startswith("https://")


def test_2026_has_248_working_days_with_the_notice_month_by_month():
    per_month = Counter(day.month for day in days_of(2026) if is_workday(day))
    assert [per_month[month] for month in range(1, 13)] == MONTHLY_WORKING_DAYS_2026
    assert sum(per_month.values()) == 248


def test_2025_has_248_working_days():
    assert sum(is_workday(day) for day in days_of(2025)) == 248


@pytest.mark.parametrize("year", [2025, 2026])
def test_makeup_days_are_exactly_the_notice_ones_and_are_working_days(year):
    makeups = list(
        SpecialDay.objects.filter(date__year=year, kind=DayKind.MAKEUP_WORKDAY).values_list("date", flat=True)
    )
    assert makeups == MAKEUP_DAYS[year]
    assert all(is_workday(day) and day.weekday() >= 5 for day in makeups)


def test_2026_holiday_ranges_are_stored_whole_with_33_days_off():
    days_off = SpecialDay.objects.filter(date__year=2026, kind=DayKind.HOLIDAY)
    assert days_off.count() == 33
    # The Spring Festival range starts on a Sunday: the weekend day is stored so it can be named.
    assert days_off.get(date=date(2026, 2, 15)).name_zh == "春节"
    assert days_off.get(date=date(2026, 10, 4)).name_en == "National Day"


@pytest.mark.parametrize("year", [2025, 2026])
def test_stored_days_equal_the_chinesecalendar_package(year):
    stored = {row.date: row for row in SpecialDay.objects.filter(date__year=year)}
    package_off = {day for day in chinese_calendar.holidays if day.year == year}
    package_makeup = {day for day in chinese_calendar.workdays if day.year == year}
    assert {d for d, row in stored.items() if row.kind == DayKind.HOLIDAY} == package_off
    assert {d for d, row in stored.items() if row.kind == DayKind.MAKEUP_WORKDAY} == package_makeup
    assert {(row.name_zh, row.name_en) for row in stored.values()} <= HOLIDAY_NAMES
    for day in days_of(year):
        assert is_workday(day) == chinese_calendar.is_workday(day), day


# The `holidays` library is a second, independent source. Its semantics differ from ours in known ways:
# it lists statutory days and the weekdays taken off in lieu, but not the ordinary weekend days inside a
# holiday range (e.g. Sun 2026-02-15), and it names some days differently ("Chinese New Year's Eve",
# "Day off (substituted from ...)"). So names are not compared; instead every day it names must be a day
# off for us, its weekend working days must be our makeup days, and the working/non-working status of
# every single day of both years must agree.
@pytest.mark.parametrize("year", [2025, 2026])
def test_every_holiday_the_holidays_library_names_is_a_day_off(year):
    china = holidays.China(years=year)
    assert len(china) > 0
    for day, name in china.items():
        assert not is_workday(day), f"{day} ({name}) is a working day in our calendar"
        assert SpecialDay.objects.filter(date=day, kind=DayKind.HOLIDAY).exists() or day.weekday() >= 5


@pytest.mark.parametrize("year", [2025, 2026])
def test_weekend_workdays_of_the_holidays_library_are_our_makeup_days(year):
    china = holidays.China(years=year)
    theirs = sorted(day for day in china.weekend_workdays if day.year == year)
    assert theirs == MAKEUP_DAYS[year]


@pytest.mark.parametrize("year", [2025, 2026])
def test_working_day_status_agrees_with_the_holidays_library_on_every_day(year):
    china = holidays.China(years=year)
    disagreements = [day for day in days_of(year) if is_workday(day) != china.is_working_day(day)]
    assert disagreements == []
