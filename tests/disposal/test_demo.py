"""The disposal demo (`make run`): on the riskcomp demo's loans, a live auction in its second round with a
bid, and a sold listing whose proceeds reached the paid claim's clawback; all of it once."""

from decimal import Decimal

import pytest
from django.apps import apps as django_apps

from disposal.demo import seed_demo as seed_disposal
from disposal.models import AuctionRound, Bid, CaseStatus, DisposalCase, DisposalEvent, Proceeds
from portal.management.demo import seed_demo as seed_portal
from riskcomp.models import RecoverySource

pytestmark = pytest.mark.django_db
D = Decimal


def _counts() -> tuple:
    return tuple(
        model.objects.count() for model in (DisposalCase, DisposalEvent, AuctionRound, Bid, Proceeds)
    )


def test_the_demo_shows_a_live_auction_and_a_sale_feeding_the_clawback_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    seed_portal()
    for config in django_apps.get_app_configs():
        if hasattr(config, "seed_demo") and config.name != "disposal":
            config.seed_demo()
    assert seed_disposal() == 2
    counts = _counts()
    assert seed_disposal() == 2  # idempotent
    assert _counts() == counts

    live = DisposalCase.objects.get(status=CaseStatus.AUCTIONING)
    rounds = list(live.rounds.order_by("number"))
    assert [(r.number, r.status) for r in rounds] == [(1, "failed"), (2, "open")]
    assert rounds[1].reserve_price == D("720000.00")  # 900,000 lowered by 20 %
    assert rounds[1].bids.count() == 1

    sold = DisposalCase.objects.get(status=CaseStatus.PROCEEDS_RECEIVED)
    proceeds = sold.proceeds.get()
    assert proceeds.recovery.source == RecoverySource.DISPOSAL and proceeds.recovery.fund_share > 0
