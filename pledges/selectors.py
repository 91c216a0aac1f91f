"""Reads scoped to the user: who may see which registration case and which IP asset.

One function per entity serves lists and details alike; the scope is applied before any filter the
user asked for, and an id outside it is a 404 (never a 403: existence does not leak).
"""

from django.db.models import Q, QuerySet

from pledges.models import IpAsset, PledgeRegistration
from portal.accounts.models import OrgKind, User
from portal.accounts.selectors import own_group_ids
from portal.audit.scope import get_in_scope

# Government bodies that follow every case: the registration office works them, the IP bureau and the
# joint-meeting office supervise and count them.
_SEE_ALL_KINDS = frozenset({OrgKind.REGISTRATION_OFFICE, OrgKind.IP_BUREAU, OrgKind.JOINT_OFFICE})


def registration_scope(*, user: User) -> QuerySet[PledgeRegistration]:
    """Every case the user may see, before any filter."""
    queryset = PledgeRegistration.objects.all()
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return queryset.none()
    if organisation.kind in _SEE_ALL_KINDS:
        return queryset
    if organisation.kind == OrgKind.ENTERPRISE:
        return queryset.filter(pledgor=organisation)
    if organisation.kind in {OrgKind.BANK, OrgKind.GUARANTOR}:
        return queryset.filter(pledgee__in=own_group_ids(organisation))
    return queryset.none()


def registration_list(*, user: User, filters: dict | None = None) -> QuerySet[PledgeRegistration]:
    """Scoped cases with the user's filters: status, ip_kind, channel, commissioner, search (case
    number, enterprise name or credit code, asset number)."""
    queryset = registration_scope(user=user).select_related("pledgor", "pledgee", "commissioner")
    filters = filters or {}
    for field in ("status", "ip_kind", "channel", "kind"):
        if value := filters.get(field):
            queryset = queryset.filter(**{field: value})
    if commissioner := filters.get("commissioner"):
        queryset = queryset.filter(commissioner_id=commissioner)
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(
            Q(reference__iexact=search)
            | Q(pledgor__name__icontains=search)
            | Q(pledgor__uscc__iexact=search)
            | Q(assets__number__iexact=search)
        ).distinct()
    return queryset


def registration_get_for_user(*, user: User, pk: int) -> PledgeRegistration:
    return get_in_scope(
        registration_scope(user=user).select_related("pledgor", "pledgee", "commissioner"), pk
    )


def asset_scope(*, user: User) -> QuerySet[IpAsset]:
    """An enterprise sees its own register; a pledgee sees the assets of its cases; the office all."""
    queryset = IpAsset.objects.all()
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return queryset.none()
    if organisation.kind in _SEE_ALL_KINDS:
        return queryset
    if organisation.kind == OrgKind.ENTERPRISE:
        return queryset.filter(owner=organisation)
    if organisation.kind in {OrgKind.BANK, OrgKind.GUARANTOR}:
        return queryset.filter(
            registration_links__registration__pledgee__in=own_group_ids(organisation)
        ).distinct()
    return queryset.none()


def asset_list(*, user: User, filters: dict | None = None) -> QuerySet[IpAsset]:
    queryset = asset_scope(user=user).select_related("owner")
    filters = filters or {}
    for field in ("kind", "legal_status"):
        if value := filters.get(field):
            queryset = queryset.filter(**{field: value})
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(Q(number__icontains=search) | Q(title__icontains=search))
    return queryset


def asset_get_for_user(*, user: User, pk: int) -> IpAsset:
    return get_in_scope(asset_scope(user=user).select_related("owner"), pk)


def asset_pledge_states(*, asset_ids) -> dict[int, dict]:
    """Pledge state per asset, derived from the registrations (never stored): pledged while a pledge
    registration over it is registered or changed; ``since`` is its registration date."""
    from pledges.models import PLEDGED_STATUSES, RegistrationAsset, RegistrationKind

    states = {
        pk: {"pledged": False, "pledgee": None, "since": None, "registration": None} for pk in asset_ids
    }
    links = (
        RegistrationAsset.objects.filter(
            asset_id__in=list(states),
            registration__kind=RegistrationKind.PLEDGE,
            registration__status__in=PLEDGED_STATUSES,
        )
        .select_related("registration", "registration__pledgee")
        .order_by("registration__registered_on", "registration_id")
    )
    for link in links:
        state = states[link.asset_id]
        if not state["pledged"]:  # a second pledge is refused, so the earliest one is the pledge
            registration = link.registration
            state.update(
                pledged=True,
                pledgee=registration.pledgee,
                since=registration.registered_on,
                registration=registration,
            )
    return states


def asset_pledge_state(asset: IpAsset) -> dict:
    """``{"pledged": bool, "pledgee": Organisation | None, "since": date | None, "registration": ...}``."""
    return asset_pledge_states(asset_ids=[asset.pk])[asset.pk]
