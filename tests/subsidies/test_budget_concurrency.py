"""The budget can never go negative (issue 6): eight second reviewers approve eight proposals at once
against a budget that fits only some of them. The conditional UPDATE lets exactly those that fit through,
the others are refused with what remains and stay proposed; and were the service ever bypassed, the
database's check constraint refuses a reservation above the budget."""

import threading
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from portal.accounts.models import Role
from subsidies import review
from subsidies.errors import BudgetExceeded
from subsidies.models import Application, ApplicationEvent, ApplicationStatus, Batch
from tests.subsidies.factories import make_batch, make_settled_loan, proposed_application

D = Decimal
S = ApplicationStatus
APPROVERS = 8
EACH = D("87500.00")  # E4 of domain.md §5, the amount of every proposal here
BUDGET = D("380000.00")  # fits four (350,000.00), then 30,000.00 remain
FITS = 4


def _proposals(
    reviewer, make_enterprise, make_user, bank_a_branch, bank_a_officer, batch
) -> list[Application]:
    proposals = []
    for index in range(APPROVERS):
        enterprise = make_enterprise(f"北京并发测试企业{index}有限公司")
        user = make_user(f"concurrent_ent_{index}", enterprise, Role.ENTERPRISE_USER)
        loan = make_settled_loan(
            bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, contract=f"HT-2025-C{index}"
        )
        proposals.append(proposed_application(batch, user, loan, reviewer))
    assert all(application.proposed_amount == EACH for application in proposals)
    return proposals


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_eight_concurrent_approvals_never_overspend(
    reviewer, make_user, ip_bureau, make_enterprise, bank_a_branch, bank_a_officer
):
    batch = make_batch(reviewer, budget=BUDGET)
    proposals = _proposals(reviewer, make_enterprise, make_user, bank_a_branch, bank_a_officer, batch)
    # Eight second reviewers, none of them the first: each takes one proposal, all at the same moment.
    checkers = [make_user(f"checker_{index}", ip_bureau, Role.REVIEWER) for index in range(APPROVERS)]
    start = threading.Barrier(APPROVERS)
    approved: list[int] = []
    refused: dict[int, Decimal] = {}
    errors: list[BaseException] = []

    def approve(application, checker):
        try:
            start.wait()
            review.review_decide(application=application, actor=checker, approve=True)
            approved.append(application.pk)
        except BudgetExceeded as exceeded:
            refused[application.pk] = exceeded.remaining
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=approve, args=(application, checker))
        for application, checker in zip(proposals, checkers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, errors
    assert len(approved) == FITS and len(refused) == APPROVERS - FITS
    batch = Batch.objects.get(pk=batch.pk)
    assert batch.reserved == FITS * EACH <= batch.budget
    # Every refusal saw the budget as it really was: what the four approvals left.
    assert set(refused.values()) == {BUDGET - FITS * EACH}
    statuses = dict(Application.objects.filter(batch=batch).values_list("pk", "status"))
    assert {pk for pk, status in statuses.items() if status == S.APPROVED} == set(approved)
    assert {pk for pk, status in statuses.items() if status == S.PROPOSED} == set(refused)
    for pk in refused:  # a refused approval leaves no trace but the proposal
        application = Application.objects.get(pk=pk)
        assert application.approved_amount is None and application.second_reviewer is None
        assert not ApplicationEvent.objects.filter(application_id=pk, to_status=S.APPROVED).exists()
    assert (
        sum(Application.objects.filter(pk__in=approved).values_list("approved_amount", flat=True), D("0"))
        == batch.reserved
    )


@pytest.mark.django_db
def test_the_database_refuses_a_reservation_above_the_budget(reviewer):
    batch = make_batch(reviewer, budget=D("100.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(reserved=D("100.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(reserved=F("budget") + D("0.01"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(reserved=D("-0.01"))
    Batch.objects.filter(pk=batch.pk).update(reserved=D("100.00"))  # exactly the budget is allowed
    with pytest.raises(IntegrityError), transaction.atomic():
        Batch.objects.filter(pk=batch.pk).update(budget=D("99.99"))  # nor can the budget shrink below it
    assert Batch.objects.get(pk=batch.pk).reserved == D("100.00")


@pytest.mark.django_db
def test_a_reservation_that_does_not_fit_changes_nothing(reviewer):
    batch = make_batch(reviewer, budget=D("100.00"))
    review.reserve(batch.pk, D("60.00"))
    with pytest.raises(BudgetExceeded) as refused:
        review.reserve(batch.pk, D("40.01"))
    assert refused.value.remaining == D("40.00")
    review.reserve(batch.pk, D("40.00"))  # the last fen fits
    assert Batch.objects.get(pk=batch.pk).remaining == D("0.00")
