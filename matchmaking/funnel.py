"""The demand pool's funnel: per bank and per park, of the needs posted in a period.

Per park (the enterprise's park): needs posted, claimed (at least once), contacted (a contact on any claim),
credit granted, loans, declined, expired, released (at least one claim released unworked).
Per bank (head office with its branches): needs posted naming the bank as preferred, claims made, claims
contacted, credit granted, loans, declined, expired (needs naming the bank that expired), claims released.
Counted on the reader's scope: oversight everything, a park administration its district's needs, a bank
manager its own bank's row only.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from matchmaking.models import ClaimEnd, Contact, Demand, DemandClaim, DemandStatus
from matchmaking.permissions import bank_group_ids, is_bank_manager, is_oversight, is_park_admin
from matchmaking.selectors import demand_scope
from portal.accounts.models import Organisation, Park, User

COLUMNS = ("posted", "claimed", "contacted", "credit_granted", "loans", "declined", "expired", "released")


def can_view_funnel(user: User) -> bool:
    return is_oversight(user) or is_park_admin(user) or is_bank_manager(user)


@dataclass
class Row:
    label: str
    counts: dict = field(default_factory=lambda: dict.fromkeys(COLUMNS, 0))

    def cells(self) -> list[int]:
        return [self.counts[name] for name in COLUMNS]


@dataclass
class Funnel:
    banks: list[Row]
    parks: list[Row]
    bank_total: Row
    park_total: Row
    show_parks: bool


def _needs(user: User, start: date | None, end: date | None, source: str):
    needs = demand_scope(user) if not is_bank_manager(user) else Demand.objects.all()
    if start:
        needs = needs.filter(posted_on__gte=start)
    if end:
        needs = needs.filter(posted_on__lte=end)
    if source:
        needs = needs.filter(source=source)
    return needs


def _park_rows(needs) -> tuple[list[Row], Row]:
    contacted = Contact.objects.filter(claim__demand=OuterRef("pk"))
    released = DemandClaim.objects.filter(demand=OuterRef("pk"), ended=ClaimEnd.RELEASED)
    claimed = DemandClaim.objects.filter(demand=OuterRef("pk"))
    rows = (
        needs.annotate(
            was_claimed=Exists(claimed), was_contacted=Exists(contacted), was_released=Exists(released)
        )
        .values_list(
            "enterprise__enterprise_profile__park_id",
            "status",
            "credit_amount",
            "was_claimed",
            "was_contacted",
            "was_released",
        )
        .order_by()
    )
    by_park: dict = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    for park_id, status, credit, was_claimed, was_contacted, was_released in rows:
        counts = by_park[park_id]
        counts["posted"] += 1
        counts["claimed"] += bool(was_claimed)
        counts["contacted"] += bool(was_contacted)
        counts["credit_granted"] += credit is not None
        counts["loans"] += status == DemandStatus.LOAN
        counts["declined"] += status == DemandStatus.DECLINED
        counts["expired"] += status == DemandStatus.EXPIRED
        counts["released"] += bool(was_released)
    names = dict(Park.objects.filter(pk__in=[pk for pk in by_park if pk]).values_list("pk", "name"))
    result = [Row(names.get(pk, "") if pk else _("Not in a park"), counts) for pk, counts in by_park.items()]
    result.sort(key=lambda row: row.label)
    return result, _total(result)


def _total(rows: list[Row]) -> Row:
    total = Row(_("Total"))
    for row in rows:
        for name in COLUMNS:
            total.counts[name] += row.counts[name]
    return total


def _bank_rows(user: User, needs) -> tuple[list[Row], Row]:
    by_bank: dict = defaultdict(lambda: dict.fromkeys(COLUMNS, 0))
    own = set(bank_group_ids(user)) if is_bank_manager(user) else None

    def head_of(bank_id, parent_id):
        return parent_id or bank_id

    preferred = needs.filter(preferred_banks__isnull=False).values_list(
        "pk", "status", "preferred_banks__id", "preferred_banks__parent_id"
    )
    seen: set = set()
    for pk, status, bank_id, parent_id in preferred.order_by():
        head = head_of(bank_id, parent_id)
        if (own is not None and head not in own) or (pk, head) in seen:
            continue
        seen.add((pk, head))
        by_bank[head]["posted"] += 1
        by_bank[head]["expired"] += status == DemandStatus.EXPIRED
    contacted = Contact.objects.filter(claim=OuterRef("pk"))
    claims = DemandClaim.objects.filter(demand__in=needs.values("pk"))
    if own is not None:
        claims = claims.filter(bank_id__in=own)
    for bank_id, parent_id, ended, credit, was_contacted in (
        claims.annotate(was_contacted=Exists(contacted))
        .values_list("bank_id", "bank__parent_id", "ended", "credit_amount", "was_contacted")
        .order_by()
    ):
        counts = by_bank[head_of(bank_id, parent_id)]
        counts["claimed"] += 1
        counts["contacted"] += bool(was_contacted)
        counts["credit_granted"] += credit is not None
        counts["loans"] += ended == ClaimEnd.LOAN
        counts["declined"] += ended == ClaimEnd.DECLINED
        counts["released"] += ended == ClaimEnd.RELEASED
    if own is not None and not by_bank:
        by_bank[user.organisation.head_office.pk]  # the manager's own row, even when empty
    names = dict(Organisation.objects.filter(pk__in=list(by_bank)).values_list("pk", "name"))
    result = [Row(names.get(pk, str(pk)), counts) for pk, counts in by_bank.items()]
    result.sort(key=lambda row: row.label)
    return result, _total(result)


def funnel(*, user: User, start: date | None = None, end: date | None = None, source: str = "") -> Funnel:
    needs = _needs(user, start, end, source)
    banks, bank_total = _bank_rows(user, needs)
    if is_bank_manager(user):
        return Funnel(banks=banks, parks=[], bank_total=bank_total, park_total=Row(""), show_parks=False)
    parks, park_total = _park_rows(needs)
    return Funnel(banks=banks, parks=parks, bank_total=bank_total, park_total=park_total, show_parks=True)
