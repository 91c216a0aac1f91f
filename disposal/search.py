"""Global search over disposal cases (issue 11): by case number (a prefix of "CZ-2026-000123"), the loan's
number, or the borrower's credit code or name, only inside ``case_scope``."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from disposal.selectors import case_scope
from portal.search import Group, Hit, Query, enterprise_match, group_from


def search(user, query: Query) -> list[Group]:
    cases = (
        case_scope(user)
        .filter(
            Q(reference__startswith=query.code)
            | Q(loan__reference=query.code)
            | enterprise_match("loan__enterprise_id", query)
        )
        .select_related("loan", "loan__enterprise", "pledgee")
        .order_by("-pk")
    )
    return group_from(
        cases,
        key="disposal_cases",
        title=_("Disposal cases"),
        rank=70,
        hit=lambda row: Hit(
            title=row.reference,
            detail=f"{row.loan.enterprise.name} · {row.pledgee.name} · {row.get_status_display()}",
            url=reverse("disposal:case-detail", args=[row.pk]),
        ),
    )
