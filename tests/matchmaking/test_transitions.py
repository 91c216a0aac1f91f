"""Every move not in the transition tables is refused; every listed move is refused to a role not listed."""

import pytest

from matchmaking.errors import MatchmakingInvalid, MatchmakingNotAllowed
from matchmaking.models import DEMAND_TRANSITIONS, EVENT_TRANSITIONS, DemandEvent, DemandStatus, EventStatus
from matchmaking.services import demands, events
from tests.matchmaking.factories import posted, published_event

pytestmark = pytest.mark.django_db

DEMAND_PAIRS = [(a, b) for a in DemandStatus.values for b in DemandStatus.values]
EVENT_PAIRS = [(a, b) for a in EventStatus.values for b in EventStatus.values]


def test_the_tables_name_every_status():
    assert set(DEMAND_TRANSITIONS) == set(DemandStatus.values)
    assert set(EVENT_TRANSITIONS) == set(EventStatus.values)


def test_every_demand_move_outside_the_table_is_refused_and_writes_nothing(enterprise_user, bank_a_officer):
    demand = posted(enterprise_user)
    refused = 0
    for origin, to in DEMAND_PAIRS:
        if to in DEMAND_TRANSITIONS[origin]:
            continue
        demand.status = origin
        with pytest.raises(MatchmakingInvalid):
            demands.move(demand, actor=bank_a_officer, to=to)
        refused += 1
    assert refused == len(DEMAND_PAIRS) - sum(len(moves) for moves in DEMAND_TRANSITIONS.values())
    assert not DemandEvent.objects.filter(action="transition").exists()


def test_every_listed_demand_move_is_refused_to_an_unlisted_role(enterprise_user, commissioner):
    demand = posted(enterprise_user)
    for origin, moves in DEMAND_TRANSITIONS.items():
        for to in moves:
            demand.status = origin
            with pytest.raises(MatchmakingNotAllowed):
                demands.move(demand, actor=commissioner, to=to)


def test_the_sweep_alone_expires_a_need(enterprise_user, bank_a_officer):
    demand = posted(enterprise_user)
    with pytest.raises(MatchmakingNotAllowed):
        demands.move(demand, actor=enterprise_user, to=DemandStatus.EXPIRED)
    demands.move(demand, actor=None, to=DemandStatus.EXPIRED)


def test_every_event_move_outside_the_table_is_refused(park_admin):
    event = published_event(park_admin)
    for origin, to in EVENT_PAIRS:
        if to in EVENT_TRANSITIONS[origin]:
            continue
        type(event).objects.filter(pk=event.pk).update(status=origin)
        with pytest.raises(MatchmakingInvalid):
            events.event_transition(event=event, actor=park_admin, to=to)


def test_only_the_organiser_moves_its_event(park_admin, promotion_officer, other_park_admin):
    event = published_event(park_admin)
    for outsider in (promotion_officer, other_park_admin):
        with pytest.raises(MatchmakingNotAllowed):
            events.event_transition(event=event, actor=outsider, to=EventStatus.CLOSED)
    events.event_transition(event=event, actor=park_admin, to=EventStatus.CLOSED)
    with pytest.raises(MatchmakingInvalid, match="once it has started"):
        events.event_transition(event=event, actor=park_admin, to=EventStatus.HELD)
