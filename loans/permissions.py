"""Who may do what to a loan product: ``can_<verb>_product(user, ...) -> (allowed, reason)``."""

from django.utils.translation import gettext as _

from loans.models import PRODUCT_EDITOR_ROLES, PRODUCT_TRANSITIONS, Product, ProductStatus
from portal.accounts.models import Organisation, OrgKind, User
from portal.accounts.selectors import bank_scope_ids


def is_bank_member(user: User) -> bool:
    organisation = user.organisation if user.is_authenticated else None
    return organisation is not None and organisation.kind == OrgKind.BANK


def in_bank_group(user: User, bank: Organisation) -> bool:
    """A head office and its branches are one bank group: staff anywhere in it work its products."""
    return is_bank_member(user) and bank.pk in bank_scope_ids(user.organisation)


def can_create_product(user: User) -> tuple[bool, str]:
    if is_bank_member(user) and user.role in PRODUCT_EDITOR_ROLES:
        return True, ""
    return False, _("Only a bank's officers and managers may draft loan products.")


def can_edit_product(user: User, product: Product) -> tuple[bool, str]:
    if not (in_bank_group(user, product.bank) and user.role in PRODUCT_EDITOR_ROLES):
        return False, _("Only the bank's own officers and managers may edit its products.")
    if product.status != ProductStatus.DRAFT:
        return False, _("Only a draft can be edited; move the product back to draft first.")
    return True, ""


def can_transition_product(user: User, product: Product, to: str) -> tuple[bool, str]:
    allowed = PRODUCT_TRANSITIONS.get(product.status, {})
    if to not in allowed:
        return False, _("A product that is %(status)s cannot move to %(to)s.") % {
            "status": product.get_status_display(),
            "to": ProductStatus(to).label if to in ProductStatus.values else to,
        }
    if not in_bank_group(user, product.bank) or user.role not in allowed[to]:
        return False, _("Your role at this bank does not allow this step.")
    return True, ""


def available_product_transitions(product: Product, user: User) -> list[str]:
    """The moves to draw as buttons for this user."""
    return [
        to
        for to in PRODUCT_TRANSITIONS.get(product.status, {})
        if can_transition_product(user, product, to)[0]
    ]


# --- Loans ------------------------------------------------------------------------------------------


def can_view_loan_list(user: User) -> tuple[bool, str]:
    """Whom the loan list is for (loan_scope decides which loans): banks, borrowers and the oversight
    roles; anyone else (a commissioner, a guarantor's officer) has no loan list."""
    from loans.selectors import LOAN_OVERSIGHT_ROLES  # selectors import this module

    organisation = user.organisation if user.is_authenticated else None
    if organisation is not None and (
        organisation.kind in (OrgKind.BANK, OrgKind.ENTERPRISE)
        or user.role in LOAN_OVERSIGHT_ROLES.get(organisation.kind, ())
    ):
        return True, ""
    return False, _("Your role has no loans to follow.")


def can_record_loan(user: User, bank: Organisation) -> tuple[bool, str]:
    """Loan contracts and facts are reported by the lending bank's officers and managers (a head office
    also for its branches' loans)."""
    from loans.models import LENDER_ROLES
    from loans.selectors import review_bank_ids  # selectors import this module

    if user.is_authenticated and user.role in LENDER_ROLES and bank.pk in review_bank_ids(user.organisation):
        return True, ""
    return False, _("Only the lending bank's officers and managers may report this loan's facts.")


# --- Coaching ---------------------------------------------------------------------------------------
# Imported here rather than at the top so this section stays one block that other features leave alone.
from loans.models import (  # noqa: E402
    COACH_ROLES,
    COACHING_TRANSITIONS,
    ENTERPRISE_ROLES,
    PROMOTION_ROLES,
    CoachingRequest,
    CoachingStatus,
)
from portal.accounts.models import Role  # noqa: E402

# Where each coach role is held: a service commissioner of the registration office, or an officer of an
# IP agency (an officer of a bank's guarantor is not a coach).
COACH_KIND_BY_ROLE = {
    Role.COMMISSIONER: OrgKind.REGISTRATION_OFFICE,
    Role.INSTITUTION_OFFICER: OrgKind.IP_AGENCY,
}


def coaching_is_enterprise_user(user: User) -> bool:
    organisation = user.organisation if user.is_authenticated else None
    return (
        organisation is not None and organisation.kind == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES
    )


def coaching_is_promotion_officer(user: User) -> bool:
    organisation = user.organisation if user.is_authenticated else None
    return (
        organisation is not None and organisation.kind == OrgKind.IP_BUREAU and user.role in PROMOTION_ROLES
    )


def coaching_is_coach(user: User) -> bool:
    organisation = user.organisation if user.is_authenticated else None
    return organisation is not None and COACH_KIND_BY_ROLE.get(user.role) == organisation.kind


def coaching_roles_on(user: User, request: CoachingRequest) -> set[str]:
    """The roles this user holds *on this request*: an enterprise role counts only for its own
    enterprise, a coach role only for the coach assigned now."""
    roles: set[str] = set()
    if coaching_is_enterprise_user(user) and user.organisation.pk == request.enterprise_id:
        roles.add(user.role)
    if coaching_is_promotion_officer(user):
        roles.add(user.role)
    if coaching_is_coach(user) and request.coach_id == user.pk:
        roles.add(user.role)
    return roles


def can_request_coaching(user: User) -> tuple[bool, str]:
    if coaching_is_enterprise_user(user):
        return True, ""
    return False, _("Only an enterprise's users may ask for coaching.")


def can_transition_coaching(user: User, request: CoachingRequest, to: str) -> tuple[bool, str]:
    allowed = COACHING_TRANSITIONS.get(request.status, {})
    if to not in allowed:
        return False, _("A coaching request that is %(status)s cannot move to %(to)s.") % {
            "status": request.get_status_display(),
            "to": CoachingStatus(to).label if to in CoachingStatus.values else to,
        }
    if not coaching_roles_on(user, request) & allowed[to]:
        return False, _("Your role on this coaching request does not allow this step.")
    return True, ""


def available_coaching_transitions(request: CoachingRequest, user: User) -> list[str]:
    """The moves to draw as forms for this user."""
    return [
        to
        for to in COACHING_TRANSITIONS.get(request.status, {})
        if can_transition_coaching(user, request, to)[0]
    ]


def can_record_coaching_session(user: User, request: CoachingRequest) -> tuple[bool, str]:
    roles = coaching_roles_on(user, request)
    if not roles & (COACH_ROLES | PROMOTION_ROLES):
        return False, _("Only the assigned coach or the promotion centre may record a session.")
    if request.status != CoachingStatus.ASSIGNED:
        return False, _("Sessions are recorded only while a coach is assigned.")
    return True, ""


def can_view_coaching_queue(user: User) -> tuple[bool, str]:
    if coaching_is_promotion_officer(user):
        return True, ""
    return False, _("Only the promotion centre works the coaching queue.")


def can_view_coaching_cases(user: User) -> tuple[bool, str]:
    if coaching_is_coach(user):
        return True, ""
    return False, _("Only service commissioners and IP agency officers coach enterprises.")


# --- Applications -----------------------------------------------------------------------------------
# Imported as modules: the names other sections import at module level would clash (F811).
from loans import models as loan_models  # noqa: E402

# Review steps of an application, by the name the pages and forms use.
APPLICATION_ACTIONS = (
    "assign",
    "request_info",
    "respond",
    "approve",
    "second_approve",
    "send_back",
    "decline",
    "withdraw",
    "accept",
)


def _acting_organisation(user: User) -> Organisation | None:
    return user.organisation if user.is_authenticated else None


def is_application_applicant(user: User, loan_request) -> bool:
    """An enterprise user or administrator of the enterprise that made the request."""
    organisation = _acting_organisation(user)
    return (
        organisation is not None
        and organisation.kind == OrgKind.ENTERPRISE
        and user.role in loan_models.ENTERPRISE_ROLES
        and organisation.pk == loan_request.enterprise_id
    )


def is_application_reviewer(user: User, application) -> bool:
    """A bank officer or manager whose review scope holds the application's bank (a branch its own, a
    head office its whole group)."""
    from loans.selectors import review_bank_ids  # selectors import this module

    organisation = _acting_organisation(user)
    return (
        organisation is not None
        and user.role in loan_models.BANK_ROLES
        and application.bank_id in review_bank_ids(organisation)
    )


def is_application_watcher(user: User) -> bool:
    """The promotion centre follows every application, read-only."""
    organisation = _acting_organisation(user)
    return (
        organisation is not None
        and organisation.kind == OrgKind.IP_BUREAU
        and user.role in loan_models.PROMOTION_ROLES
    )


def application_roles_on(user: User, application) -> set[str]:
    """The roles this user holds *on this application*: an enterprise role only for the requesting
    enterprise, a bank role only inside the bank's review scope."""
    roles: set[str] = set()
    if is_application_applicant(user, application.request) or is_application_reviewer(user, application):
        roles.add(user.role)
    return roles


def _status_label(value: str) -> str:
    statuses = loan_models.ApplicationStatus
    return str(statuses(value).label) if value in statuses.values else str(value)


def can_transition_application(user: User, application, to: str) -> tuple[bool, str]:
    """The table (APPLICATION_TRANSITIONS) and the party: the enterprise owns the request, the bank
    user is in the application's review scope; a proposal awaiting its second approval is decided by a
    bank manager who is not the maker."""
    statuses = loan_models.ApplicationStatus
    allowed = loan_models.APPLICATION_TRANSITIONS.get(application.status, {})
    if to not in allowed:
        return False, _("An application that is %(status)s cannot move to %(to)s.") % {
            "status": _status_label(application.status),
            "to": _status_label(to),
        }
    if not application_roles_on(user, application) & allowed[to]:
        return False, _("Your role on this application does not allow this step.")
    if application.status == statuses.AWAITING_SECOND_APPROVAL and to != statuses.WITHDRAWN:
        if application.proposed_by_id == user.pk:
            if to == statuses.APPROVED:
                return False, _(
                    "The person who proposed cannot approve their own offer: a second person at the "
                    "bank decides on it."
                )
            return False, _(
                "The person who proposed cannot decide on their own offer: a second person at the bank does."
            )
        if user.role != Role.BANK_MANAGER:
            return False, _("Only a bank manager may decide on an offer awaiting a second approval.")
    return True, ""


def _can_move(user: User, application, to: str, *, from_statuses) -> tuple[bool, str]:
    if application.status not in from_statuses:
        return False, _("This step is not open for an application that is %(status)s.") % {
            "status": _status_label(application.status)
        }
    return can_transition_application(user, application, to)


def can_view_application(user: User, application) -> tuple[bool, str]:
    if (
        is_application_applicant(user, application.request)
        or is_application_reviewer(user, application)
        or is_application_watcher(user)
    ):
        return True, ""
    return False, _("Only the enterprise, the bank reviewing it and the promotion centre see an application.")


def can_assign_application(user: User, application) -> tuple[bool, str]:
    statuses = loan_models.ApplicationStatus
    return _can_move(
        user,
        application,
        statuses.UNDER_REVIEW,
        from_statuses={statuses.SUBMITTED, statuses.UNDER_REVIEW},
    )


def can_request_info_application(user: User, application) -> tuple[bool, str]:
    statuses = loan_models.ApplicationStatus
    return _can_move(user, application, statuses.INFO_REQUESTED, from_statuses={statuses.UNDER_REVIEW})


def can_respond_application(user: User, application) -> tuple[bool, str]:
    statuses = loan_models.ApplicationStatus
    return _can_move(user, application, statuses.UNDER_REVIEW, from_statuses={statuses.INFO_REQUESTED})


def can_approve_application(user: User, application) -> tuple[bool, str]:
    """The first approval (the maker's); above the threshold it becomes a proposal for a checker."""
    statuses = loan_models.ApplicationStatus
    return _can_move(user, application, statuses.APPROVED, from_statuses={statuses.UNDER_REVIEW})


def can_second_approve_application(user: User, application) -> tuple[bool, str]:
    statuses = loan_models.ApplicationStatus
    return _can_move(user, application, statuses.APPROVED, from_statuses={statuses.AWAITING_SECOND_APPROVAL})


def can_send_back_application(user: User, application) -> tuple[bool, str]:
    statuses = loan_models.ApplicationStatus
    return _can_move(
        user, application, statuses.UNDER_REVIEW, from_statuses={statuses.AWAITING_SECOND_APPROVAL}
    )


def can_decline_application(user: User, application) -> tuple[bool, str]:
    return can_transition_application(user, application, loan_models.ApplicationStatus.DECLINED)


def can_withdraw_application(user: User, application) -> tuple[bool, str]:
    if not is_application_applicant(user, application.request):
        return False, _("Only the enterprise that applied may withdraw its application.")
    return can_transition_application(user, application, loan_models.ApplicationStatus.WITHDRAWN)


def can_accept_application(user: User, application) -> tuple[bool, str]:
    return can_transition_application(user, application, loan_models.ApplicationStatus.ACCEPTED)


_ACTION_CHECKS = {
    "assign": can_assign_application,
    "request_info": can_request_info_application,
    "respond": can_respond_application,
    "approve": can_approve_application,
    "second_approve": can_second_approve_application,
    "send_back": can_send_back_application,
    "decline": can_decline_application,
    "withdraw": can_withdraw_application,
    "accept": can_accept_application,
}


def can_act_on_application(user: User, application, action: str) -> tuple[bool, str]:
    check = _ACTION_CHECKS.get(action)
    if check is None:
        return False, _("Choose a step shown on the page.")
    return check(user, application)


def available_application_actions(application, user: User) -> list[str]:
    """The review steps to draw as forms for this user, in APPLICATION_ACTIONS order."""
    return [action for action in APPLICATION_ACTIONS if _ACTION_CHECKS[action](user, application)[0]]


def can_create_loan_request(user: User) -> tuple[bool, str]:
    organisation = _acting_organisation(user)
    if (
        organisation is not None
        and organisation.kind == OrgKind.ENTERPRISE
        and user.role in loan_models.ENTERPRISE_ROLES
    ):
        return True, ""
    return False, _("Only an enterprise's users may apply for a loan.")


def can_view_application_queue(user: User) -> tuple[bool, str]:
    organisation = _acting_organisation(user)
    if (
        organisation is not None and organisation.kind == OrgKind.BANK and user.role in loan_models.BANK_ROLES
    ) or is_application_watcher(user):
        return True, ""
    return False, _("Only bank officers and managers work the review queue.")


def can_view_loan_requests(user: User) -> tuple[bool, str]:
    if can_create_loan_request(user)[0] or is_application_watcher(user):
        return True, ""
    return False, _("Only an enterprise's users see their loan requests.")


def can_download_application_document(user: User, application) -> tuple[bool, str]:
    """Documents carry financial statements and identity proofs: for the enterprise and the reviewing
    bank only, not for those who merely follow the application."""
    if is_application_applicant(user, application.request) or is_application_reviewer(user, application):
        return True, ""
    return False, _("Only the enterprise and the bank reviewing the application may open its documents.")


def can_import_loan_facts(user: User) -> tuple[bool, str]:
    """Batch uploads of loan facts are a bank's officers' and managers' work, for their own bank."""
    from loans.models import LENDER_ROLES

    if is_bank_member(user) and user.role in LENDER_ROLES:
        return True, ""
    return False, _("Only a bank's officers and managers may upload loan facts.")
