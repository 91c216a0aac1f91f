"""The fund and the institutions' annual caps are never overspent (issue 7): eight second reviewers approve
eight proposed claims at the same moment, first against a fund budget that fits only four of them, then
against a per-institution annual cap their common guarantor reaches after four. Exactly the fitting ones are
approved; the others are refused with BudgetExceeded showing what remains, stay proposed and have nothing
reserved for them. Were the services ever bypassed, the database's check constraints refuse a reservation
above the budget or the cap."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils.timezone import localdate

from portal.accounts.models import Role
from riskcomp import review
from riskcomp.errors import BudgetExceeded
from riskcomp.models import Claim, ClaimEvent, ClaimStatus, FundYear, InstitutionYear
from tests.riskcomp.factories import fund, make_npl_loan, proposed

D = Decimal
S = ClaimStatus
APPROVERS = 8
EACH = D("360000.00")  # E8 of domain.md §5: the bank 120,000.00, the guarantor 240,000.00
GUARANTOR_EACH = D("240000.00")
BANK_EACH = D("120000.00")
FITS = 4


def _proposals(bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer) -> list[Claim]:
    guarantor = guarantor_officer.organisation
    claims = []
    for _index in range(APPROVERS):
        loan = make_npl_loan(
            bank=bank_a_branch,
            enterprise=enterprise,
            actor=bank_a_officer,
            participants=[
                ("bank", bank_a_branch, bank_a_branch.name, "0.20", "0"),
                ("guarantor", guarantor, guarantor.name, "0.80", "0.50"),
            ],
        )
        claims.append(proposed(loan, bank_a_officer, reviewer, confirmers=[guarantor_officer]))
    assert all(claim.status == S.PROPOSED and claim.total == EACH for claim in claims)
    return claims


def _approve_all_at_once(claims, checkers) -> tuple[list[int], dict[int, Decimal], list[BaseException]]:
    start = threading.Barrier(len(claims))
    approved: list[int] = []
    refused: dict[int, Decimal] = {}
    errors: list[BaseException] = []

    def approve(claim, checker):
        try:
            start.wait()
            review.review_decide(claim=claim, actor=checker, approve=True, reason="复核通过")
            approved.append(claim.pk)
        except BudgetExceeded as exceeded:
            refused[claim.pk] = exceeded.remaining
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(claim, checker))
        for claim, checker in zip(claims, checkers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return approved, refused, errors


def _assert_refused_left_untouched(refused) -> None:
    for pk in refused:
        claim = Claim.objects.get(pk=pk)
        assert claim.status == S.PROPOSED
        assert claim.approved_total is None and claim.second_reviewer is None and claim.decided_at is None
        assert list(claim.participants.values_list("approved_payout", flat=True)) == [None, None]
        assert not ClaimEvent.objects.filter(claim_id=pk, to_status=S.APPROVED).exists()


def _assert_approved(approved) -> None:
    for pk in approved:
        claim = Claim.objects.get(pk=pk)
        assert claim.status == S.APPROVED and claim.approved_total == EACH
        assert ClaimEvent.objects.filter(claim_id=pk, to_status=S.APPROVED).count() == 1


@pytest.fixture
def checkers(make_user, ip_bureau):
    """Eight second reviewers, none of them the first."""
    return [make_user(f"rc_checker_{index}", ip_bureau, Role.REVIEWER) for index in range(APPROVERS)]


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_concurrent_approvals_never_overspend_the_fund(
    bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer, checkers
):
    budget = D("1500000.00")  # four claims (1,440,000.00) fit, then 60,000.00 remain
    fund(budget=str(budget))
    claims = _proposals(bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer)

    approved, refused, errors = _approve_all_at_once(claims, checkers)

    assert not errors, errors
    assert len(approved) == FITS and len(refused) == APPROVERS - FITS
    fund_year = FundYear.objects.get(year=localdate().year)
    assert fund_year.reserved == FITS * EACH <= fund_year.budget == budget
    assert set(refused.values()) == {budget - FITS * EACH}  # every refusal saw what the approvals left
    _assert_approved(approved)
    _assert_refused_left_untouched(refused)
    # The institutions carry exactly the approved claims' payouts, nothing of the refused ones.
    rows = dict(InstitutionYear.objects.values_list("organisation_id", "reserved"))
    assert rows == {
        bank_a_branch.pk: FITS * BANK_EACH,
        guarantor_officer.organisation.pk: FITS * GUARANTOR_EACH,
    }
    assert sum(Claim.objects.filter(pk__in=approved).values_list("approved_total", flat=True), D("0")) == (
        fund_year.reserved
    )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_concurrent_approvals_never_overspend_the_guarantors_annual_cap(
    bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer, checkers
):
    cap = D("1000000.00")  # the guarantor's 240,000.00 fits four times (960,000.00); the bank's 120,000 eight
    fund(budget="5000000.00", institution_cap=str(cap))
    claims = _proposals(bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer)

    approved, refused, errors = _approve_all_at_once(claims, checkers)

    assert not errors, errors
    assert len(approved) == FITS and len(refused) == APPROVERS - FITS
    guarantor_year = InstitutionYear.objects.get(organisation=guarantor_officer.organisation)
    assert guarantor_year.reserved == FITS * GUARANTOR_EACH <= guarantor_year.cap == cap
    assert set(refused.values()) == {cap - FITS * GUARANTOR_EACH}
    # A refusal by the cap undid the fund's and the bank's part of the same approval.
    assert FundYear.objects.get(year=localdate().year).reserved == FITS * EACH
    assert InstitutionYear.objects.get(organisation=bank_a_branch).reserved == FITS * BANK_EACH
    _assert_approved(approved)
    _assert_refused_left_untouched(refused)


# --- The database's own guard (both databases) ---------------------------------------------------------


@pytest.mark.django_db
def test_the_database_refuses_a_fund_reservation_above_the_budget():
    row = FundYear.objects.create(year=2026, budget=D("100.00"))
    for change in (
        {"reserved": D("100.01")},
        {"reserved": F("budget") + D("0.01")},
        {"reserved": D("-0.01")},
        {"paid": D("0.01")},  # nothing is paid that was not reserved
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            FundYear.objects.filter(pk=row.pk).update(**change)
    FundYear.objects.filter(pk=row.pk).update(reserved=D("100.00"), paid=D("100.00"))  # exactly fits
    with pytest.raises(IntegrityError), transaction.atomic():
        FundYear.objects.filter(pk=row.pk).update(budget=D("99.99"))  # nor does the budget shrink below it
    row.refresh_from_db()
    assert (row.budget, row.reserved, row.paid) == (D("100.00"), D("100.00"), D("100.00"))


@pytest.mark.django_db
def test_the_database_refuses_an_institution_reservation_above_its_cap(guarantor):
    row = InstitutionYear.objects.create(year=2026, organisation=guarantor, cap=D("600000.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionYear.objects.filter(pk=row.pk).update(reserved=D("600000.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionYear.objects.filter(pk=row.pk).update(reserved=F("cap") + D("0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionYear.objects.filter(pk=row.pk).update(reserved=D("-0.01"))
    InstitutionYear.objects.filter(pk=row.pk).update(reserved=D("600000.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InstitutionYear.objects.filter(pk=row.pk).update(cap=D("599999.99"))
    # No cap set: any reservation is allowed (the cap is optional in the year's parameters).
    InstitutionYear.objects.filter(pk=row.pk).update(cap=None, reserved=D("9999999.99"))
    with pytest.raises(IntegrityError), transaction.atomic():  # one row per institution and year
        InstitutionYear.objects.create(year=2026, organisation=guarantor)


@pytest.mark.django_db
def test_the_database_refuses_a_clawback_above_what_was_approved(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, funded
):
    from tests.riskcomp.factories import approved

    claim = approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(clawed_back=F("approved_total") + D("0.01"))
    Claim.objects.filter(pk=claim.pk).update(clawed_back=F("approved_total"))
