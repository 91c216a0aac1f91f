"""Terms and annual-fee dates (domain.md §2.1.5): pure functions, no database."""

from datetime import date
from types import SimpleNamespace

import pytest

from pledges.calculations import (
    FeePoint,
    FeeStanding,
    add_months,
    annual_fee_grace_end,
    annual_fee_points_due,
    annual_fee_reminder_dates,
    annual_fee_standing,
    asset_term_end,
    patent_term_end,
)
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind


@pytest.mark.parametrize(
    ("patent_type", "filed", "term_end"),
    [
        (PatentType.INVENTION, date(2004, 3, 15), date(2024, 3, 14)),
        (PatentType.UTILITY_MODEL, date(2016, 7, 1), date(2026, 6, 30)),
        (PatentType.PCT_INVENTION, date(2019, 1, 1), date(2038, 12, 31)),
        (PatentType.PCT_UTILITY_MODEL, date(2020, 5, 20), date(2030, 5, 19)),
        # The 2020 amendment gives designs filed from 2021-06-01 fifteen years, earlier ones ten.
        (PatentType.DESIGN, date(2021, 5, 31), date(2031, 5, 30)),
        (PatentType.DESIGN, date(2021, 6, 1), date(2036, 5, 31)),
        # A 29 February filing has no anniversary in a common year: the term ends on 28 February.
        (PatentType.UTILITY_MODEL, date(2008, 2, 29), date(2018, 2, 28)),
        (PatentType.INVENTION, date(2004, 2, 29), date(2024, 2, 28)),
        (PatentType.INVENTION, date(2004, 1, 1), date(2023, 12, 31)),
    ],
)
def test_patent_term_ends_the_day_before_the_anniversary(patent_type, filed, term_end):
    assert patent_term_end(patent_type, filed) == term_end


def test_patent_term_end_refuses_an_unknown_type():
    with pytest.raises(ValueError):
        patent_term_end("plant_variety", date(2020, 1, 1))


def test_asset_term_end_by_kind():
    patent = SimpleNamespace(
        kind=IpKind.PATENT, patent_type=PatentType.INVENTION, filing_date=date(2013, 12, 18), valid_until=None
    )
    assert asset_term_end(patent) == date(2033, 12, 17)
    undated = SimpleNamespace(
        kind=IpKind.PATENT, patent_type=PatentType.INVENTION, filing_date=None, valid_until=None
    )
    assert asset_term_end(undated) is None
    trademark = SimpleNamespace(
        kind=IpKind.TRADEMARK, patent_type="", filing_date=None, valid_until=date(2028, 3, 6)
    )
    assert asset_term_end(trademark) == date(2028, 3, 6)
    data_ip = SimpleNamespace(
        kind=IpKind.DATA_IP, patent_type="", filing_date=None, valid_until=date(2030, 1, 1)
    )
    assert asset_term_end(data_ip) == date(2030, 1, 1)
    copyright_unknown = SimpleNamespace(
        kind=IpKind.COPYRIGHT, patent_type="", filing_date=None, valid_until=None
    )
    assert asset_term_end(copyright_unknown) is None


def test_add_months_clamps_to_the_end_of_a_shorter_month():
    assert add_months(date(2026, 8, 31), 1) == date(2026, 9, 30)
    assert add_months(date(2026, 8, 31), 6) == date(2027, 2, 28)
    assert add_months(date(2027, 8, 31), 6) == date(2028, 2, 29)
    assert add_months(date(2026, 11, 15), 2) == date(2027, 1, 15)


def test_annual_fee_reminders_at_t60_t30_t0_then_monthly_through_the_grace_period():
    due = date(2026, 8, 31)
    assert annual_fee_reminder_dates(due) == [
        (FeePoint.T_MINUS_60, date(2026, 7, 2)),
        (FeePoint.T_MINUS_30, date(2026, 8, 1)),
        (FeePoint.DUE, date(2026, 8, 31)),
        (FeePoint.GRACE_1, date(2026, 9, 30)),
        (FeePoint.GRACE_2, date(2026, 10, 31)),
        (FeePoint.GRACE_3, date(2026, 11, 30)),
        (FeePoint.GRACE_4, date(2026, 12, 31)),
        (FeePoint.GRACE_5, date(2027, 1, 31)),
        (FeePoint.GRACE_6, date(2027, 2, 28)),
    ]
    assert annual_fee_grace_end(due) == date(2027, 2, 28)


def test_annual_fee_standing_paid_grace_lapsed():
    due = date(2026, 3, 10)
    assert annual_fee_standing(None, date(2026, 1, 1)) == FeeStanding.UNKNOWN
    assert annual_fee_standing(due, date(2026, 3, 10)) == FeeStanding.PAID
    assert annual_fee_standing(due, date(2026, 3, 11)) == FeeStanding.GRACE
    assert annual_fee_standing(due, date(2026, 9, 10)) == FeeStanding.GRACE
    assert annual_fee_standing(due, date(2026, 9, 11)) == FeeStanding.LAPSED


def test_exactly_one_point_is_owed_on_any_day_of_the_reminder_window():
    due = date(2026, 3, 10)
    assert annual_fee_points_due(due, date(2026, 1, 8)) == []  # T-61
    assert annual_fee_points_due(due, date(2026, 1, 9)) == [(FeePoint.T_MINUS_60, date(2026, 1, 9))]
    # A day the job did not run is caught up the next day, with the point still current.
    assert annual_fee_points_due(due, date(2026, 1, 20)) == [(FeePoint.T_MINUS_60, date(2026, 1, 9))]
    assert annual_fee_points_due(due, date(2026, 3, 10)) == [(FeePoint.DUE, due)]
    assert annual_fee_points_due(due, date(2026, 9, 10)) == [(FeePoint.GRACE_6, date(2026, 9, 10))]
    assert annual_fee_points_due(due, date(2026, 9, 11)) == []
