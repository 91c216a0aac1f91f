"""Global search over the IP register and pledge registrations (issue 11): an asset by its number (a prefix
of the stored form: "ZL" and spaces dropped), a registration by its case number (a prefix of
"ZY-2026-000123"), by the pledgor's credit code or name, or by the exact number of an asset it pledges;
only inside the scopes the register and case pages use."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from pledges.models import RegistrationAsset
from pledges.selectors import asset_scope, registration_scope
from portal.search import Group, Hit, Query, enterprise_match, group_from


def search(user, query: Query) -> list[Group]:
    # An IP number always has a digit: a query without one is a name (Query.may_be_number).
    return [*(_assets(user, query) if query.may_be_number else []), *_registrations(user, query)]


def _assets(user, query: Query) -> list[Group]:
    assets = (
        asset_scope(user=user)
        .filter(number__startswith=query.ip_number)
        .select_related("owner")
        .order_by("kind", "number", "pk")
    )
    return group_from(
        assets,
        key="ip_assets",
        title=_("IP assets"),
        rank=20,
        hit=lambda row: Hit(
            title=f"{row.get_kind_display()} {row.number}",
            detail=f"{row.title} · {row.owner.name}",
            url=reverse("pledges:asset_detail", args=[row.pk]),
        ),
    )


def _registrations(user, query: Query) -> list[Group]:
    # The registrations pledging an asset of that number, as a list (a handful): inside the OR below a
    # subquery would make PostgreSQL scan every registration (portal.search.enterprise_match).
    pledging = []
    if query.may_be_number:
        pledging = list(
            RegistrationAsset.objects.filter(asset__number=query.ip_number).values_list(
                "registration_id", flat=True
            )
        )
    registrations = (
        registration_scope(user=user)
        .filter(
            Q(reference__startswith=query.code) | enterprise_match("pledgor_id", query) | Q(pk__in=pledging)
        )
        .select_related("pledgor", "pledgee")
        .order_by("-pk")
    )
    return group_from(
        registrations,
        key="pledge_registrations",
        title=_("Pledge registrations"),
        rank=30,
        hit=lambda row: Hit(
            title=row.reference,
            detail=f"{row.pledgor.name} → {row.pledgee.name} · {row.get_status_display()}",
            url=reverse("pledges:registration_detail", args=[row.pk]),
        ),
    )
