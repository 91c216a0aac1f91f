"""Due dates on the working-day calendar, and the writes that maintain the calendar.

Lookups (``is_workday``, ``add_working_days``, ``add_calendar_days_rolled``) read one year's special days
at a time, cached in the Django cache under a version key and memoised per process for that version.
Any save or delete of a ``CalendarYear`` or ``SpecialDay`` bumps the version (signals.py), so every
process sees an admin's edit on its next lookup without a query per day.
"""

import math
import time
import uuid
from dataclasses import dataclass
from datetime import date

import chinese_calendar
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from portal.workdays.calculations import (
    HOLIDAY,
    HOLIDAY_NAMES,
    MAKEUP_WORKDAY,
    Period,
    Special,
    calendar_days_rolled,
    fixed_statutory_holidays,
    is_working_day,
    working_days_after,
)
from portal.workdays.models import CalendarStatus, CalendarYear, SpecialDay

# Start dates the calculator accepts; a 365-working-day period from the last one ends inside LAST_YEAR.
EARLIEST_START = date(1990, 1, 1)
LATEST_START = date(2099, 12, 31)

_CACHE_PREFIX = "workdays:calendar"
_VERSION_KEY = f"{_CACHE_PREFIX}:version"
_YEAR_TIMEOUT = 24 * 60 * 60
# How long a process trusts the version it last read before asking the shared cache again. An edit is
# seen at once by the process that made it and within this time by every other one; a cache read per
# request cost the public due-date endpoint about a fifth of its throughput (bench public).
_VERSION_RECHECK_SECONDS = 1.0

PACKAGE_SOURCE = f"chinesecalendar {chinese_calendar.__version__}"


class CalendarDataUnavailable(Exception):
    """The chinesecalendar package has no data for the year; staff must enter the notice in the admin."""


@dataclass(frozen=True)
class DueDate:
    due_date: date
    provisional: bool
    skipped: list[tuple[date, str]]  # every non-working day passed over, with its reason
    warnings: list[str]  # one per year that has no official calendar yet


# ---------------------------------------------------------------------------------------------------
# The cached calendar


@dataclass(frozen=True)
class _YearData:
    official: bool
    special: dict[date, Special]


@dataclass
class _Memo:
    version: str | None
    years: dict[int, _YearData]
    checked_at: float = -math.inf  # time.monotonic() of the last version read


_memo = _Memo(version=None, years={})


def _current_version() -> str | None:
    version = cache.get(_VERSION_KEY)
    if version is None:
        # add() so that two processes starting together agree on one version.
        cache.add(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(_VERSION_KEY)
    return version


def _bump_version() -> None:
    cache.set(_VERSION_KEY, uuid.uuid4().hex, timeout=None)
    _memo.checked_at = -math.inf  # this process rereads the version on its next lookup


def calendar_forget_local() -> None:
    """Drop this process's memo; the next lookup rereads the shared version (tests; after a cache flush)."""
    global _memo
    _memo = _Memo(version=None, years={})


def calendar_cache_invalidate() -> None:
    """Make every process reload the calendar.

    Bumped now (so this process sees its own uncommitted edit) and again after commit: another process
    may have reloaded the old rows between the first bump and the commit and cached them under the new
    version.
    """
    _bump_version()
    transaction.on_commit(_bump_version)


def _load_year(year: int) -> tuple[bool, list[tuple[int, str, str, str]]]:
    # One query per year: the LEFT JOIN brings the status even when the year has no special days.
    rows = list(
        CalendarYear.objects.filter(year=year).values_list(
            "status",
            "special_days__date",
            "special_days__kind",
            "special_days__name_zh",
            "special_days__name_en",
        )
    )
    if not rows or rows[0][0] != CalendarStatus.OFFICIAL:
        return False, []
    return True, [(day.toordinal(), kind, zh, en) for _status, day, kind, zh, en in rows if day is not None]


def _year_data(year: int, version: str | None) -> _YearData:
    key = f"{_CACHE_PREFIX}:{version}:{year}"
    # Plain tuples in the shared cache: they unpickle whatever version of this module reads them.
    payload = cache.get(key) if version is not None else None
    if payload is None:
        payload = _load_year(year)
        if version is not None:
            cache.set(key, payload, timeout=_YEAR_TIMEOUT)
    official, days = payload
    if not official:
        # domain.md §4.1: without the year's notice, only weekends and the fixed statutory holidays.
        return _YearData(official=False, special=fixed_statutory_holidays(year))
    return _YearData(
        official=True,
        special={date.fromordinal(ordinal): Special(kind, zh, en) for ordinal, kind, zh, en in days},
    )


class _Calendar:
    """The calendar as of one version, for the length of one computation."""

    def __init__(self) -> None:
        global _memo
        now = time.monotonic()
        if _memo.version is not None and now - _memo.checked_at < _VERSION_RECHECK_SECONDS:
            self._memo = _memo
            return
        version = _current_version()
        if version is None:
            # No working cache (DummyCache): nothing can tell this process about edits, so keep nothing.
            self._memo = _Memo(version=None, years={})
        else:
            if _memo.version != version:
                _memo = _Memo(version=version, years={})
            _memo.checked_at = now
            self._memo = _memo

    def year(self, year: int) -> _YearData:
        data = self._memo.years.get(year)
        if data is None:
            data = _year_data(year, self._memo.version)
            self._memo.years[year] = data
        return data

    def special_for(self, day: date) -> Special | None:
        # Called for every day counted: the memo hit is inlined.
        data = self._memo.years.get(day.year) or self.year(day.year)
        return data.special.get(day)


# ---------------------------------------------------------------------------------------------------
# Lookups


def _check_start(start: date) -> None:
    if not EARLIEST_START <= start <= LATEST_START:
        raise ValueError(
            f"the start date must be between {EARLIEST_START.isoformat()} and {LATEST_START.isoformat()}"
        )


def _uses_chinese_names() -> bool:
    return (translation.get_language() or settings.LANGUAGE_CODE).lower().startswith("zh")


def _missing_year_warning(year: int) -> str:
    return _(
        "No official %(year)d holiday calendar has been entered yet (the State Council usually publishes "
        "it in November or December of the year before). Days in %(year)d count only weekends and the "
        "fixed statutory holidays (1 January, 1-2 May, 1-3 October), so this date is provisional."
    ) % {"year": year}


def _due_date(calendar: _Calendar, period: Period) -> DueDate:
    # Provisional when any day whose status decided the result lies in a year without an official
    # calendar (api-contract.md §2).
    missing = [
        year
        for year in range(period.first_examined.year, period.due_date.year + 1)
        if not calendar.year(year).official
    ]
    chinese = _uses_chinese_names()
    weekend = _("Weekend")
    return DueDate(
        due_date=period.due_date,
        provisional=bool(missing),
        skipped=[
            (day, weekend if special is None else special.name_zh if chinese else special.name_en)
            for day, special in period.skipped
        ],
        warnings=[_missing_year_warning(year) for year in missing],
    )


def is_workday(d: date) -> bool:
    return is_working_day(d, _Calendar().special_for(d))


def add_working_days(start: date, n: int) -> DueDate:
    """The n-th working day after ``start`` (start not counted; makeup days count; holidays and weekends don't)."""
    _check_start(start)
    calendar = _Calendar()
    return _due_date(calendar, working_days_after(start, n, calendar.special_for))


def add_calendar_days_rolled(start: date, n: int) -> DueDate:
    """``start + n``, rolled forward to the next working day if that is a day off (Civil Code Art. 203)."""
    _check_start(start)
    calendar = _Calendar()
    return _due_date(calendar, calendar_days_rolled(start, n, calendar.special_for))


def calendar_year_is_official(year: int) -> bool:
    return _Calendar().year(year).official


# ---------------------------------------------------------------------------------------------------
# Writes


def package_special_days(year: int) -> dict[date, Special]:
    """Every holiday-range day and makeup day of ``year`` as the chinesecalendar package lists them."""
    try:
        chinese_calendar.is_workday(date(year, 1, 1))
    except NotImplementedError as exc:
        raise CalendarDataUnavailable(
            _(
                "The chinesecalendar package has no holiday data for %(year)d (%(detail)s). A staff member "
                "must enter that year's State Council notice in the admin (Working-day calendar, "
                "Calendar years) and mark it official."
            )
            % {"year": year, "detail": exc}
        ) from exc
    days: dict[date, Special] = {}
    # Makeup days last: chinesecalendar lets a makeup day win over a holiday on the same date.
    for kind, table in ((HOLIDAY, chinese_calendar.holidays), (MAKEUP_WORKDAY, chinese_calendar.workdays)):
        for day, package_name in table.items():
            if day.year == year:
                days[day] = Special(kind, *_holiday_names(package_name))
    return days


def _holiday_names(package_name: str) -> tuple[str, str]:
    if package_name in HOLIDAY_NAMES:
        return HOLIDAY_NAMES[package_name]
    chinese = next(
        (holiday.chinese for holiday in chinese_calendar.Holiday if holiday.value == package_name),
        package_name,
    )
    return chinese, package_name


def _notice_title(year: int) -> str:
    return f"国务院办公厅关于{year}年部分节假日安排的通知"


@dataclass(frozen=True)
class SeedResult:
    calendar: CalendarYear
    created: int
    updated: int
    deleted: int


@transaction.atomic
def calendar_year_seed(*, year: int, official: bool = False, actor=None) -> SeedResult:
    """Make ``year``'s special days equal to chinesecalendar's; idempotent.

    A new year is provisional unless ``official``; an existing year keeps its status unless ``official``
    asks to mark it so. Days staff added for the year that the package does not list are removed.
    """
    wanted = package_special_days(year)
    calendar = CalendarYear.objects.select_for_update().filter(year=year).first() or CalendarYear(
        year=year, status=CalendarStatus.PROVISIONAL
    )
    changed = calendar.pk is None
    if official and calendar.status != CalendarStatus.OFFICIAL:
        calendar.status = CalendarStatus.OFFICIAL
        changed = True
    if not calendar.notice_reference:
        calendar.notice_reference = _notice_title(year)
        changed = True
    if changed:
        calendar.updated_by = actor or calendar.updated_by
        calendar.full_clean()
        calendar.save()

    created = updated = deleted = 0
    existing = {row.date: row for row in SpecialDay.objects.filter(date__year=year)}
    for day, row in existing.items():
        if day not in wanted:
            row.delete()
            deleted += 1
    for day, special in sorted(wanted.items()):
        fields = {"kind": special.kind, "name_zh": special.name_zh, "name_en": special.name_en}
        row = existing.get(day)
        if row is None:
            row = SpecialDay(date=day, calendar=calendar, source=PACKAGE_SOURCE, **fields)
            created += 1
        elif row.calendar_id != calendar.pk or any(getattr(row, k) != v for k, v in fields.items()):
            for name, value in fields.items():
                setattr(row, name, value)
            row.calendar = calendar
            row.source = PACKAGE_SOURCE
            updated += 1
        else:
            continue
        # Unique dates are guaranteed by reading the year's rows above inside this transaction.
        row.full_clean(validate_unique=False)
        row.save()
    return SeedResult(calendar=calendar, created=created, updated=updated, deleted=deleted)


@transaction.atomic
def calendar_year_mark_official(*, calendar: CalendarYear, actor) -> CalendarYear:
    calendar = CalendarYear.objects.select_for_update().get(pk=calendar.pk)
    calendar.status = CalendarStatus.OFFICIAL
    calendar.updated_by = actor
    calendar.full_clean()
    calendar.save()
    return calendar
