"""Who may do what with disposal cases (the view layer and the services both ask these)."""

from loans.selectors import review_bank_ids
from portal.accounts.models import OrgKind, Role, User

# Banks hold pledges through their officers and managers; a guarantor named as pledgee through its officers.
PLEDGEE_ROLES_BY_KIND = {
    OrgKind.BANK: frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER}),
    OrgKind.GUARANTOR: frozenset({Role.INSTITUTION_OFFICER}),
}
OVERSIGHT_ROLES = frozenset({Role.PROMOTION_OFFICER, Role.REVIEWER, Role.JOINT_OFFICE_VIEWER})
OVERSIGHT_KINDS = frozenset({OrgKind.IP_BUREAU, OrgKind.JOINT_OFFICE})
# Anyone doing business may bid: enterprises and the financial and service institutions; government may not.
BIDDER_KINDS = frozenset(
    {
        OrgKind.ENTERPRISE,
        OrgKind.BANK,
        OrgKind.GUARANTOR,
        OrgKind.INSURER,
        OrgKind.IP_AGENCY,
        OrgKind.EVALUATOR,
    }
)


def _organisation(user: User):
    return user.organisation if user.is_authenticated else None


def is_pledgee_user(user: User) -> bool:
    organisation = _organisation(user)
    return organisation is not None and user.role in PLEDGEE_ROLES_BY_KIND.get(organisation.kind, ())


def is_oversight(user: User) -> bool:
    organisation = _organisation(user)
    return organisation is not None and organisation.kind in OVERSIGHT_KINDS and user.role in OVERSIGHT_ROLES


def pledgee_ids(user: User) -> list[int]:
    """The pledgee organisations whose cases this user works: a bank branch its own, a head office its
    group; a guarantor itself."""
    if not is_pledgee_user(user):
        return []
    organisation = _organisation(user)
    if organisation.kind == OrgKind.BANK:
        return review_bank_ids(organisation)
    return [organisation.pk]


def acts_for_pledgee(user: User, case) -> bool:
    return case.pledgee_id in pledgee_ids(user)


def can_bid(user: User) -> bool:
    organisation = _organisation(user)
    return organisation is not None and organisation.kind in BIDDER_KINDS
