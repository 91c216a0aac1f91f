"""Who may do what with risk compensation claims, and what each user sees (one scoping function per entity)."""

from django.db.models import Q, QuerySet

from loans.selectors import review_bank_ids
from portal.accounts.models import OrgKind, Role, User
from portal.audit.scope import get_in_scope  # noqa: F401 (the apps' views import it from here)
from riskcomp.models import BANK_ROLES, PARTICIPANT_ROLES, Claim, ClaimParticipant, ClawbackShare

OVERSIGHT_ROLES = frozenset(
    {Role.REVIEWER, Role.PROMOTION_OFFICER, Role.FINANCE_OFFICER, Role.JOINT_OFFICE_VIEWER}
)
OVERSIGHT_KINDS = frozenset({OrgKind.IP_BUREAU, OrgKind.FINANCE_BUREAU, OrgKind.JOINT_OFFICE})
PARTICIPANT_KINDS = frozenset(
    {OrgKind.BANK, OrgKind.GUARANTOR, OrgKind.INSURER, OrgKind.IP_AGENCY, OrgKind.EVALUATOR}
)


def _organisation(user: User):
    return user.organisation if user.is_authenticated else None


def is_claimant(user: User) -> bool:
    organisation = _organisation(user)
    return organisation is not None and organisation.kind == OrgKind.BANK and user.role in BANK_ROLES


def is_participant_user(user: User) -> bool:
    organisation = _organisation(user)
    return (
        organisation is not None and organisation.kind in PARTICIPANT_KINDS and user.role in PARTICIPANT_ROLES
    )


def is_reviewer(user: User) -> bool:
    organisation = _organisation(user)
    return organisation is not None and organisation.kind == OrgKind.IP_BUREAU and user.role == Role.REVIEWER


def is_finance(user: User) -> bool:
    organisation = _organisation(user)
    return (
        organisation is not None
        and organisation.kind == OrgKind.FINANCE_BUREAU
        and user.role == Role.FINANCE_OFFICER
    )


def is_oversight(user: User) -> bool:
    organisation = _organisation(user)
    return organisation is not None and organisation.kind in OVERSIGHT_KINDS and user.role in OVERSIGHT_ROLES


def own_institution_ids(user: User) -> list[int]:
    """The organisations whose shares this user answers for: a bank's branch itself, a head office its
    whole group; any other institution itself."""
    organisation = _organisation(user)
    if organisation is None or not is_participant_user(user):
        return []
    if organisation.kind == OrgKind.BANK:
        return review_bank_ids(organisation)
    return [organisation.pk]


def claim_scope(user: User) -> QuerySet[Claim]:
    """Oversight roles see every claim; a bank the claims it filed (its branch, or its group at head office)
    and those it takes part in; any other institution only the claims it takes part in; nobody else any."""
    if is_oversight(user):
        return Claim.objects.all()
    ids = own_institution_ids(user)
    if not ids:
        return Claim.objects.none()
    mine = Q(participants__organisation_id__in=ids)
    if _organisation(user).kind == OrgKind.BANK:
        mine |= Q(bank_id__in=ids)
    return Claim.objects.filter(pk__in=Claim.objects.filter(mine).values("pk"))


def confirmation_scope(user: User) -> QuerySet[ClaimParticipant]:
    """The participant shares this user's institution is asked to confirm."""
    return ClaimParticipant.objects.filter(organisation_id__in=own_institution_ids(user)).exclude(
        claim__submitted_at=None
    )


def clawback_scope(user: User) -> QuerySet[ClawbackShare]:
    return ClawbackShare.objects.filter(participant__organisation_id__in=own_institution_ids(user))


def in_bank_group(user: User, bank) -> bool:
    return is_claimant(user) and bank.pk in review_bank_ids(_organisation(user))
