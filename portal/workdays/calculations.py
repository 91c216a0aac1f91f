"""Counting periods on a calendar of special days (domain.md §4.3). Pure functions: no ORM, no cache.

A calendar is given as a function ``special_for(day) -> Special | None``: the holiday or makeup working
day on that date, or None for an ordinary day (working Monday to Friday, off at weekends).
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

HOLIDAY = "holiday"
MAKEUP_WORKDAY = "makeup_workday"

MAX_DAYS = 365
ONE_DAY = timedelta(days=1)


@dataclass(frozen=True)
class Special:
    kind: str  # HOLIDAY or MAKEUP_WORKDAY
    name_zh: str
    name_en: str


SpecialFor = Callable[[date], Special | None]

# The holidays named in the State Council notices, keyed by the name the chinesecalendar package uses.
HOLIDAY_NAMES: dict[str, tuple[str, str]] = {
    "New Year's Day": ("元旦", "New Year's Day"),
    "Spring Festival": ("春节", "Spring Festival"),
    "Tomb-sweeping Day": ("清明节", "Qingming"),
    "Labour Day": ("劳动节", "Labour Day"),
    "Dragon Boat Festival": ("端午节", "Dragon Boat Festival"),
    "Mid-autumn Festival": ("中秋节", "Mid-Autumn Festival"),
    "National Day": ("国庆节", "National Day"),
    "Anti-Fascist 70th Day": (
        "中国人民抗日战争暨世界反法西斯战争胜利70周年纪念日",
        "70th Anniversary of the Victory of the Chinese People's War of Resistance against Japanese Aggression",
    ),
}

# Fixed-date statutory holidays of 全国年节及纪念日放假办法 (domain.md §4.1, [K]); the lunar ones (Spring
# Festival, Qingming, Dragon Boat, Mid-Autumn) and every makeup day need the year's notice.
_NEW_YEAR = Special(HOLIDAY, *HOLIDAY_NAMES["New Year's Day"])
_LABOUR_DAY = Special(HOLIDAY, *HOLIDAY_NAMES["Labour Day"])
_NATIONAL_DAY = Special(HOLIDAY, *HOLIDAY_NAMES["National Day"])
FIXED_STATUTORY_HOLIDAYS: tuple[tuple[int, int, Special], ...] = (
    (1, 1, _NEW_YEAR),
    (5, 1, _LABOUR_DAY),
    (5, 2, _LABOUR_DAY),
    (10, 1, _NATIONAL_DAY),
    (10, 2, _NATIONAL_DAY),
    (10, 3, _NATIONAL_DAY),
)


def fixed_statutory_holidays(year: int) -> dict[date, Special]:
    """The only days off known for a year whose notice has not been published (provisional rule)."""
    return {date(year, month, day): special for month, day, special in FIXED_STATUTORY_HOLIDAYS}


def is_working_day(day: date, special: Special | None) -> bool:
    # Makeup days take precedence over the weekday rule (domain.md §4.1).
    if special is not None:
        return special.kind == MAKEUP_WORKDAY
    return day.weekday() < 5


def check_period(n: int) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_DAYS:
        raise ValueError(f"the number of days must be a whole number from 1 to {MAX_DAYS}; got {n!r}")


@dataclass(frozen=True)
class Period:
    """A computed deadline: the due day, the days examined to find it, and the non-working ones among them."""

    due_date: date
    first_examined: date
    skipped: list[tuple[date, Special | None]]


def working_days_after(start: date, n: int, special_for: SpecialFor) -> Period:
    """The n-th working day after ``start``; the start day is not counted (Civil Code Art. 201)."""
    check_period(n)
    skipped: list[tuple[date, Special | None]] = []
    day = start
    counted = 0
    while counted < n:
        day += ONE_DAY
        special = special_for(day)
        if is_working_day(day, special):
            counted += 1
        else:
            skipped.append((day, special))
    return Period(due_date=day, first_examined=start + ONE_DAY, skipped=skipped)


def calendar_days_rolled(start: date, n: int, special_for: SpecialFor) -> Period:
    """``start + n``; a period ending on a day off ends on the next working day (Civil Code Art. 203)."""
    check_period(n)
    day = start + timedelta(days=n)
    first_examined = day
    skipped: list[tuple[date, Special | None]] = []
    special = special_for(day)
    while not is_working_day(day, special):
        skipped.append((day, special))
        day += ONE_DAY
        special = special_for(day)
    return Period(due_date=day, first_examined=first_examined, skipped=skipped)
