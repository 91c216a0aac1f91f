"""Loans and the facts banks report on them: the single trusted source for subsidies, whitelist feedback,
risk compensation and the dashboards.

Every figure on a ``Loan`` comes from ``LoanFact`` rows applied by ``loans.calculations.apply_fact``, the
same rules whether a fact arrives from a form, the bank API or a file upload (``services.imports``). A
status move made by a fact writes a ``LoanEvent`` naming that fact, in the same transaction.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.calculations import Fact, FactRejected, LoanState, apply_fact, to_fen
from loans.errors import LoanConflict, LoanNotAllowed, LoanValidationError
from loans.models import (
    LOAN_TRANSITIONS,
    CaseOrigin,
    FactKind,
    Loan,
    LoanEvent,
    LoanFact,
    LoanParticipant,
    LoanSource,
    LoanStatus,
    ParticipantKind,
)
from loans.permissions import can_record_loan
from loans.services.cases import case_for
from loans.services.references import LOAN_SERIES, next_reference
from portal.accounts.models import Organisation, OrgKind
from portal.audit.services import audit_record
from portal.outbox import enqueue

ONE = Decimal("1")
FOUR_PLACES = Decimal("0.0001")
# Which kinds of organisation may take part as each participant kind (an unregistered one is named only).
PARTICIPANT_ORG_KINDS = {
    ParticipantKind.BANK: OrgKind.BANK,
    ParticipantKind.GUARANTOR: OrgKind.GUARANTOR,
    ParticipantKind.INSURER: OrgKind.INSURER,
    ParticipantKind.IP_AGENCY: OrgKind.IP_AGENCY,
    ParticipantKind.EVALUATOR: OrgKind.EVALUATOR,
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class ParticipantInput:
    kind: str
    name: str
    risk_share: Decimal
    dispersed: Decimal = Decimal("0")
    organisation: Organisation | None = None


def _fraction(value, field: str, errors: dict, *, allow_one: bool = True) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        errors.setdefault(field, []).append(_("Give a fraction between 0 and 1, such as 0.6."))
        return None
    if not number.is_finite() or number < 0 or number > 1 or (not allow_one and number == 1):
        errors.setdefault(field, []).append(_("Give a fraction between 0 and 1, such as 0.6."))
        return None
    if number != number.quantize(FOUR_PLACES):
        errors.setdefault(field, []).append(_("At most four decimal places."))
        return None
    return number


def _clean_participants(participants, errors: dict) -> list[ParticipantInput]:
    """Shares of the loss sum to exactly 1 (api-contract.md §5); a passed-on part is below 1."""
    cleaned: list[ParticipantInput] = []
    names: set[str] = set()
    for index, raw in enumerate(participants):
        field = f"participants[{index}]"
        kind = raw.get("kind")
        name = (raw.get("name") or "").strip()
        organisation = raw.get("organisation")
        if kind not in ParticipantKind.values:
            errors.setdefault(f"{field}.kind", []).append(_("Choose a participant kind from the list."))
        if organisation is not None:
            if organisation.kind != PARTICIPANT_ORG_KINDS.get(kind):
                errors.setdefault(f"{field}.organisation", []).append(
                    _("This institution is not of the participant kind chosen.")
                )
            name = name or organisation.name
        if not name:
            errors.setdefault(f"{field}.name", []).append(_("Name the institution."))
        elif name in names:
            errors.setdefault(f"{field}.name", []).append(_("Each institution once."))
        names.add(name)
        share = _fraction(raw.get("risk_share"), f"{field}.risk_share", errors)
        if share is not None and share == 0:
            errors.setdefault(f"{field}.risk_share", []).append(_("A participant bears some share."))
        dispersed = _fraction(raw.get("dispersed", "0"), f"{field}.dispersed", errors, allow_one=False)
        if share is not None and dispersed is not None and kind in ParticipantKind.values and name:
            cleaned.append(ParticipantInput(kind, name, share, dispersed, organisation))
    if cleaned and len(cleaned) == len(participants) and sum(p.risk_share for p in cleaned) != ONE:
        errors.setdefault("participants", []).append(_("The participants' risk shares must add up to 1."))
    return cleaned


def clean_contract(
    *,
    bank_loan_ref: str,
    contract_number: str,
    contract_signed_on,
    principal,
    annual_rate_pct,
    term_months,
    maturity_date,
    is_combination: bool,
    ip_share,
    ip_share_certified_by: str,
    errors: dict,
    today: date | None = None,
) -> dict:
    # ``today`` once per batch: a file of 20,000 contracts would otherwise ask the clock 20,000 times.
    today = today or timezone.localdate()
    values: dict = {}
    bank_loan_ref = (bank_loan_ref or "").strip()
    if not bank_loan_ref:
        errors.setdefault("bank_loan_ref", []).append(_("Give the bank's own reference for the loan."))
    elif len(bank_loan_ref) > Loan._meta.get_field("bank_loan_ref").max_length:
        errors.setdefault("bank_loan_ref", []).append(_("At most 64 characters."))
    values["bank_loan_ref"] = bank_loan_ref
    contract_number = (contract_number or "").strip()
    if not contract_number:
        errors.setdefault("contract_number", []).append(_("Give the contract number."))
    elif len(contract_number) > 64:
        errors.setdefault("contract_number", []).append(_("At most 64 characters."))
    values["contract_number"] = contract_number
    if not isinstance(contract_signed_on, date):
        errors.setdefault("contract_signed_on", []).append(_("Give the date the contract was signed."))
    elif contract_signed_on > today:
        errors.setdefault("contract_signed_on", []).append(_("The date cannot be in the future."))
    values["contract_signed_on"] = contract_signed_on
    if not isinstance(principal, Decimal) or not principal.is_finite() or principal <= 0:
        errors.setdefault("principal", []).append(_("The principal must be greater than zero."))
    elif principal != to_fen(principal) or principal >= Decimal("1e12"):
        errors.setdefault("principal", []).append(_("Give yuan with at most two decimal places."))
    values["principal"] = principal
    if (
        not isinstance(annual_rate_pct, Decimal)
        or not annual_rate_pct.is_finite()
        or not Decimal("0") <= annual_rate_pct < Decimal("100")
        or annual_rate_pct != annual_rate_pct.quantize(Decimal("0.01"))
    ):
        errors.setdefault("annual_rate_pct", []).append(
            _("Give the annual rate in percent, such as 3.45, with at most two decimal places.")
        )
    values["annual_rate_pct"] = annual_rate_pct
    if isinstance(term_months, bool) or not isinstance(term_months, int) or not 1 <= term_months <= 600:
        errors.setdefault("term_months", []).append(_("Give the term in whole months (1 to 600)."))
    values["term_months"] = term_months
    if maturity_date is None and isinstance(contract_signed_on, date) and "term_months" not in errors:
        maturity_date = add_months(contract_signed_on, term_months)
    if (
        isinstance(contract_signed_on, date)
        and isinstance(maturity_date, date)
        and maturity_date <= contract_signed_on
    ):
        errors.setdefault("maturity_date", []).append(_("The loan must mature after the contract is signed."))
    values["maturity_date"] = maturity_date
    share = _fraction(ip_share, "ip_share", errors)
    if share is not None and share == 0:
        errors.setdefault("ip_share", []).append(_("The IP share must be above zero."))
    if share is not None and not is_combination and share != ONE:
        errors.setdefault("ip_share", []).append(_("A loan secured by IP alone has an IP share of 1."))
    certified_by = (ip_share_certified_by or "").strip()
    if is_combination and not certified_by:
        # Domain.md §2.3 [V-1]: for combined collateral the bank or guarantor certifies the IP share.
        errors.setdefault("ip_share_certified_by", []).append(
            _("For a combination loan, name who certified the IP share (the bank or the guarantor).")
        )
    values.update(
        is_combination=bool(is_combination), ip_share=share, ip_share_certified_by=certified_by[:100]
    )
    return values


def _event(loan: Loan, *, actor, from_status: str, to_status: str, fact: LoanFact | None = None, reason=""):
    LoanEvent.objects.create(
        loan=loan, actor=actor, from_status=from_status, to_status=to_status, fact=fact, reason=reason
    )


def _save_participants(loan: Loan, participants: list[ParticipantInput]) -> None:
    loan.participants.all().delete()
    LoanParticipant.objects.bulk_create(
        LoanParticipant(
            loan=loan,
            kind=p.kind,
            name=p.name,
            organisation=p.organisation,
            risk_share=p.risk_share,
            dispersed=p.dispersed,
        )
        for p in participants
    )


def _duplicate_ref(bank: Organisation, bank_loan_ref: str) -> LoanConflict:
    return LoanConflict(
        _("The bank already reported a loan with the reference %(ref)s.") % {"ref": bank_loan_ref},
        code="duplicate_bank_loan_ref",
    )


@transaction.atomic
def loan_create(
    *,
    bank: Organisation,
    enterprise: Organisation,
    bank_loan_ref: str,
    contract_number: str,
    contract_signed_on: date,
    principal: Decimal,
    annual_rate_pct: Decimal,
    term_months: int,
    maturity_date: date | None = None,
    is_combination: bool = False,
    ip_share=ONE,
    ip_share_certified_by: str = "",
    participants=(),
    source: str = LoanSource.API,
    actor,
) -> Loan:
    """A loan contract reported by its bank (API, form or upload): status contracted, no facts yet.

    Raises LoanNotAllowed (403) unless the actor is a bank officer or manager of ``bank``'s scope,
    LoanValidationError (400) with field errors, LoanConflict (409) for a bank reference already used.
    """
    allowed, reason = can_record_loan(actor, bank)
    if not allowed:
        raise LoanNotAllowed(reason)
    errors: dict[str, list[str]] = {}
    if enterprise is None or enterprise.kind != OrgKind.ENTERPRISE:
        errors.setdefault("enterprise", []).append(_("The borrower must be an enterprise registered here."))
    values = clean_contract(
        bank_loan_ref=bank_loan_ref,
        contract_number=contract_number,
        contract_signed_on=contract_signed_on,
        principal=principal,
        annual_rate_pct=annual_rate_pct,
        term_months=term_months,
        maturity_date=maturity_date,
        is_combination=is_combination,
        ip_share=ip_share,
        ip_share_certified_by=ip_share_certified_by,
        errors=errors,
    )
    cleaned_participants = _clean_participants(list(participants), errors)
    if errors:
        raise LoanValidationError(_("Some loan details are missing or wrong."), errors=errors)
    if Loan.objects.filter(bank=bank, bank_loan_ref=values["bank_loan_ref"]).exists():
        raise _duplicate_ref(bank, values["bank_loan_ref"])
    try:
        with transaction.atomic():  # a concurrent twin loses on the unique constraint, not with a 500
            loan = Loan.objects.create(
                case=case_for(enterprise_id=enterprise.pk, origin=CaseOrigin.BANK_REPORT, actor=actor),
                reference=next_reference(series=LOAN_SERIES, year=timezone.localdate().year),
                bank=bank,
                enterprise=enterprise,
                source=source,
                status=LoanStatus.CONTRACTED,
                created_by=actor,
                **values,
            )
    except IntegrityError as error:
        raise _duplicate_ref(bank, values["bank_loan_ref"]) from error
    _save_participants(loan, cleaned_participants)
    _event(loan, actor=actor, from_status="", to_status=LoanStatus.CONTRACTED)
    audit_record(
        action="loans.loan.create",
        actor=actor,
        object_type="loans.loan",
        object_id=loan.pk,
        details={"bank_loan_ref": loan.bank_loan_ref, "source": source},
    )
    return loan


@transaction.atomic
def loan_contract_record(
    *,
    loan: Loan,
    bank_loan_ref: str,
    contract_number: str,
    contract_signed_on: date,
    principal: Decimal | None = None,
    annual_rate_pct: Decimal | None = None,
    term_months: int | None = None,
    maturity_date: date | None = None,
    is_combination: bool = False,
    ip_share=ONE,
    ip_share_certified_by: str = "",
    participants=None,
    actor,
) -> Loan:
    """The bank records the signed contract of a loan born from an accepted offer (awaiting contract ->
    contracted). The offer's amount, rate and term stand unless the contract says otherwise."""
    loan = Loan.objects.select_for_update().select_related("bank").get(pk=loan.pk)
    allowed, reason = can_record_loan(actor, loan.bank)
    if not allowed:
        raise LoanNotAllowed(reason)
    if LoanStatus.CONTRACTED not in LOAN_TRANSITIONS[loan.status]:
        raise LoanConflict(_("The contract of this loan is already recorded."), code="status")
    errors: dict[str, list[str]] = {}
    values = clean_contract(
        bank_loan_ref=bank_loan_ref,
        contract_number=contract_number,
        contract_signed_on=contract_signed_on,
        principal=loan.principal if principal is None else principal,
        annual_rate_pct=loan.annual_rate_pct if annual_rate_pct is None else annual_rate_pct,
        term_months=loan.term_months if term_months is None else term_months,
        maturity_date=maturity_date,
        is_combination=is_combination,
        ip_share=ip_share,
        ip_share_certified_by=ip_share_certified_by,
        errors=errors,
    )
    # None leaves the participants as they are; a list (even an empty one) replaces them.
    cleaned_participants = None if participants is None else _clean_participants(list(participants), errors)
    if errors:
        raise LoanValidationError(_("Some loan details are missing or wrong."), errors=errors)
    if (
        Loan.objects.filter(bank=loan.bank, bank_loan_ref=values["bank_loan_ref"])
        .exclude(pk=loan.pk)
        .exists()
    ):
        raise _duplicate_ref(loan.bank, values["bank_loan_ref"])
    from_status = loan.status
    for name, value in values.items():
        setattr(loan, name, value)
    loan.status = LoanStatus.CONTRACTED
    loan.save()
    if cleaned_participants is not None:
        _save_participants(loan, cleaned_participants)
    _event(loan, actor=actor, from_status=from_status, to_status=loan.status)
    audit_record(action="loans.loan.contract", actor=actor, object_type="loans.loan", object_id=loan.pk)
    return loan


@transaction.atomic
def loan_participants_set(*, loan: Loan, participants, actor) -> Loan:
    """Replace the loan's risk-sharing participants (shares must add up to 1)."""
    loan = Loan.objects.select_for_update().select_related("bank").get(pk=loan.pk)
    allowed, reason = can_record_loan(actor, loan.bank)
    if not allowed:
        raise LoanNotAllowed(reason)
    errors: dict[str, list[str]] = {}
    cleaned = _clean_participants(list(participants), errors)
    if errors:
        raise LoanValidationError(_("Some participant details are missing or wrong."), errors=errors)
    _save_participants(loan, cleaned)
    audit_record(action="loans.loan.participants", actor=actor, object_type="loans.loan", object_id=loan.pk)
    return loan


@transaction.atomic
def loan_cancel(*, loan: Loan, reason: str, actor) -> Loan:
    """A contract never disbursed is cancelled by its bank."""
    loan = Loan.objects.select_for_update().select_related("bank").get(pk=loan.pk)
    allowed, message = can_record_loan(actor, loan.bank)
    if not allowed:
        raise LoanNotAllowed(message)
    if LoanStatus.CANCELLED not in LOAN_TRANSITIONS[loan.status]:
        raise LoanConflict(_("Only a loan not yet disbursed can be cancelled."), code="status")
    if not reason.strip():
        raise LoanValidationError(_("Say why."), errors={"reason": [_("Say why the loan is cancelled.")]})
    from_status, loan.status = loan.status, LoanStatus.CANCELLED
    loan.save(update_fields=["status", "updated_at"])
    _event(loan, actor=actor, from_status=from_status, to_status=loan.status, reason=reason.strip())
    audit_record(action="loans.loan.cancel", actor=actor, object_type="loans.loan", object_id=loan.pk)
    return loan


@transaction.atomic
def loan_fact_record(
    *,
    loan: Loan,
    kind: str,
    occurred_on: date,
    amount: Decimal | None = None,
    overdue_days: int | None = None,
    classification: str = "",
    note: str = "",
    source: str = LoanSource.PORTAL,
    actor,
) -> LoanFact:
    """Apply one reported fact to the loan (row locked), keep it in the ledger, and move the status if the
    fact says so. Raises LoanValidationError (400) with the field at fault, LoanNotAllowed (403)."""
    loan = Loan.objects.select_for_update().select_related("bank").get(pk=loan.pk)
    allowed, reason = can_record_loan(actor, loan.bank)
    if not allowed:
        raise LoanNotAllowed(reason)
    before = LoanState.of(loan)
    fact = Fact(kind, occurred_on, amount, overdue_days, classification or "")
    try:
        after = apply_fact(before, fact, today=timezone.localdate())
    except FactRejected as rejected:
        raise LoanValidationError(rejected.message, errors={rejected.field: [rejected.message]}) from rejected
    row = LoanFact.objects.create(
        loan=loan,
        kind=kind,
        occurred_on=occurred_on,
        amount=amount,
        overdue_days=overdue_days if kind == FactKind.OVERDUE else None,
        classification=classification if kind == FactKind.CLASSIFICATION else "",
        note=(note or "").strip()[:300],
        source=source,
        reported_by=actor,
    )
    changed = after.write_to(loan)
    if changed:
        loan.save(update_fields=[*changed, "updated_at"])
    if after.status != before.status:
        _event(loan, actor=actor, from_status=before.status, to_status=after.status, fact=row)
    audit_record(
        action="loans.fact.record",
        actor=actor,
        object_type="loans.loan",
        object_id=loan.pk,
        details={"fact": row.pk, "kind": kind, "from": before.status, "to": after.status},
    )
    # Imported here: the task module reaches back into the services. Through the outbox: a broker outage
    # delays the check, it does not lose it (nor fail the fact).
    from loans.tasks import loan_alerts_check as loan_alerts_check_task

    enqueue(loan_alerts_check_task, loan.pk)
    return row
