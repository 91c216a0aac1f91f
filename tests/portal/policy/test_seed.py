"""A fresh database holds the domain.md defaults (§2.1-§2.6, §4.2) as data."""

from datetime import date
from decimal import Decimal

import pytest

from portal.policy.models import (
    PARAMETER_FIELDS,
    LprRate,
    ParameterChange,
    ParameterSetStatus,
    PolicyParameterSet,
    ServiceTime,
)

pytestmark = pytest.mark.django_db

DEFAULTS = {
    "interest_ratio": Decimal("0.5000"),
    "lpr_markup": Decimal("0.4000"),
    "interest_cap_per_enterprise": Decimal("300000.00"),
    "interest_min_ip_share": Decimal("0.5000"),
    "pledge_must_precede_settlement": True,
    "fee_ratio": Decimal("0.5000"),
    "fee_cap_per_enterprise": Decimal("20000.00"),
    "fee_insurance_eligible": True,
    "riskcomp_rate": Decimal("0.3000"),
    "riskcomp_per_loan_cap": Decimal("1000000.00"),
    "riskcomp_min_ip_share": Decimal("0.5000"),
    "riskcomp_claim_window_months": 12,
    "riskcomp_per_institution_annual_cap": None,
    "riskcomp_fund_annual_budget": None,
    "whitelist_feedback_working_days": 20,
    "loan_second_approval_above": Decimal("3000000.00"),
    "demand_expiry_days": 180,
    "demand_claim_working_days": 10,
    "rating_reminder_days": 7,
    "rating_callback_working_days": 1,
    "rating_rectification_days": 15,
    "auction_reserve_step": Decimal("0.2000"),
    "auction_max_reductions": 2,
}


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_fresh_database_has_the_year_in_force_with_domain_defaults(year):
    parameter_set = PolicyParameterSet.objects.get(year=year)
    assert parameter_set.status == ParameterSetStatus.IN_FORCE
    for name, expected in DEFAULTS.items():
        value = getattr(parameter_set, name)
        assert value == expected, name
        if isinstance(expected, Decimal):
            # Exact places, as stored: 0.5000 and 300000.00, not 0.5 or 300000.
            assert str(value) == str(expected), name


@pytest.mark.parametrize("year", [2024, 2025, 2026])
def test_settlement_window_is_the_previous_calendar_year(year):
    parameter_set = PolicyParameterSet.objects.get(year=year)
    assert parameter_set.settlement_window_start == date(year - 1, 1, 1)
    assert parameter_set.settlement_window_end == date(year - 1, 12, 31)


def test_only_the_seeded_years_exist():
    assert list(PolicyParameterSet.objects.values_list("year", flat=True)) == [2024, 2025, 2026]


def test_every_seeded_value_has_a_source_note_and_assumptions_are_marked(set_2026):
    assert set(set_2026.sources) == set(PARAMETER_FIELDS)
    assert set_2026.sources["interest_ratio"].startswith("[V-1]")
    for name in (
        "riskcomp_rate",
        "riskcomp_per_loan_cap",
        "whitelist_feedback_working_days",
        "fee_insurance_eligible",
        "loan_second_approval_above",
    ):
        assert "[A]" in set_2026.sources[name], name
    for marker in ("[V-1]", "[V-2]", "[V-3]", "[A]"):
        assert marker in set_2026.notes


@pytest.mark.parametrize(
    ("ip_kind", "channel", "target", "days", "day_basis"),
    [
        ("patent", "window", "service_target", 3, "working"),
        ("patent", "online", "service_target", 1, "working"),
        ("patent", "window", "statutory_limit", 5, "working"),
        ("patent", "online", "statutory_limit", 2, "working"),
        ("trademark", "window", "service_target", 3, "working"),
        ("trademark", "online", "service_target", 1, "working"),
        ("trademark", "window", "statutory_limit", 5, "working"),
        ("copyright", "window", "statutory_limit", 10, "calendar"),
        ("copyright", "online", "statutory_limit", 10, "calendar"),
        ("copyright", "window", "service_target", 10, "calendar"),
        ("data_ip", "window", "service_target", 3, "working"),
        ("data_ip", "online", "service_target", 1, "working"),
    ],
)
def test_seeded_service_times(ip_kind, channel, target, days, day_basis):
    for year in (2024, 2025, 2026):
        row = ServiceTime.objects.get(
            parameter_set__year=year, ip_kind=ip_kind, channel=channel, target=target
        )
        assert (row.days, row.day_basis) == (days, day_basis)
        assert row.source


def test_each_year_has_fourteen_service_times():
    for year in (2024, 2025, 2026):
        assert ServiceTime.objects.filter(parameter_set__year=year).count() == 14


def test_lpr_history_holds_the_dated_publications():
    rows = [
        (rate.effective_date, rate.one_year_pct, rate.five_year_pct)
        for rate in LprRate.objects.order_by("effective_date")
    ]
    assert rows == [
        (date(2023, 8, 21), Decimal("3.45"), Decimal("4.20")),
        (date(2024, 2, 20), Decimal("3.45"), Decimal("3.95")),
        (date(2024, 7, 22), Decimal("3.35"), Decimal("3.85")),
        (date(2024, 10, 21), Decimal("3.10"), Decimal("3.60")),
        (date(2025, 5, 20), Decimal("3.00"), Decimal("3.50")),
        (date(2025, 12, 22), Decimal("3.00"), Decimal("3.50")),
        (date(2026, 1, 20), Decimal("3.00"), Decimal("3.50")),
        (date(2026, 2, 24), Decimal("3.00"), Decimal("3.50")),
    ]
    assert all(rate.source.startswith("http") for rate in LprRate.objects.all())


def test_seeding_is_logged_without_an_actor():
    created = ParameterChange.objects.filter(field=ParameterChange.CREATED)
    assert sorted(created.values_list("parameter_set__year", flat=True)) == [2024, 2025, 2026]
    assert not created.filter(actor__isnull=False).exists()
    assert ParameterChange.objects.filter(field="lpr:2025-05-20.one_year_pct", new_value="3.00").exists()
