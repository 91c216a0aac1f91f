"""The loan ledger's rules (loans.calculations.apply_fact), case by case from domain.md §2.3."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from loans.calculations import ALLOWED_IN, Fact, FactRejected, LoanState, apply_fact
from loans.models import LOAN_TRANSITIONS, Classification, FactKind, LoanStatus

TODAY = date(2026, 6, 30)
D = Decimal


def contracted(principal="1000000.00"):
    return LoanState(
        status=LoanStatus.CONTRACTED, principal=D(principal), contract_signed_on=date(2026, 1, 5)
    )


def running(**extra):
    state = apply_fact(
        contracted(), Fact(FactKind.DISBURSEMENT, date(2026, 1, 10), D("1000000.00")), today=TODAY
    )
    return replace(state, **extra)


def test_first_disbursement_starts_the_loan():
    state = apply_fact(
        contracted(), Fact(FactKind.DISBURSEMENT, date(2026, 1, 10), D("400000.00")), today=TODAY
    )
    assert state.status == LoanStatus.DISBURSED
    assert state.disbursed_on == date(2026, 1, 10)
    assert state.disbursed_amount == D("400000.00")


def test_tranches_add_up_and_keep_the_first_date():
    state = apply_fact(
        contracted(), Fact(FactKind.DISBURSEMENT, date(2026, 1, 10), D("400000.00")), today=TODAY
    )
    state = apply_fact(state, Fact(FactKind.DISBURSEMENT, date(2026, 2, 10), D("600000.00")), today=TODAY)
    assert state.disbursed_amount == D("1000000.00")
    assert state.disbursed_on == date(2026, 1, 10)


def test_disbursement_beyond_principal_is_refused():
    with pytest.raises(FactRejected) as caught:
        apply_fact(contracted(), Fact(FactKind.DISBURSEMENT, date(2026, 1, 10), D("1000000.01")), today=TODAY)
    assert caught.value.field == "amount"


@pytest.mark.parametrize("amount", [D("0"), D("-5"), D("1.001"), None, D("NaN")])
def test_money_facts_need_a_positive_amount_in_fen(amount):
    with pytest.raises(FactRejected) as caught:
        apply_fact(contracted(), Fact(FactKind.DISBURSEMENT, date(2026, 1, 10), amount), today=TODAY)
    assert caught.value.field == "amount"


def test_future_dates_and_dates_before_the_contract_are_refused():
    with pytest.raises(FactRejected) as caught:
        apply_fact(contracted(), Fact(FactKind.DISBURSEMENT, date(2026, 7, 1), D("1.00")), today=TODAY)
    assert caught.value.field == "occurred_on"
    with pytest.raises(FactRejected):
        apply_fact(contracted(), Fact(FactKind.DISBURSEMENT, date(2026, 1, 4), D("1.00")), today=TODAY)


def test_facts_before_the_first_disbursement_are_refused():
    with pytest.raises(FactRejected) as caught:
        apply_fact(running(), Fact(FactKind.INTEREST, date(2026, 1, 9), D("10.00")), today=TODAY)
    assert caught.value.field == "occurred_on"


def test_repayments_move_to_repaying_and_cannot_exceed_outstanding():
    state = apply_fact(running(), Fact(FactKind.REPAYMENT, date(2026, 3, 1), D("300000.00")), today=TODAY)
    assert state.status == LoanStatus.REPAYING
    assert state.outstanding == D("700000.00")
    with pytest.raises(FactRejected):
        apply_fact(state, Fact(FactKind.REPAYMENT, date(2026, 3, 2), D("700000.01")), today=TODAY)


def test_interest_accumulates_without_changing_status():
    state = apply_fact(running(), Fact(FactKind.INTEREST, date(2026, 2, 20), D("3450.55")), today=TODAY)
    state = apply_fact(state, Fact(FactKind.INTEREST, date(2026, 3, 20), D("3450.45")), today=TODAY)
    assert state.interest_paid == D("6901.00")
    assert state.status == LoanStatus.DISBURSED


def test_settlement_with_the_outstanding_amount_clears_the_loan():
    state = apply_fact(running(), Fact(FactKind.REPAYMENT, date(2026, 3, 1), D("300000.00")), today=TODAY)
    state = apply_fact(state, Fact(FactKind.SETTLEMENT, date(2026, 6, 1), D("700000.00")), today=TODAY)
    assert state.status == LoanStatus.SETTLED
    assert state.settled_on == date(2026, 6, 1)
    assert state.outstanding == 0


def test_settlement_must_match_the_outstanding_principal():
    with pytest.raises(FactRejected):
        apply_fact(running(), Fact(FactKind.SETTLEMENT, date(2026, 6, 1), D("1.00")), today=TODAY)
    with pytest.raises(FactRejected):
        apply_fact(running(), Fact(FactKind.SETTLEMENT, date(2026, 6, 1)), today=TODAY)
    repaid = apply_fact(running(), Fact(FactKind.REPAYMENT, date(2026, 5, 1), D("1000000.00")), today=TODAY)
    assert apply_fact(repaid, Fact(FactKind.SETTLEMENT, date(2026, 6, 1)), today=TODAY).status == "settled"


def test_a_settled_loan_takes_no_more_facts():
    settled = running(status=LoanStatus.SETTLED)
    for kind in FactKind.values:
        with pytest.raises(FactRejected):
            apply_fact(settled, Fact(kind, date(2026, 6, 2), D("1.00")), today=TODAY)


def test_overdue_days_date_the_arrears_and_a_zero_cures_them():
    state = apply_fact(running(), Fact(FactKind.OVERDUE, date(2026, 4, 30), overdue_days=30), today=TODAY)
    assert state.status == LoanStatus.OVERDUE
    assert state.overdue_since == date(2026, 4, 1)
    cured = apply_fact(state, Fact(FactKind.OVERDUE, date(2026, 5, 3), overdue_days=0), today=TODAY)
    assert cured.status == LoanStatus.REPAYING
    assert cured.overdue_since is None


@pytest.mark.parametrize("days", [-1, None, True, "3"])
def test_overdue_days_must_be_a_whole_number(days):
    with pytest.raises(FactRejected) as caught:
        apply_fact(running(), Fact(FactKind.OVERDUE, date(2026, 4, 30), overdue_days=days), today=TODAY)
    assert caught.value.field == "overdue_days"


@pytest.mark.parametrize("category", sorted(Classification.values))
def test_the_last_three_categories_are_non_performing(category):
    state = apply_fact(
        running(), Fact(FactKind.CLASSIFICATION, date(2026, 5, 1), classification=category), today=TODAY
    )
    assert state.classification == category
    assert state.classified_on == date(2026, 5, 1)
    if category in ("substandard", "doubtful", "loss"):
        assert state.status == LoanStatus.NON_PERFORMING
        assert state.non_performing_on == date(2026, 5, 1)
    else:
        assert state.status == LoanStatus.DISBURSED
        assert state.non_performing_on is None


def test_a_downgrade_within_non_performing_keeps_the_first_date():
    state = apply_fact(
        running(), Fact(FactKind.CLASSIFICATION, date(2026, 5, 1), classification="substandard"), today=TODAY
    )
    state = apply_fact(
        state, Fact(FactKind.CLASSIFICATION, date(2026, 6, 1), classification="doubtful"), today=TODAY
    )
    assert state.non_performing_on == date(2026, 5, 1)


def test_an_upgrade_lifts_non_performing_and_a_later_downgrade_has_a_new_date():
    state = apply_fact(
        running(), Fact(FactKind.CLASSIFICATION, date(2026, 3, 1), classification="substandard"), today=TODAY
    )
    state = apply_fact(
        state, Fact(FactKind.CLASSIFICATION, date(2026, 4, 1), classification="normal"), today=TODAY
    )
    assert state.status == LoanStatus.REPAYING
    assert state.non_performing_on is None
    state = apply_fact(
        state, Fact(FactKind.CLASSIFICATION, date(2026, 5, 1), classification="loss"), today=TODAY
    )
    assert state.non_performing_on == date(2026, 5, 1)


def test_overdue_reports_do_not_lift_non_performing():
    state = apply_fact(
        running(), Fact(FactKind.CLASSIFICATION, date(2026, 3, 1), classification="doubtful"), today=TODAY
    )
    state = apply_fact(state, Fact(FactKind.OVERDUE, date(2026, 4, 1), overdue_days=0), today=TODAY)
    assert state.status == LoanStatus.NON_PERFORMING


def test_write_off_only_from_non_performing():
    with pytest.raises(FactRejected):
        apply_fact(running(), Fact(FactKind.WRITE_OFF, date(2026, 6, 1)), today=TODAY)
    npl = apply_fact(
        running(), Fact(FactKind.CLASSIFICATION, date(2026, 3, 1), classification="loss"), today=TODAY
    )
    state = apply_fact(npl, Fact(FactKind.WRITE_OFF, date(2026, 6, 1)), today=TODAY)
    assert state.status == LoanStatus.WRITTEN_OFF
    assert state.written_off_on == date(2026, 6, 1)


@pytest.mark.parametrize("status", sorted(LoanStatus.values))
@pytest.mark.parametrize("kind", sorted(FactKind.values))
def test_every_fact_in_every_status_is_refused_or_makes_a_listed_move(status, kind):
    """Exhaustive over status x fact: the ledger never makes a move LOAN_TRANSITIONS does not list."""
    state = running(status=status, principal_repaid=D("0.00"))
    fact = Fact(
        kind,
        date(2026, 6, 1),
        amount=D("1.00") if kind in (FactKind.INTEREST, FactKind.REPAYMENT) else None,
        overdue_days=5 if kind == FactKind.OVERDUE else None,
        classification="loss" if kind == FactKind.CLASSIFICATION else "",
    )
    if kind == FactKind.DISBURSEMENT:
        state = replace(state, disbursed_amount=D("0.00"), principal_repaid=D("0.00"))
        fact = replace(fact, amount=D("1.00"))
    if kind == FactKind.SETTLEMENT:
        fact = replace(fact, amount=state.outstanding)
    try:
        after = apply_fact(state, fact, today=TODAY)
    except FactRejected:
        assert status not in ALLOWED_IN[kind] or (kind == FactKind.SETTLEMENT and state.outstanding == 0)
        return
    assert status in ALLOWED_IN[kind]
    assert after.status == status or after.status in LOAN_TRANSITIONS[status]


def test_state_round_trips_through_a_loan_like_object():
    class Row:
        pass

    row = Row()
    row.principal = D("5.00")
    row.contract_signed_on = None
    state = running()
    for name in LoanState.FIELDS:
        setattr(row, name, None)
    assert set(state.write_to(row)) <= set(LoanState.FIELDS)
    assert LoanState.of(row) == replace(state, principal=D("5.00"), contract_signed_on=None)
