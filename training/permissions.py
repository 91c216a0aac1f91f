"""Who may do what in talent training: ``can_<verb>_<noun>(user, obj) -> (allowed, reason)`` and the role tests
the views and the selectors share."""

from django.utils.translation import gettext as _

from portal.accounts.models import OrgKind, Role, User
from training.models import AUDIENCE_MEMBERS, ORGANISER_KINDS, ORGANISER_ROLES, Audience, Programme


def _organisation(user: User):
    return user.organisation if user.is_authenticated else None


def is_organiser(user: User) -> bool:
    """The promotion centre (promotion officers of the IP bureau) and park administrators."""
    organisation = _organisation(user)
    return (
        organisation is not None
        and organisation.kind in ORGANISER_KINDS
        and user.role in ORGANISER_ROLES
        and (user.role != Role.PARK_ADMIN or organisation.kind == OrgKind.PARK_ADMIN)
        and (user.role != Role.PROMOTION_OFFICER or organisation.kind == OrgKind.IP_BUREAU)
    )


def is_promotion_officer(user: User) -> bool:
    organisation = _organisation(user)
    return (
        organisation is not None
        and organisation.kind == OrgKind.IP_BUREAU
        and user.role == Role.PROMOTION_OFFICER
    )


def organises(user: User, programme: Programme) -> bool:
    return is_organiser(user) and programme.organiser_id == _organisation(user).pk


def in_audience(user: User, audience: str) -> bool:
    organisation = _organisation(user)
    if organisation is None:
        return False
    if audience == Audience.ALL:
        return True
    kinds, roles = AUDIENCE_MEMBERS[audience]
    return organisation.kind in kinds and (roles is None or user.role in roles)


def can_enrol(user: User, programme: Programme) -> tuple[bool, str]:
    if not user.is_authenticated:
        return False, _("Sign in to enrol.")
    if not in_audience(user, programme.audience):
        return False, _("This programme is for %(audience)s only.") % {
            "audience": programme.get_audience_display()
        }
    return True, ""


def can_manage_programme(user: User) -> tuple[bool, str]:
    if is_organiser(user):
        return True, ""
    return False, _("Only the promotion centre and park administrations organise training programmes.")


def can_manage_commendations(user: User) -> tuple[bool, str]:
    if is_promotion_officer(user):
        return True, ""
    return False, _("Only the promotion centre publishes commendations.")
