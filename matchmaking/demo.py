"""Demo needs and events for `manage.py seed_demo`, made through the services by the people who would do it.

中关村科学城管理委员会（海淀园） (demo_park) ran a bank-enterprise matchmaking day three days ago: 北京智芯微电子科技有限公司
(demo_enterprise) and 中国工商银行北京市分行 (demo_bank_b_officer) attended and were checked in, and their match is
now a need claimed by that bank. The park's next roadshow, two weeks ahead, has two registrations. The
enterprise's needs show each state: one open and shared with banks (naming 北京银行), one claimed by 北京银行中关村分行
(demo_bank_officer) with a contact logged, one with credit granted, one expired, and one the park collected
that waits for the enterprise's confirmation.

The held event is dated back after its registrations (the portal takes registrations only before the
deadline); the expired need is aged the same way and closed by the sweep. Idempotent: nothing is added once
the held event exists.
"""

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from loans.models import Product, ProductStatus
from matchmaking.models import Demand, Event, EventKind, EventStatus
from matchmaking.services import demands, events
from pledges.models import IpAsset
from portal.accounts.models import Organisation, Park, User
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year

HELD_TITLE = "海淀园知识产权质押融资银企对接会"
UPCOMING_TITLE = "中关村科技企业知识产权融资路演"


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _need(values: dict, **extra) -> dict:
    return {"ip_note": "", "ip_assets": [], "preferred_banks": [], "consent": True, **values, **extra}


def _event(park_admin: User, *, title: str, kind: str, start, banks, products, capacity: int, agenda: str):
    return events.event_create(
        actor=park_admin,
        values={
            "kind": kind,
            "title": title,
            "agenda": agenda,
            "place": "中关村创业大街 路演大厅",
            "park": Park.objects.filter(name="中关村海淀园").first(),
            "starts_at": start,
            "ends_at": start + timedelta(hours=3),
            "capacity": capacity,
            "registration_deadline": start - timedelta(days=1),
            "banks": banks,
            "products": products,
        },
    )


@transaction.atomic
def seed_demo() -> int:
    if Event.objects.filter(title=HELD_TITLE).exists():
        return 0
    try:
        parameter_set_for_year(timezone.localdate().year)
    except PolicyYearMissing:
        return 0
    enterprise_user, park = _user("demo_enterprise"), _user("demo_park")
    bank_officer, bank_b_officer = _user("demo_bank_officer"), _user("demo_bank_b_officer")
    bank_a = Organisation.objects.filter(name="北京银行").first()
    bank_b = Organisation.objects.filter(name="中国工商银行北京市分行").first()
    if None in (enterprise_user, park, bank_officer, bank_b_officer, bank_a, bank_b):
        return 0
    enterprise = enterprise_user.organisation
    products = list(Product.objects.filter(status=ProductStatus.PUBLISHED, bank__in=[bank_a, bank_b])[:3])
    now = timezone.now()
    today = timezone.localdate()

    # The held matchmaking day: registered while open, dated back, checked in, one match.
    held = _event(
        park,
        title=HELD_TITLE,
        kind=EventKind.MATCHMAKING,
        start=now + timedelta(days=2),
        banks=[bank_a, bank_b],
        products=products,
        capacity=40,
        agenda="一、北京市知识产权质押融资政策宣讲\n二、银行产品推介\n三、一对一银企对接",
    )
    events.event_transition(event=held, actor=park, to=EventStatus.PUBLISHED)
    registrations = [
        events.registration_create(event=held, actor=user) for user in (enterprise_user, bank_b_officer)
    ]
    start = now - timedelta(days=3)
    Event.objects.filter(pk=held.pk).update(
        starts_at=start, ends_at=start + timedelta(hours=3), registration_deadline=start - timedelta(days=1)
    )
    held.refresh_from_db()
    for registration in registrations:
        events.registration_check_in(registration=registration, actor=park)
    events.match_record(
        event=held,
        actor=park,
        enterprise=enterprise,
        bank=bank_b,
        values={"amount": Decimal("5000000.00"), "term_months": 24, "purpose": "新一代芯片流片及量产备货"},
    )
    events.event_transition(event=held, actor=park, to=EventStatus.HELD)

    # The next roadshow, with two registrations.
    upcoming = _event(
        park,
        title=UPCOMING_TITLE,
        kind=EventKind.ROADSHOW,
        start=now + timedelta(days=14),
        banks=[bank_a],
        products=products[:2],
        capacity=30,
        agenda="企业路演（每家10分钟）；银行点评；自由对接",
    )
    events.event_transition(event=upcoming, actor=park, to=EventStatus.PUBLISHED)
    for user in (enterprise_user, bank_officer):
        events.registration_create(event=upcoming, actor=user)

    assets = list(IpAsset.objects.filter(owner=enterprise)[:2])
    # Expired: posted half a year ago, never claimed, closed by the sweep.
    old = demands.demand_post(
        actor=enterprise_user,
        values=_need({"amount": Decimal("1000000.00"), "term_months": 12, "purpose": "研发投入"}),
    )
    aged = today - timedelta(days=200)
    Demand.objects.filter(pk=old.pk).update(
        posted_on=aged, opened_on=aged, expires_on=today - timedelta(days=20)
    )
    demands.demand_sweep()
    # Credit granted after a visit.
    granted = demands.demand_post(
        actor=enterprise_user,
        values=_need({"amount": Decimal("3000000.00"), "term_months": 12, "purpose": "补充流动资金"}),
    )
    demands.demand_claim(demand=granted, actor=bank_officer)
    demands.contact_log(
        demand=granted,
        actor=bank_officer,
        values={
            "contacted_on": today,
            "channel": "visit",
            "summary": "实地走访，核实专利及经营情况",
            "next_step": "报审批",
        },
    )
    demands.demand_outcome(
        demand=granted,
        actor=bank_officer,
        outcome="credit_granted",
        values={"credit_amount": Decimal("2800000.00")},
    )
    # Claimed, one call logged.
    claimed = demands.demand_post(
        actor=enterprise_user,
        values=_need(
            {"amount": Decimal("2000000.00"), "term_months": 18, "purpose": "建设测试产线"}, ip_assets=assets
        ),
    )
    demands.demand_claim(demand=claimed, actor=bank_officer)
    demands.contact_log(
        demand=claimed,
        actor=bank_officer,
        values={
            "contacted_on": today,
            "channel": "phone",
            "summary": "电话了解融资需求",
            "next_step": "预约走访",
        },
    )
    # Open in the pool, naming 北京银行.
    demands.demand_post(
        actor=enterprise_user,
        values=_need(
            {"amount": Decimal("6000000.00"), "term_months": 36, "purpose": "并购上游设计团队"},
            preferred_banks=[bank_a],
            ip_note="另有两件发明专利正在实质审查中",
        ),
    )
    # Collected by the park, waiting for the enterprise.
    demands.demand_collect(
        actor=park,
        enterprise=enterprise,
        values=_need(
            {"amount": Decimal("800000.00"), "term_months": 6, "purpose": "采购原材料（园区走访收集）"}
        ),
    )
    return Demand.objects.count()
