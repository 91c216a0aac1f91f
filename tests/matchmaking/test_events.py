"""Events: capacity, one registration per user, cancelling, check-in on the day, and matches that become
claimed needs worked like any other claim."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone
from freezegun import freeze_time

from loans.models import Product, ProductStatus
from matchmaking.errors import MatchmakingInvalid, MatchmakingNotAllowed
from matchmaking.models import Demand, DemandSource, DemandStatus, Event, Registration, RegistrationStatus
from matchmaking.services import demands, events
from tests.matchmaking.factories import event_values, posted, published_event

pytestmark = pytest.mark.django_db


@pytest.fixture
def second_enterprise_user(make_user, enterprise):
    from portal.accounts.models import Role

    return make_user("ent_user2", enterprise, Role.ENTERPRISE_USER)


def test_capacity_is_enforced_and_a_full_event_refuses_clearly(
    park_admin, enterprise_user, second_enterprise_user, bank_a_officer
):
    event = published_event(park_admin, capacity=2)
    events.registration_create(event=event, actor=enterprise_user)
    events.registration_create(event=event, actor=bank_a_officer)
    with pytest.raises(MatchmakingInvalid, match="full"):
        events.registration_create(event=event, actor=second_enterprise_user)
    event.refresh_from_db()
    assert event.registered_count == 2 and event.is_full
    assert Registration.objects.filter(event=event).count() == 2


def test_the_database_refuses_an_overfilled_event(park_admin):
    event = published_event(park_admin, capacity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Event.objects.filter(pk=event.pk).update(registered_count=2)


def test_double_registration_is_refused_with_a_clear_message(park_admin, enterprise_user):
    event = published_event(park_admin, capacity=5)
    events.registration_create(event=event, actor=enterprise_user)
    with pytest.raises(MatchmakingInvalid, match="already registered"):
        events.registration_create(event=event, actor=enterprise_user)
    event.refresh_from_db()
    assert event.registered_count == 1
    with pytest.raises(IntegrityError), transaction.atomic():
        Registration.objects.create(
            event=event, user=enterprise_user, organisation=enterprise_user.organisation
        )


def test_cancelling_frees_the_seat_and_registering_again_reuses_the_row(
    park_admin, enterprise_user, second_enterprise_user
):
    event = published_event(park_admin, capacity=1)
    events.registration_create(event=event, actor=enterprise_user)
    events.registration_cancel(event=event, actor=enterprise_user)
    events.registration_create(event=event, actor=second_enterprise_user)
    events.registration_cancel(event=event, actor=second_enterprise_user)
    registration = events.registration_create(event=event, actor=enterprise_user)
    assert registration.status == RegistrationStatus.REGISTERED
    assert Registration.objects.filter(event=event).count() == 2
    event.refresh_from_db()
    assert event.registered_count == 1


def test_only_enterprise_users_and_bank_staff_register(park_admin, commissioner):
    event = published_event(park_admin)
    with pytest.raises(MatchmakingNotAllowed):
        events.registration_create(event=event, actor=commissioner)


def test_registration_closes_at_the_deadline_and_for_drafts(park_admin, enterprise_user):
    draft = events.event_create(actor=park_admin, values=event_values())
    with pytest.raises(MatchmakingInvalid, match="closed"):
        events.registration_create(event=draft, actor=enterprise_user)
    event = published_event(park_admin)
    late = event.registration_deadline + timedelta(minutes=1)
    with freeze_time(late), pytest.raises(MatchmakingInvalid, match="deadline"):
        events.registration_create(event=event, actor=enterprise_user)


def test_event_form_rules(park_admin, bank_a):
    with pytest.raises(MatchmakingInvalid) as refused:
        start = timezone.now() + timedelta(days=3)
        events.event_create(
            actor=park_admin,
            values=event_values(
                starts_at=start, ends_at=start, registration_deadline=start + timedelta(hours=1)
            ),
        )
    assert {"ends_at", "registration_deadline"} <= set(refused.value.errors)
    draft_product = Product.objects.create(
        bank=bank_a,
        name="草稿产品",
        amount_min=Decimal("1"),
        amount_max=Decimal("2"),
        term_min_months=1,
        term_max_months=2,
        rate_min_pct=Decimal("3"),
        rate_max_pct=Decimal("4"),
        status=ProductStatus.DRAFT,
        valid_from=timezone.localdate(),
        created_by=park_admin,
        updated_by=park_admin,
    )
    with pytest.raises(MatchmakingInvalid) as refused:
        events.event_create(actor=park_admin, values=event_values(products=[draft_product]))
    assert "products" in refused.value.errors


def _held_with(park_admin, attendee, bank):
    event = published_event(park_admin, banks=[bank], capacity=10)
    registration = events.registration_create(event=event, actor=attendee)
    with pytest.raises(MatchmakingInvalid, match="on the day"):
        events.registration_check_in(registration=registration, actor=park_admin)
    with freeze_time(event.starts_at + timedelta(minutes=5)):
        events.registration_check_in(registration=registration, actor=park_admin)
    return event


def test_check_in_is_the_organisers_on_the_day(park_admin, other_park_admin, enterprise_user, bank_a):
    event = published_event(park_admin, banks=[bank_a])
    registration = events.registration_create(event=event, actor=enterprise_user)
    with freeze_time(event.starts_at), pytest.raises(MatchmakingNotAllowed):
        events.registration_check_in(registration=registration, actor=other_park_admin)
    _held_with(park_admin, enterprise_user, bank_a)


def test_a_match_creates_a_need_claimed_by_the_bank(park_admin, enterprise_user, bank_a, bank_a_manager):
    event = _held_with(park_admin, enterprise_user, bank_a)
    with freeze_time(event.starts_at + timedelta(hours=1)):
        match = events.match_record(
            event=event,
            actor=park_admin,
            enterprise=enterprise_user.organisation,
            bank=bank_a,
            values={"amount": Decimal("1000000"), "term_months": 12, "purpose": "研发投入"},
        )
    demand = Demand.objects.get(pk=match.demand_id)
    assert demand.source == DemandSource.EVENT and demand.event == event
    assert demand.status == DemandStatus.CLAIMED and demand.bank == bank_a
    claim = demand.claims.get()
    assert claim.via_event == event and claim.claim_until > claim.claimed_on
    # Worked exactly like a pool claim: the bank logs a contact and an outcome.
    with freeze_time(event.starts_at + timedelta(hours=2)):
        demands.contact_log(
            demand=demand,
            actor=bank_a_manager,
            values={"contacted_on": claim.claimed_on, "channel": "meeting", "summary": "会上洽谈"},
        )
        demands.demand_outcome(
            demand=demand,
            actor=bank_a_manager,
            outcome=DemandStatus.LOAN,
            values={"credit_amount": Decimal("900000")},
        )
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.LOAN


def test_a_match_reuses_the_enterprises_open_need(park_admin, enterprise_user, bank_a):
    need = posted(enterprise_user)
    event = _held_with(park_admin, enterprise_user, bank_a)
    with freeze_time(event.starts_at + timedelta(hours=1)):
        match = events.match_record(
            event=event, actor=park_admin, enterprise=enterprise_user.organisation, bank=bank_a, values={}
        )
        assert match.demand_id == need.pk
        with pytest.raises(MatchmakingInvalid):
            events.match_record(
                event=event, actor=park_admin, enterprise=enterprise_user.organisation, bank=bank_a, values={}
            )
    assert Demand.objects.count() == 1


def test_a_match_needs_a_checked_in_enterprise_and_a_participating_bank(
    park_admin, enterprise_user, outsider, bank_a, bank_b
):
    event = _held_with(park_admin, enterprise_user, bank_a)
    with pytest.raises(MatchmakingInvalid) as refused:
        events.match_record(
            event=event,
            actor=park_admin,
            enterprise=outsider.organisation,
            bank=bank_b,
            values={"amount": Decimal("1"), "term_months": 1},
        )
    assert {"enterprise", "bank"} <= set(refused.value.errors)
