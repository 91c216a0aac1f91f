"""Helpers for the disposal tests (no tests here); fixtures built on them are in conftest.py."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from disposal import auction, services
from disposal.models import AuctionRound, Bid, DisposalCase, Method
from pledges.models import IpAsset, RegistrationAsset
from portal.policy.models import IpKind
from tests.riskcomp.factories import make_npl_loan

D = Decimal
_serial = itertools.count(1)


def make_asset(owner, *, title="一种图像识别方法") -> IpAsset:
    return IpAsset.objects.create(
        owner=owner, kind=IpKind.PATENT, number=f"ZL2020{next(_serial):07d}.X", title=title
    )


def npl_loan_with_assets(*, bank, enterprise, actor, assets=1, participants=(), **extra):
    """A non-performing loan (riskcomp's E8 factory) whose pledge registration covers ``assets`` patents."""
    loan = make_npl_loan(bank=bank, enterprise=enterprise, actor=actor, participants=participants, **extra)
    registration = loan.registrations.get()
    for _index in range(assets):
        RegistrationAsset.objects.create(registration=registration, asset=make_asset(enterprise))
    return loan


def terms(method=Method.AUCTION, reserve="100000.00", **extra) -> dict:
    data = {
        "method": method,
        "valuation": D("150000.00"),
        "valuer": "北京中金浩资产评估有限责任公司",
        "valued_on": timezone.localdate() - timedelta(days=10),
        "reserve_price": D(reserve),
        "description": "",
    }
    data.update(extra)
    return data


def open_case(loan, actor, **data) -> DisposalCase:
    from disposal.selectors import disposable_assets

    assets = list(disposable_assets(loan=loan, user=actor))
    return services.case_open(loan=loan, actor=actor, assets=assets, data=terms(**data))


def auctioning(loan, actor, reserve="100000.00", hours=72) -> DisposalCase:
    case = open_case(loan, actor, reserve=reserve)
    auction.auction_start(case=case, actor=actor, round_hours=hours)
    return DisposalCase.objects.get(pk=case.pk)


def current_round(case) -> AuctionRound:
    return AuctionRound.objects.get(case=case, status="open")


def end_round(case) -> AuctionRound:
    """Move the open round's end into the past (as if its time ran out) and return it."""
    current = current_round(case)
    now = timezone.now()
    AuctionRound.objects.filter(pk=current.pk).update(
        starts_at=now - timedelta(hours=2), ends_at=now - timedelta(seconds=1)
    )
    return current


def recorded_bid(auction_round, bidder, amount, *, seconds_after_start=60) -> Bid:
    """A bid as data (a floor auction's record): bypasses the strictly-higher rule of bid_place."""
    auction_round.refresh_from_db()
    return Bid.objects.create(
        round=auction_round,
        bidder=bidder,
        amount=D(amount),
        placed_at=auction_round.starts_at + timedelta(seconds=seconds_after_start),
        entered_by=bidder.registered_by,
    )
