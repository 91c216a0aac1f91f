"""Who may do what with the whitelist: ``can_<verb>(user, ...) -> (allowed, reason)``."""

from django.utils.translation import gettext as _

from portal.accounts.models import Organisation, OrgKind, Role, User
from whitelist.models import (
    ENTERPRISE_ROLES,
    RECOMMENDATION_TRANSITIONS,
    WHITELIST_STAFF_ROLES,
    Recommendation,
)


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


# --- Feedback, recommendations and reports ---------------------------------------------------------

# The bank roles that report feedback and recommend enterprises (a bank's org admin manages users only).
BANK_REPORTING_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER})


def acting_organisation(user: User) -> Organisation | None:
    return user.organisation if user.is_authenticated else None


def reporting_bank(user: User) -> Organisation | None:
    """The head office a bank user reports for (its whole group), or None for anyone else."""
    organisation = acting_organisation(user)
    if organisation is None or organisation.kind != OrgKind.BANK:
        return None
    return organisation.head_office


def is_report_viewer(user: User) -> bool:
    """IP bureau staff and the joint-meeting office see every bank's deliveries, feedback and the reports."""
    organisation = acting_organisation(user)
    return is_whitelist_staff(user) or (
        organisation is not None and organisation.kind == OrgKind.JOINT_OFFICE
    )


def can_report_feedback(user: User) -> tuple[bool, str]:
    if reporting_bank(user) is not None and user.role in BANK_REPORTING_ROLES:
        return True, ""
    return False, _("Only a bank's officers and managers report feedback on whitelist enterprises.")


def can_recommend(user: User) -> tuple[bool, str]:
    if reporting_bank(user) is not None and user.role in BANK_REPORTING_ROLES:
        return True, ""
    return False, _("Only a bank's officers and managers recommend enterprises for the whitelist.")


def can_decide_recommendation(user: User) -> tuple[bool, str]:
    if is_whitelist_staff(user):
        return True, ""
    return False, _("Only the IP bureau's reviewers and promotion officers decide on recommendations.")


def can_view_funnel(user: User) -> tuple[bool, str]:
    if is_report_viewer(user):
        return True, ""
    return False, _("Only the IP bureau and the joint-meeting office see the whitelist reports.")


def can_view_overdue(user: User) -> tuple[bool, str]:
    if is_whitelist_staff(user) or reporting_bank(user) is not None:
        return True, ""
    return False, _("Only the IP bureau's staff and the banks see overdue whitelist feedback.")


def available_recommendation_transitions(recommendation: Recommendation, user: User) -> list[str]:
    if not is_whitelist_staff(user):
        return []
    moves = RECOMMENDATION_TRANSITIONS.get(recommendation.status, {})
    return [to for to, roles in moves.items() if user.role in roles]


# --- Deliveries ---------------------------------------------------------------------------------------

# Bank users who read and acknowledge their bank's deliveries.
BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER, Role.ORG_ADMIN})


def is_bank_user(user: User) -> bool:
    organisation = acting_organisation(user)
    return organisation is not None and organisation.kind == OrgKind.BANK and user.role in BANK_ROLES


def can_acknowledge_delivery(user: User) -> tuple[bool, str]:
    if is_bank_user(user):
        return True, ""
    return False, _("Only the receiving bank's users acknowledge a whitelist delivery.")


def can_set_webhook(user: User) -> tuple[bool, str]:
    organisation = acting_organisation(user)
    if (
        organisation is not None
        and organisation.kind == OrgKind.BANK
        and organisation.parent_id is None
        and user.role == Role.BANK_MANAGER
    ):
        return True, ""
    return False, _("Only a manager of the bank's head office sets up its whitelist webhook.")


def can_resend_notification(user: User) -> tuple[bool, str]:
    if is_whitelist_staff(user):
        return True, ""
    return False, _("Only the IP bureau's reviewers and promotion officers resend a webhook notification.")
