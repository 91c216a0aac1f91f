"""Global search over financing needs (issue 11): by need number (a prefix of "XQ-2026-000123") or the
enterprise's credit code or name, only inside ``demand_scope``."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from matchmaking.selectors import demand_scope
from portal.search import Group, Hit, Query, enterprise_match, group_from


def search(user, query: Query) -> list[Group]:
    needs = (
        demand_scope(user)
        .filter(Q(reference__startswith=query.code) | enterprise_match("enterprise_id", query))
        .select_related("enterprise")
        .order_by("-pk")
    )
    return group_from(
        needs,
        key="financing_needs",
        title=_("Financing needs"),
        rank=80,
        hit=lambda row: Hit(
            title=row.reference,
            detail=f"{row.enterprise.name} · {row.get_status_display()}",
            url=reverse("matchmaking:demand-detail", args=[row.pk]),
        ),
    )
