"""The joint-meeting office's indicators against the hand-built world of conftest.py.

Every expected figure below is worked out by hand from the world's loans, facts, registrations and
whitelist feedback (see the conftest docstring); none is recomputed by the code under test.
"""

from datetime import date, timedelta
from decimal import Decimal

import pytest

from loans.models import LoanStatus
from pledges.models import Status
from stats.dims import Dim, Filters, Period
from stats.figures import LiveSource, SnapshotSource, build
from stats.models import Cell, SnapshotStatus
from stats.rollup import current, refresh
from tests.stats.conftest import CHANGPING, HAIDIAN, disburse, frozen, make_loan

pytestmark = pytest.mark.django_db
D = Decimal
LENDING = ("loans_disbursed", "amount_disbursed", "first_time_borrowers", "enterprises_served")
REGISTRATION = ("registrations_completed", "registrations_on_time", "registered_amount")
WHITELIST = ("whitelist_pushed", "whitelist_feedback_on_time", "whitelist_conversion")


def live(period: str, **filters):
    return build(LiveSource(), Period.parse(period), Filters(**filters))


def pick(values: dict, slugs) -> tuple:
    return tuple(values[slug] for slug in slugs)


def league(overview, dim: Dim, slugs) -> dict:
    return {row.key: pick(row.values, slugs) for row in overview.leagues[dim]}


def figures(overview) -> tuple:
    leagues = {dim: [(row.key, row.values) for row in rows] for dim, rows in overview.leagues.items()}
    return overview.values, overview.trend, leagues, overview.breakdowns


# --- Lending ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        # L2, L3, L4, L6, L7; first-time E2 (L3) and E4 (L7); E2's two loans count once.
        ("2026", (5, D("4450000.35"), 2, 4)),
        ("2026-Q1", (3, D("3800000.00"), 1, 3)),  # L3 (Jan), L6 (15 Mar), L2 (31 Mar)
        ("2026-Q2", (1, D("400000.00"), 0, 1)),  # L4 on 1 April: E2's second loan
        ("2026-Q3", (1, D("250000.35"), 1, 1)),  # L7: E4's first
        ("2026-Q4", (0, D("0.00"), 0, 0)),  # L8 is only contracted
        ("2026-01", (1, D("3000000.00"), 1, 1)),  # L3 with both its disbursements (20 Jan, 10 Feb)
        ("2026-02", (0, D("0.00"), 0, 0)),  # L3's second disbursement is not a new loan
        ("2026-03", (2, D("800000.00"), 0, 2)),  # L2 (E1's second, at another bank), L6 (E3's second)
        ("2026-04", (1, D("400000.00"), 0, 1)),
        ("2025", (2, D("1600000.00"), 2, 2)),  # L1, L5
    ],
)
def test_loans_disbursed_amount_first_time_borrowers_and_enterprises_served(world, period, expected):
    assert pick(live(period).values, LENDING) == expected


def test_a_loan_disbursed_on_the_last_day_of_a_month_counts_in_that_month_and_quarter(world):
    # Bank B lent L2 on Tue 31 March and L4 on Wed 1 April.
    bank_b = world.bank_b.pk
    world.l2.refresh_from_db()
    world.l4.refresh_from_db()
    assert (world.l2.disbursed_on, world.l4.disbursed_on) == (date(2026, 3, 31), date(2026, 4, 1))
    assert pick(live("2026-03", bank=bank_b).values, LENDING) == (1, D("500000.00"), 0, 1)
    assert pick(live("2026-Q1", bank=bank_b).values, LENDING) == (1, D("500000.00"), 0, 1)
    assert pick(live("2026-04", bank=bank_b).values, LENDING) == (1, D("400000.00"), 0, 1)
    assert pick(live("2026-Q2", bank=bank_b).values, LENDING) == (1, D("400000.00"), 0, 1)
    # L2 is the only trademark loan: nothing of it in April or Q2.
    assert pick(live("2026-03", ip_kind="trademark").values, LENDING) == (1, D("500000.00"), 0, 1)
    assert pick(live("2026-04", ip_kind="trademark").values, LENDING) == (0, D("0.00"), 0, 0)
    assert pick(live("2026-Q2", ip_kind="trademark").values, LENDING) == (0, D("0.00"), 0, 0)
    trend = live("2026-Q2", bank=bank_b).trend
    # Bank B's twelve months to June 2026: L5 in September 2025, L2 in March, L4 in April.
    assert trend["loans_disbursed"] == [0, 0, 1, 0, 0, 0, 0, 0, 1, 1, 0, 0]
    assert trend["amount_disbursed"][-4:] == [D("500000.00"), D("400000.00"), D("0.00"), D("0.00")]


def test_lending_by_cut(world):
    cases = {
        # L6, L7
        ("2026", (("district", CHANGPING),)): (2, D("550000.35"), 1, 2),
        # L2, L3, L4: E1 and E2
        ("2026", (("district", HAIDIAN),)): (3, D("3900000.00"), 1, 2),
        # L3 (head office) and L6 (branch) of bank A
        ("2026", (("bank", world.bank_a.pk),)): (2, D("3300000.00"), 1, 2),
        # L2 of E1, the park's only enterprise: E1's second loan
        ("2026", (("park", world.park.pk),)): (1, D("500000.00"), 0, 1),
        ("2025", (("park", world.park.pk),)): (1, D("1000000.00"), 1, 1),
        # L3 and L4, both E2's (patent): one enterprise served
        ("2026", (("ip_kind", "patent"),)): (2, D("3400000.00"), 1, 1),
        ("2026", (("industry", "ai"),)): (2, D("3400000.00"), 1, 1),
        # L2 is linked to a trademark pledge (lower id) and a patent pledge: its kind is the trademark's
        ("2026", (("bank", world.bank_b.pk), ("ip_kind", "trademark"))): (1, D("500000.00"), 0, 1),
        ("2026", (("bank", world.bank_b.pk), ("ip_kind", "patent"))): (1, D("400000.00"), 0, 1),
        ("2026", (("bank", world.bank_b.pk), ("district", CHANGPING))): (1, D("250000.35"), 1, 1),
        ("2026", (("ip_kind", "copyright"),)): (1, D("300000.00"), 0, 1),
    }
    for (period, cut), expected in cases.items():
        assert pick(live(period, **dict(cut)).values, LENDING) == expected, (period, cut)


def test_enterprises_served_count_once_overall_but_once_per_bank_in_the_bank_league(world):
    overview = live("2026")
    assert overview.values["enterprises_served"] == 4
    # E2 borrowed from both banks in 2026 (L3 at A, L4 at B): it counts in both rows.
    assert league(overview, Dim.BANK, LENDING) == {
        world.bank_a.pk: (2, D("3300000.00"), 1, 2),  # L3, L6: E2, E3
        world.bank_b.pk: (3, D("1150000.35"), 1, 3),  # L2, L4, L7: E1, E2, E4
    }
    assert [row.key for row in overview.leagues[Dim.BANK]] == [world.bank_a.pk, world.bank_b.pk]
    assert league(overview, Dim.DISTRICT, LENDING) == {
        HAIDIAN: (3, D("3900000.00"), 1, 2),
        CHANGPING: (2, D("550000.35"), 1, 2),
    }
    # Within bank A's cut, the district league splits its two borrowers.
    assert league(live("2026", bank=world.bank_a.pk), Dim.DISTRICT, LENDING) == {
        HAIDIAN: (1, D("3000000.00"), 1, 1),
        CHANGPING: (1, D("300000.00"), 0, 1),
    }


# --- Outstanding balance ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "balance", "growth"),
    [
        ("2025", D("1600000.00"), None),  # L1 + L5; nothing a year before
        ("2026-Q1", D("5100000.00"), None),  # nothing outstanding at the end of March 2025
        ("2026-01", D("3600000.00"), None),
        # Q2: L1 800,000 + L2 500,000 + L3 3,000,000 + L4 400,000 + L6 300,000 (L5 written off on 20 June);
        # June 2025: L1 1,000,000
        ("2026-Q2", D("5000000.00"), D("400.00")),
        # Q3: L4 settled on 15 July, L7 250,000.35 added; September 2025: L1 + L5 = 1,600,000
        ("2026-Q3", D("4850000.35"), D("203.13")),
        # End of 2026 (and now): L6 repaid 50,000.10 on 20 October
        ("2026", D("4800000.25"), D("200.00")),
        ("2026-11", D("4800000.25"), D("200.00")),
    ],
)
def test_outstanding_balance_at_the_period_end_and_its_growth_on_a_year_before(
    world, period, balance, growth
):
    values = live(period).values
    assert (values["balance"], values["balance_growth"]) == (balance, growth)


def test_balance_by_cut_and_month_by_month(world):
    bank_a, bank_b = world.bank_a.pk, world.bank_b.pk
    assert pick(live("2026", bank=bank_a).values, ("balance", "balance_growth")) == (
        D("4049999.90"),  # L1 800,000 + L3 3,000,000 + L6 249,999.90; a year before L1 1,000,000
        D("305.00"),
    )
    assert pick(live("2026", bank=bank_b).values, ("balance", "balance_growth")) == (
        D("750000.35"),  # L2 500,000 + L7 250,000.35; a year before L5 600,000
        D("25.00"),
    )
    # Changping: L6 249,999.90 + L7 250,000.35 against L5's 600,000 a year before.
    assert pick(live("2026", district=CHANGPING).values, ("balance", "balance_growth")) == (
        D("500000.25"),
        D("-16.67"),
    )
    assert live("2026", park=world.park.pk).values["balance"] == D("1300000.00")  # L1 + L2
    assert live("2026", ip_kind="copyright").values["balance"] == D("249999.90")
    overview = live("2026")
    assert overview.trend["balance"] == [
        D("3600000.00"),  # Jan: L1 1,000,000 + L5 600,000 + L3 2,000,000
        D("4400000.00"),  # Feb: L3's second 1,000,000, L1 repaid 200,000
        D("5100000.00"),  # Mar: L5 repaid 100,000; L6 300,000, L2 500,000
        D("5500000.00"),  # Apr: L4 400,000
        D("5500000.00"),
        D("5000000.00"),  # Jun: L5 written off with 500,000 outstanding
        D("4600000.00"),  # Jul: L4 settled
        D("4850000.35"),  # Aug: L7
        D("4850000.35"),
        D("4800000.25"),  # Oct: L6 repaid 50,000.10
        D("4800000.25"),
        D("4800000.25"),
    ]
    assert {row.key: row.values["balance"] for row in overview.leagues[Dim.BANK]} == {
        bank_a: D("4049999.90"),
        bank_b: D("750000.35"),
    }
    assert {row.key: row.values["balance"] for row in overview.leagues[Dim.DISTRICT]} == {
        HAIDIAN: D("4300000.00"),
        CHANGPING: D("500000.25"),
    }


def test_a_write_off_and_a_settlement_leave_the_balance_on_their_dates(world):
    world.l5.refresh_from_db()
    world.l4.refresh_from_db()
    assert (world.l5.status, world.l5.written_off_on) == (LoanStatus.WRITTEN_OFF, date(2026, 6, 20))
    assert (world.l4.status, world.l4.settled_on) == (LoanStatus.SETTLED, date(2026, 7, 15))
    bank_b = world.bank_b.pk
    # Bank B: L5 (600,000 less 100,000 repaid), L2 500,000 from 31 March, L4 400,000 from 1 April.
    assert live("2026-05", bank=bank_b).values["balance"] == D("1400000.00")
    assert live("2026-06", bank=bank_b).values["balance"] == D("900000.00")  # L5 gone on 20 June
    assert live("2026-07", bank=bank_b).values["balance"] == D("500000.00")  # L4 gone on 15 July
    assert live("2026", bank=bank_b).trend["balance"] == [
        D("600000.00"),
        D("600000.00"),
        D("1000000.00"),
        D("1400000.00"),
        D("1400000.00"),
        D("900000.00"),
        D("500000.00"),
        *[D("750000.35")] * 5,
    ]


# --- Pledge registrations --------------------------------------------------------------------------------


def test_registrations_completed_on_time_and_registered_amount(world):
    # 2026: R1 on time, R2 late, R3 on time, R4 on time, R5 refused late, R6 no deadline.
    assert pick(live("2026").values, REGISTRATION) == (6, D("60.00"), D("5600000.00"))
    # Q1: R1, R2, R4, R5, R6; the refused R5 secures nothing.
    assert pick(live("2026-Q1").values, REGISTRATION) == (5, D("50.00"), D("5100000.00"))
    assert pick(live("2026-Q4").values, REGISTRATION) == (1, D("100.00"), D("500000.00"))
    # 2025 holds only the staff history the loans are linked to: no deadline, so no on-time rate.
    assert pick(live("2025").values, REGISTRATION) == (6, None, D("6300000.00"))
    assert pick(live("2026-Q3").values, REGISTRATION) == (0, None, D("0.00"))
    # Cuts: the pledgee's head office, the pledgor's district, the case's IP kind.
    assert pick(live("2026", bank=world.bank_a.pk).values, REGISTRATION) == (3, D("66.67"), D("4300000.00"))
    assert pick(live("2026", bank=world.bank_b.pk).values, REGISTRATION) == (3, D("50.00"), D("1300000.00"))
    assert pick(live("2026", district=HAIDIAN).values, REGISTRATION) == (4, D("66.67"), D("5300000.00"))
    assert pick(live("2026", ip_kind="patent").values, REGISTRATION) == (4, D("50.00"), D("4300000.00"))
    assert pick(live("2026", bank=world.bank_b.pk, ip_kind="trademark").values, REGISTRATION) == (
        2,
        D("100.00"),
        D("1300000.00"),
    )
    trend = live("2026").trend["registrations_on_time"]
    assert trend == [None, None, D("50.00"), None, None, None, None, None, None, D("100.00"), None, None]


def test_registrations_by_channel_ip_kind_office_and_commissioner(world):
    breakdowns = live("2026").breakdowns
    assert breakdowns["channel"] == [
        ("online", {"registrations_completed": 1, "registrations_on_time": D("0.00"), "registered_amount": D("3000000.00")}),
        ("window", {"registrations_completed": 5, "registrations_on_time": D("75.00"), "registered_amount": D("2600000.00")}),
    ]  # fmt: skip
    assert breakdowns["ip_kind"] == [
        ("patent", {"registrations_completed": 4, "registrations_on_time": D("50.00"), "registered_amount": D("4300000.00")}),
        ("trademark", {"registrations_completed": 2, "registrations_on_time": D("100.00"), "registered_amount": D("1300000.00")}),
    ]  # fmt: skip
    by_office = dict(breakdowns["office"])
    assert by_office == {
        str(world.office1.pk): {"registrations_completed": 4, "registrations_on_time": D("75.00"), "registered_amount": D("4800000.00")},
        str(world.office2.pk): {"registrations_completed": 1, "registrations_on_time": D("0.00"), "registered_amount": D("0.00")},
        "0": {"registrations_completed": 1, "registrations_on_time": None, "registered_amount": D("800000.00")},
    }  # fmt: skip
    by_commissioner = dict(breakdowns["commissioner"])
    assert by_commissioner == {
        str(world.c1.pk): {"registrations_completed": 2, "registrations_on_time": D("50.00"), "registered_amount": D("4000000.00")},
        str(world.c2.pk): {"registrations_completed": 2, "registrations_on_time": D("100.00"), "registered_amount": D("800000.00")},
        str(world.c3.pk): {"registrations_completed": 1, "registrations_on_time": D("0.00"), "registered_amount": D("0.00")},
        "0": {"registrations_completed": 1, "registrations_on_time": None, "registered_amount": D("800000.00")},
    }  # fmt: skip
    # Channel, office and commissioner are kept for the whole city; within a cut only the IP kind splits
    # (Changping: R4 on time, R5 late; the bank's cut: R3 on time, R5 late, R6 without a deadline).
    changping = live("2026", district=CHANGPING).breakdowns
    assert changping == {
        "ip_kind": [
            ("patent", {"registrations_completed": 2, "registrations_on_time": D("50.00"), "registered_amount": D("300000.00")})
        ]
    }  # fmt: skip
    assert live("2026", bank=world.bank_b.pk).breakdowns == {
        "ip_kind": [
            ("patent", {"registrations_completed": 1, "registrations_on_time": D("0.00"), "registered_amount": D("0.00")}),
            ("trademark", {"registrations_completed": 2, "registrations_on_time": D("100.00"), "registered_amount": D("1300000.00")}),
        ]
    }  # fmt: skip


def test_a_case_accepted_before_national_day_and_completed_on_its_due_date_is_on_time(world):
    r3 = world.r3
    r3.refresh_from_db()
    # Accepted Wed 30 September; 1-7 October are the holiday, Sat 10 October a makeup working day.
    assert (r3.clock_started_on, r3.due_date, r3.completed_on) == (
        date(2026, 9, 30),
        date(2026, 10, 10),
        date(2026, 10, 10),
    )
    assert r3.breached is False
    for period in ("2026-10", "2026-Q4"):
        assert pick(live(period).values, REGISTRATION) == (1, D("100.00"), D("500000.00"))
        assert pick(live(period, bank=world.bank_b.pk).values, REGISTRATION) == (
            1,
            D("100.00"),
            D("500000.00"),
        )
    assert pick(live("2026-09").values, REGISTRATION) == (0, None, D("0.00"))
    assert dict(live("2026-Q4").breakdowns["commissioner"]) == {
        str(world.c2.pk): {"registrations_completed": 1, "registrations_on_time": D("100.00"), "registered_amount": D("500000.00")}
    }  # fmt: skip


def test_a_cured_correction_restarts_the_clock_and_the_case_is_on_time(world):
    r4 = world.r4
    r4.refresh_from_db()
    # Accepted Mon 2 March (due Thu 5), sent back on 3 March, cured on Wed 4 March: due Mon 9 March.
    assert (r4.status, r4.clock_started_on, r4.due_date, r4.completed_on) == (
        Status.REGISTERED,
        date(2026, 3, 4),
        date(2026, 3, 9),
        date(2026, 3, 9),
    )
    # Changping in Q1: R4 on time, R5 (due Fri 13 March, refused Mon 16 March) late.
    assert pick(live("2026-Q1", district=CHANGPING).values, REGISTRATION) == (2, D("50.00"), D("300000.00"))
    assert pick(live("2026-03", bank=world.bank_a.pk, district=CHANGPING).values, REGISTRATION) == (
        1,
        D("100.00"),
        D("300000.00"),
    )
    assert dict(live("2026-Q1").breakdowns["commissioner"])[str(world.c2.pk)] == {
        "registrations_completed": 1,
        "registrations_on_time": D("100.00"),
        "registered_amount": D("300000.00"),
    }


# --- Loan quality --------------------------------------------------------------------------------------------


def test_npl_ratio_as_of_now_overall_and_per_bank(world):
    # Outstanding now: L1 800,000, L2 500,000, L3 3,000,000 (substandard), L6 249,999.90, L7 250,000.35;
    # the written-off L5 (classified loss before) and the settled L4 are out.
    for period in ("2026", "2026-Q1", "2025"):  # as of now, whatever the period
        assert live(period).values["npl_ratio"] == D("62.50")  # 3,000,000 / 4,800,000.25
    overview = live("2026")
    assert {row.key: row.values["npl_ratio"] for row in overview.leagues[Dim.BANK]} == {
        world.bank_a.pk: D("74.07"),  # 3,000,000 / 4,049,999.90
        world.bank_b.pk: D("0.00"),
    }
    assert {row.key: row.values["npl_ratio"] for row in overview.leagues[Dim.DISTRICT]} == {
        HAIDIAN: D("69.77"),  # 3,000,000 / 4,300,000
        CHANGPING: D("0.00"),
    }
    assert live("2026", ip_kind="patent").values["npl_ratio"] == D("78.95")  # 3,000,000 / 3,800,000
    assert live("2026", park=world.park.pk).values["npl_ratio"] == D("0.00")
    assert live("2026", industry="ai").values["npl_ratio"] == D("100.00")  # L3 alone (L4 settled)


# --- Whitelist ------------------------------------------------------------------------------------------


def test_whitelist_pushed_feedback_on_time_and_conversion(world):
    # Published 1 June 00:30 in Beijing (31 May in UTC): June's, not May's.
    assert pick(live("2026-05").values, WHITELIST) == (0, None, None)
    # Three entries x two banks. On time: E1 by A's branch (12 June 23:30) and E2 by A; E1 by B is
    # late, E3 by B answered 13 June 07:00 in Beijing (12 June in UTC), late. Credit or loan: E1 and E2 by A.
    for period in ("2026-06", "2026-Q2", "2026"):
        assert pick(live(period).values, WHITELIST) == (6, D("33.33"), D("33.33"))
    overview = live("2026-06")
    assert league(overview, Dim.BANK, WHITELIST[1:]) == {
        world.bank_a.pk: (D("66.67"), D("66.67")),
        world.bank_b.pk: (D("0.00"), D("0.00")),
    }
    assert league(overview, Dim.DISTRICT, WHITELIST[1:]) == {
        HAIDIAN: (D("50.00"), D("50.00")),
        CHANGPING: (D("0.00"), D("0.00")),
    }
    assert pick(live("2026-06", district=HAIDIAN).values, WHITELIST) == (4, D("50.00"), D("50.00"))
    assert pick(live("2026-06", park=world.park.pk).values, WHITELIST) == (2, D("50.00"), D("50.00"))
    assert pick(live("2026-06", bank=world.bank_a.pk).values, WHITELIST) == (3, D("66.67"), D("66.67"))
    assert pick(live("2026-06", industry="health").values, WHITELIST) == (2, D("0.00"), D("0.00"))
    # No IP kind for the whitelist: the cut does not apply.
    assert "whitelist_pushed" not in live("2026-06", ip_kind="patent").values


# --- Snapshot and live -----------------------------------------------------------------------------------


PERIODS = ("2026", "2025", "2026-Q1", "2026-Q2", "2026-Q4", "2026-03", "2026-06", "2026-10")


def _cuts(world) -> list[dict]:
    return [
        {},
        {"district": HAIDIAN},
        {"district": CHANGPING},
        {"bank": world.bank_a.pk},
        {"bank": world.bank_b.pk},
        {"park": world.park.pk},
        {"ip_kind": "patent"},
        {"industry": "health"},
        {"bank": world.bank_b.pk, "ip_kind": "trademark"},
        {"bank": world.bank_a.pk, "district": CHANGPING},
    ]


def test_the_snapshot_holds_the_same_figures_as_the_live_computation(world):
    snapshot = refresh(trigger="test")
    assert current() == snapshot
    assert snapshot.rows > 0
    for text in PERIODS:
        for cut in _cuts(world):
            period, filters = Period.parse(text), Filters(**cut)
            from_snapshot = build(SnapshotSource(snapshot), period, filters)
            computed = build(LiveSource(), period, filters)
            assert figures(from_snapshot) == figures(computed), (text, cut)
    # And both are the hand-computed figures.
    from_snapshot = build(SnapshotSource(snapshot), Period.parse("2026-Q1"), Filters())
    assert pick(from_snapshot.values, LENDING) == (3, D("3800000.00"), 1, 3)
    assert from_snapshot.values["balance"] == D("5100000.00")
    assert pick(from_snapshot.values, REGISTRATION) == (5, D("50.00"), D("5100000.00"))
    bank_b_trademark = build(
        SnapshotSource(snapshot), Period.parse("2026"), Filters(bank=world.bank_b.pk, ip_kind="trademark")
    )
    assert pick(bank_b_trademark.values, LENDING) == (1, D("500000.00"), 0, 1)
    assert bank_b_trademark.values["balance"] == D("500000.00")


def test_a_figure_changes_only_after_a_refresh(world):
    period, filters = Period.parse("2026-11"), Filters()
    first = refresh(trigger="test")
    before = build(SnapshotSource(first), period, filters)
    assert pick(before.values, LENDING) == (0, D("0.00"), 0, 0)
    assert before.values["balance"] == D("4800000.25")

    # Bank A disburses E4's contract L8 on 2 November: E4's second loan (after L7), not a first one.
    disburse(world.l8, world.officers.a, date(2026, 11, 2), "900000.00")
    after = build(SnapshotSource(first), period, filters)
    assert figures(after) == figures(before)
    now = build(LiveSource(), period, filters)
    assert pick(now.values, LENDING) == (1, D("900000.00"), 0, 1)
    assert now.values["balance"] == D("5700000.25")
    assert now.values["npl_ratio"] == D("52.63")  # 3,000,000 / 5,700,000.25
    assert after.values["npl_ratio"] == D("62.50")

    second = refresh(trigger="test")
    assert current() == second and second.pk != first.pk
    first.refresh_from_db()
    assert first.status == SnapshotStatus.SUPERSEDED
    assert not Cell.objects.filter(snapshot=first).exists()
    refreshed = build(SnapshotSource(second), period, filters)
    assert figures(refreshed) == figures(build(LiveSource(), period, filters))
    assert pick(refreshed.values, LENDING) == (1, D("900000.00"), 0, 1)
    assert refreshed.values["balance"] == D("5700000.25")
    assert {row.key: row.values["loans_disbursed"] for row in refreshed.leagues[Dim.BANK]}[
        world.bank_a.pk
    ] == 1


def test_a_second_loan_of_a_borrower_added_later_is_not_first_time(world):
    # E1 (first loan L1 in 2025) borrows again from bank A in November: a loan, not a first-time borrower.
    loan = make_loan(
        bank=world.bank_a_branch,
        enterprise=world.e1,
        actor=world.officers.a,
        signed_on=date(2026, 11, 1),
        principal="120000.00",
    )
    disburse(loan, world.officers.a, date(2026, 11, 3), "120000.00")
    assert loan.registrations.count() == 0
    assert pick(live("2026-11").values, LENDING) == (1, D("120000.00"), 0, 1)
    # No linked pledge: counted whole-city and by bank, in no IP kind.
    assert pick(live("2026-11", bank=world.bank_a.pk).values, LENDING) == (1, D("120000.00"), 0, 1)
    assert pick(live("2026-11", ip_kind="patent").values, LENDING) == (0, D("0.00"), 0, 0)
    snapshot = refresh(trigger="test")
    assert figures(build(SnapshotSource(snapshot), Period.parse("2026-11"), Filters())) == figures(
        build(LiveSource(), Period.parse("2026-11"), Filters())
    )


# --- Subsidies and risk compensation (their own small worlds, through the services) ----------------------

SUBSIDY = ("subsidies_applied", "subsidies_approved", "subsidies_paid")


@pytest.fixture
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_subsidies_applied_approved_paid_and_budget(
    _media,
    reviewer,
    second_reviewer,
    finance_officer,
    enterprise,
    enterprise_user,
    bank_a_branch,
    bank_a_officer,
    other_enterprise,
    outsider,
    bank_b,
    bank_b_officer,
):
    from subsidies import payments, review
    from tests.subsidies.factories import (
        make_batch,
        make_settled_loan,
        proposed_application,
        submitted_application,
    )

    with frozen("2026-06-10"):
        batch = make_batch(reviewer)  # opens 30 days before: 11 May 2026; budget 1,000,000.00
        # E4 of domain.md §5: 175,000.00 interest at 3.50% on 5,000,000.00 -> 87,500.00.
        loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
        paid = proposed_application(batch, enterprise_user, loan, reviewer)
    with frozen("2026-06-15"):
        other = make_settled_loan(
            bank=bank_b,
            enterprise=other_enterprise,
            actor=bank_b_officer,
            contract="BJ-2025-9",
            interest_paid=D("100000.00"),
        )
        waiting = submitted_application(batch, outsider, other)  # Changping, 50,000.00, never reviewed
    # Decided at 00:30 on 1 July in Beijing: still 30 June in UTC, July's in Beijing.
    with frozen("2026-07-01", 0):
        review.review_decide(application=paid, actor=second_reviewer, approve=True)
    with frozen("2026-07-02"):
        publicity = payments.publicity_start(batch=batch, actor=reviewer)
    with frozen("2026-07-20"):
        payments.publicity_close_due(publicity.ends_on + timedelta(days=1))
        payment = payments.payment_list_create(batch=batch, actor=finance_officer)
        payments.payment_list_mark_paid(payment=payment, actor=finance_officer, paid_on=date(2026, 7, 20))
    paid.refresh_from_db()
    waiting.refresh_from_db()
    assert (paid.calculated, paid.approved_amount, paid.status) == (D("87500.00"), D("87500.00"), "paid")
    assert (waiting.calculated, waiting.status) == (D("50000.00"), "submitted")

    expected = {
        "2026-05": (D("0.00"), D("0.00"), D("0.00"), D("1000000.00")),
        "2026-06": (D("137500.00"), D("0.00"), D("0.00"), D("0.00")),
        "2026-07": (D("0.00"), D("87500.00"), D("87500.00"), D("0.00")),
        "2026-Q2": (D("137500.00"), D("0.00"), D("0.00"), D("1000000.00")),
        "2026-Q3": (D("0.00"), D("87500.00"), D("87500.00"), D("0.00")),
        "2026": (D("137500.00"), D("87500.00"), D("87500.00"), D("1000000.00")),
    }
    for period, figures_expected in expected.items():
        assert pick(live(period).values, (*SUBSIDY, "subsidy_budget")) == figures_expected, period
    # By district and park (the budget is city-wide: no cut applies, and subsidies have no bank).
    haidian = live("2026", district=HAIDIAN).values
    assert pick(haidian, SUBSIDY) == (D("87500.00"), D("87500.00"), D("87500.00"))
    assert "subsidy_budget" not in haidian
    assert pick(live("2026", district=CHANGPING).values, SUBSIDY) == (D("50000.00"), D("0.00"), D("0.00"))
    park = enterprise.enterprise_profile.park
    assert pick(live("2026", park=park.pk).values, SUBSIDY) == (D("87500.00"), D("87500.00"), D("87500.00"))
    assert "subsidies_paid" not in live("2026", bank=bank_a_branch.parent_id or bank_a_branch.pk).values
    overview = live("2026")
    assert overview.trend["subsidies_paid"] == [D("0.00")] * 6 + [D("87500.00")] + [D("0.00")] * 5
    assert {row.key: row.values["subsidies_paid"] for row in overview.leagues[Dim.DISTRICT]}[HAIDIAN] == D(
        "87500.00"
    )
    assert all(row.values["subsidies_paid"] is None for row in overview.leagues[Dim.BANK])

    snapshot = refresh(trigger="test")
    for period in ("2026", "2026-Q2", "2026-07"):
        for cut in ({}, {"district": CHANGPING}, {"park": park.pk}):
            from_snapshot = build(SnapshotSource(snapshot), Period.parse(period), Filters(**cut))
            assert figures(from_snapshot) == figures(live(period, **cut)), (period, cut)


def test_compensation_claimed_paid_and_recovered(
    bank_a,
    bank_a_branch,
    bank_a_officer,
    enterprise,
    guarantor_officer,
    reviewer,
    second_reviewer,
    finance_officer,
):
    from riskcomp import review
    from tests.riskcomp.factories import approved, fund, make_npl_loan

    guarantor = guarantor_officer.organisation
    with frozen("2026-08-17"):
        fund()
        # E8: 2,000,000.00 outstanding, non-performing since 18 July; bank 0.20, guarantor 0.80 of which
        # half re-guaranteed.
        loan = make_npl_loan(
            bank=bank_a_branch,
            enterprise=enterprise,
            actor=bank_a_officer,
            participants=[
                ("bank", bank_a_branch, bank_a_branch.name, "0.20", "0"),
                ("guarantor", guarantor, guarantor.name, "0.80", "0.50"),
            ],
        )
        claim = approved(loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    with frozen("2026-09-01"):
        claim = review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=date(2026, 9, 1))
    with frozen("2026-10-15"):
        recovery = review.recovery_report(
            claim=claim,
            actor=bank_a_officer,
            amount="500000.00",
            received_on=date(2026, 10, 15),
            source="disposal",
        )
    assert (claim.total, claim.approved_total, recovery.fund_share) == (
        D("360000.00"),
        D("360000.00"),
        D("90000.00"),
    )
    slugs = ("compensation_claimed", "compensation_paid", "compensation_recovered")
    expected = {
        "2026-08": (D("360000.00"), D("0.00"), D("0.00")),
        "2026-09": (D("0.00"), D("360000.00"), D("0.00")),
        "2026-10": (D("0.00"), D("0.00"), D("500000.00")),
        "2026-Q3": (D("360000.00"), D("360000.00"), D("0.00")),
        "2026": (D("360000.00"), D("360000.00"), D("500000.00")),
    }
    for period, figures_expected in expected.items():
        assert pick(live(period).values, slugs) == figures_expected, period
    # The loan's dimensions: bank A's branch (head office A), Haidian, a patent pledge.
    for cut in ({"bank": bank_a.pk}, {"district": HAIDIAN}, {"ip_kind": "patent"}):
        assert pick(live("2026", **cut).values, slugs) == (D("360000.00"), D("360000.00"), D("500000.00")), (
            cut
        )
    assert pick(live("2026", district=CHANGPING).values, slugs) == (D("0.00"), D("0.00"), D("0.00"))
    league_paid = {row.key: row.values["compensation_paid"] for row in live("2026-Q3").leagues[Dim.BANK]}
    assert league_paid[bank_a.pk] == D("360000.00")

    snapshot = refresh(trigger="test")
    for period in ("2026", "2026-Q3", "2026-10"):
        for cut in ({}, {"bank": bank_a.pk}, {"bank": bank_a.pk, "ip_kind": "patent"}):
            from_snapshot = build(SnapshotSource(snapshot), Period.parse(period), Filters(**cut))
            assert figures(from_snapshot) == figures(live(period, **cut)), (period, cut)


def test_a_pledge_to_a_guarantor_sits_in_the_bank_league_as_no_bank(world):
    """A registration whose pledgee is a guarantor belongs to no bank: its league row is labelled as such,
    and a bank manager's peers stay numbered without it."""
    from portal.accounts.models import OrgKind
    from portal.accounts.services import organisation_create
    from stats.permissions import Scope
    from stats.presenters import league_sections
    from tests.stats.conftest import history_registration, make_uscc

    guarantor = organisation_create(name="北京某担保公司", kind=OrgKind.GUARANTOR, uscc=make_uscc("110108"))
    history_registration(
        pledgor=world.e1,
        pledgee=guarantor,
        ip_kind="patent",
        on=date(2026, 3, 3),
        debt="1000.00",
        actor=world.officers.a,
    )
    overview = build(SnapshotSource(refresh(trigger="test")), Period.parse("2026-Q1"), Filters())
    assert 0 in {row.key for row in overview.leagues[Dim.BANK]}
    [banks] = [s for s in league_sections(overview, Scope()) if s["key"] == "banks"]
    assert "No bank (pledged to a guarantor)" in [row[0] for row in banks["rows"]]
    [peers] = [s for s in league_sections(overview, Scope(own_bank=world.bank_a.pk)) if s["key"] == "banks"]
    names = [row[0] for row in peers["rows"]]
    assert "Your bank" in names and "No bank (pledged to a guarantor)" in names
    assert world.bank_b.name not in names


def test_drill_down_lists_the_cases_behind_a_figure(world):
    """Loans disbursed in Q1 2026 (L6 15 March, L2 31 March, L3 20 January; not L4 of 1 April), the bank-B
    ones only when cut by bank B, and the non-performing loans now whatever the period."""
    from stats.cases import case_ids, describe
    from stats.indicators import BY_SLUG

    loans = BY_SLUG["loans_disbursed"]
    q1 = case_ids(loans, Period.parse("2026-Q1"), Filters())
    assert q1 == sorted([world.l2.pk, world.l3.pk, world.l6.pk], reverse=True)
    assert case_ids(loans, Period.parse("2026-Q1"), Filters(bank=world.bank_b.pk)) == [world.l2.pk]
    assert case_ids(loans, Period.parse("2026-Q1"), Filters(), after=q1[0], limit=1) == q1[1:2]
    npl = case_ids(BY_SLUG["npl_ratio"], Period.parse("2025"), Filters())
    assert npl == [world.l3.pk]
    assert [case.reference for case in describe("npl", npl)] == [world.l3.reference]
