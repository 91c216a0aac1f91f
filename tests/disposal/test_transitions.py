"""Every pair of statuses against CASE_TRANSITIONS: a listed move is made (with its event row) by a role it
names, any other move is refused and leaves the case and its history untouched."""

import itertools

import pytest

from disposal.errors import DisposalInvalid, DisposalNotAllowed
from disposal.models import CASE_TRANSITIONS, PLEDGEE_ROLES, SYSTEM, CaseStatus, DisposalCase, DisposalEvent
from disposal.services import move
from tests.disposal.factories import open_case

pytestmark = pytest.mark.django_db
PAIRS = list(itertools.product(CaseStatus.values, repeat=2))


def test_the_table_covers_every_status_and_offers_no_transfer_to_the_pledgee():
    assert set(CASE_TRANSITIONS) == set(CaseStatus.values)
    for targets in CASE_TRANSITIONS.values():
        assert set(targets) <= set(CaseStatus.values)
    from disposal.models import Method

    assert not any("pledgee" in value or "transfer" in value for value in Method.values)


@pytest.mark.parametrize(("source", "target"), PAIRS)
def test_each_move_is_allowed_exactly_when_the_table_lists_it(source, target, npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    DisposalCase.objects.filter(pk=case.pk).update(status=source)
    case.refresh_from_db()
    events = DisposalEvent.objects.filter(case=case).count()
    allowed = CASE_TRANSITIONS[source].get(target)
    actor = None if allowed and SYSTEM in allowed else bank_a_officer
    if allowed is None:
        with pytest.raises(DisposalInvalid):
            move(case, actor=actor, to=target)
        case.refresh_from_db()
        assert case.status == source
        assert DisposalEvent.objects.filter(case=case).count() == events
        return
    event = move(case, actor=actor, to=target, reason="test")
    case.refresh_from_db()
    assert case.status == target
    assert (event.from_status, event.to_status, event.actor, event.reason) == (source, target, actor, "test")


@pytest.mark.parametrize(
    ("source", "target"),
    [(s, t) for s, targets in CASE_TRANSITIONS.items() for t, roles in targets.items() if SYSTEM in roles],
)
def test_moves_the_portal_makes_are_refused_to_people(source, target, npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    DisposalCase.objects.filter(pk=case.pk).update(status=source)
    case.refresh_from_db()
    with pytest.raises(DisposalNotAllowed):
        move(case, actor=bank_a_officer, to=target)


@pytest.mark.parametrize(
    ("source", "target"),
    [
        (s, t)
        for s, targets in CASE_TRANSITIONS.items()
        for t, roles in targets.items()
        if roles == PLEDGEE_ROLES
    ],
)
def test_pledgee_moves_are_refused_to_another_bank(source, target, npl_loan, bank_a_officer, bank_b_officer):
    case = open_case(npl_loan, bank_a_officer)
    DisposalCase.objects.filter(pk=case.pk).update(status=source)
    case.refresh_from_db()
    with pytest.raises(DisposalNotAllowed):
        move(case, actor=bank_b_officer, to=target)
    case.refresh_from_db()
    assert case.status == source
