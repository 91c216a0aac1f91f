"""Who may do what with subsidies, and what each user may see (one scoping function per entity)."""

from django.db.models import QuerySet

from loans.selectors import review_bank_ids
from portal.accounts.models import OrgKind, Role, User
from portal.audit.scope import get_in_scope  # noqa: F401 (the apps' views import it from here)
from subsidies.models import (
    BANK_ROLES,
    ENTERPRISE_ROLES,
    Application,
    Batch,
    BatchStatus,
    Confirmation,
    LineSource,
    LoanLine,
    PaymentList,
)

BATCH_MANAGER_ROLES = frozenset({Role.REVIEWER, Role.PROMOTION_OFFICER})
OVERSIGHT_ROLES = frozenset(
    {Role.REVIEWER, Role.PROMOTION_OFFICER, Role.FINANCE_OFFICER, Role.JOINT_OFFICE_VIEWER}
)
OVERSIGHT_KINDS = frozenset({OrgKind.IP_BUREAU, OrgKind.FINANCE_BUREAU, OrgKind.JOINT_OFFICE})


def _kind(user: User) -> str | None:
    organisation = user.organisation if user.is_authenticated else None
    return organisation.kind if organisation is not None else None


def is_applicant(user: User) -> bool:
    return _kind(user) == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES


def is_batch_manager(user: User) -> bool:
    return _kind(user) == OrgKind.IP_BUREAU and user.role in BATCH_MANAGER_ROLES


def is_reviewer(user: User) -> bool:
    return _kind(user) == OrgKind.IP_BUREAU and user.role == Role.REVIEWER


def is_finance(user: User) -> bool:
    return _kind(user) == OrgKind.FINANCE_BUREAU and user.role == Role.FINANCE_OFFICER


def is_oversight(user: User) -> bool:
    return _kind(user) in OVERSIGHT_KINDS and user.role in OVERSIGHT_ROLES


def is_confirming_bank(user: User) -> bool:
    return _kind(user) == OrgKind.BANK and user.role in BANK_ROLES


# --- Scopes -------------------------------------------------------------------------------------------


def batch_scope(user: User) -> QuerySet[Batch]:
    """Batch managers and the oversight roles see drafts too; everyone else the published batches."""
    if is_oversight(user):
        return Batch.objects.all()
    return Batch.objects.exclude(status=BatchStatus.DRAFT)


def application_scope(user: User) -> QuerySet[Application]:
    """An enterprise its own applications; the IP bureau, finance bureau and joint office all of them;
    nobody else any (a bank sees only the loan lines it is asked to confirm: ``confirmation_scope``)."""
    if is_applicant(user):
        return Application.objects.filter(enterprise_id=user.organisation.pk)
    if is_oversight(user):
        return Application.objects.all()
    return Application.objects.none()


def confirmation_scope(user: User) -> QuerySet[LoanLine]:
    """The entered loan lines a bank is asked to confirm (its branch's, or its whole group's at head office)."""
    if not is_confirming_bank(user):
        return LoanLine.objects.none()
    # A draft's entered loan has not been asked of the bank yet: the bank sees it once submitted.
    return (
        LoanLine.objects.filter(source=LineSource.ENTERED, bank_id__in=review_bank_ids(user.organisation))
        .exclude(confirmation=Confirmation.NOT_NEEDED)
        .exclude(application__submitted_at=None)
    )


def payment_list_scope(user: User) -> QuerySet[PaymentList]:
    if is_oversight(user):
        return PaymentList.objects.all()
    return PaymentList.objects.none()
