"""Role checks: ``can_<verb>_<noun>(user, obj) -> (allowed, reason)``; views and DRF classes call these."""

from django.utils.translation import gettext as _

from portal.accounts.models import Role, User


def has_role(user: User, *roles: str) -> bool:
    return bool(user.is_authenticated and user.role in roles)


def can_use_admin_tools(user: User) -> tuple[bool, str]:
    if user.is_authenticated and user.is_staff:
        return True, ""
    return False, _("Only portal staff may do this.")


def can_manage_members(user: User, organisation) -> tuple[bool, str]:
    if has_role(user, Role.ORG_ADMIN) and user.organisation == organisation:
        return True, ""
    return False, _("Only this organisation's administrator may manage its members.")
