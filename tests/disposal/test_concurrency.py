"""Bids placed at the same moment are decided one after the other (the round row is locked while bidding):
eight bidders bidding the same amount at once get exactly one bid recorded; bidding different amounts at
once, every recorded bid is higher than every bid recorded before it, so "the highest bid" is never two."""

import threading
from decimal import Decimal

import pytest
from django.db import connection

from disposal import auction
from disposal.errors import DisposalInvalid
from disposal.models import Bid
from portal.accounts.models import Role
from tests.disposal.factories import auctioning, current_round, npl_loan_with_assets

BIDDERS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def setup(bank_a_branch, enterprise, bank_a_officer, make_user, make_enterprise):
    loan = npl_loan_with_assets(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    case = auctioning(loan, bank_a_officer)
    registered = []
    for index in range(BIDDERS):
        company = make_enterprise(f"北京竞买人{index}科技有限公司")
        user = make_user(f"bidder_{index}", company, Role.ENTERPRISE_USER)
        registered.append((user, auction.bidder_register(case=case, actor=user)))
    return current_round(case), registered


def _all_at_once(auction_round, registered, amounts):
    start = threading.Barrier(len(registered))
    placed, refused, errors = [], [], []

    def bid(user, bidder, amount):
        try:
            start.wait()
            placed.append(
                auction.bid_place(auction_round=auction_round, bidder=bidder, actor=user, amount=amount)
            )
        except DisposalInvalid:
            refused.append(amount)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=bid, args=(user, bidder, amount))
        for (user, bidder), amount in zip(registered, amounts, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return placed, refused, errors


def test_equal_bids_at_the_same_moment_record_exactly_one(setup):
    auction_round, registered = setup
    placed, refused, errors = _all_at_once(auction_round, registered, [Decimal("120000.00")] * BIDDERS)
    assert not errors, errors
    assert len(placed) == 1 and len(refused) == BIDDERS - 1
    assert Bid.objects.filter(round=auction_round).count() == 1


def test_different_bids_at_the_same_moment_each_top_the_one_before(setup):
    auction_round, registered = setup
    amounts = [Decimal("100000.00") + Decimal(step * 1000) for step in (3, 7, 1, 5, 8, 2, 6, 4)]
    placed, refused, errors = _all_at_once(auction_round, registered, amounts)
    assert not errors, errors
    assert placed and len(placed) + len(refused) == BIDDERS
    recorded = list(
        Bid.objects.filter(round=auction_round).order_by("placed_at", "pk").values_list("amount", flat=True)
    )
    assert recorded == sorted(recorded) and len(set(recorded)) == len(recorded)
    assert auction.highest_bid(auction_round).amount == max(recorded)
