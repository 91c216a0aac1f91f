"""Loan requests to several banks at once, the banks' review (maker-checker above the policy's
threshold), and the acceptance of one offer.

Every status move goes through ``application_transition``: it locks the row, checks
``APPLICATION_TRANSITIONS`` and the party (``permissions.can_transition_application``), applies what
the move means (officer, information asked, offer, approver, decline reason), writes the
``ApplicationEvent`` and an audit row in the same transaction and tells the other side (``notify``
defers the mail to after the commit; its inbox rows roll back with the move). The wrappers below only
pin which move they make. Offer, approver, status and bank fields are written here and nowhere else.

Acceptance locks every application of the request, withdraws the open siblings as the portal
(SYSTEM), creates the loan and starts the pledge registration drafts from it.
"""

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.errors import ApplicationInvalid, ApplicationNotAllowed
from loans.models import (
    APPLICATION_TRANSITIONS,
    BANK_ROLES,
    ENTERPRISE_ROLES,
    OPEN_APPLICATION_STATUSES,
    SYSTEM,
    ApplicationDocument,
    ApplicationEvent,
    ApplicationStatus,
    CaseOrigin,
    DeclineReason,
    Loan,
    LoanApplication,
    LoanEvent,
    LoanRequest,
    LoanSource,
    LoanStatus,
    Product,
)
from loans.permissions import application_roles_on, can_create_loan_request, can_transition_application
from loans.selectors import application_assignable_officers, product_public_list
from loans.services.cases import case_for
from loans.services.references import LOAN_SERIES, REQUEST_SERIES, next_reference
from pledges.calculations import add_months
from pledges.errors import PledgeError
from pledges.models import RegistrationKind
from pledges.selectors import asset_pledge_states, asset_scope
from pledges.services.filing import detect_type, registration_draft_create, safe_file_name
from portal.accounts.models import Membership, Organisation, Role
from portal.accounts.onboarding import verification_refusal
from portal.audit.services import audit_record
from portal.notifications.services import notify
from portal.policy.errors import PolicyYearMissing
from portal.policy.models import Channel, IpKind
from portal.policy.selectors import parameter_set_for_year

User = get_user_model()

S = ApplicationStatus
FEN = Decimal("0.01")
AMOUNT_MAX = Decimal("999999999999.99")  # max_digits=14, decimal_places=2
RATE_MAX = Decimal("99.99")  # max_digits=5, decimal_places=2
TERM_MAX_MONTHS = 600
PRODUCTS_MAX = 10  # one request, at most this many banks
DOCUMENTS_MAX = 10  # per upload
TEXT_MAX = 2000

# What a move may carry besides its reason; anything else is a programming error, never a way to set
# a field (mass assignment).
_DETAIL_KEYS = frozenset(
    {"officer", "note", "documents", "amount", "rate_pct", "term_months", "conditions", "reason_code"}
)


# ---------------------------------------------------------------------------------------------------
# Parsing (the forms type the input; the services check it again for every other caller)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _invalid(field: str, message: str) -> ApplicationInvalid:
    return ApplicationInvalid(message, errors={field: [message]})


def _decimal(value) -> Decimal | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError, TypeError):
        return None
    return number if number.is_finite() else None


def parse_amount(value, *, field: str, errors: dict) -> Decimal | None:
    """Yuan, more than 0, at most two decimals (security.md check 23: no NaN, Infinity or fractions
    of a fen)."""
    amount = _decimal(value)
    if amount is None or amount <= 0 or amount > AMOUNT_MAX:
        _add(errors, field, _("Enter an amount in yuan, more than 0."))
        return None
    if amount != amount.quantize(FEN):
        _add(errors, field, _("An amount has at most two decimals (fen)."))
        return None
    return amount.quantize(FEN, rounding=ROUND_HALF_UP)


def parse_rate(value, *, field: str, errors: dict) -> Decimal | None:
    rate = _decimal(value)
    if rate is None or rate < 0 or rate > RATE_MAX:
        _add(errors, field, _("Enter the annual rate in per cent, from 0 to 99.99."))
        return None
    if rate != rate.quantize(FEN):
        _add(errors, field, _("A rate has at most two decimals."))
        return None
    return rate.quantize(FEN, rounding=ROUND_HALF_UP)


def parse_term(value, *, field: str, errors: dict) -> int | None:
    if isinstance(value, bool):
        term = None
    elif isinstance(value, int):
        term = value
    else:
        text = str(value or "").strip()
        term = int(text) if text.isdigit() else None
    if term is None or term < 1 or term > TERM_MAX_MONTHS:
        _add(
            errors, field, _("Enter the term in whole months, from 1 to %(max)d.") % {"max": TERM_MAX_MONTHS}
        )
        return None
    return term


def _text(value, *, field: str, errors: dict, required: str = "", max_length: int = TEXT_MAX) -> str:
    text = str(value or "").strip()
    if required and not text:
        _add(errors, field, required)
    elif len(text) > max_length:
        _add(errors, field, _("At most %(max)d characters.") % {"max": max_length})
    return text


def _raise(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ApplicationInvalid(_("Some of the input is not valid; see the fields marked."), errors=errors)


def _json(details: dict) -> dict:
    # Decimals, dates and lazy strings are stored as the text a page shows.
    return json.loads(json.dumps(details, cls=DjangoJSONEncoder))


# ---------------------------------------------------------------------------------------------------
# The maker-checker threshold


def second_approval_threshold() -> Decimal | None:
    """The policy's amount above which an approval needs a second person (None: no set in force)."""
    try:
        return parameter_set_for_year(timezone.localdate().year).loan_second_approval_above
    except PolicyYearMissing:
        return None


def needs_second_approval(amount: Decimal) -> bool:
    threshold = second_approval_threshold()
    # No parameter set in force for this year yet (say, early January, before staff release it): four
    # eyes on every approval rather than on none.
    return threshold is None or amount > threshold


# ---------------------------------------------------------------------------------------------------
# Documents (security.md check 24: the content decides the type; the stored name is ours)


@dataclass(frozen=True)
class _CheckedDocument:
    title: str
    upload: object
    content_type: str
    extension: str


def _megabytes(size: int) -> str:
    return str((Decimal(size) / Decimal(1024 * 1024)).quantize(Decimal("0.1")))


def _check_documents(
    documents: Iterable, *, errors: dict, field: str = "documents"
) -> list[_CheckedDocument]:
    """Each item is an uploaded file or a ``(title, uploaded file)`` pair; PDF, JPEG or PNG by their
    first bytes, not empty, within the upload limit."""
    checked: list[_CheckedDocument] = []
    items = [item for item in documents or () if item]
    if len(items) > DOCUMENTS_MAX:
        _add(errors, field, _("Attach at most %(max)d documents at a time.") % {"max": DOCUMENTS_MAX})
        return []
    limit = settings.UPLOAD_MAX_BYTES
    for item in items:
        title, upload = item if isinstance(item, tuple) else ("", item)
        name = safe_file_name(getattr(upload, "name", ""))
        size = getattr(upload, "size", 0) or 0
        if size > limit:
            _add(
                errors,
                field,
                _("%(name)s is %(size)s MB; the limit is %(limit)s MB.")
                % {"name": name, "size": _megabytes(size), "limit": _megabytes(limit)},
            )
            continue
        if size == 0:
            _add(errors, field, _("%(name)s is empty.") % {"name": name})
            continue
        upload.seek(0)
        detected = detect_type(upload.read(16))
        upload.seek(0)
        if detected is None:
            _add(
                errors,
                field,
                _("%(name)s: only PDF, JPEG and PNG files are accepted; its content is none of them.")
                % {"name": name},
            )
            continue
        content_type, extension = detected
        title = (str(title or "").strip() or name)[:200]
        checked.append(_CheckedDocument(title, upload, content_type, extension))
    return checked


def _store_documents(
    loan_request: LoanRequest, application: LoanApplication | None, checked: list[_CheckedDocument], actor
) -> list[ApplicationDocument]:
    saved: list[ApplicationDocument] = []
    try:
        for item in checked:
            document = ApplicationDocument(
                request=loan_request,
                application=application,
                title=item.title,
                original_name=safe_file_name(getattr(item.upload, "name", ""))[:200],
                content_type=item.content_type,
                size=item.upload.size,
                uploaded_by=actor,
            )
            item.upload.seek(0)
            # The stored name is ours: a user-supplied name never reaches the file system.
            document.file.save(f"{uuid.uuid4().hex}{item.extension}", item.upload, save=False)
            saved.append(document)
            document.save()
    except Exception:
        # No row will point at these files: remove them rather than leave orphans nobody can reach.
        for document in saved:
            document.file.delete(save=False)
        raise
    return saved


# ---------------------------------------------------------------------------------------------------
# Who is told


def _members(organisation_ids: Iterable[int], roles: Iterable[str]) -> list:
    return list(
        User.objects.filter(
            is_active=True,
            pk__in=Membership.objects.filter(
                organisation_id__in=list(organisation_ids), role__in=list(roles), is_active=True
            ).values("user_id"),
        ).order_by("pk")
    )


def _enterprise_users(loan_request: LoanRequest) -> list:
    return _members([loan_request.enterprise_id], ENTERPRISE_ROLES)


def _bank_staff(application: LoanApplication) -> list:
    """The bank's officers and managers, and its head office's managers (issue 4)."""
    bank: Organisation = application.bank
    users = _members([bank.pk], BANK_ROLES)
    if bank.parent_id:
        users += _members([bank.parent_id], [Role.BANK_MANAGER])
    return users


def _bank_side(application: LoanApplication) -> list:
    """The officer working the application, or the bank's staff while nobody does."""
    return [application.officer] if application.officer_id else _bank_staff(application)


def _checkers(application: LoanApplication) -> list:
    bank = application.bank
    return [
        user
        for user in _members({bank.pk, bank.parent_id or bank.pk}, [Role.BANK_MANAGER])
        if user.pk != application.proposed_by_id
    ]


def _bank_link(application: LoanApplication) -> str:
    return reverse("loans:application_detail", args=[application.pk])


def _enterprise_link(application: LoanApplication) -> str:
    return reverse("loans:request_detail", args=[application.request_id])


def _notify_move(application: LoanApplication, *, from_status: str, actor, reason: str, maker) -> None:
    """Tell the other side; ``maker`` is who proposed the offer before this move (a send-back clears it)."""
    to = application.status
    sends: list[tuple[list, str, str]] = []  # recipients, link, audience
    if to == S.AWAITING_SECOND_APPROVAL:
        sends.append((_checkers(application), _bank_link(application), "checker"))
    elif to == S.UNDER_REVIEW and from_status in (S.SUBMITTED, S.UNDER_REVIEW):
        sends.append(([application.officer], _bank_link(application), "officer"))
        if from_status == S.SUBMITTED:
            sends.append(
                (_enterprise_users(application.request), _enterprise_link(application), "enterprise")
            )
    elif to == S.UNDER_REVIEW and from_status == S.AWAITING_SECOND_APPROVAL:
        sends.append(([maker] if maker else [], _bank_link(application), "maker"))
    elif to in (S.INFO_REQUESTED, S.APPROVED, S.DECLINED):
        sends.append((_enterprise_users(application.request), _enterprise_link(application), "enterprise"))
        if from_status == S.AWAITING_SECOND_APPROVAL and maker:
            sends.append(([maker], _bank_link(application), "maker"))
    else:  # the enterprise answered, withdrew or accepted; or the portal withdrew it
        sends.append((_bank_side(application), _bank_link(application), "bank"))
    for recipients, link, audience in sends:
        users = [user for user in recipients if user is not None and (actor is None or user.pk != actor.pk)]
        if not users:
            continue
        notify(
            recipients=users,
            kind=f"loans.application.{to}",
            template="loans_application_update",
            context={
                "application": application,
                "from_status": from_status,
                "reason": reason,
                "audience": audience,
                "by_portal": actor is None,
            },
            link=link,
        )


def _notify_submitted(application: LoanApplication) -> None:
    notify(
        recipients=_bank_staff(application),
        kind="loans.application.submitted",
        template="loans_application_submitted",
        context={"application": application, "loan_request": application.request},
        link=_bank_link(application),
    )


# ---------------------------------------------------------------------------------------------------
# The request


def _chosen_products(products: Iterable, *, errors: dict) -> list[Product]:
    ids: list[int] = []
    for item in products or ():
        value = getattr(item, "pk", item)
        text = str(value).strip()
        if not text.isdigit():
            _add(errors, "products", _("Choose products from the catalogue."))
            return []
        if int(text) not in ids:
            ids.append(int(text))
    if not ids:
        _add(errors, "products", _("Choose at least one product."))
        return []
    if len(ids) > PRODUCTS_MAX:
        _add(errors, "products", _("Apply to at most %(max)d products at once.") % {"max": PRODUCTS_MAX})
        return []
    found = {product.pk: product for product in product_public_list().filter(pk__in=ids)}
    missing = [str(pk) for pk in ids if pk not in found]
    if missing:
        _add(
            errors,
            "products",
            _("Product %(ids)s is not open for applications today.") % {"ids": ", ".join(missing)},
        )
    chosen = [found[pk] for pk in ids if pk in found]
    by_group: dict[int, Product] = {}
    for product in chosen:
        head = product.bank.head_office
        first = by_group.setdefault(head.pk, product)
        if first is not product:
            _add(
                errors,
                "products",
                _(
                    "“%(first)s” and “%(second)s” are both products of %(bank)s: a bank (with its "
                    "branches) receives one application per request. Choose one of them."
                )
                % {"first": first.name, "second": product.name, "bank": head.name},
            )
    return chosen


def _chosen_assets(assets: Iterable, *, enterprise: Organisation, actor, errors: dict) -> list:
    ids = list(dict.fromkeys(getattr(item, "pk", item) for item in assets or ()))
    if not ids:
        _add(errors, "assets", _("Offer at least one IP asset of your register as the pledge."))
        return []
    if not all(str(pk).isdigit() for pk in ids):
        _add(errors, "assets", _("Choose assets from your IP register."))
        return []
    ids = [int(pk) for pk in ids]
    found = {asset.pk: asset for asset in asset_scope(user=actor).filter(owner=enterprise, pk__in=ids)}
    if len(found) != len(ids):
        _add(errors, "assets", _("Choose assets from your own IP register."))
    return [found[pk] for pk in ids if pk in found]


def _check_products_fit(
    products: list[Product], *, assets: list, amount: Decimal | None, term: int | None, errors: dict
) -> None:
    kinds = {asset.kind for asset in assets}
    for product in products:
        values = {"product": product.name, "bank": product.bank.name}
        if kinds and not kinds & set(product.ip_kinds):
            _add(
                errors,
                "products",
                _("“%(product)s” (%(bank)s) does not take the IP you offer; it accepts %(kinds)s.")
                % {**values, "kinds": ", ".join(product.ip_kind_labels)},
            )
        if amount is not None and not product.amount_min <= amount <= product.amount_max:
            _add(
                errors,
                "amount",
                _("“%(product)s” (%(bank)s) lends from %(min)s to %(max)s yuan.")
                % {**values, "min": f"{product.amount_min:,.2f}", "max": f"{product.amount_max:,.2f}"},
            )
        if term is not None and not product.term_min_months <= term <= product.term_max_months:
            _add(
                errors,
                "term_months",
                _("“%(product)s” (%(bank)s) lends for %(min)d to %(max)d months.")
                % {**values, "min": product.term_min_months, "max": product.term_max_months},
            )


@transaction.atomic
def loan_request_create(
    *,
    enterprise: Organisation,
    amount,
    term_months,
    purpose: str,
    assets: Iterable,
    products: Iterable,
    documents: Iterable = (),
    actor,
) -> LoanRequest:
    """One request sent to 1..N products at once: one application per product (at most one per bank
    group), each SUBMITTED to the product's bank, whose officers and managers are told.

    Raises ApplicationNotAllowed (403) unless the actor is a user of ``enterprise``; ApplicationInvalid
    (400, field errors) on bad input, with nothing saved.
    """
    allowed, message = can_create_loan_request(actor)
    if not allowed or actor.organisation.pk != enterprise.pk:
        raise ApplicationNotAllowed(
            message or _("You may apply only for your own enterprise."), forbidden=True
        )
    # Issue 11: an enterprise that registered itself applies only once the promotion centre verified it.
    refusal = verification_refusal(enterprise)
    if refusal:
        raise ApplicationNotAllowed(refusal)
    errors: dict[str, list[str]] = {}
    amount = parse_amount(amount, field="amount", errors=errors)
    term = parse_term(term_months, field="term_months", errors=errors)
    purpose = _text(purpose, field="purpose", errors=errors, required=_("Say what the loan is for."))
    chosen_products = _chosen_products(products, errors=errors)
    chosen_assets = _chosen_assets(assets, enterprise=enterprise, actor=actor, errors=errors)
    _check_products_fit(chosen_products, assets=chosen_assets, amount=amount, term=term, errors=errors)
    checked = _check_documents(documents, errors=errors)
    _raise(errors)

    loan_request = LoanRequest.objects.create(
        case=case_for(enterprise_id=enterprise.pk, origin=CaseOrigin.REQUEST, actor=actor),
        reference=next_reference(series=REQUEST_SERIES, year=timezone.localdate().year),
        enterprise=enterprise,
        amount=amount,
        term_months=term,
        purpose=purpose,
        created_by=actor,
    )
    loan_request.assets.set(chosen_assets)
    applications = []
    for product in chosen_products:
        application = LoanApplication.objects.create(
            request=loan_request, product=product, bank=product.bank, status=S.SUBMITTED
        )
        ApplicationEvent.objects.create(
            application=application,
            actor=actor,
            from_status="",
            to_status=S.SUBMITTED,
            action="submitted",
            details={"product": product.pk, "product_name": product.name},
        )
        applications.append(application)
    _store_documents(loan_request, None, checked, actor)
    audit_record(
        action="loans.request.create",
        actor=actor,
        object_type="loans.request",
        object_id=loan_request.pk,
        details={
            "reference": loan_request.reference,
            "amount": str(amount),
            "term_months": term,
            "applications": [
                {"id": application.pk, "bank": application.bank_id, "product": application.product_id}
                for application in applications
            ],
        },
    )
    for application in applications:
        _notify_submitted(application)
    return loan_request


# ---------------------------------------------------------------------------------------------------
# Moves


def _status_label(value: str) -> str:
    return str(S(value).label) if value in S.values else str(value)


def _lock(application: LoanApplication) -> LoanApplication:
    return (
        LoanApplication.objects.select_for_update(of=("self",))
        .select_related(
            "request", "request__enterprise", "bank", "bank__parent", "product", "officer", "proposed_by"
        )
        .get(pk=application.pk)
    )


def _refuse(application: LoanApplication, to: str, actor) -> None:
    allowed_roles = APPLICATION_TRANSITIONS.get(application.status, {})
    if actor is None:
        if SYSTEM not in allowed_roles.get(to, frozenset()):
            raise ApplicationNotAllowed(
                _("The portal cannot move an application that is %(status)s to %(to)s by itself.")
                % {"status": _status_label(application.status), "to": _status_label(to)}
            )
        return
    allowed, message = can_transition_application(actor, application, to)
    if not allowed:
        raise ApplicationNotAllowed(message, forbidden=to in allowed_roles)


def _officer(application: LoanApplication, officer, actor, *, errors: dict):
    officer = officer or actor
    if officer is None or not application_assignable_officers(application).filter(pk=officer.pk).exists():
        _add(
            errors,
            "officer",
            _("Assign an officer or manager of %(bank)s (or of its head office).")
            % {"bank": application.bank.name},
        )
        return None
    if application.officer_id == officer.pk:
        _add(errors, "officer", _("The application is already with %(name)s.") % {"name": officer})
        return None
    return officer


def _apply(
    application: LoanApplication, *, from_status: str, to: str, actor, reason: str, details: dict
) -> dict:
    """Write what reaching ``to`` means onto the locked row; returns the facts for the event. Raises
    ApplicationInvalid (nothing written) when the move's input is missing or bad."""
    errors: dict[str, list[str]] = {}
    now = timezone.now()
    facts: dict = {}
    if to == S.UNDER_REVIEW and from_status in (S.SUBMITTED, S.UNDER_REVIEW):
        officer = _officer(application, details.get("officer"), actor, errors=errors)
        _raise(errors)
        facts = {
            "officer": officer.pk,
            "officer_name": str(officer),
            "previous_officer": application.officer_id,
            "previous_officer_name": str(application.officer) if application.officer_id else "",
        }
        application.officer = officer
    elif to == S.INFO_REQUESTED:
        note = _text(
            details.get("note"), field="note", errors=errors, required=_("Say what the bank needs to know.")
        )
        _raise(errors)
        application.info_requested = note
        facts = {"note": note}
    elif to == S.UNDER_REVIEW and from_status == S.INFO_REQUESTED:
        documents = list(details.get("documents") or [])
        note = _text(
            details.get("note"),
            field="note",
            errors=errors,
            required=""
            if documents
            else _("Answer the bank's question, or attach the documents it asked for."),
        )
        _raise(errors)
        facts = {"note": note, "documents": documents, "question": application.info_requested}
    elif to in (S.APPROVED, S.AWAITING_SECOND_APPROVAL) and from_status == S.UNDER_REVIEW:
        amount = parse_amount(details.get("amount"), field="amount", errors=errors)
        rate = parse_rate(details.get("rate_pct"), field="rate_pct", errors=errors)
        term = parse_term(details.get("term_months"), field="term_months", errors=errors)
        conditions = _text(details.get("conditions"), field="conditions", errors=errors)
        if amount is not None:
            threshold = second_approval_threshold()
            needs = needs_second_approval(amount)
            if needs and to == S.APPROVED:
                _add(
                    errors,
                    "amount",
                    _("An approval above %(threshold)s yuan needs a second person at the bank.")
                    % {"threshold": f"{threshold:,.2f}" if threshold is not None else "0.00"},
                )
            elif not needs and to == S.AWAITING_SECOND_APPROVAL:
                _add(errors, "amount", _("At or below the threshold, one approval suffices."))
            facts["threshold"] = threshold
        _raise(errors)
        application.offer_amount = amount
        application.offer_rate_pct = rate
        application.offer_term_months = term
        application.offer_conditions = conditions
        application.proposed_by = actor
        application.approved_by = actor if to == S.APPROVED else None
        application.decided_at = now if to == S.APPROVED else None
        facts.update(amount=amount, rate_pct=rate, term_months=term, conditions=conditions)
    elif to == S.APPROVED and from_status == S.AWAITING_SECOND_APPROVAL:
        application.approved_by = actor
        application.decided_at = now
        facts = {
            "proposed_by": application.proposed_by_id,
            "approved_by": actor.pk,
            "amount": application.offer_amount,
        }
    elif to == S.UNDER_REVIEW and from_status == S.AWAITING_SECOND_APPROVAL:
        if not reason:
            _add(errors, "reason", _("Say why the proposal goes back, so the maker can rework it."))
        _raise(errors)
        facts = {
            "proposed_by": application.proposed_by_id,
            "proposed_amount": application.offer_amount,
            "proposed_rate_pct": application.offer_rate_pct,
            "proposed_term_months": application.offer_term_months,
        }
        application.offer_amount = None
        application.offer_rate_pct = None
        application.offer_term_months = None
        application.offer_conditions = ""
        application.proposed_by = None
    elif to == S.DECLINED:
        code = str(details.get("reason_code") or "")
        if code not in DeclineReason.values:
            _add(errors, "reason_code", _("Choose the reason for declining."))
        note = _text(
            details.get("note"),
            field="note",
            errors=errors,
            required=_("Explain the reason.") if code == DeclineReason.OTHER else "",
        )
        _raise(errors)
        application.decline_reason = code
        application.decline_note = note
        application.decided_at = now
        facts = {"reason_code": code, "note": note}
    return facts


def _move(application: LoanApplication, *, to: str, actor, reason: str, details: dict) -> ApplicationEvent:
    """Apply one move to a row the caller has locked."""
    unknown = set(details) - _DETAIL_KEYS
    if unknown:
        raise TypeError(f"Unknown application move details: {sorted(unknown)}")
    _refuse(application, to, actor)
    errors: dict[str, list[str]] = {}
    reason = _text(reason, field="reason", errors=errors)
    _raise(errors)
    from_status = application.status
    maker = application.proposed_by
    facts = _apply(application, from_status=from_status, to=to, actor=actor, reason=reason, details=details)
    application.status = to
    application.save()
    event = ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        from_status=from_status,
        to_status=to,
        action="transition",
        reason=reason,
        details=_json(facts),
    )
    audit_record(
        action="loans.application.transition",
        actor=actor,
        object_type="loans.application",
        object_id=application.pk,
        details=_json({"from": from_status, "to": to, "by_portal": actor is None, **facts}),
    )
    _notify_move(application, from_status=from_status, actor=actor, reason=reason, maker=maker)
    return event


def _transition(
    *, application: LoanApplication, to: str, actor, reason: str = "", details: dict, from_statuses=None
) -> LoanApplication:
    with transaction.atomic():
        locked = _lock(application)
        if from_statuses is not None and locked.status not in from_statuses:
            raise ApplicationNotAllowed(
                _("This step is not open for an application that is %(status)s.")
                % {"status": _status_label(locked.status)},
                forbidden=actor is not None and not application_roles_on(actor, locked),
            )
        _move(locked, to=to, actor=actor, reason=reason, details=details)
    return locked


def application_transition(
    *, application: LoanApplication, to: str, actor, reason: str = "", **details
) -> LoanApplication:
    """Move ``application`` to ``to`` if APPLICATION_TRANSITIONS lists the move and ``actor`` is the
    right party; ``actor=None`` is the portal itself (only the moves listed for SYSTEM).

    Details a move needs: assignment (-> under review from submitted or under review) ``officer``
    (default: the actor); information request ``note``; the enterprise's answer ``note`` and/or
    ``documents`` (names); approval ``amount``, ``rate_pct``, ``term_months``, ``conditions``
    (to APPROVED at or below the policy threshold, to AWAITING_SECOND_APPROVAL above it); send-back a
    ``reason``; decline ``reason_code`` (DeclineReason) and ``note``. Acceptance runs
    ``application_accept`` (siblings withdrawn, loan created).

    Raises ApplicationNotAllowed (409 for a move the table does not list, 403 for the wrong party or
    the maker acting as checker) or ApplicationInvalid (400). Returns the updated application.
    """
    if to == S.ACCEPTED:
        if details:
            raise TypeError("An acceptance takes no details")
        loan, _registrations, _notes = application_accept(application=application, actor=actor)
        return loan.application
    return _transition(application=application, to=to, actor=actor, reason=reason, details=details)


def application_assign(*, application: LoanApplication, officer, actor, reason: str = "") -> LoanApplication:
    """Give the application to ``officer`` (a bank officer or manager whose scope holds its bank):
    starts the review of a submitted application, or hands one under review to a colleague."""
    return _transition(
        application=application,
        to=S.UNDER_REVIEW,
        actor=actor,
        reason=reason,
        details={"officer": officer},
        from_statuses={S.SUBMITTED, S.UNDER_REVIEW},
    )


def application_request_info(*, application: LoanApplication, note: str, actor) -> LoanApplication:
    return _transition(
        application=application,
        to=S.INFO_REQUESTED,
        actor=actor,
        details={"note": note},
        from_statuses={S.UNDER_REVIEW},
    )


def application_respond(
    *, application: LoanApplication, note: str, documents: Iterable = (), actor
) -> LoanApplication:
    """The enterprise answers an information request (a note, documents for this bank only, or both)."""
    documents = [item for item in documents or () if item]
    with transaction.atomic():
        locked = _transition(
            application=application,
            to=S.UNDER_REVIEW,
            actor=actor,
            details={"note": note, "documents": [_document_name(item) for item in documents]},
            from_statuses={S.INFO_REQUESTED},
        )
        errors: dict[str, list[str]] = {}
        checked = _check_documents(documents, errors=errors)
        _raise(errors)  # rolls the answer back with the refused files
        _store_documents(locked.request, locked, checked, actor)
    return locked


def _document_name(item) -> str:
    title, upload = item if isinstance(item, tuple) else ("", item)
    return str(title or "").strip() or safe_file_name(getattr(upload, "name", ""))


def application_approve(
    *, application: LoanApplication, amount, rate_pct, term_months, conditions: str = "", actor
) -> LoanApplication:
    """The bank's offer. At or below the policy threshold it is approved at once (the actor is maker and
    approver); above it, it waits for a second person (AWAITING_SECOND_APPROVAL, proposed_by=actor)."""
    parsed = parse_amount(amount, field="amount", errors={})
    to = S.AWAITING_SECOND_APPROVAL if parsed is not None and needs_second_approval(parsed) else S.APPROVED
    return _transition(
        application=application,
        to=to,
        actor=actor,
        details={
            "amount": amount,
            "rate_pct": rate_pct,
            "term_months": term_months,
            "conditions": conditions,
        },
        from_statuses={S.UNDER_REVIEW},
    )


def application_second_approve(*, application: LoanApplication, actor) -> LoanApplication:
    """The checker approves the maker's proposal: a bank manager in scope who is not the maker."""
    return _transition(
        application=application,
        to=S.APPROVED,
        actor=actor,
        details={},
        from_statuses={S.AWAITING_SECOND_APPROVAL},
    )


def application_send_back(*, application: LoanApplication, reason: str, actor) -> LoanApplication:
    """The checker returns the proposal to review; the proposed offer is cleared (the event keeps it)."""
    return _transition(
        application=application,
        to=S.UNDER_REVIEW,
        actor=actor,
        reason=reason,
        details={},
        from_statuses={S.AWAITING_SECOND_APPROVAL},
    )


def application_decline(
    *, application: LoanApplication, reason_code: str, note: str = "", actor
) -> LoanApplication:
    return _transition(
        application=application,
        to=S.DECLINED,
        actor=actor,
        reason=note,
        details={"reason_code": reason_code, "note": note},
    )


def application_withdraw(*, application: LoanApplication, reason: str = "", actor) -> LoanApplication:
    """The enterprise withdraws one application (the others of the request go on)."""
    if actor is None:
        raise ApplicationNotAllowed(_("Only the enterprise that applied may withdraw its application."))
    return _transition(application=application, to=S.WITHDRAWN, actor=actor, reason=reason, details={})


# ---------------------------------------------------------------------------------------------------
# Acceptance: the loan and its pledge registrations


def _start_registrations(
    *, loan: Loan, application: LoanApplication, actor, today: date
) -> tuple[list, list[str]]:
    """One pledge registration draft per IP kind among the request's assets, linked to the loan. A
    draft the filing refuses is reported, never silently dropped: the acceptance stands."""
    assets = list(application.request.assets.order_by("kind", "number", "pk"))
    states = asset_pledge_states(asset_ids=[asset.pk for asset in assets])
    by_kind: dict[str, list] = {}
    for asset in assets:
        by_kind.setdefault(asset.kind, []).append(asset)
    registrations: list = []
    notes: list[str] = []
    for kind, kind_assets in by_kind.items():
        label = str(IpKind(kind).label) if kind in IpKind.values else kind
        pledged = [asset for asset in kind_assets if states[asset.pk]["pledged"]]
        if pledged:
            notes.append(
                _(
                    "%(kind)s: no pledge registration was started because %(assets)s is already pledged. "
                    "Start the pledge registration from the IP register once it is free."
                )
                % {"kind": label, "assets": ", ".join(asset.number for asset in pledged)}
            )
            continue
        try:
            with transaction.atomic():  # a refused draft leaves nothing behind, the loan stays
                registration = registration_draft_create(
                    pledgor=application.request.enterprise,
                    pledgee=application.bank,
                    kind=RegistrationKind.PLEDGE,
                    ip_kind=kind,
                    channel=Channel.ONLINE,
                    assets=kind_assets,
                    debt_amount=application.offer_amount,
                    debt_start=today,
                    debt_end=add_months(today, application.offer_term_months),
                    actor=actor,
                )
        except PledgeError as error:
            problems = [message for messages in getattr(error, "errors", {}).values() for message in messages]
            notes.append(
                _(
                    "%(kind)s: the pledge registration could not be started (%(reason)s). Start the pledge "
                    "registration from the IP register."
                )
                % {"kind": label, "reason": " ".join(problems) or error.message}
            )
            continue
        loan.registrations.add(registration)
        registrations.append(registration)
    return registrations, notes


def application_accept(*, application: LoanApplication, actor) -> tuple[Loan, list, list[str]]:
    """The enterprise accepts an approved offer: every other open application of the request is
    withdrawn by the portal (and its bank told), the loan is created (awaiting the contract) and the
    pledge registration drafts are started from it.

    Returns ``(loan, registrations, notes)``; ``notes`` says, per IP kind, why a draft could not be
    started (the page asks the enterprise to start it from the IP register). Raises
    ApplicationNotAllowed when the offer is not open for acceptance (a second acceptance included).
    """
    today = timezone.localdate()
    try:
        with transaction.atomic():
            # Every application of the request, locked in id order: two acceptances of the same request
            # (two tabs, two banks' offers) queue here, and the second finds its offer withdrawn.
            siblings = list(
                LoanApplication.objects.select_for_update()
                .filter(request_id=application.request_id)
                .order_by("pk")
                .values_list("pk", "status")
            )
            if any(status == S.ACCEPTED for pk, status in siblings if pk != application.pk):
                raise ApplicationNotAllowed(_("Another bank's offer was already accepted for this request."))
            target = _lock(application)
            event = _move(target, to=S.ACCEPTED, actor=actor, reason="", details={})
            for pk, status in siblings:
                if pk != target.pk and status in OPEN_APPLICATION_STATUSES:
                    other = _lock(LoanApplication(pk=pk))
                    _move(
                        other,
                        to=S.WITHDRAWN,
                        actor=None,
                        reason=_("The enterprise accepted another bank's offer"),
                        details={},
                    )
            loan = Loan.objects.create(
                case_id=target.request.case_id,
                reference=next_reference(series=LOAN_SERIES, year=today.year),
                bank=target.bank,
                bank_loan_ref="",
                enterprise=target.request.enterprise,
                application=target,
                source=LoanSource.PORTAL,
                principal=target.offer_amount,
                annual_rate_pct=target.offer_rate_pct,
                term_months=target.offer_term_months,
                ip_share=Decimal("1.0000"),
                status=LoanStatus.AWAITING_CONTRACT,
                created_by=actor,
            )
            LoanEvent.objects.create(
                loan=loan,
                actor=actor,
                from_status="",
                to_status=LoanStatus.AWAITING_CONTRACT,
                reason=_("Offer accepted in the portal (request %(reference)s).")
                % {"reference": target.request.reference},
            )
            audit_record(
                action="loans.loan.create",
                actor=actor,
                object_type="loans.loan",
                object_id=loan.pk,
                details={
                    "reference": loan.reference,
                    "application": target.pk,
                    "principal": str(loan.principal),
                    "annual_rate_pct": str(loan.annual_rate_pct),
                    "term_months": loan.term_months,
                },
            )
            registrations, notes = _start_registrations(
                loan=loan, application=target, actor=actor, today=today
            )
            # The page reads them from here later: a draft that could not be started is never lost.
            event.details = {
                **event.details,
                "loan": loan.reference,
                "registrations": [registration.reference for registration in registrations],
                "registration_notes": notes,
            }
            event.save(update_fields=["details"])
    except IntegrityError as error:
        # The partial unique index (one accepted application per request) caught a race the locks
        # did not (a database without row locks).
        raise ApplicationNotAllowed(
            _("Another bank's offer was already accepted for this request.")
        ) from error
    return loan, registrations, notes
