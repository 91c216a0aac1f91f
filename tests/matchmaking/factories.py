"""Helpers for the matchmaking tests (no tests here)."""

import itertools
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from matchmaking.models import Demand, Event, EventStatus
from matchmaking.services import demands
from pledges.models import IpAsset
from portal.policy.models import IpKind

D = Decimal
_serial = itertools.count(1)


def beijing(day, hour=10):
    return timezone.make_aware(datetime.combine(day, time(hour)))


def asset(owner, kind=IpKind.PATENT) -> IpAsset:
    return IpAsset.objects.create(
        owner=owner, kind=kind, number=f"ZL2023{next(_serial):07d}.X", title="一种芯片散热结构"
    )


def need_values(**overrides) -> dict:
    values = {
        "amount": D("3000000.00"),
        "term_months": 12,
        "purpose": "采购流片设备",
        "ip_note": "",
        "ip_assets": [],
        "preferred_banks": [],
        "consent": True,
    }
    values.update(overrides)
    return values


def posted(user, **overrides) -> Demand:
    return demands.demand_post(actor=user, values=need_values(**overrides))


def refreshed(demand: Demand) -> Demand:
    return Demand.objects.get(pk=demand.pk)


def event_values(**overrides) -> dict:
    start = timezone.now() + timedelta(days=7)
    values = {
        "kind": "matchmaking",
        "title": "海淀园银企对接会",
        "agenda": "政策宣讲；产品推介；一对一对接",
        "place": "中关村创业大街",
        "park": None,
        "starts_at": start,
        "ends_at": start + timedelta(hours=3),
        "capacity": 2,
        "registration_deadline": start - timedelta(days=1),
        "banks": [],
        "products": [],
    }
    values.update(overrides)
    return values


def published_event(organiser, **overrides) -> Event:
    from matchmaking.services import events

    event = events.event_create(actor=organiser, values=event_values(**overrides))
    return events.event_transition(event=event, actor=organiser, to=EventStatus.PUBLISHED)
