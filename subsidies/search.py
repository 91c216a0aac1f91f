"""Global search over subsidy applications (issue 11): by application number (a prefix of
"BT-2026-000123") or the applicant's credit code or name, only inside ``application_scope``."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.search import Group, Hit, Query, enterprise_match, group_from
from subsidies.permissions import application_scope


def search(user, query: Query) -> list[Group]:
    applications = (
        application_scope(user)
        .filter(Q(reference__startswith=query.code) | enterprise_match("enterprise_id", query))
        .select_related("enterprise", "batch")
        .order_by("-pk")
    )
    return group_from(
        applications,
        key="subsidy_applications",
        title=_("Subsidy applications"),
        rank=50,
        hit=lambda row: Hit(
            title=row.reference,
            detail=f"{row.enterprise.name} · {row.batch.title} · {row.get_status_display()}",
            url=reverse("subsidies:application-detail", args=[row.pk]),
        ),
    )
