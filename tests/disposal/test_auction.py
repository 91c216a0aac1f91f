"""Auction rounds (domain.md §2.7): who bids when, how a round ends, and the reserve after a failed round."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from disposal import auction
from disposal.calculations import next_reserve, round_winner
from disposal.errors import DisposalInvalid, DisposalNotAllowed
from disposal.models import AuctionRound, CaseStatus, DisposalEvent, RoundStatus
from portal.notifications.models import Notification
from tests.disposal.factories import current_round, end_round, recorded_bid

pytestmark = pytest.mark.django_db
D = Decimal


def _case(case):
    case.refresh_from_db()
    return case


def test_starting_the_auction_opens_round_one_at_the_reserve_with_the_years_parameters(auction_case):
    first = current_round(auction_case)
    assert first.number == 1 and first.reserve_price == D("100000.00")
    assert first.ends_at - first.starts_at == timedelta(hours=72)
    assert auction_case.status == CaseStatus.AUCTIONING
    assert auction_case.reserve_step == D("0.2000") and auction_case.max_reductions == 2


def test_a_round_with_no_bids_fails_and_the_next_opens_at_the_reserve_lowered_by_the_step(auction_case):
    first = end_round(auction_case)
    assert auction.close_due_rounds() == 1
    first.refresh_from_db()
    assert first.status == RoundStatus.FAILED and first.closed_at is not None
    second = current_round(auction_case)
    assert second.number == 2 and second.reserve_price == D("80000.00")  # 100,000 × (1 − 0.2)
    assert _case(auction_case).status == CaseStatus.AUCTIONING
    assert second.ends_at - second.starts_at == timedelta(hours=72)


def test_the_lowered_reserve_is_rounded_half_up_to_the_fen():
    assert next_reserve(D("100000.03"), D("0.2000")) == D("80000.02")  # 80,000.024
    assert next_reserve(D("0.05"), D("0.1000")) == D("0.05")  # 0.045 → 0.05
    assert next_reserve(D("123.45"), D("0.3333")) == D("82.30")  # 82.303...


def test_a_highest_bid_below_the_reserve_fails_the_round(auction_case, bidder_user):
    bidder = auction.bidder_register(case=auction_case, actor=bidder_user)
    auction.bid_place(
        auction_round=current_round(auction_case), bidder=bidder, actor=bidder_user, amount="99999.99"
    )
    first = end_round(auction_case)
    auction.close_due_rounds()
    first.refresh_from_db()
    assert first.status == RoundStatus.FAILED
    assert current_round(auction_case).number == 2
    assert _case(auction_case).deal_price is None


def test_a_sale_in_the_second_round_to_the_highest_bid_at_or_above_its_reserve(
    auction_case, bidder_user, second_bidder, django_capture_on_commit_callbacks
):
    end_round(auction_case)
    auction.close_due_rounds()
    second = current_round(auction_case)
    one = auction.bidder_register(case=auction_case, actor=bidder_user)
    two = auction.bidder_register(case=auction_case, actor=second_bidder)
    auction.bid_place(auction_round=second, bidder=one, actor=bidder_user, amount="70000.00")
    auction.bid_place(auction_round=second, bidder=two, actor=second_bidder, amount="80000.00")  # = reserve
    end_round(auction_case)
    with django_capture_on_commit_callbacks(execute=True):
        assert auction.close_due_rounds() == 1
    second.refresh_from_db()
    case = _case(auction_case)
    assert second.status == RoundStatus.SOLD
    assert case.status == CaseStatus.SOLD
    assert case.deal_price == D("80000.00") and case.counterparty == two.name
    assert case.winning_bid.bidder == two and case.deal_on == timezone.localdate()
    event = DisposalEvent.objects.get(case=case, to_status=CaseStatus.SOLD)
    assert event.actor is None and event.from_status == CaseStatus.AUCTIONING
    assert not AuctionRound.objects.filter(case=case, status=RoundStatus.OPEN).exists()
    # The pledgee's staff and the round's bidders are told once.
    assert Notification.objects.filter(recipient=second_bidder, kind="disposal.round").count() == 1


def test_a_tie_goes_to_the_earlier_bid(auction_case, bidder_user, second_bidder):
    """The portal never records an equal bid (a bid must be strictly higher); equal bids from data — a floor
    auction's record entered afterwards — are decided by time: the earlier wins, then the lower id."""
    one = auction.bidder_register(case=auction_case, actor=bidder_user)
    two = auction.bidder_register(case=auction_case, actor=second_bidder)
    first = current_round(auction_case)
    later = recorded_bid(first, one, "120000.00", seconds_after_start=90)
    earlier = recorded_bid(first, two, "120000.00", seconds_after_start=30)
    assert round_winner([later, earlier], D("100000.00")) == earlier
    end_round(auction_case)
    auction.close_due_rounds()
    case = _case(auction_case)
    assert case.winning_bid == earlier and case.counterparty == two.name


def test_at_the_same_amount_and_time_the_bid_stored_first_wins(auction_case, bidder_user, second_bidder):
    one = auction.bidder_register(case=auction_case, actor=bidder_user)
    two = auction.bidder_register(case=auction_case, actor=second_bidder)
    first = current_round(auction_case)
    stored_first = recorded_bid(first, two, "100000.00")
    stored_second = recorded_bid(first, one, "100000.00")
    assert round_winner([stored_second, stored_first], D("100000.00")) == stored_first


def test_a_bid_must_be_higher_than_the_highest_bid(auction_case, bidder_user, second_bidder):
    one = auction.bidder_register(case=auction_case, actor=bidder_user)
    two = auction.bidder_register(case=auction_case, actor=second_bidder)
    first = current_round(auction_case)
    auction.bid_place(auction_round=first, bidder=one, actor=bidder_user, amount="50000.00")
    for amount in ("50000.00", "49999.99"):
        with pytest.raises(DisposalInvalid) as refused:
            auction.bid_place(auction_round=first, bidder=two, actor=second_bidder, amount=amount)
        assert "50,000.00" in refused.value.errors["amount"][0]
    auction.bid_place(auction_round=first, bidder=two, actor=second_bidder, amount="50000.01")
    assert auction.highest_bid(first).bidder == two


@pytest.mark.parametrize("amount", ["0", "0.00", "-5", "abc", "100.001", "NaN"])
def test_a_bid_must_be_at_least_a_fen_with_at_most_two_decimals(auction_case, bidder_user, amount):
    bidder = auction.bidder_register(case=auction_case, actor=bidder_user)
    with pytest.raises(DisposalInvalid) as refused:
        auction.bid_place(
            auction_round=current_round(auction_case), bidder=bidder, actor=bidder_user, amount=amount
        )
    assert "amount" in refused.value.errors


def test_a_bid_after_the_end_is_refused_even_before_the_sweep_ran(auction_case, bidder_user):
    bidder = auction.bidder_register(case=auction_case, actor=bidder_user)
    first = end_round(auction_case)
    with pytest.raises(DisposalInvalid, match="ended"):
        auction.bid_place(auction_round=first, bidder=bidder, actor=bidder_user, amount="200000.00")
    first.refresh_from_db()
    assert first.status == RoundStatus.OPEN and not first.bids.exists()


def test_after_the_most_reductions_the_auction_ends_unsold(auction_case):
    reserves = []
    for _round in range(3):  # round 1 at the reserve, then two reductions
        reserves.append(current_round(auction_case).reserve_price)
        end_round(auction_case)
        auction.close_due_rounds()
    assert reserves == [D("100000.00"), D("80000.00"), D("64000.00")]
    case = _case(auction_case)
    assert case.status == CaseStatus.UNSOLD
    assert not AuctionRound.objects.filter(case=case, status=RoundStatus.OPEN).exists()
    assert list(AuctionRound.objects.filter(case=case).values_list("status", flat=True)) == ["failed"] * 3
    assert DisposalEvent.objects.get(case=case, to_status=CaseStatus.UNSOLD).actor is None


def test_running_the_sweep_twice_changes_nothing_the_second_time(
    auction_case, bidder_user, django_capture_on_commit_callbacks
):
    bidder = auction.bidder_register(case=auction_case, actor=bidder_user)
    auction.bid_place(
        auction_round=current_round(auction_case), bidder=bidder, actor=bidder_user, amount="150000.00"
    )
    end_round(auction_case)
    with django_capture_on_commit_callbacks(execute=True):
        assert auction.close_due_rounds() == 1
    snapshot = (
        list(AuctionRound.objects.values_list("pk", "status", "closed_at")),
        DisposalEvent.objects.count(),
        Notification.objects.count(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert auction.close_due_rounds() == 0
        assert auction.round_close(pk=AuctionRound.objects.get().pk, now=timezone.now()) is False
    assert snapshot == (
        list(AuctionRound.objects.values_list("pk", "status", "closed_at")),
        DisposalEvent.objects.count(),
        Notification.objects.count(),
    )
    assert _case(auction_case).status == CaseStatus.SOLD


def test_the_sweep_leaves_rounds_still_running(auction_case):
    assert auction.close_due_rounds() == 0
    assert current_round(auction_case).status == RoundStatus.OPEN


def test_the_celery_task_closes_due_rounds(auction_case):
    from disposal.tasks import close_due_rounds

    end_round(auction_case)
    assert close_due_rounds.delay().get() == 1


def test_only_registered_bidders_bid_and_only_as_themselves(auction_case, bidder_user, second_bidder):
    one = auction.bidder_register(case=auction_case, actor=bidder_user)
    with pytest.raises(DisposalNotAllowed):
        auction.bid_place(
            auction_round=current_round(auction_case), bidder=one, actor=second_bidder, amount="1.00"
        )


def test_registering_twice_returns_the_same_bidder_number(auction_case, bidder_user, second_bidder):
    one = auction.bidder_register(case=auction_case, actor=bidder_user)
    assert auction.bidder_register(case=auction_case, actor=bidder_user) == one
    assert auction.bidder_register(case=auction_case, actor=second_bidder).number == one.number + 1


def test_the_pledgee_the_pledgor_and_government_do_not_bid(
    auction_case, bank_a_manager, enterprise_user, reviewer, bank_b_officer
):
    for user in (bank_a_manager, enterprise_user, reviewer):
        with pytest.raises(DisposalNotAllowed):
            auction.bidder_register(case=auction_case, actor=user)
    assert auction.bidder_register(case=auction_case, actor=bank_b_officer).number == 1  # another bank may


def test_the_pledgee_registers_an_outside_bidder_and_enters_its_bids(
    auction_case, bank_a_officer, bidder_user
):
    outside = auction.bidder_register_outside(
        case=auction_case, actor=bank_a_officer, name="张三知识产权运营有限公司", deposit_paid=True
    )
    assert outside.is_outside and outside.deposit_paid and outside.number == 1
    bid = auction.bid_place(
        auction_round=current_round(auction_case), bidder=outside, actor=bank_a_officer, amount="110000.00"
    )
    assert bid.entered_by == bank_a_officer
    with pytest.raises(DisposalNotAllowed):
        auction.bid_place(
            auction_round=current_round(auction_case), bidder=outside, actor=bidder_user, amount="1"
        )


def test_withdrawing_an_auction_cancels_its_open_round(auction_case, bank_a_officer):
    from disposal import services

    services.case_withdraw(case=auction_case, actor=bank_a_officer, reason="借款人已清偿")
    assert AuctionRound.objects.get(case=auction_case).status == RoundStatus.CANCELLED
    end_round_rows = AuctionRound.objects.filter(status=RoundStatus.OPEN)
    assert not end_round_rows.exists()
    assert auction.close_due_rounds() == 0
