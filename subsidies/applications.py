"""The enterprise's side of a subsidy application, and the bank's confirmation of entered loan figures.

An application is opened in an open batch and bound to the batch's current parameter version. Loans come
from the portal's loan facts (bank-reported: nothing to confirm) or are entered with evidence, which the
lending bank then confirms or disputes. Fees are entered with their invoices. Each loan and each invoice
is claimed once per programme (``Claim``: a unique key); a second claim is refused naming the first
application. Every move goes through ``move`` and the transition table.
"""

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import Loan, LoanStatus
from loans.services.references import next_reference
from portal.accounts.models import Organisation, OrgKind, Role, User
from portal.accounts.selectors import active_members
from portal.notifications.services import notify
from portal.uploads import check_document, store_document
from subsidies.batches import current_parameters
from subsidies.compute import application_recalculate
from subsidies.errors import SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import (
    APPLICATION_TRANSITIONS,
    CLOSED_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Batch,
    ChecklistItem,
    Claim,
    Confirmation,
    FeeKind,
    FeeLine,
    LineSource,
    LoanLine,
    Material,
    MaterialScope,
    Programme,
    Verdict,
)
from subsidies.permissions import is_applicant, is_confirming_bank, is_reviewer

SERIES = "BT"  # 补贴
EDITABLE = frozenset({ApplicationStatus.DRAFT, ApplicationStatus.CORRECTION})
_S = ApplicationStatus


# --- Moves --------------------------------------------------------------------------------------------


def _role_of(actor: User | None) -> str:
    return "system" if actor is None else actor.role


def move(
    application: Application, *, actor: User | None, to: str, reason: str = "", details=None
) -> ApplicationEvent:
    """Apply one transition of ``APPLICATION_TRANSITIONS`` to a locked application and write its event.
    ``actor`` None is the portal itself (a scheduled job, the last bank confirmation)."""
    allowed = APPLICATION_TRANSITIONS.get(application.status, {}).get(to)
    if allowed is None:
        raise SubsidyInvalid(
            _("An application that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": application.get_status_display(), "to": ApplicationStatus(to).label}
        )
    if _role_of(actor) not in allowed:
        raise SubsidyNotAllowed(_("Your role does not allow this step."))
    event = ApplicationEvent.objects.create(
        application=application,
        actor=actor,
        from_status=application.status,
        to_status=to,
        reason=reason,
        details=details or {},
    )
    application.status = to
    if to in CLOSED_STATUSES:
        application.claims.all().delete()  # the loans and invoices may be claimed again
    return event


def locked(application: Application) -> Application:
    return (
        Application.objects.select_for_update()
        .select_related("batch", "parameters", "enterprise")
        .get(pk=application.pk)
    )


def note(
    application: Application, *, actor: User | None, action: str, reason: str = "", details=None
) -> None:
    ApplicationEvent.objects.create(
        application=application, actor=actor, action=action, reason=reason, details=details or {}
    )


def tell(recipients, application: Application, subject: str, body: str, key: str) -> None:
    notify(
        recipients=recipients,
        kind="subsidies.application",
        template="notice",
        context={"subject": subject, "body": body},
        link=reverse("subsidies:application-detail", args=[application.pk]),
        dedupe_key=f"subsidy:{application.pk}:{key}",
    )


def enterprise_users(application: Application) -> list[User]:
    return active_members([application.enterprise_id])


def reviewers() -> list[User]:
    bureaus = Organisation.objects.filter(kind=OrgKind.IP_BUREAU).values_list("pk", flat=True)
    return active_members(bureaus, [Role.REVIEWER])


def tell_enterprise(application: Application, key: str, subject: str) -> None:
    body = _("Application %(ref)s (%(batch)s): %(status)s.") % {
        "ref": application.reference,
        "batch": application.batch.title,
        "status": application.get_status_display(),
    }
    tell(enterprise_users(application), application, subject, body, key)


# --- Input checks -------------------------------------------------------------------------------------


def _decimal(
    value, *, field: str, errors: dict, places: int = 2, minimum=None, maximum=None
) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[field] = [_("Enter a number.")]
        return None
    if minimum is not None and number < minimum:
        errors[field] = [_("Enter at least %(min)s.") % {"min": minimum}]
        return None
    if maximum is not None and number > maximum:
        errors[field] = [_("Enter at most %(max)s.") % {"max": maximum}]
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def _date(value, *, field: str, errors: dict) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def _text(value, *, field: str, errors: dict, limit: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("At most %(max)d characters.") % {"max": limit}]
    return text


def _raise(errors: dict, message: str | None = None) -> None:
    if errors:
        raise SubsidyInvalid(message or _("Nothing was saved: correct the fields marked."), errors)


# --- Scope checks -------------------------------------------------------------------------------------


def _applicant_of(application: Application, actor: User) -> None:
    if not (is_applicant(actor) and actor.organisation.pk == application.enterprise_id):
        raise SubsidyNotAllowed(_("Only the enterprise's own users may change its application."))


def _editable(application: Application) -> None:
    if application.status not in EDITABLE:
        raise SubsidyInvalid(
            _(
                "The application is “%(status)s”: it can be changed only as a draft or when a correction is asked for."
            )
            % {"status": application.get_status_display()}
        )


# --- Claims (once per programme) ---------------------------------------------------------------------


def _normalised(text: str) -> str:
    return re.sub(r"[\s\-_/]+", "", text).upper()


def loan_claim_key(line: LoanLine) -> str:
    bank = Organisation.objects.only("pk", "parent_id").get(pk=line.bank_id)
    group = bank.parent_id or bank.pk
    return f"contract:{group}:{_normalised(line.contract_number)}"


def fee_claim_key(fee: FeeLine) -> str:
    return f"invoice:{_normalised(fee.invoice_code)}:{_normalised(fee.invoice_number)}"


def _claim(application: Application, programme: str, key: str, *, what: str) -> Claim:
    existing = Claim.objects.filter(programme=programme, key=key).select_related("application").first()
    if existing is None:
        try:
            with transaction.atomic():
                return Claim.objects.create(programme=programme, key=key, application=application)
        except IntegrityError:
            existing = (
                Claim.objects.filter(programme=programme, key=key).select_related("application").first()
            )
    if existing is not None and existing.application_id == application.pk:
        raise SubsidyInvalid(_("%(what)s is already in this application.") % {"what": what})
    reference = existing.application.reference if existing else "?"
    raise SubsidyInvalid(
        _("%(what)s is already claimed in application %(ref)s: a loan or an invoice is subsidised once.")
        % {"what": what, "ref": reference},
        {"__all__": [_("Already claimed in %(ref)s.") % {"ref": reference}]},
    )


# --- Opening an application -------------------------------------------------------------------------


@transaction.atomic
def application_open(*, batch: Batch, actor: User) -> Application:
    if not is_applicant(actor):
        raise SubsidyNotAllowed(_("Only an enterprise's users may apply for a subsidy."))
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    today = timezone.localdate()
    if not batch.is_open_on(today):
        raise SubsidyInvalid(
            _("The batch “%(batch)s” takes applications from %(opens)s to %(closes)s.")
            % {"batch": batch.title, "opens": batch.opens_on, "closes": batch.closes_on}
        )
    enterprise = actor.organisation
    live = batch.applications.filter(enterprise=enterprise).exclude(status__in=CLOSED_STATUSES).first()
    if live is not None:
        raise SubsidyInvalid(
            _("Your enterprise already has application %(ref)s in this batch; continue that one.")
            % {"ref": live.reference}
        )
    profile = getattr(enterprise, "enterprise_profile", None)
    application = Application.objects.create(
        reference=next_reference(series=SERIES, year=today.year),
        batch=batch,
        enterprise=enterprise,
        parameters=current_parameters(batch),
        contact_name=(profile.contact_name if profile else "") or actor.full_name,
        contact_phone=(profile.contact_phone if profile else "") or actor.phone,
        bank_account_name=enterprise.name,
        created_by=actor,
    )
    ApplicationEvent.objects.create(application=application, actor=actor, to_status=_S.DRAFT, action="opened")
    return application


@transaction.atomic
def application_update_details(*, application: Application, actor: User, values: dict) -> Application:
    application = locked(application)
    _applicant_of(application, actor)
    _editable(application)
    errors: dict = {}
    limits = {
        "contact_name": 100,
        "contact_phone": 20,
        "bank_account_name": 200,
        "bank_account_bank": 200,
        "bank_account_number": 40,
    }
    for name, limit in limits.items():
        setattr(application, name, _text(values.get(name), field=name, errors=errors, limit=limit))
    if not errors and not re.fullmatch(r"[0-9 ]{8,40}", application.bank_account_number):
        errors["bank_account_number"] = [_("Digits only (spaces allowed), 8 to 40 of them.")]
    _raise(errors)
    application.save()
    return application


# --- Loan lines ---------------------------------------------------------------------------------------


def eligible_portal_loans(application: Application):
    """The enterprise's settled loans in the portal not yet in this application, with their banks."""
    taken = application.loan_lines.exclude(loan=None).values_list("loan_id", flat=True)
    return (
        Loan.objects.filter(enterprise_id=application.enterprise_id, status=LoanStatus.SETTLED)
        .exclude(pk__in=taken)
        .select_related("bank")
        .order_by("-settled_on", "-pk")
    )


def _pledge_date(loan: Loan) -> date | None:
    days = [
        registration.registered_on for registration in loan.registrations.all() if registration.registered_on
    ]
    return max(days) if days else None


@transaction.atomic
def loan_line_add_from_portal(
    *, application: Application, loan: Loan, actor: User, district_programme: bool = False
) -> LoanLine:
    """A loan whose facts the bank reported in the portal: its figures are taken as they are (no
    confirmation needed). The pledge date is the latest registration of its pledged IP."""
    application = locked(application)
    _applicant_of(application, actor)
    _editable(application)
    if loan.enterprise_id != application.enterprise_id:
        raise SubsidyNotAllowed(_("This loan is not your enterprise's."))
    if loan.status != LoanStatus.SETTLED or loan.settled_on is None or loan.disbursed_on is None:
        raise SubsidyInvalid(
            _("Loan %(ref)s is not settled yet: the interest subsidy is for settled loans.")
            % {"ref": loan.reference}
        )
    pledged = _pledge_date(loan)
    if pledged is None:
        raise SubsidyInvalid(
            _(
                "Loan %(ref)s has no registered pledge in the portal: enter it with the registration documents instead."
            )
            % {"ref": loan.reference}
        )
    line = LoanLine(
        application=application,
        source=LineSource.PORTAL,
        loan=loan,
        bank_id=loan.bank_id,
        contract_number=loan.contract_number or loan.reference,
        principal=loan.principal,
        interest_paid=loan.interest_paid,
        annual_rate_pct=loan.annual_rate_pct,
        ip_share=loan.ip_share,
        disbursed_on=loan.disbursed_on,
        settled_on=loan.settled_on,
        pledge_registered_on=pledged,
        district_programme=bool(district_programme),
        confirmation=Confirmation.NOT_NEEDED,
    )
    _claim(
        application,
        Programme.INTEREST,
        loan_claim_key(line),
        what=_("Loan %(ref)s") % {"ref": loan.reference},
    )
    line.save()
    note(application, actor=actor, action="loan_added", details={"loan": loan.reference})
    application_recalculate(application)
    return line


LOAN_INPUT_FIELDS = (
    "bank",
    "contract_number",
    "principal",
    "interest_paid",
    "annual_rate_pct",
    "ip_share",
    "disbursed_on",
    "settled_on",
    "pledge_registered_on",
)


def _entered_figures(values: dict, errors: dict) -> dict:
    bank = values.get("bank")
    if not isinstance(bank, Organisation):
        bank = (
            Organisation.objects.filter(pk=bank, kind=OrgKind.BANK, is_active=True).first() if bank else None
        )
    if bank is None or bank.kind != OrgKind.BANK:
        errors["bank"] = [_("Choose the lending bank.")]
    figures = {
        "bank": bank,
        "contract_number": _text(
            values.get("contract_number"), field="contract_number", errors=errors, limit=64
        ),
        "principal": _decimal(
            values.get("principal"), field="principal", errors=errors, minimum=Decimal("0.01")
        ),
        "interest_paid": _decimal(
            values.get("interest_paid"), field="interest_paid", errors=errors, minimum=0
        ),
        "annual_rate_pct": _decimal(
            values.get("annual_rate_pct"),
            field="annual_rate_pct",
            errors=errors,
            minimum=Decimal("0.01"),
            maximum=Decimal("100"),
        ),
        "ip_share": _decimal(
            values.get("ip_share"),
            field="ip_share",
            errors=errors,
            places=4,
            minimum=Decimal("0.0001"),
            maximum=Decimal("1"),
        ),
    }
    for name in ("disbursed_on", "settled_on", "pledge_registered_on"):
        figures[name] = _date(values.get(name), field=name, errors=errors)
    if figures["disbursed_on"] and figures["settled_on"] and figures["settled_on"] < figures["disbursed_on"]:
        errors["settled_on"] = [_("A loan cannot be settled before it was disbursed.")]
    return figures


@transaction.atomic
def loan_line_add_entered(*, application: Application, actor: User, values: dict, evidence) -> LoanLine:
    """A loan the portal does not hold: the enterprise's figures and evidence, confirmed later by its bank."""
    application = locked(application)
    _applicant_of(application, actor)
    _editable(application)
    errors: dict = {}
    figures = _entered_figures(values, errors)
    detected = check_document(evidence, field="evidence", errors=errors)
    if evidence is None and "evidence" not in errors:
        errors["evidence"] = [_("Attach the loan contract and the interest-payment vouchers.")]
    _raise(errors)
    line = LoanLine(
        application=application,
        source=LineSource.ENTERED,
        bank=figures.pop("bank"),
        district_programme=bool(values.get("district_programme")),
        confirmation=Confirmation.PENDING,
        **figures,
    )
    _claim(
        application,
        Programme.INTEREST,
        loan_claim_key(line),
        what=_("The loan with contract %(contract)s") % {"contract": line.contract_number},
    )
    line.evidence_name = store_document(line.evidence, evidence, detected[1])
    line.save()
    note(application, actor=actor, action="loan_entered", details={"contract": line.contract_number})
    application_recalculate(application)
    return line


@transaction.atomic
def loan_line_correct(*, line: LoanLine, actor: User, values: dict, evidence=None) -> LoanLine:
    """Correct an entered loan's figures (after a bank's dispute, say): it goes back to the bank."""
    application = locked(line.application)
    _applicant_of(application, actor)
    _editable(application)
    line = LoanLine.objects.select_for_update().get(pk=line.pk)
    if line.source != LineSource.ENTERED:
        raise SubsidyInvalid(_("Bank-reported loan facts are corrected by the bank, not here."))
    errors: dict = {}
    figures = _entered_figures({"bank": line.bank, **values}, errors)
    detected = check_document(evidence, field="evidence", errors=errors) if evidence else None
    _raise(errors)
    old_key = loan_claim_key(line)
    figures.pop("bank")
    for name, value in figures.items():
        setattr(line, name, value)
    new_key = loan_claim_key(line)
    if new_key != old_key:
        application.claims.filter(programme=Programme.INTEREST, key=old_key).delete()
        _claim(
            application,
            Programme.INTEREST,
            new_key,
            what=_("The loan with contract %(contract)s") % {"contract": line.contract_number},
        )
    if detected:
        line.evidence_name = store_document(line.evidence, evidence, detected[1])
    line.district_programme = bool(values.get("district_programme", line.district_programme))
    line.confirmation = Confirmation.PENDING
    line.confirmation_note = ""
    line.confirmed_by = None
    line.confirmed_at = None
    line.save()
    note(application, actor=actor, action="loan_corrected", details={"contract": line.contract_number})
    application_recalculate(application)
    return line


@transaction.atomic
def loan_line_remove(*, line: LoanLine, actor: User) -> None:
    application = locked(line.application)
    _applicant_of(application, actor)
    _editable(application)
    application.claims.filter(programme=Programme.INTEREST, key=loan_claim_key(line)).delete()
    contract = line.contract_number
    line.delete()
    note(application, actor=actor, action="loan_removed", details={"contract": contract})
    application_recalculate(application)


# --- Fees ---------------------------------------------------------------------------------------------


@transaction.atomic
def fee_line_add(*, application: Application, actor: User, values: dict, invoice) -> FeeLine:
    application = locked(application)
    _applicant_of(application, actor)
    _editable(application)
    errors: dict = {}
    kind = values.get("kind")
    if kind not in FeeKind.values:
        errors["kind"] = [_("Choose the kind of fee.")]
    fee = FeeLine(
        application=application,
        kind=kind or "",
        payee=_text(values.get("payee"), field="payee", errors=errors, limit=200),
        invoice_code=_text(
            values.get("invoice_code"), field="invoice_code", errors=errors, limit=20, required=False
        ),
        invoice_number=_text(values.get("invoice_number"), field="invoice_number", errors=errors, limit=20),
        invoice_date=_date(values.get("invoice_date"), field="invoice_date", errors=errors),
        amount=_decimal(values.get("amount"), field="amount", errors=errors, minimum=Decimal("0.01")),
        loan_contract=_text(values.get("loan_contract"), field="loan_contract", errors=errors, limit=64),
    )
    if fee.invoice_date and fee.invoice_date > timezone.localdate():
        errors["invoice_date"] = [_("An invoice cannot be dated in the future.")]
    contracts = {
        _normalised(number) for number in application.loan_lines.values_list("contract_number", flat=True)
    }
    if fee.loan_contract and _normalised(fee.loan_contract) not in contracts:
        errors["loan_contract"] = [
            _("Add the loan first: a fee is subsidised for an eligible loan of this application.")
        ]
    detected = check_document(invoice, field="invoice", errors=errors)
    if invoice is None and "invoice" not in errors:
        errors["invoice"] = [_("Attach the invoice.")]
    _raise(errors)
    _claim(
        application,
        Programme.FEE,
        fee_claim_key(fee),
        what=_("Invoice %(number)s") % {"number": fee.invoice_number},
    )
    fee.invoice_name = store_document(fee.invoice, invoice, detected[1])
    fee.save()
    note(application, actor=actor, action="fee_added", details={"invoice": fee.invoice_number})
    application_recalculate(application)
    return fee


@transaction.atomic
def fee_line_remove(*, fee: FeeLine, actor: User) -> None:
    application = locked(fee.application)
    _applicant_of(application, actor)
    _editable(application)
    application.claims.filter(programme=Programme.FEE, key=fee_claim_key(fee)).delete()
    number = fee.invoice_number
    fee.delete()
    note(application, actor=actor, action="fee_removed", details={"invoice": number})
    application_recalculate(application)


# --- Materials ----------------------------------------------------------------------------------------


def required_items(application: Application) -> list[ChecklistItem]:
    """The checklist items this application needs, by what it claims."""
    lines = list(application.loan_lines.all())
    needed = {MaterialScope.EVERY}
    if any(line.ip_share < 1 for line in lines):
        needed.add(MaterialScope.COMBINATION)
    if any(line.source == LineSource.ENTERED for line in lines):
        needed.add(MaterialScope.ENTERED_LOAN)
    if application.fee_lines.exists():
        needed.add(MaterialScope.FEES)
    return [item for item in application.batch.checklist.all() if item.scope in needed]


@transaction.atomic
def material_upload(*, application: Application, item: ChecklistItem, actor: User, upload) -> Material:
    application = locked(application)
    _applicant_of(application, actor)
    _editable(application)
    if item.batch_id != application.batch_id:
        raise SubsidyInvalid(_("This item is not on the batch's checklist."))
    errors: dict = {}
    detected = check_document(upload, field="file", errors=errors)
    if upload is None:
        errors["file"] = [_("Choose a file.")]
    _raise(errors)
    material, _created = Material.objects.get_or_create(application=application, item=item)
    if material.file:
        material.file.delete(save=False)
    material.file_name = store_document(material.file, upload, detected[1])
    material.content_type = detected[0]
    material.uploaded_at = timezone.now()
    material.verdict = Verdict.PENDING  # a new file is checked afresh
    material.note = ""
    material.save()
    note(application, actor=actor, action="material_uploaded", details={"item": item.title})
    return material


# --- Submission and withdrawal -------------------------------------------------------------------------


def _submission_problems(application: Application) -> dict[str, list[str]]:
    problems: dict[str, list[str]] = {}
    if not application.loan_lines.exists() and not application.fee_lines.exists():
        problems["__all__"] = [_("Add at least one loan or one fee.")]
    for name in (
        "contact_name",
        "contact_phone",
        "bank_account_name",
        "bank_account_bank",
        "bank_account_number",
    ):
        if not getattr(application, name):
            problems.setdefault("details", []).append(
                _("Fill in “%(field)s”.") % {"field": Application._meta.get_field(name).verbose_name}
            )
    uploaded = {
        material.item_id
        for material in application.materials.all()
        if material.file and material.verdict != Verdict.FAILING
    }
    missing = [item.title for item in required_items(application) if item.pk not in uploaded]
    if missing:
        problems["materials"] = [_("Upload: %(items)s.") % {"items": "; ".join(missing)}]
    if application.loan_lines.filter(confirmation=Confirmation.DISPUTED).exists():
        problems.setdefault("__all__", []).append(_("Correct the loans the bank disputed first."))
    return problems


@transaction.atomic
def application_submit(*, application: Application, actor: User) -> Application:
    """Submit (or, after a correction request, reply): loans entered by hand go to their banks for
    confirmation first; otherwise the application joins the review queue and its review clock restarts."""
    application = locked(application)
    _applicant_of(application, actor)
    _editable(application)
    problems = _submission_problems(application)
    if problems:
        raise SubsidyInvalid(_("The application cannot be submitted yet."), problems)
    application_recalculate(application)
    replying = application.status == ApplicationStatus.CORRECTION
    pending = list(application.loan_lines.filter(confirmation=Confirmation.PENDING).select_related("bank"))
    now = timezone.now()
    if pending:
        move(
            application,
            actor=actor,
            to=_S.AWAITING_BANK,
            reason=_("Reply to the correction request") if replying else "",
        )
    else:
        move(
            application,
            actor=actor,
            to=_S.SUBMITTED,
            reason=_("Reply to the correction request") if replying else "",
        )
        application.review_clock_started_at = now
    application.submitted_at = application.submitted_at or now
    application.save()
    if pending:
        _ask_banks(application, pending)
    else:
        _tell_reviewers(application, replying=replying)
    tell_enterprise(
        application,
        f"submitted:{now.timestamp()}",
        _("Subsidy application %(ref)s submitted") % {"ref": application.reference},
    )
    return application


def _tell_reviewers(application: Application, *, replying: bool) -> None:
    subject = (
        _("Subsidy application %(ref)s answered the correction request")
        if replying
        else _("Subsidy application %(ref)s waits for review")
    ) % {"ref": application.reference}
    body = _("%(enterprise)s, %(batch)s: calculated subsidy %(amount)s yuan.") % {
        "enterprise": application.enterprise.name,
        "batch": application.batch.title,
        "amount": f"{application.calculated:,.2f}",
    }
    tell(reviewers(), application, subject, body, f"review:{timezone.now().timestamp()}")


def _ask_banks(application: Application, lines: list[LoanLine]) -> None:
    from subsidies.models import BANK_ROLES

    for line in lines:
        bank = line.bank
        # The branch's officers and its head office's: whoever works the bank's loans.
        recipients = active_members({bank.pk, bank.parent_id}, BANK_ROLES)
        subject = _("Please confirm the loan figures of %(enterprise)s (contract %(contract)s)") % {
            "enterprise": application.enterprise.name,
            "contract": line.contract_number,
        }
        body = _(
            "%(enterprise)s claims an interest subsidy for contract %(contract)s: interest paid %(interest)s yuan, "
            "rate %(rate)s%%, IP share %(share)s, disbursed %(disbursed)s, settled %(settled)s. Confirm or dispute "
            "the figures in the portal."
        ) % {
            "enterprise": application.enterprise.name,
            "contract": line.contract_number,
            "interest": f"{line.interest_paid:,.2f}",
            "rate": line.annual_rate_pct,
            "share": line.ip_share,
            "disbursed": line.disbursed_on,
            "settled": line.settled_on,
        }
        notify(
            recipients=recipients,
            kind="subsidies.confirmation",
            template="notice",
            context={"subject": subject, "body": body},
            link=reverse("subsidies:confirmation-list"),
            dedupe_key=f"subsidy-line:{line.pk}:{line.confirmation}:{timezone.now().timestamp()}",
        )


@transaction.atomic
def application_withdraw(*, application: Application, actor: User, reason: str = "") -> Application:
    application = locked(application)
    _applicant_of(application, actor)
    move(application, actor=actor, to=_S.WITHDRAWN, reason=reason)
    application.save()
    return application


# --- The bank's confirmation ---------------------------------------------------------------------------


@transaction.atomic
def line_confirm(*, line: LoanLine, actor: User, confirmed: bool, note_text: str = "") -> LoanLine:
    """The lending bank confirms an entered loan's figures, or disputes them with a note (the application
    then goes back to the enterprise). The last confirmation sends the application to review."""
    from loans.selectors import review_bank_ids

    if not (is_confirming_bank(actor) and line.bank_id in review_bank_ids(actor.organisation)):
        raise SubsidyNotAllowed(_("Only the lending bank confirms these figures."))
    application = locked(line.application)
    line = LoanLine.objects.select_for_update().get(pk=line.pk)
    if application.status != _S.AWAITING_BANK or line.confirmation != Confirmation.PENDING:
        raise SubsidyInvalid(_("These figures are not waiting for your confirmation."))
    text = (note_text or "").strip()
    if not confirmed and not text:
        raise SubsidyInvalid(
            _("Say which figures are wrong and what the bank's records show."),
            {"note": [_("This field is required.")]},
        )
    line.confirmation = Confirmation.CONFIRMED if confirmed else Confirmation.DISPUTED
    line.confirmation_note = text
    line.confirmed_by = actor
    line.confirmed_at = timezone.now()
    line.save()
    details = {"contract": line.contract_number, "bank": line.bank.name}
    if not confirmed:
        move(application, actor=actor, to=_S.CORRECTION, reason=text, details={**details, "disputed": True})
        application.save()
        tell_enterprise(
            application,
            f"disputed:{line.pk}:{line.confirmed_at.timestamp()}",
            _("%(bank)s disputed a loan in subsidy application %(ref)s")
            % {"bank": line.bank.name, "ref": application.reference},
        )
        return line
    note(application, actor=actor, action="loan_confirmed", details=details)
    if not application.loan_lines.filter(confirmation=Confirmation.PENDING).exists():
        move(application, actor=None, to=_S.SUBMITTED, reason=_("Every loan figure confirmed by its bank."))
        application.review_clock_started_at = timezone.now()
        application.save()
        _tell_reviewers(application, replying=False)
        tell_enterprise(
            application,
            f"confirmed:{application.review_clock_started_at.timestamp()}",
            _("The banks confirmed the loans of subsidy application %(ref)s: it waits for review")
            % {"ref": application.reference},
        )
    return line


def can_edit(application: Application, user: User) -> bool:
    return (
        application.status in EDITABLE
        and is_applicant(user)
        and user.organisation.pk == application.enterprise_id
    )


def can_review(user: User) -> bool:
    return is_reviewer(user)
