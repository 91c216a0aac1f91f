"""Every pair of statuses, for programmes and enrolments: the moves in the TRANSITIONS tables are made (with
their event row) by the roles they list, and refused for everyone else; every other move is refused."""

import itertools

import pytest
from django.db import transaction

from tests.training.factories import make_programme
from training.enrolments import enrolment_move
from training.errors import TrainingInvalid, TrainingNotAllowed
from training.models import (
    ENROLMENT_TRANSITIONS,
    PROGRAMME_TRANSITIONS,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    ProgrammeEvent,
    ProgrammeStatus,
)
from training.programmes import available_transitions, programme_transition

pytestmark = pytest.mark.django_db

PROGRAMME_PAIRS = list(itertools.product(ProgrammeStatus.values, repeat=2))
ENROLMENT_PAIRS = list(itertools.product(EnrolmentStatus.values, repeat=2))


def _programme_in(status, organiser):
    programme = make_programme(organiser, publish=False)
    programme.status = status
    programme.save(update_fields=["status"])
    return programme


@pytest.mark.parametrize(("start", "to"), PROGRAMME_PAIRS)
def test_programme_moves_follow_the_table(promotion_officer, start, to):
    programme = _programme_in(start, promotion_officer)
    with transaction.atomic():
        if to in PROGRAMME_TRANSITIONS[start]:
            programme_transition(programme=programme, to=to, actor=promotion_officer)
            programme.save()
            event = ProgrammeEvent.objects.filter(programme=programme, to_status=to).get()
            assert (event.from_status, event.actor) == (start, promotion_officer)
        else:
            with pytest.raises(TrainingInvalid):
                programme_transition(programme=programme, to=to, actor=promotion_officer)
    programme.refresh_from_db()
    assert programme.status == (to if to in PROGRAMME_TRANSITIONS[start] else start)


@pytest.mark.parametrize(
    ("start", "to"), [(s, t) for s, moves in PROGRAMME_TRANSITIONS.items() for t in moves]
)
def test_only_the_organisers_own_staff_move_a_programme(
    promotion_officer, park_admin, bank_a_officer, reviewer, start, to
):
    programme = _programme_in(start, promotion_officer)
    for outsider in (park_admin, bank_a_officer, reviewer):
        with pytest.raises(TrainingNotAllowed):
            programme_transition(programme=programme, to=to, actor=outsider)
        assert available_transitions(programme, outsider) == []
    assert to in available_transitions(programme, promotion_officer)


def _enrolment_in(status, programme, person):
    enrolment = Enrolment.objects.create(
        programme=programme, user=person, organisation=person.organisation, status=status
    )
    return enrolment


@pytest.mark.parametrize(("start", "to"), ENROLMENT_PAIRS)
def test_enrolment_moves_follow_the_table(promotion_officer, bank_a_officer, start, to):
    programme = make_programme(promotion_officer)
    enrolment = _enrolment_in(start, programme, bank_a_officer)
    allowed = ENROLMENT_TRANSITIONS[start].get(to)
    actor = bank_a_officer if allowed and "self" in allowed else promotion_officer
    if allowed is None:
        with pytest.raises(TrainingInvalid):
            enrolment_move(enrolment, actor=actor, to=to, programme=programme)
        assert not EnrolmentEvent.objects.exists()
        return
    enrolment_move(enrolment, actor=actor, to=to, programme=programme, reason="测试")
    event = EnrolmentEvent.objects.get()
    assert (event.from_status, event.to_status, event.actor, event.reason) == (start, to, actor, "测试")
    assert enrolment.status == to


@pytest.mark.parametrize(
    ("start", "to"), [(s, t) for s, moves in ENROLMENT_TRANSITIONS.items() for t in moves]
)
def test_enrolment_moves_refused_to_anyone_the_table_does_not_name(
    promotion_officer, park_admin, bank_a_officer, bank_b_officer, start, to
):
    programme = make_programme(promotion_officer)
    enrolment = _enrolment_in(start, programme, bank_a_officer)
    allowed = ENROLMENT_TRANSITIONS[start][to]
    # The person's own moves are theirs alone; the organiser's moves need the organising organisation.
    others = [bank_b_officer, promotion_officer] if "self" in allowed else [park_admin, bank_a_officer]
    for actor in others:
        with pytest.raises(TrainingNotAllowed):
            enrolment_move(enrolment, actor=actor, to=to, programme=programme)
    assert not EnrolmentEvent.objects.exists()
