"""Who may do what with the whitelist: ``can_<verb>(user, ...) -> (allowed, reason)``."""

from django.utils.translation import gettext as _

from portal.accounts.models import OrgKind, User
from whitelist.models import ENTERPRISE_ROLES, WHITELIST_STAFF_ROLES


def is_whitelist_staff(user: User) -> bool:
    organisation = user.organisation if user.is_authenticated else None
    return (
        organisation is not None
        and organisation.kind == OrgKind.IP_BUREAU
        and user.role in WHITELIST_STAFF_ROLES
    )


def can_manage_rules(user: User) -> tuple[bool, str]:
    if is_whitelist_staff(user):
        return True, ""
    return False, _("Only the IP bureau's reviewers and promotion officers keep the screening rules.")


def can_run_screening(user: User) -> tuple[bool, str]:
    if is_whitelist_staff(user):
        return True, ""
    return False, _("Only the IP bureau's reviewers and promotion officers run the screening.")


def can_give_consent(user: User) -> tuple[bool, str]:
    organisation = user.organisation if user.is_authenticated else None
    if organisation is not None and organisation.kind == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES:
        return True, ""
    return False, _("Only an enterprise's own users may give or withdraw its consent.")
