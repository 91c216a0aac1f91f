"""Two banks claiming one need at the same moment get one winner; eight users registering for the last
seats never overfill the event (PostgreSQL, real threads and connections)."""

import threading

import pytest
from django.db import connection
from django.utils import translation

from matchmaking.errors import MatchmakingInvalid
from matchmaking.models import Demand, DemandClaim, DemandEvent, DemandStatus, Event, Registration
from matchmaking.services import demands, events
from portal.accounts.models import Role
from tests.matchmaking.factories import posted, published_event


def _all_at_once(calls):
    start = threading.Barrier(len(calls))
    won, lost, errors = [], [], []

    def run(call):
        # A thread starts in the portal's default language (Chinese); the refusals are compared in English.
        try:
            start.wait()
            with translation.override("en"):
                won.append(call())
        except MatchmakingInvalid as refused:
            lost.append(refused.message)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won, lost, errors


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_banks_claiming_at_once_get_one_winner(enterprise_user, bank_a_officer, bank_b_officer):
    demand = posted(enterprise_user)
    won, lost, errors = _all_at_once(
        [
            lambda user=user: demands.demand_claim(demand=demand, actor=user)
            for user in (bank_a_officer, bank_b_officer)
        ]
    )
    assert not errors, errors
    assert len(won) == 1 and len(lost) == 1 and "already claimed" in lost[0]
    demand = Demand.objects.get(pk=demand.pk)
    assert demand.status == DemandStatus.CLAIMED and demand.bank_id == won[0].bank_id
    assert DemandClaim.objects.filter(demand=demand).count() == 1
    assert DemandEvent.objects.filter(demand=demand, to_status=DemandStatus.CLAIMED).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_registrations_never_overfill_the_event(park_admin, make_user, enterprise):
    event = published_event(park_admin, capacity=3)
    users = [make_user(f"mm_reg_{index}", enterprise, Role.ENTERPRISE_USER) for index in range(8)]
    won, lost, errors = _all_at_once(
        [lambda user=user: events.registration_create(event=event, actor=user) for user in users]
    )
    assert not errors, errors
    assert len(won) == 3 and len(lost) == 5 and all("full" in message for message in lost)
    assert (
        Event.objects.get(pk=event.pk).registered_count
        == 3
        == Registration.objects.filter(event=event).count()
    )


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_one_user_registering_twice_at_once_gets_one_seat(park_admin, enterprise_user):
    event = published_event(park_admin, capacity=5)
    won, lost, errors = _all_at_once(
        [lambda: events.registration_create(event=event, actor=enterprise_user) for _ in range(2)]
    )
    assert not errors, errors
    assert len(won) == 1 and len(lost) == 1 and "already registered" in lost[0]
    assert Event.objects.get(pk=event.pk).registered_count == 1
