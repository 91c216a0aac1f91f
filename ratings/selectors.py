"""Reads scoped to the user, one scoping function per entity (invitations with their ratings, follow-up
tasks, the report's invitations); the scope applies before any filter, and an id outside it is a 404."""

from django.db.models import Q, QuerySet

from portal.accounts.models import User
from portal.audit.scope import get_in_scope
from ratings.models import AWAITING_RATING, FollowUp, Invitation, InvitationStatus
from ratings.permissions import (
    group_ids,
    is_bank_manager,
    is_follow_up_user,
    is_office_supervisor,
    is_oversight,
    is_rater_user,
)

_INVITATION_RELATED = ("rater_org", "responsible_org", "responsible_user")


def invitation_scope(*, user: User) -> QuerySet[Invitation]:
    """The invitations the user rates (their organisation was served), answers for (their organisation is
    responsible), or oversees (the promotion centre and the joint-meeting office see all)."""
    queryset = Invitation.objects.all()
    if is_oversight(user):
        return queryset
    ids = group_ids(user)
    mine = Q(pk__in=[])
    if is_rater_user(user):
        mine |= Q(rater_org_id__in=ids)
    if is_follow_up_user(user):
        mine |= Q(responsible_org_id__in=ids)
    return queryset.filter(mine)


def invitation_get_for_user(*, user: User, pk: int) -> Invitation:
    return get_in_scope(invitation_scope(user=user).select_related(*_INVITATION_RELATED), pk)


def invitations_to_give(*, user: User) -> QuerySet[Invitation]:
    """The cases the user's organisation is asked to rate now, oldest first."""
    if not is_rater_user(user):
        return Invitation.objects.none()
    return (
        invitation_scope(user=user)
        .filter(rater_org_id__in=group_ids(user), status__in=AWAITING_RATING)
        .select_related(*_INVITATION_RELATED)
        .order_by("created_at", "pk")
    )


def invitations_given(*, user: User) -> QuerySet[Invitation]:
    """The cases the user's organisation has rated (or declined to), newest first."""
    if not is_rater_user(user):
        return Invitation.objects.none()
    return (
        invitation_scope(user=user)
        .filter(rater_org_id__in=group_ids(user))
        .exclude(status__in=[InvitationStatus.INVITED, InvitationStatus.REMINDED])
        .select_related(*_INVITATION_RELATED)
        .prefetch_related("ratings")
        .order_by("-updated_at", "-pk")
    )


def follow_up_scope(*, user: User) -> QuerySet[FollowUp]:
    """The follow-up tasks of the responsible organisation(s) the user acts for."""
    if not is_follow_up_user(user):
        return FollowUp.objects.none()
    return FollowUp.objects.filter(responsible_org_id__in=group_ids(user))


def follow_up_list(*, user: User, filters: dict | None = None) -> QuerySet[FollowUp]:
    filters = filters or {}
    queryset = follow_up_scope(user=user).select_related(
        "invitation", "invitation__rater_org", "invitation__responsible_user", "rating", "done_by"
    )
    if status := filters.get("status"):
        queryset = queryset.filter(status=status)
    if kind := filters.get("kind"):
        queryset = queryset.filter(kind=kind)
    return queryset.order_by("status", "due_on", "pk")


def follow_up_get_for_user(*, user: User, pk: int) -> FollowUp:
    return get_in_scope(
        (
            follow_up_scope(user=user).select_related(
                "invitation", "invitation__rater_org", "invitation__responsible_org", "rating"
            )
        ),
        pk,
    )


def report_scope(*, user: User) -> QuerySet[Invitation]:
    """The invitations whose figures the user may read: the oversight roles all; a registration supervisor
    their office's; a bank manager their bank's (a head office: its branches too)."""
    queryset = Invitation.objects.all()
    if is_oversight(user):
        return queryset
    if is_office_supervisor(user) or is_bank_manager(user):
        return queryset.filter(responsible_org_id__in=group_ids(user))
    return queryset.none()
