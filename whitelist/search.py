"""Global search for enterprises (issue 11): by credit code (exact or prefix) or name (contains), each
linking to its IP profile, and only those whose profile the user may open.

The enterprises come from ``whitelist.profile.profile_scope``, the profile rule as a queryset, so the search
filters in the database instead of opening candidates one by one."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.search import Group, Hit, Query, group_from
from whitelist.profile import profile_scope


def search(user, query: Query) -> list[Group]:
    enterprises = (
        profile_scope(user)
        .filter(Q(uscc__startswith=query.code) | Q(name__icontains=query.text))
        .exclude(uscc=None)
        .order_by("name", "pk")
    )
    return group_from(
        enterprises,
        key="enterprises",
        title=_("Enterprises"),
        rank=10,
        hit=lambda row: Hit(
            title=row.name,
            detail=row.uscc,
            url=reverse("whitelist:profile_detail", kwargs={"uscc": row.uscc}),
        ),
    )
