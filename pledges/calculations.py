"""Terms and fee dates of IP assets (domain.md §2.1.5): pure functions on dates, no ORM.

A patent's term runs from its filing date and ends on the day before the anniversary (a patent filed
2004-03-15 with a 20-year term ends 2024-03-14). Annual fees are due by the last day the previous
payment covers; after that a 6-month late-payment (grace) window follows, after which the patent
terminates retroactively from the due date.
"""

import calendar
from datetime import date, timedelta

from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind

# Patent Law Art. 42 as amended in 2020 (in force 2021-06-01): designs filed from that day get 15 years;
# earlier design filings keep 10 years [K].
DESIGN_15_YEARS_FROM = date(2021, 6, 1)
_PATENT_TERM_YEARS = {
    PatentType.INVENTION: 20,
    PatentType.UTILITY_MODEL: 10,
    # A PCT filing entering the national phase is an invention or utility model counted from the
    # international filing date.
    PatentType.PCT_INVENTION: 20,
    PatentType.PCT_UTILITY_MODEL: 10,
}

ANNUAL_FEE_GRACE_MONTHS = 6  # Implementing Regulations (old Art. 98): 6 months late payment with surcharge.


class FeePoint(models.TextChoices):
    """Annual-fee reminder points; the values are part of notification dedupe keys, so keep them."""

    T_MINUS_60 = "t-60", _("60 days before the due date")
    T_MINUS_30 = "t-30", _("30 days before the due date")
    DUE = "due", _("Due today")
    GRACE_1 = "grace-1", _("1 month into the grace period")
    GRACE_2 = "grace-2", _("2 months into the grace period")
    GRACE_3 = "grace-3", _("3 months into the grace period")
    GRACE_4 = "grace-4", _("4 months into the grace period")
    GRACE_5 = "grace-5", _("5 months into the grace period")
    GRACE_6 = "grace-6", _("Last day of the grace period")


class FeeStanding(models.TextChoices):
    PAID = "paid", _("Paid")
    GRACE = "grace", _("Overdue: in the 6-month grace period")
    LAPSED = "lapsed", _("Unpaid beyond the grace period")
    UNKNOWN = "unknown", _("Not recorded")


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later; a day the target month lacks becomes its last day (Civil Code
    Art. 202: without a corresponding day, the period ends on the last day of the month)."""
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)


def _anniversary_eve(start: date, years: int) -> date:
    # The term covers whole years from the filing day, so it ends the day before the anniversary. A
    # 29 February filing has no anniversary in common years: its term ends on 28 February.
    try:
        anniversary = start.replace(year=start.year + years)
    except ValueError:
        anniversary = date(start.year + years, 3, 1)
    return anniversary - timedelta(days=1)


def patent_term_years(patent_type: str, filing_date: date) -> int:
    if patent_type == PatentType.DESIGN:
        return 15 if filing_date >= DESIGN_15_YEARS_FROM else 10
    try:
        return _PATENT_TERM_YEARS[PatentType(patent_type)]
    except ValueError:
        raise ValueError(f"Unknown patent type {patent_type!r}") from None


def patent_term_end(patent_type: str, filing_date: date) -> date:
    """The last day of a patent's term (domain.md §2.1.5 [V-12])."""
    return _anniversary_eve(filing_date, patent_term_years(patent_type, filing_date))


def asset_term_end(asset) -> date | None:
    """The last day of an asset's term, or None when the register does not know it.

    Takes anything with the IpAsset attributes (kind, patent_type, filing_date, valid_until), so it
    works on unsaved objects and form data alike. Trademarks and data IP carry their end date
    (valid_until); a copyright's term depends on the author and publication, so only a recorded
    valid_until counts.
    """
    if asset.kind == IpKind.PATENT:
        if asset.patent_type and asset.filing_date:
            return patent_term_end(asset.patent_type, asset.filing_date)
        return None
    return asset.valid_until


def annual_fee_grace_end(due: date) -> date:
    """The last day a late annual fee (with surcharge) can still be paid."""
    return add_months(due, ANNUAL_FEE_GRACE_MONTHS)


def annual_fee_reminder_dates(due: date) -> list[tuple[str, date]]:
    """Reminder points for an annual fee due on ``due``: T-60, T-30, T-0, then monthly through the
    6-month grace window, the last one on its final day (domain.md §2.1.5 [A])."""
    points = [
        (FeePoint.T_MINUS_60, due - timedelta(days=60)),
        (FeePoint.T_MINUS_30, due - timedelta(days=30)),
        (FeePoint.DUE, due),
    ]
    points += [
        (FeePoint(f"grace-{month}"), add_months(due, month))
        for month in range(1, ANNUAL_FEE_GRACE_MONTHS + 1)
    ]
    return points


def annual_fee_standing(paid_through: date | None, today: date) -> str:
    """Whether the annual fee is paid, in the grace window, or lapsed beyond it, on ``today``."""
    if paid_through is None:
        return FeeStanding.UNKNOWN
    if today <= paid_through:
        return FeeStanding.PAID
    if today <= annual_fee_grace_end(paid_through):
        return FeeStanding.GRACE
    return FeeStanding.LAPSED


def annual_fee_points_due(paid_through: date, today: date) -> list[tuple[str, date]]:
    """The reminder points whose date has come by ``today`` and whose window is still open.

    A point is owed from its date until the next point's date, so a sweep that did not run for a few
    days still sends the latest point it missed, but never a stale series of them at once.
    """
    points = annual_fee_reminder_dates(paid_through)
    owed = []
    for index, (point, on) in enumerate(points):
        next_on = points[index + 1][1] if index + 1 < len(points) else on + timedelta(days=1)
        if on <= today < next_on:
            owed.append((point, on))
    return owed
