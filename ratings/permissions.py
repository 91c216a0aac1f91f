"""Who may do what with ratings: ``can_<verb>_<noun>(user, obj) -> (allowed, reason)`` and the role tests
the views and selectors share."""

from django.utils.translation import gettext as _

from portal.accounts.models import OrgKind, Role, User
from portal.accounts.selectors import own_group_ids
from ratings.models import AWAITING_RATING, RATER, RESPONSIBLE, FollowUp, Invitation

# Who rates: the enterprise's people; for a compensation claim the claimant bank's.
RATER_ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrgKind.ENTERPRISE: frozenset({Role.ENTERPRISE_USER, Role.ORG_ADMIN}),
    OrgKind.BANK: frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER}),
}
# Who answers for a bad rating, per kind of responsible organisation.
FOLLOW_UP_ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrgKind.REGISTRATION_OFFICE: frozenset({Role.COMMISSIONER, Role.REGISTRATION_SUPERVISOR}),
    OrgKind.BANK: frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER}),
    OrgKind.IP_BUREAU: frozenset({Role.REVIEWER, Role.PROMOTION_OFFICER}),
}
# Who reads every organisation's satisfaction figures.
OVERSIGHT = frozenset(
    {(OrgKind.IP_BUREAU, Role.PROMOTION_OFFICER), (OrgKind.JOINT_OFFICE, Role.JOINT_OFFICE_VIEWER)}
)


def _kind_and_role(user: User) -> tuple[str | None, str | None]:
    if not user.is_authenticated or user.organisation is None:
        return None, None
    return user.organisation.kind, user.role


def group_ids(user: User) -> list[int]:
    """The organisations the user acts for: a bank's head office and branches, else their own."""
    return own_group_ids(user.organisation) if user.organisation is not None else []


def is_rater_user(user: User) -> bool:
    kind, role = _kind_and_role(user)
    return role in RATER_ROLES_BY_KIND.get(kind, frozenset())


def is_follow_up_user(user: User) -> bool:
    kind, role = _kind_and_role(user)
    return role in FOLLOW_UP_ROLES_BY_KIND.get(kind, frozenset())


def is_oversight(user: User) -> bool:
    return _kind_and_role(user) in OVERSIGHT


def is_office_supervisor(user: User) -> bool:
    return _kind_and_role(user) == (OrgKind.REGISTRATION_OFFICE, Role.REGISTRATION_SUPERVISOR)


def is_bank_manager(user: User) -> bool:
    return _kind_and_role(user) == (OrgKind.BANK, Role.BANK_MANAGER)


def can_see_report(user: User) -> bool:
    return is_oversight(user) or is_office_supervisor(user) or is_bank_manager(user)


def party_of(user: User, invitation: Invitation) -> str | None:
    """RATER when the user speaks for the party served, RESPONSIBLE when for the party answering, else None."""
    ids = group_ids(user)
    if is_rater_user(user) and invitation.rater_org_id in ids:
        return RATER
    if is_follow_up_user(user) and invitation.responsible_org_id in ids:
        return RESPONSIBLE
    return None


def can_rate_invitation(user: User, invitation: Invitation) -> tuple[bool, str]:
    if party_of(user, invitation) != RATER:
        return False, _("Only the organisation that was served rates this case.")
    if invitation.status not in AWAITING_RATING:
        return False, _("This case is not waiting for a rating.")
    return True, ""


def can_complete_follow_up(user: User, follow_up: FollowUp) -> tuple[bool, str]:
    if not (is_follow_up_user(user) and follow_up.responsible_org_id in group_ids(user)):
        return False, _("Only the responsible organisation records its follow-up.")
    return True, ""
