"""Claims on the working-day calendar: exclusivity, the contact that keeps a claim, release by the sweep on
the right day (not one earlier), expiry, and a sweep that is safe to run twice."""

from datetime import date, timedelta

import pytest
from freezegun import freeze_time

from matchmaking.errors import MatchmakingInvalid, MatchmakingNotAllowed
from matchmaking.models import ClaimEnd, DemandClaim, DemandEvent, DemandStatus
from matchmaking.services import demands
from portal.notifications.models import Notification
from portal.policy.models import PolicyParameterSet
from portal.workdays.services import add_working_days
from tests.matchmaking.factories import D, beijing, posted, refreshed

pytestmark = pytest.mark.django_db
S = DemandStatus
CLAIMED_ON = date(2026, 9, 25)  # a Friday (Mid-Autumn Festival), before the National Day week 10-01..10-07
# 10 working days: 09-28, 09-29, 09-30, (holiday 10-01..10-07), 10-08, 10-09, 10-10 (makeup Saturday),
# 10-12, 10-13, 10-14, 10-15.
CLAIM_UNTIL = date(2026, 10, 15)


@pytest.fixture(autouse=True)
def _ten_working_days(db):
    PolicyParameterSet.objects.filter(year=2026).update(demand_claim_working_days=10, demand_expiry_days=180)


def _claimed(enterprise_user, bank_a_officer):
    with freeze_time(beijing(CLAIMED_ON)):
        demand = posted(enterprise_user)
        claim = demands.demand_claim(demand=demand, actor=bank_a_officer)
    return refreshed(demand), claim


def test_claim_period_spans_the_national_day_holiday_on_the_calendar(enterprise_user, bank_a_officer):
    demand, claim = _claimed(enterprise_user, bank_a_officer)
    assert add_working_days(CLAIMED_ON, 10).due_date == CLAIM_UNTIL
    assert claim.claim_until == demand.claim_until == CLAIM_UNTIL
    assert demand.status == S.CLAIMED and demand.bank == bank_a_officer.organisation
    event = demand.events.get(to_status=S.CLAIMED)
    assert event.actor == bank_a_officer and event.from_status == S.OPEN


def test_a_claimed_need_cannot_be_claimed_by_another_bank(enterprise_user, bank_a_officer, bank_b_officer):
    demand, _claim = _claimed(enterprise_user, bank_a_officer)
    with freeze_time(beijing(CLAIMED_ON)), pytest.raises(MatchmakingInvalid, match="already claimed"):
        demands.demand_claim(demand=demand, actor=bank_b_officer)
    assert DemandClaim.objects.count() == 1


def test_unworked_claim_is_released_the_day_after_claim_until_and_not_before(
    enterprise_user, bank_a_officer, django_capture_on_commit_callbacks
):
    demand, claim = _claimed(enterprise_user, bank_a_officer)
    with freeze_time(beijing(CLAIM_UNTIL, 23)):
        assert demands.demand_sweep() == {"released": 0, "expired": 0}
    assert refreshed(demand).status == S.CLAIMED
    with (
        freeze_time(beijing(CLAIM_UNTIL + timedelta(days=1), 0)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert demands.demand_sweep() == {"released": 1, "expired": 0}
    demand = refreshed(demand)
    assert demand.status == S.OPEN and demand.claim_until is None
    claim.refresh_from_db()
    assert claim.ended == ClaimEnd.RELEASED
    event = DemandEvent.objects.get(demand=demand, from_status=S.CLAIMED, to_status=S.OPEN)
    assert event.actor is None and event.from_status == S.CLAIMED
    told = set(Notification.objects.filter(kind="matchmaking.demand").values_list("recipient", flat=True))
    assert {enterprise_user.pk, bank_a_officer.pk} <= told


def test_sweep_run_twice_releases_and_tells_once(
    enterprise_user, bank_a_officer, django_capture_on_commit_callbacks
):
    demand, _claim = _claimed(enterprise_user, bank_a_officer)
    with (
        freeze_time(beijing(CLAIM_UNTIL + timedelta(days=2))),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert demands.demand_sweep()["released"] == 1
        assert demands.demand_sweep() == {"released": 0, "expired": 0}
    assert DemandEvent.objects.filter(demand=demand, from_status=S.CLAIMED, to_status=S.OPEN).count() == 1
    assert (
        Notification.objects.filter(recipient=enterprise_user, dedupe_key__contains="released").count() == 1
    )


def test_one_contact_within_the_period_keeps_the_claim_until_an_outcome(enterprise_user, bank_a_officer):
    demand, claim = _claimed(enterprise_user, bank_a_officer)
    with freeze_time(beijing(date(2026, 10, 9))):
        demands.contact_log(
            demand=demand,
            actor=bank_a_officer,
            values={"contacted_on": date(2026, 10, 9), "channel": "phone", "summary": "约定下周走访"},
        )
    with freeze_time(beijing(date(2026, 11, 2))):
        assert demands.demand_sweep()["released"] == 0
        assert refreshed(demand).status == S.CLAIMED
        demands.demand_outcome(
            demand=demand,
            actor=bank_a_officer,
            outcome=S.CREDIT_GRANTED,
            values={"credit_amount": D("2500000")},
        )
    demand = refreshed(demand)
    assert demand.status == S.CREDIT_GRANTED and demand.credit_amount == D("2500000.00")
    claim.refresh_from_db()
    assert claim.ended == ClaimEnd.CREDIT_GRANTED and claim.credit_amount == D("2500000.00")


def test_contact_dated_outside_the_claim_is_refused(enterprise_user, bank_a_officer):
    demand, _claim = _claimed(enterprise_user, bank_a_officer)
    with freeze_time(beijing(date(2026, 9, 28))), pytest.raises(MatchmakingInvalid) as refused:
        demands.contact_log(
            demand=demand,
            actor=bank_a_officer,
            values={"contacted_on": date(2026, 9, 24), "channel": "visit", "summary": "走访"},
        )
    assert "contacted_on" in refused.value.errors


def test_another_bank_cannot_log_contacts_or_outcomes_on_a_claim(
    enterprise_user, bank_a_officer, bank_b_officer
):
    demand, _claim = _claimed(enterprise_user, bank_a_officer)
    with pytest.raises(MatchmakingNotAllowed):
        demands.contact_log(
            demand=demand,
            actor=bank_b_officer,
            values={"contacted_on": CLAIMED_ON, "channel": "phone", "summary": "x"},
        )
    with pytest.raises(MatchmakingNotAllowed):
        demands.demand_outcome(demand=demand, actor=bank_b_officer, outcome=S.DECLINED, values={})


def test_declined_needs_a_reason_code_and_other_needs_text(enterprise_user, bank_a_officer):
    demand, _claim = _claimed(enterprise_user, bank_a_officer)
    with pytest.raises(MatchmakingInvalid) as refused:
        demands.demand_outcome(demand=demand, actor=bank_a_officer, outcome=S.DECLINED, values={})
    assert "decline_reason" in refused.value.errors
    with pytest.raises(MatchmakingInvalid) as refused:
        demands.demand_outcome(
            demand=demand, actor=bank_a_officer, outcome=S.DECLINED, values={"decline_reason": "other"}
        )
    assert "decline_note" in refused.value.errors
    demands.demand_outcome(
        demand=demand, actor=bank_a_officer, outcome=S.DECLINED, values={"decline_reason": "credit"}
    )
    assert refreshed(demand).status == S.DECLINED


def test_open_need_expires_the_day_after_expires_on(enterprise_user, django_capture_on_commit_callbacks):
    with freeze_time(beijing(date(2026, 3, 2))):
        demand = posted(enterprise_user)
    assert demand.expires_on == date(2026, 3, 2) + timedelta(days=180)
    with freeze_time(beijing(demand.expires_on, 23)):
        assert demands.demand_sweep()["expired"] == 0
    with (
        freeze_time(beijing(demand.expires_on + timedelta(days=1))),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert demands.demand_sweep()["expired"] == 1
        assert demands.demand_sweep()["expired"] == 0
    demand = refreshed(demand)
    assert demand.status == S.EXPIRED
    assert demand.events.get(to_status=S.EXPIRED).actor is None
    assert (
        Notification.objects.filter(recipient=enterprise_user, dedupe_key__endswith=":expired").count() == 1
    )


def test_a_need_not_shared_with_banks_cannot_be_claimed(enterprise_user, bank_a_officer):
    demand = posted(enterprise_user, consent=False)
    with pytest.raises(MatchmakingInvalid, match="not shared"):
        demands.demand_claim(demand=demand, actor=bank_a_officer)
    demands.demand_share(demand=demand, actor=enterprise_user)
    demands.demand_claim(demand=demand, actor=bank_a_officer)
    assert refreshed(demand).status == S.CLAIMED


def test_park_collected_need_waits_for_the_enterprise(
    park_admin, enterprise, enterprise_user, other_enterprise
):
    with pytest.raises(MatchmakingInvalid):
        demands.demand_collect(actor=park_admin, enterprise=other_enterprise, values={"amount": D("1")})
    from tests.matchmaking.factories import need_values

    demand = demands.demand_collect(actor=park_admin, enterprise=enterprise, values=need_values())
    assert demand.status == S.AWAITING_CONFIRMATION and demand.source == "park" and demand.expires_on is None
    demands.demand_confirm(demand=demand, actor=enterprise_user, confirmed=True, consent=True)
    demand = refreshed(demand)
    assert demand.status == S.OPEN and demand.consent and demand.expires_on is not None


def test_withdrawing_a_claimed_need_ends_the_claim(enterprise_user, bank_a_officer):
    demand, claim = _claimed(enterprise_user, bank_a_officer)
    demands.demand_withdraw(demand=demand, actor=enterprise_user, reason="已获其他融资")
    claim.refresh_from_db()
    assert refreshed(demand).status == S.WITHDRAWN and claim.ended == ClaimEnd.WITHDRAWN


def test_ip_offered_must_be_the_enterprises_own(enterprise_user, other_enterprise):
    from tests.matchmaking.factories import asset

    with pytest.raises(MatchmakingInvalid) as refused:
        posted(enterprise_user, ip_assets=[asset(other_enterprise)])
    assert "ip_assets" in refused.value.errors
    demand = posted(enterprise_user, ip_assets=[asset(enterprise_user.organisation)])
    assert demand.ip_assets.count() == 1
