"""Who may do what to a registration case: ``can_<verb>_<noun>(user, obj) -> (allowed, reason)``."""

from django.utils.translation import gettext as _

from pledges.models import (
    ENTERPRISE_ROLES,
    OFFICE_ROLES,
    PLEDGEE_KINDS,
    PLEDGEE_ROLES,
    TRANSITIONS,
    PledgeRegistration,
)
from portal.accounts.models import OrgKind, Role, User
from portal.accounts.selectors import own_group_ids


def is_party_pledgor(user: User, registration: PledgeRegistration) -> bool:
    return user.organisation is not None and registration.pledgor_id == user.organisation.pk


def is_party_pledgee(user: User, registration: PledgeRegistration) -> bool:
    organisation = user.organisation
    if organisation is None:
        return False
    return registration.pledgee_id in own_group_ids(organisation)


def is_office(user: User) -> bool:
    organisation = user.organisation
    return organisation is not None and organisation.kind == OrgKind.REGISTRATION_OFFICE


def acts_as(user: User, registration: PledgeRegistration) -> set[str]:
    """The roles this user holds *on this case*: a role counts only for the party it belongs to."""
    role = user.role
    roles: set[str] = set()
    if role in ENTERPRISE_ROLES and is_party_pledgor(user, registration):
        roles.add(role)
    if role in PLEDGEE_ROLES and is_party_pledgee(user, registration):
        roles.add(role)
    if role in OFFICE_ROLES and is_office(user):
        roles.add(role)
    return roles


def can_transition_registration(user: User, registration: PledgeRegistration, to: str) -> tuple[bool, str]:
    allowed = TRANSITIONS.get(registration.status, {})
    if to not in allowed:
        return False, _("A case that is %(status)s cannot move to %(to)s.") % {
            "status": registration.get_status_display(),
            "to": to,
        }
    if not acts_as(user, registration) & allowed[to]:
        return False, _("Your role on this case does not allow this step.")
    return True, ""


def available_transitions(registration: PledgeRegistration, user: User) -> list[str]:
    """The moves to draw as buttons for this user."""
    return [
        to
        for to in TRANSITIONS.get(registration.status, {})
        if can_transition_registration(user, registration, to)[0]
    ]


def can_file_as_pledgee(user: User) -> tuple[bool, str]:
    """A bank or guarantor member with a pledgee role (the bank API's filing and confirmation routes)."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is not None and organisation.kind in PLEDGEE_KINDS and user.role in PLEDGEE_ROLES:
        return True, ""
    return False, _("Only a bank or guarantor acting as pledgee may do this.")


def can_reassign_registration(user: User, registration: PledgeRegistration | None = None) -> tuple[bool, str]:
    if user.role == Role.REGISTRATION_SUPERVISOR and is_office(user):
        return True, ""
    return False, _("Only the registration supervisor may reassign cases.")


def can_import_legal_status(user: User) -> tuple[bool, str]:
    """The legal-status feed rewrites assets across every enterprise: portal staff and the registration
    office only."""
    if user.is_authenticated and (user.is_staff or is_office(user)):
        return True, ""
    return False, _("Only portal staff and the registration office may import legal-status files.")


def can_add_asset(user: User) -> tuple[bool, str]:
    """An enterprise enters its own assets; nobody enters assets for another organisation."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is not None and organisation.kind == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES:
        return True, ""
    return False, _("Only an enterprise's users may add assets to its register.")


def can_view_on_time_stats(user: User) -> tuple[bool, str]:
    """The registration office measures itself; the IP bureau and the joint-meeting office supervise it."""
    organisation = user.organisation if user.is_authenticated else None
    if organisation is not None and organisation.kind in {
        OrgKind.REGISTRATION_OFFICE,
        OrgKind.IP_BUREAU,
        OrgKind.JOINT_OFFICE,
    }:
        return True, ""
    return False, _("Only the registration office and the supervising bodies see the on-time figures.")
