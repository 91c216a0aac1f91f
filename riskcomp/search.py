"""Global search over risk compensation claims (issue 11): by claim number (a prefix of "FC-2026-000123"),
the loan's number, or the borrower's credit code or name, only inside ``claim_scope``."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.search import Group, Hit, Query, enterprise_match, group_from
from riskcomp.permissions import claim_scope


def search(user, query: Query) -> list[Group]:
    claims = (
        claim_scope(user)
        .filter(
            Q(reference__startswith=query.code)
            | Q(loan__reference=query.code)
            | enterprise_match("loan__enterprise_id", query)
        )
        .select_related("loan", "loan__enterprise", "bank")
        .order_by("-pk")
    )
    return group_from(
        claims,
        key="compensation_claims",
        title=_("Risk compensation claims"),
        rank=60,
        hit=lambda row: Hit(
            title=row.reference,
            detail=f"{row.loan.enterprise.name} · {row.bank.name} · {row.get_status_display()}",
            url=reverse("riskcomp:claim-detail", args=[row.pk]),
        ),
    )
