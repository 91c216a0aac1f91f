"""Reads scoped to the user: the one place that decides which organisations a user may see."""

from django.db.models import Q, QuerySet

from portal.accounts.models import GOVERNMENT_KINDS, Membership, Organisation, OrgKind, User
from portal.audit.scope import get_in_scope


def active_members(organisation_ids, roles=None) -> list[User]:
    """The active users holding an active membership (in one of ``roles``, or any) in the organisations:
    who is told when a case moves. Empty ids (a head office's missing parent) are ignored."""
    memberships = Membership.objects.filter(
        organisation_id__in=[pk for pk in organisation_ids if pk], is_active=True, user__is_active=True
    )
    if roles is not None:
        memberships = memberships.filter(role__in=list(roles))
    return [membership.user for membership in memberships.select_related("user").order_by("pk")]


def membership_list_for_user(*, user: User) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user, is_active=True, organisation__is_active=True)
        .select_related("organisation", "organisation__parent")
        .order_by("id")
    )


def is_government(user: User) -> bool:
    organisation = user.organisation
    return organisation is not None and organisation.kind in GOVERNMENT_KINDS


def bank_scope_ids(organisation: Organisation) -> list[int]:
    """A bank officer sees their head office and all its branches.

    Read once per head-office object: a request's organisation comes with the user's membership, and every
    app's scope on one page (the search asks seven) asks for the same group. A branch opened later shows
    from the next request on."""
    head = organisation.head_office
    group = getattr(head, "_bank_group_ids", None)
    if group is None:
        group = head._bank_group_ids = [head.pk, *head.branches.values_list("pk", flat=True)]
    return list(group)


def own_group_ids(organisation: Organisation) -> list[int]:
    """The organisations acting as one party: a bank's head office and branches, else just itself."""
    return bank_scope_ids(organisation) if organisation.kind == OrgKind.BANK else [organisation.pk]


def organisation_list(*, user: User, filters: dict | None = None) -> QuerySet[Organisation]:
    """Organisations the user may see, scoped *before* any filter the user asked for.

    Government staff see every organisation. Everyone else sees their own organisation (a bank: its
    head office and branches) and the public record of institutions and government bodies; other
    enterprises stay hidden until a later case (an application, a whitelist) shares them.
    """
    queryset = Organisation.objects.select_related("parent")
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return queryset.none()
    if organisation.kind in GOVERNMENT_KINDS:
        scoped = queryset
    else:
        own_ids = own_group_ids(organisation)
        scoped = queryset.filter(Q(pk__in=own_ids) | ~Q(kind=OrgKind.ENTERPRISE))
    filters = filters or {}
    if kind := filters.get("kind"):
        scoped = scoped.filter(kind=kind)
    if search := filters.get("search"):
        scoped = scoped.filter(Q(name__icontains=search) | Q(uscc__iexact=search))
    return scoped.order_by("kind", "name")


def organisation_get_for_user(*, user: User, pk: int) -> Organisation:
    """The organisation, or 404 when it is outside the user's scope (never 403: no existence leak)."""
    return get_in_scope(organisation_list(user=user), pk)
