"""Due-date lookups: the worked examples, year boundaries, provisional years, caching."""

from datetime import date

import pytest
from django.core.cache import cache
from django.utils import translation

from portal.workdays import calculations, services
from portal.workdays.models import CalendarStatus, CalendarYear, DayKind, SpecialDay
from portal.workdays.services import (
    DueDate,
    add_calendar_days_rolled,
    add_working_days,
    calendar_cache_invalidate,
    calendar_year_is_official,
    is_workday,
)

pytestmark = pytest.mark.django_db


def english(function, *args):
    with translation.override("en"):
        return function(*args)


# --- domain.md §5, E1-E3 --------------------------------------------------------------------------


def test_e1_makeup_saturday_counts_and_spring_festival_is_skipped():
    result = english(add_working_days, date(2026, 2, 12), 3)
    assert result.due_date == date(2026, 2, 24)
    assert result.provisional is False
    assert result.warnings == []
    assert result.skipped == [(date(2026, 2, d), "Spring Festival") for d in range(15, 24)]


def test_e2_labour_day_holiday_pushes_one_working_day_to_may_6():
    result = english(add_working_days, date(2026, 4, 30), 1)
    assert result.due_date == date(2026, 5, 6)
    assert [day for day, _ in result.skipped] == [date(2026, 5, d) for d in range(1, 6)]
    assert {reason for _, reason in result.skipped} == {"Labour Day"}


def test_e3_three_working_days_end_on_the_makeup_saturday_after_national_day():
    result = english(add_working_days, date(2026, 9, 30), 3)
    assert result.due_date == date(2026, 10, 10)
    assert result.skipped == [(date(2026, 10, d), "National Day") for d in range(1, 8)]


def test_calculation_kinds_are_the_model_choices():
    assert {calculations.HOLIDAY, calculations.MAKEUP_WORKDAY} == set(DayKind.values)


def test_due_date_is_a_frozen_dataclass():
    result = add_working_days(date(2026, 3, 2), 1)
    assert isinstance(result, DueDate)
    with pytest.raises(AttributeError):
        result.due_date = date(2030, 1, 1)


# --- ordinary counting -----------------------------------------------------------------------------


def test_start_day_is_not_counted_and_weekends_are_skipped_by_name():
    # Fri 2026-03-06 + 1 working day -> Mon 2026-03-09.
    result = english(add_working_days, date(2026, 3, 6), 1)
    assert result.due_date == date(2026, 3, 9)
    assert result.skipped == [(date(2026, 3, 7), "Weekend"), (date(2026, 3, 8), "Weekend")]


def test_starting_on_a_holiday_counts_from_the_first_working_day_after_it():
    assert add_working_days(date(2026, 10, 1), 1).due_date == date(2026, 10, 8)


def test_weekend_reason_goes_through_translation():
    with translation.override("zh-hans"):
        result = add_working_days(date(2026, 3, 6), 1)
        assert [reason for _, reason in result.skipped] == [translation.gettext("Weekend")] * 2


def test_holiday_names_follow_the_active_language():
    with translation.override("zh-hans"):
        assert {r for _, r in add_working_days(date(2026, 9, 30), 3).skipped} == {"国庆节"}
    with translation.override("en"):
        assert {r for _, r in add_working_days(date(2026, 9, 30), 3).skipped} == {"National Day"}


def test_mid_autumn_2025_falling_inside_national_day_keeps_its_own_name():
    result = english(add_working_days, date(2025, 9, 30), 1)
    assert result.due_date == date(2025, 10, 9)
    assert dict(result.skipped)[date(2025, 10, 6)] == "Mid-Autumn Festival"
    assert dict(result.skipped)[date(2025, 10, 1)] == "National Day"


def test_a_full_year_of_working_days_ends_on_the_last_working_day_of_the_year():
    result = add_working_days(date(2024, 12, 31), 248)
    # 2025 has exactly 248 working days, the last being Wed 2025-12-31.
    assert result.due_date == date(2025, 12, 31)
    assert result.provisional is False
    assert add_working_days(date(2025, 12, 31), 248).due_date == date(2026, 12, 31)


# --- year boundaries -------------------------------------------------------------------------------


def test_running_into_2027_is_provisional_with_a_warning_naming_2027():
    result = english(add_working_days, date(2026, 12, 30), 3)
    # Thu 12-31 = 1; Fri 2027-01-01 New Year (fixed statutory); weekend; Mon 01-04 = 2; Tue 01-05 = 3.
    assert result.due_date == date(2027, 1, 5)
    assert result.provisional is True
    assert len(result.warnings) == 1
    assert "2027" in result.warnings[0]
    assert result.skipped[0] == (date(2027, 1, 1), "New Year's Day")


def test_crossing_new_year_2025_to_2026_uses_both_official_calendars():
    # 2026-01-01..03 off, Sun 01-04 is a makeup working day.
    result = english(add_working_days, date(2025, 12, 31), 1)
    assert result.due_date == date(2026, 1, 4)
    assert result.provisional is False
    assert [reason for _, reason in result.skipped] == ["New Year's Day"] * 3


def test_a_result_wholly_inside_official_years_is_not_provisional_even_if_start_year_is_not():
    # 2024 has no calendar in a fresh database, but no day of 2024 is counted (Art. 201).
    result = add_working_days(date(2024, 12, 31), 1)
    assert result.due_date == date(2025, 1, 2)
    assert result.provisional is False


# --- calendar days (Civil Code Art. 203) -----------------------------------------------------------


def test_calendar_days_ending_on_a_holiday_roll_to_the_next_working_day():
    result = english(add_calendar_days_rolled, date(2026, 9, 24), 7)
    assert result.due_date == date(2026, 10, 8)
    assert result.skipped == [(date(2026, 10, d), "National Day") for d in range(1, 8)]
    assert result.provisional is False


def test_calendar_days_ending_on_a_makeup_saturday_do_not_roll():
    result = add_calendar_days_rolled(date(2026, 10, 3), 7)
    assert result.due_date == date(2026, 10, 10)
    assert result.skipped == []


def test_calendar_days_ending_on_a_working_day_do_not_roll():
    result = add_calendar_days_rolled(date(2026, 3, 2), 30)
    assert result.due_date == date(2026, 4, 1)
    assert result.skipped == []


def test_calendar_days_ending_on_an_ordinary_weekend_roll_to_monday():
    result = english(add_calendar_days_rolled, date(2026, 11, 20), 1)
    assert result.due_date == date(2026, 11, 23)
    assert result.skipped == [(date(2026, 11, 21), "Weekend"), (date(2026, 11, 22), "Weekend")]


def test_calendar_days_ending_in_2027_are_provisional():
    result = add_calendar_days_rolled(date(2026, 12, 25), 7)
    assert result.due_date == date(2027, 1, 4)
    assert result.provisional is True
    assert "2027" in result.warnings[0]


# --- provisional years (domain.md §4.1) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (date(2027, 1, 1), False),  # New Year's Day (a Friday)
        (date(2027, 5, 1), False),  # Labour Day (a Saturday)
        (date(2027, 5, 3), True),  # the longer Labour Day break is set by the notice, not the law
        (date(2027, 10, 1), False),  # National Day (a Friday)
        (date(2027, 10, 4), True),  # a Monday after the three fixed days
        (date(2027, 10, 9), False),  # an ordinary Saturday
    ],
)
def test_provisional_year_counts_only_weekends_and_fixed_holidays(day, working):
    assert is_workday(day) is working


def test_lunar_holidays_are_unknown_in_a_provisional_year():
    # Spring Festival 2027 falls on 6 February; only the notice can say which days are off.
    assert is_workday(date(2027, 2, 8)) is True
    assert is_workday(date(2027, 2, 6)) is False  # a Saturday


def test_provisional_calendar_rows_are_ignored_until_the_year_is_marked_official():
    calendar = CalendarYear.objects.create(year=2027, status=CalendarStatus.PROVISIONAL)
    SpecialDay.objects.create(
        calendar=calendar,
        date=date(2027, 2, 8),
        kind=DayKind.HOLIDAY,
        name_zh="春节",
        name_en="Spring Festival",
    )
    assert is_workday(date(2027, 2, 8)) is True
    assert calendar_year_is_official(2027) is False

    calendar.status = CalendarStatus.OFFICIAL
    calendar.notice_reference = "国办发明电〔2026〕1号"
    calendar.save()
    assert is_workday(date(2027, 2, 8)) is False
    assert calendar_year_is_official(2027) is True
    assert add_working_days(date(2026, 12, 30), 3).provisional is False


def test_a_year_before_the_seeded_ones_is_provisional():
    assert calendar_year_is_official(2024) is False
    result = add_working_days(date(2024, 9, 30), 1)
    assert result.due_date == date(2024, 10, 4)  # 1-3 October only, without the notice
    assert result.provisional is True


# --- guards ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, -1, 366, True, 1.0, "3", None])
@pytest.mark.parametrize("function", [add_working_days, add_calendar_days_rolled])
def test_period_outside_1_to_365_whole_days_is_refused(function, n):
    with pytest.raises(ValueError):
        function(date(2026, 3, 2), n)


@pytest.mark.parametrize("start", [date(1989, 12, 31), date(2100, 1, 1)])
def test_start_outside_the_supported_span_is_refused(start):
    with pytest.raises(ValueError):
        add_working_days(start, 1)


def test_the_longest_period_from_the_last_supported_start_does_not_fail():
    result = add_working_days(date(2099, 12, 31), 365)
    assert result.due_date.year == 2101
    assert result.provisional is True


# --- cache and invalidation ------------------------------------------------------------------------


def test_a_365_working_day_deadline_costs_one_query_per_year_cold_and_none_warm(
    django_assert_max_num_queries, django_assert_num_queries
):
    with django_assert_max_num_queries(2):
        cold = add_working_days(date(2026, 1, 5), 365)
    with django_assert_num_queries(0):
        warm = add_working_days(date(2026, 1, 5), 365)
    assert cold == warm
    assert cold.provisional is True  # it runs into 2027


def test_another_process_reuses_the_shared_cache_without_queries(django_assert_num_queries):
    add_working_days(date(2026, 1, 5), 365)
    # A fresh process has an empty memo but the same Django cache.
    services._memo = services._Memo(version=None, years={})
    with django_assert_num_queries(0):
        add_working_days(date(2026, 1, 5), 365)


def test_saving_a_special_day_changes_the_next_result():
    assert add_working_days(date(2026, 11, 27), 1).due_date == date(2026, 11, 30)
    SpecialDay.objects.create(
        calendar=CalendarYear.objects.get(year=2026),
        date=date(2026, 11, 30),
        kind=DayKind.HOLIDAY,
        name_zh="测试假日",
        name_en="Test holiday",
    )
    assert add_working_days(date(2026, 11, 27), 1).due_date == date(2026, 12, 1)


def test_deleting_a_makeup_day_changes_the_next_result():
    assert is_workday(date(2026, 10, 10)) is True
    SpecialDay.objects.get(date=date(2026, 10, 10)).delete()
    assert is_workday(date(2026, 10, 10)) is False


def test_a_version_bump_by_another_process_makes_this_one_reload(django_assert_num_queries):
    is_workday(date(2026, 5, 6))
    cache.set(services._VERSION_KEY, "bumped-elsewhere", timeout=None)
    with django_assert_num_queries(1):
        is_workday(date(2026, 5, 6))


def test_version_is_trusted_for_a_moment_then_reread(monkeypatch, django_assert_num_queries):
    monkeypatch.setattr(services, "_VERSION_RECHECK_SECONDS", 60)
    is_workday(date(2026, 5, 6))
    cache.set(services._VERSION_KEY, "bumped-elsewhere", timeout=None)
    with django_assert_num_queries(0):  # within the interval: no cache read, no reload
        is_workday(date(2026, 5, 6))
    monkeypatch.setattr(services, "_VERSION_RECHECK_SECONDS", 0)
    with django_assert_num_queries(1):  # past it: the other process's bump is seen
        is_workday(date(2026, 5, 6))


def test_invalidation_bumps_again_after_commit(django_capture_on_commit_callbacks):
    is_workday(date(2026, 5, 6))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        calendar_cache_invalidate()
        during = cache.get(services._VERSION_KEY)
    assert len(callbacks) == 1
    assert cache.get(services._VERSION_KEY) != during


def test_without_a_version_key_the_calendar_still_works_after_a_cache_flush():
    is_workday(date(2026, 5, 6))
    cache.clear()
    assert is_workday(date(2026, 5, 6)) is True
    assert cache.get(services._VERSION_KEY) is not None
