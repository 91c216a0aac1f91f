"""Demo disposal cases for `manage.py seed_demo`, made through the services by the people who would do it.

Built on the riskcomp demo's non-performing loans of 北京银行中关村分行 (demo_bank_officer):
- ZGC-2025-0207 (北京亦庄精密装备制造有限公司, its claim under review): an auction of its pledged patents.
  Round 1 ended with no bid (流拍), round 2 is open at the reserve lowered by the year's step, and
  demo_enterprise has registered and bid.
- ZGC-2025-0047 (北京怀柔新材料研究院有限公司, its claim paid): an exchange listing at 北京产权交易所, sold,
  with the proceeds received; they became a recovery on the paid claim, whose clawback the guarantor confirms.

The riskcomp demo records those loans' pledge registrations without their assets; the patents are added here
as the register lists them. Idempotent: nothing is added once a case exists for the first loan.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from disposal import auction, services
from disposal.models import AuctionRound, DisposalCase, RoundStatus
from disposal.selectors import disposable_assets
from loans.models import Loan
from pledges.models import IpAsset, RegistrationAsset
from portal.accounts.models import Organisation, OrgKind, User
from portal.policy.errors import PolicyYearMissing
from portal.policy.models import IpKind
from portal.policy.selectors import parameter_set_for_year

BANK = "北京银行中关村分行"
VALUER = "北京中金浩资产评估有限责任公司"
# loan (bank's reference), patents (number, title)
AUCTION_LOAN = (
    "ZGC-2025-0207",
    [
        ("ZL201910358712.4", "一种五轴联动数控机床的误差补偿方法"),
        ("ZL202010522316.8", "精密主轴热变形在线监测装置"),
    ],
)
LISTED_LOAN = ("ZGC-2025-0047", [("ZL201810274455.1", "一种高强度铝基复合材料的制备方法")])


def _patents(loan: Loan, patents) -> None:
    registration = loan.registrations.order_by("pk").first()
    if registration is None or registration.asset_links.exists():
        return
    for number, title in patents:
        asset, _created = IpAsset.objects.get_or_create(
            kind=IpKind.PATENT, number=number, defaults={"owner": loan.enterprise, "title": title}
        )
        RegistrationAsset.objects.create(registration=registration, asset=asset)


def _terms(method: str, valuation: str, reserve: str, description: str) -> dict:
    return {
        "method": method,
        "valuation": Decimal(valuation),
        "valuer": VALUER,
        "valued_on": timezone.localdate() - timedelta(days=20),
        "reserve_price": Decimal(reserve),
        "description": description,
    }


def _open(loan: Loan, officer: User, data: dict) -> DisposalCase:
    return services.case_open(
        loan=loan, actor=officer, assets=list(disposable_assets(loan=loan, user=officer)), data=data
    )


def _live_auction(loan: Loan, officer: User, bidder: User | None) -> None:
    case = _open(
        loan,
        officer,
        _terms("auction", "1200000.00", "900000.00", "两件发明专利打包拍卖，竞买人须先在平台报名。"),
    )
    auction.auction_start(case=case, actor=officer, round_hours=72)
    # Round 1 ran its course with no bid: its end is put in the past and the sweep closes it.
    first = auction.open_round(case)
    now = timezone.now()
    AuctionRound.objects.filter(pk=first.pk).update(
        starts_at=now - timedelta(hours=73), ends_at=now - timedelta(minutes=5)
    )
    auction.round_close(pk=first.pk, now=now)
    second = AuctionRound.objects.get(case=case, status=RoundStatus.OPEN)
    if bidder is not None:
        registered = auction.bidder_register(case=case, actor=bidder)
        auction.bid_place(
            auction_round=second,
            bidder=registered,
            actor=bidder,
            amount=second.reserve_price + Decimal("20000"),
        )


def _sold_listing(loan: Loan, officer: User) -> None:
    case = _open(
        loan,
        officer,
        _terms("sale_listing", "600000.00", "450000.00", "经北京产权交易所公开挂牌转让。"),
    )
    services.case_list_publicly(case=case, actor=officer)
    today = timezone.localdate()
    services.deal_record(
        case=case,
        actor=officer,
        price="480000.00",
        counterparty="北京新材科技成果转化有限公司",
        deal_on=today,
    )
    services.proceeds_record(
        case=case, actor=officer, amount="480000.00", received_on=today, note_text="挂牌转让价款一次性到账"
    )


@transaction.atomic
def seed_demo() -> int:
    bank = Organisation.objects.filter(name=BANK, kind=OrgKind.BANK).first()
    officer = User.objects.filter(username="demo_bank_officer").first()
    if bank is None or officer is None:
        return 0
    loans = {
        loan.bank_loan_ref: loan
        for loan in Loan.objects.filter(bank=bank, bank_loan_ref__in=[AUCTION_LOAN[0], LISTED_LOAN[0]])
    }
    if len(loans) != 2 or DisposalCase.objects.filter(loan=loans[AUCTION_LOAN[0]]).exists():
        return DisposalCase.objects.count()
    try:
        parameter_set_for_year(timezone.localdate().year)
    except PolicyYearMissing:
        return 0  # no auction can start without the year's reserve step
    _patents(loans[AUCTION_LOAN[0]], AUCTION_LOAN[1])
    _patents(loans[LISTED_LOAN[0]], LISTED_LOAN[1])
    bidder = User.objects.filter(username="demo_enterprise").first()
    if bidder is not None and bidder.organisation == loans[AUCTION_LOAN[0]].enterprise:
        bidder = User.objects.filter(username="demo_guarantor").first()
    _live_auction(loans[AUCTION_LOAN[0]], officer, bidder)
    _sold_listing(loans[LISTED_LOAN[0]], officer)
    return DisposalCase.objects.count()
