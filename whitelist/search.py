"""Global search for enterprises (issue 11): by credit code (exact or prefix) or name (contains), each
linking to its IP profile, and only those whose profile the user may open.

The enterprises come from ``whitelist.profile.profile_scope``, the profile rule as a queryset, so the search
filters in the database instead of opening candidates one by one."""

from django.urls import reverse
from django.utils.translation import gettext as _

from portal.search import Group, Hit, Query, enterprise_match, group_from
from whitelist.profile import profile_scope


def search(user, query: Query) -> list[Group]:
    enterprises = (
        # The matching enterprises are read once per search (portal.search.enterprise_match).
        profile_scope(user).filter(enterprise_match("pk", query)).exclude(uscc=None).order_by("name", "pk")
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
