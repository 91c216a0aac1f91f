"""Who the user is for the demand pool and the events: small predicates on the acting membership."""

from loans.selectors import review_bank_ids
from matchmaking.models import BANK_ROLES, ENTERPRISE_ROLES, ORGANISER_ROLES
from portal.accounts.models import OrgKind, Role, User
from portal.accounts.selectors import bank_scope_ids


def _organisation(user: User):
    return user.organisation if user.is_authenticated else None


def is_enterprise_user(user: User) -> bool:
    organisation = _organisation(user)
    return (
        organisation is not None and organisation.kind == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES
    )


def is_bank_user(user: User) -> bool:
    organisation = _organisation(user)
    return organisation is not None and organisation.kind == OrgKind.BANK and user.role in BANK_ROLES


def is_bank_manager(user: User) -> bool:
    return is_bank_user(user) and user.role == Role.BANK_MANAGER


def is_park_admin(user: User) -> bool:
    """A park or district administration's administrator; its district is its area (without one it has
    no enterprises to serve)."""
    organisation = _organisation(user)
    return (
        organisation is not None and organisation.kind == OrgKind.PARK_ADMIN and user.role == Role.PARK_ADMIN
    )


def is_promotion_officer(user: User) -> bool:
    organisation = _organisation(user)
    return (
        organisation is not None
        and organisation.kind == OrgKind.IP_BUREAU
        and user.role == Role.PROMOTION_OFFICER
    )


def is_oversight(user: User) -> bool:
    """The promotion centre and the joint office read every need and the whole funnel."""
    organisation = _organisation(user)
    if organisation is None:
        return False
    return is_promotion_officer(user) or (
        organisation.kind == OrgKind.JOINT_OFFICE and user.role == Role.JOINT_OFFICE_VIEWER
    )


def is_organiser(user: User) -> bool:
    return (is_park_admin(user) or is_promotion_officer(user)) and user.role in ORGANISER_ROLES


def can_register(user: User) -> bool:
    return is_enterprise_user(user) or is_bank_user(user)


def park_district(user: User) -> str:
    return _organisation(user).district if is_park_admin(user) else ""


def claim_bank_ids(user: User) -> list[int]:
    """The banks whose claims the user works: a branch its own, a head office its whole group."""
    return review_bank_ids(_organisation(user)) if is_bank_user(user) else []


def bank_group_ids(user: User) -> list[int]:
    """The user's whole bank group (head office and branches): for "preferred me" and event participation."""
    return bank_scope_ids(_organisation(user)) if is_bank_user(user) else []


def in_enterprise(user: User, enterprise) -> bool:
    return is_enterprise_user(user) and _organisation(user).pk == enterprise.pk


def in_park_area(user: User, enterprise) -> bool:
    """The enterprise is registered in, or sits in a park of, the park administration's district."""
    district = park_district(user)
    if not district:
        return False
    profile = getattr(enterprise, "enterprise_profile", None)
    park = profile.park if profile is not None else None
    return enterprise.district == district or (park is not None and park.district == district)


def is_event_organiser(user: User, event) -> bool:
    return is_organiser(user) and event.organiser_id == _organisation(user).pk
