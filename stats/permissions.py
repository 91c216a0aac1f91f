"""Who sees which statistics (one scoping function, applied before any filter the user chooses).

- The joint-meeting office, the IP bureau, the finance bureau and the registration supervisors see the
  whole city.
- A park or district administration sees its district only (security.md §5: aggregates included).
- A bank manager sees its own bank group, and other banks only as anonymous peers.
"""

from dataclasses import dataclass

from portal.accounts.models import OrgKind, Role, User
from stats.dims import Dim, Filters

CITY_ROLES = {
    OrgKind.JOINT_OFFICE: {Role.JOINT_OFFICE_VIEWER, Role.ORG_ADMIN},
    OrgKind.IP_BUREAU: {Role.REVIEWER, Role.PROMOTION_OFFICER},
    OrgKind.FINANCE_BUREAU: {Role.FINANCE_OFFICER},
    OrgKind.REGISTRATION_OFFICE: {Role.REGISTRATION_SUPERVISOR},
}


@dataclass(frozen=True)
class Scope:
    forced: tuple[tuple[Dim, object], ...] = ()
    own_bank: int = 0  # a bank manager's head office: peers are shown without their names

    @property
    def anonymous_peers(self) -> bool:
        return bool(self.own_bank)

    def fixes(self, dim: Dim) -> bool:
        return any(d == dim for d, _value in self.forced)

    def apply(self, filters: Filters) -> Filters:
        """The user's filters with the scope's own values put over them (a bank manager asking for another
        bank still gets its own)."""
        for dim, value in self.forced:
            filters = filters.with_(dim, value)
        return filters


def stats_scope(user: User) -> Scope | None:
    """The user's statistics scope, or None when statistics are not theirs to see."""
    if not user.is_authenticated:
        return None
    organisation, role = user.organisation, user.role
    if organisation is None:
        return None
    if role in CITY_ROLES.get(organisation.kind, ()):
        return Scope()
    if organisation.kind == OrgKind.PARK_ADMIN and role == Role.PARK_ADMIN and organisation.district:
        return Scope(forced=((Dim.DISTRICT, organisation.district),))
    if organisation.kind == OrgKind.BANK and role == Role.BANK_MANAGER:
        head = organisation.parent_id or organisation.pk
        return Scope(forced=((Dim.BANK, head),), own_bank=head)
    return None
