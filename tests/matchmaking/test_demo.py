"""The matchmaking demo: needs in each state and two events, seeded once."""

import pytest

from loans.demo import seed_demo as seed_loans
from matchmaking.demo import seed_demo
from matchmaking.models import Demand, DemandStatus, Event, EventStatus, Match, Registration
from matchmaking.selectors import claim_list
from portal.accounts.models import User
from portal.management.demo import seed_demo as seed_portal

pytestmark = pytest.mark.django_db


def test_demo_seeds_each_state_once():
    seed_portal()
    seed_loans()
    assert seed_demo() == 6
    statuses = sorted(Demand.objects.values_list("status", flat=True))
    assert statuses == sorted(
        [
            DemandStatus.AWAITING_CONFIRMATION,
            DemandStatus.OPEN,
            DemandStatus.CLAIMED,
            DemandStatus.CLAIMED,
            DemandStatus.CREDIT_GRANTED,
            DemandStatus.EXPIRED,
        ]
    )
    assert sorted(Event.objects.values_list("status", flat=True)) == [EventStatus.HELD, EventStatus.PUBLISHED]
    assert (
        Match.objects.count() == 1 and Registration.objects.filter(checked_in_at__isnull=False).count() == 2
    )
    bank_b = User.objects.get(username="demo_bank_b_officer")
    assert claim_list(user=bank_b, live=True).get().demand.source == "event"
    assert seed_demo() == 0
    assert Demand.objects.count() == 6 and Event.objects.count() == 2
