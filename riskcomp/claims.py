"""Risk compensation claims, the bank's side and the participants' confirmations (issue 7).

The lending bank opens a claim for a non-performing loan; it is pre-filled from the loan's facts (the
non-performing date, the principal outstanding, the IP share, the pledge registration on record) and its
participants. The claim is bound to the parameters of its fund year (frozen on the claim) and its sheet is
recomputed on every change. Eligibility is checked and explained; evidence follows a checklist; each
participant institution with a portal account confirms its own share before the IP bureau reviews.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import Loan, LoanStatus
from loans.services.facts import add_months
from loans.services.references import next_reference
from pledges.models import Status as RegistrationStatus
from portal.accounts.models import District, Organisation, OrgKind, Role, User
from portal.accounts.selectors import active_members
from portal.notifications.services import notify
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year
from portal.uploads import check_document, store_document
from riskcomp.calculations import Participant, Rules, quote, reasons_for
from riskcomp.errors import RiskcompInvalid, RiskcompNotAllowed
from riskcomp.models import (
    CLAIM_TRANSITIONS,
    EDITABLE_STATUSES,
    PARTICIPANT_ROLES,
    REQUIRED_EVIDENCE,
    Claim,
    ClaimEvent,
    ClaimParticipant,
    ClaimStatus,
    Confirmation,
    Evidence,
    EvidenceItem,
)
from riskcomp.permissions import in_bank_group, is_claimant, own_institution_ids

SERIES = "FC"  # 风险补偿
PARAMETER_FIELDS = (
    "riskcomp_rate",
    "riskcomp_per_loan_cap",
    "riskcomp_min_ip_share",
    "riskcomp_claim_window_months",
    "riskcomp_per_institution_annual_cap",
    "riskcomp_fund_annual_budget",
)
_S = ClaimStatus
BEIJING_DISTRICTS = frozenset(District.values)


# --- Moves and notices ---------------------------------------------------------------------------------


def move(claim: Claim, *, actor: User | None, to: str, reason: str = "", details=None) -> ClaimEvent:
    """One transition of ``CLAIM_TRANSITIONS`` on a locked claim, with its event; ``actor`` None is the portal."""
    allowed = CLAIM_TRANSITIONS.get(claim.status, {}).get(to)
    if allowed is None:
        raise RiskcompInvalid(
            _("A claim that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": claim.get_status_display(), "to": ClaimStatus(to).label}
        )
    if ("system" if actor is None else actor.role) not in allowed:
        raise RiskcompNotAllowed(_("Your role does not allow this step."))
    event = ClaimEvent.objects.create(
        claim=claim, actor=actor, from_status=claim.status, to_status=to, reason=reason, details=details or {}
    )
    claim.status = to
    return event


def note(claim: Claim, *, actor: User | None, action: str, reason: str = "", details=None) -> None:
    ClaimEvent.objects.create(claim=claim, actor=actor, action=action, reason=reason, details=details or {})


def locked(claim: Claim) -> Claim:
    return Claim.objects.select_for_update().select_related("bank", "loan").get(pk=claim.pk)


def parties(claim: Claim) -> list[User]:
    """The claimant bank's staff (the branch and its head office) and every participant institution's."""
    ids = {claim.bank_id, claim.bank.parent_id}
    ids |= set(claim.participants.exclude(organisation=None).values_list("organisation_id", flat=True))
    return active_members(ids, PARTICIPANT_ROLES)


def reviewers() -> list[User]:
    bureaus = Organisation.objects.filter(kind=OrgKind.IP_BUREAU).values_list("pk", flat=True)
    return active_members(bureaus, [Role.REVIEWER])


def finance_officers() -> list[User]:
    bureaus = Organisation.objects.filter(kind=OrgKind.FINANCE_BUREAU).values_list("pk", flat=True)
    return active_members(bureaus, [Role.FINANCE_OFFICER])


def tell(recipients, claim: Claim, subject: str, key: str, body: str = "") -> None:
    notify(
        recipients=recipients,
        kind="riskcomp.claim",
        template="notice",
        context={
            "subject": subject,
            "body": body
            or _("Claim %(ref)s (loan %(loan)s of %(bank)s): %(status)s.")
            % {
                "ref": claim.reference,
                "loan": claim.loan.reference,
                "bank": claim.bank.name,
                "status": claim.get_status_display(),
            },
        },
        link=reverse("riskcomp:claim-detail", args=[claim.pk]),
        dedupe_key=f"riskcomp:{claim.pk}:{key}",
    )


# --- Input ----------------------------------------------------------------------------------------------


def _decimal(
    value, *, field: str, errors: dict, places: int = 2, minimum=None, maximum=None
) -> Decimal | None:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        errors[field] = [_("Enter a number.")]
        return None
    if (
        not number.is_finite()
        or (minimum is not None and number < minimum)
        or (maximum is not None and number > maximum)
    ):
        errors[field] = [
            _("Enter a number from %(min)s to %(max)s.") % {"min": minimum, "max": maximum}
            if maximum is not None
            else _("Enter at least %(min)s.") % {"min": minimum}
        ]
        return None
    return number.quantize(Decimal(1).scaleb(-places))


def _raise(errors: dict, message: str | None = None) -> None:
    if errors:
        raise RiskcompInvalid(message or _("Nothing was saved: correct the fields marked."), errors)


# --- Eligibility and the sheet -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


def is_beijing_institution(organisation: Organisation) -> bool:
    """Set up in Beijing: its district is one of Beijing's, or its credit code's division code (characters
    3-8 of the USCC, GB 32100-2015) is in Beijing (11xxxx)."""
    if organisation.kind != OrgKind.BANK:
        return False
    return organisation.district in BEIJING_DISTRICTS or (organisation.uscc or "")[2:4] == "11"


def _claim_window_end(claim: Claim) -> date:
    return add_months(claim.npl_on, int(claim.parameters["riskcomp_claim_window_months"]))


def eligibility(claim: Claim, *, today: date | None = None) -> list[Reason]:
    """Every rule of domain.md §2.6 the claim fails, in words."""
    rules = Rules.from_values(claim.parameters)
    reasons = []
    if claim.pledge_registered_on is None or not claim.registration_reference:
        reasons.append(Reason("registration_missing", _("No registered pledge of this loan is on record.")))
    reasons += [
        Reason(item["code"], item["message"])
        for item in reasons_for(
            rules,
            npl_on=claim.npl_on,
            pledge_registered_on=claim.pledge_registered_on or claim.npl_on,
            ip_share=claim.ip_share,
        )
    ]
    if not is_beijing_institution(claim.bank):
        reasons.append(
            Reason(
                "claimant_not_beijing", _("The claimant must be a financial institution set up in Beijing.")
            )
        )
    filed = (claim.submitted_at.date() if claim.submitted_at else None) or today or timezone.localdate()
    end = _claim_window_end(claim)
    if not claim.npl_on <= filed <= end:
        reasons.append(
            Reason(
                "outside_claim_window",
                _("Claims for a loan non-performing since %(npl)s are taken until %(end)s.")
                % {"npl": claim.npl_on, "end": end},
            )
        )
    return reasons


def recalculate(claim: Claim) -> None:
    """Recompute and store the sheet: the loss, each participant's base and payout, the total and the cap,
    and the eligibility codes (an ineligible claim computes to 0.00)."""
    participants = list(claim.participants.order_by("pk"))
    reasons = eligibility(claim)
    result = quote(
        Rules.from_values(claim.parameters),
        npl_principal=claim.npl_principal,
        ip_share=claim.ip_share,
        recovered=claim.recovered,
        npl_on=claim.npl_on,
        pledge_registered_on=claim.pledge_registered_on or claim.npl_on,
        participants=[Participant(str(p.pk), p.share, p.dispersed) for p in participants],
    )
    eligible = not reasons and sum((p.share for p in participants), Decimal("0")) == 1
    payouts = {payout.ref: payout for payout in result.payouts}
    for participant in participants:
        found = payouts.get(str(participant.pk))
        participant.base = found.base if found else Decimal("0.00")
        participant.payout = found.payout if (found and eligible) else Decimal("0.00")
    ClaimParticipant.objects.bulk_update(participants, ["base", "payout"])
    claim.eligible = eligible
    claim.reasons = [reason.code for reason in reasons]
    claim.loss = result.loss
    claim.raw_total = result.raw_total if eligible else Decimal("0.00")
    claim.total = result.total if eligible else Decimal("0.00")
    claim.cap_applied = result.cap_applied and eligible
    claim.calculated_at = timezone.now()
    claim.save()


# --- Opening and editing -----------------------------------------------------------------------------------


def _snapshot(year: int) -> dict:
    try:
        parameter_set = parameter_set_for_year(year)
    except PolicyYearMissing as missing:
        raise RiskcompInvalid(str(missing)) from None
    values = {}
    for name in PARAMETER_FIELDS:
        value = getattr(parameter_set, name)
        values[name] = None if value is None else (value if isinstance(value, int) else str(value))
    return values


def _registration(loan: Loan):
    registered = [
        registration
        for registration in loan.registrations.all()
        if registration.status == RegistrationStatus.REGISTERED and registration.registered_on
    ]
    return max(registered, key=lambda registration: registration.registered_on) if registered else None


@transaction.atomic
def claim_open(*, loan: Loan, actor: User) -> Claim:
    """A draft claim for a non-performing loan of the actor's bank, pre-filled from the loan and its participants."""
    loan = Loan.objects.select_for_update().select_related("bank").get(pk=loan.pk)
    if not in_bank_group(actor, loan.bank):
        raise RiskcompNotAllowed(_("Only the lending bank's officers open a claim for its loan."))
    if loan.status != LoanStatus.NON_PERFORMING or loan.non_performing_on is None:
        raise RiskcompInvalid(
            _(
                "Loan %(ref)s is not classified non-performing: report the classification in its loan facts first."
            )
            % {"ref": loan.reference}
        )
    live = Claim.objects.filter(loan=loan).exclude(status__in=[_S.REJECTED, _S.WITHDRAWN]).first()
    if live is not None:
        raise RiskcompInvalid(
            _("Loan %(ref)s already has claim %(claim)s.") % {"ref": loan.reference, "claim": live.reference}
        )
    today = timezone.localdate()
    registration = _registration(loan)
    claim = Claim.objects.create(
        reference=next_reference(series=SERIES, year=today.year),
        loan=loan,
        bank=loan.bank,
        year=today.year,
        parameters=_snapshot(today.year),
        npl_on=loan.non_performing_on,
        npl_principal=loan.outstanding if loan.outstanding > 0 else loan.principal,
        ip_share=loan.ip_share,
        pledge_registered_on=registration.registered_on if registration else None,
        registration_reference=registration.reference if registration else "",
        created_by=actor,
    )
    group = {loan.bank_id, loan.bank.parent_id} - {None}
    rows = list(loan.participants.select_related("organisation").order_by("pk"))
    if not rows:
        ClaimParticipant.objects.create(
            claim=claim, kind="bank", organisation=loan.bank, name=loan.bank.name, share=1
        )
    for row in rows:
        ClaimParticipant.objects.create(
            claim=claim,
            kind=row.kind,
            organisation=row.organisation,
            name=row.name,
            share=row.risk_share,
            dispersed=row.dispersed,
            confirmation=Confirmation.PENDING
            if row.organisation_id and row.organisation_id not in group
            else Confirmation.NOT_NEEDED,
        )
    ClaimEvent.objects.create(claim=claim, actor=actor, to_status=_S.DRAFT, action="opened")
    recalculate(claim)
    return claim


def _claimant_of(claim: Claim, actor: User) -> None:
    if not in_bank_group(actor, claim.bank):
        raise RiskcompNotAllowed(_("Only the claimant bank's officers change its claim."))


def _editable(claim: Claim) -> None:
    if claim.status not in EDITABLE_STATUSES:
        raise RiskcompInvalid(
            _(
                "The claim is “%(status)s”: it can be changed only as a draft or when a correction is asked for."
            )
            % {"status": claim.get_status_display()}
        )


@transaction.atomic
def claim_update(*, claim: Claim, actor: User, values: dict) -> Claim:
    """The bank's figures: the principal outstanding at non-performance and the recoveries before the claim."""
    claim = locked(claim)
    _claimant_of(claim, actor)
    _editable(claim)
    errors: dict = {}
    principal = _decimal(
        values.get("npl_principal"), field="npl_principal", errors=errors, minimum=Decimal("0.01")
    )
    recovered = _decimal(values.get("recovered"), field="recovered", errors=errors, minimum=Decimal("0"))
    if principal is not None and recovered is not None and recovered > principal * claim.ip_share:
        errors["recovered"] = [_("Recoveries cannot exceed the IP-secured principal.")]
    _raise(errors)
    changed = {}
    for name, value in (("npl_principal", principal), ("recovered", recovered)):
        if getattr(claim, name) != value:
            changed[name] = [str(getattr(claim, name)), str(value)]
            setattr(claim, name, value)
    if changed:
        note(claim, actor=actor, action="edited", details=changed)
    recalculate(claim)
    return claim


@transaction.atomic
def participants_set(*, claim: Claim, actor: User, rows: list[dict]) -> Claim:
    """Replace the participants: kind, institution (optional), name, share and dispersed part each; the
    shares must add up to 1. Institutions with portal accounts other than the claimant confirm theirs."""
    claim = locked(claim)
    _claimant_of(claim, actor)
    _editable(claim)
    errors: dict = {}
    cleaned = []
    group = {claim.bank_id, claim.bank.parent_id} - {None}
    for index, row in enumerate(rows):
        prefix = f"participants.{index}"
        kind = row.get("kind")
        if kind not in dict(ClaimParticipant._meta.get_field("kind").choices):
            errors[f"{prefix}.kind"] = [_("Choose the kind of institution.")]
        organisation = row.get("organisation")
        name = str(row.get("name") or (organisation.name if organisation else "")).strip()[:200]
        if not name:
            errors[f"{prefix}.name"] = [_("This field is required.")]
        share = _decimal(
            row.get("share"),
            field=f"{prefix}.share",
            errors=errors,
            places=4,
            minimum=Decimal("0.0001"),
            maximum=Decimal("1"),
        )
        dispersed = _decimal(
            row.get("dispersed") or "0",
            field=f"{prefix}.dispersed",
            errors=errors,
            places=4,
            minimum=Decimal("0"),
            maximum=Decimal("0.9999"),
        )
        cleaned.append((kind, organisation, name, share, dispersed))
    if not rows:
        errors["participants"] = [_("Add at least the bank itself.")]
    elif not errors and sum(row[3] for row in cleaned) != 1:
        errors["participants"] = [_("The participants' shares must add up to 1.")]
    names = [row[2] for row in cleaned]
    if len(set(names)) != len(names):
        errors.setdefault("participants", []).append(_("Each participant may appear once."))
    _raise(errors)
    claim.participants.all().delete()
    for kind, organisation, name, share, dispersed in cleaned:
        ClaimParticipant.objects.create(
            claim=claim,
            kind=kind,
            organisation=organisation,
            name=name,
            share=share,
            dispersed=dispersed,
            confirmation=Confirmation.PENDING
            if organisation and organisation.pk not in group
            else Confirmation.NOT_NEEDED,
        )
    note(claim, actor=actor, action="participants_set", details={"participants": names})
    recalculate(claim)
    return claim


@transaction.atomic
def evidence_upload(*, claim: Claim, actor: User, item: str, upload) -> Evidence:
    claim = locked(claim)
    _claimant_of(claim, actor)
    _editable(claim)
    errors: dict = {}
    if item not in EvidenceItem.values:
        errors["item"] = [_("Choose the checklist item.")]
    detected = check_document(upload, field="file", errors=errors)
    if upload is None:
        errors["file"] = [_("Choose a file.")]
    _raise(errors)
    evidence = Evidence(claim=claim, item=item, content_type=detected[0], uploaded_by=actor)
    evidence.file_name = store_document(evidence.file, upload, detected[1])
    evidence.save()
    note(claim, actor=actor, action="evidence_uploaded", details={"item": item, "file": evidence.file_name})
    return evidence


# --- Submission, confirmation, withdrawal ---------------------------------------------------------------------


@transaction.atomic
def claim_submit(*, claim: Claim, actor: User) -> Claim:
    """Submit (or answer a correction request): an ineligible claim is refused with its reasons; the
    participants with portal accounts confirm their shares first, then the claim joins the review queue."""
    claim = locked(claim)
    _claimant_of(claim, actor)
    _editable(claim)
    recalculate(claim)
    problems: dict[str, list[str]] = {}
    reasons = eligibility(claim)
    if reasons:
        problems["eligibility"] = [reason.message for reason in reasons]
    uploaded = set(claim.evidence.values_list("item", flat=True))
    missing = [EvidenceItem(item).label for item in REQUIRED_EVIDENCE if item not in uploaded]
    if missing:
        problems["evidence"] = [
            _("Upload: %(items)s.") % {"items": "; ".join(str(label) for label in missing)}
        ]
    if claim.participants.filter(confirmation=Confirmation.DISPUTED).exists():
        problems.setdefault("participants", []).append(_("Settle the shares a participant disputed first."))
    if problems:
        raise RiskcompInvalid(_("The claim cannot be submitted yet."), problems)
    claim.submitted_at = timezone.now()
    pending = claim.participants.filter(confirmation=Confirmation.PENDING).exists()
    move(claim, actor=actor, to=_S.CONFIRMING if pending else _S.SUBMITTED)
    claim.save()
    recalculate(claim)
    if pending:
        tell(
            parties(claim),
            claim,
            _("Please confirm your share in risk compensation claim %(ref)s") % {"ref": claim.reference},
            f"confirm:{claim.submitted_at.timestamp()}",
        )
    else:
        tell(
            reviewers(),
            claim,
            _("Risk compensation claim %(ref)s waits for review") % {"ref": claim.reference},
            f"review:{claim.submitted_at.timestamp()}",
        )
    return claim


@transaction.atomic
def participant_confirm(
    *, participant: ClaimParticipant, actor: User, confirmed: bool, note_text: str = ""
) -> ClaimParticipant:
    """A participant institution confirms its share and dispersed part, or disputes them with a note (the
    claim then goes back to the bank). The last confirmation sends the claim to review."""
    if participant.organisation_id not in own_institution_ids(actor):
        raise RiskcompNotAllowed(_("Only the institution itself confirms its share."))
    claim = locked(participant.claim)
    participant = ClaimParticipant.objects.select_for_update().get(pk=participant.pk)
    if claim.status != _S.CONFIRMING or participant.confirmation != Confirmation.PENDING:
        raise RiskcompInvalid(_("This share is not waiting for your confirmation."))
    text = (note_text or "").strip()
    if not confirmed and not text:
        raise RiskcompInvalid(
            _("Say what is wrong with the share."), {"note": [_("This field is required.")]}
        )
    participant.confirmation = Confirmation.CONFIRMED if confirmed else Confirmation.DISPUTED
    participant.confirmation_note = text
    participant.confirmed_by = actor
    participant.confirmed_at = timezone.now()
    participant.save()
    if not confirmed:
        move(
            claim,
            actor=actor,
            to=_S.CORRECTION,
            reason=text,
            details={"participant": participant.name, "disputed": True},
        )
        claim.save()
        tell(
            parties(claim),
            claim,
            _("%(name)s disputed its share in claim %(ref)s")
            % {"name": participant.name, "ref": claim.reference},
            f"disputed:{participant.pk}:{participant.confirmed_at.timestamp()}",
        )
        return participant
    note(claim, actor=actor, action="share_confirmed", details={"participant": participant.name})
    if not claim.participants.filter(confirmation=Confirmation.PENDING).exists():
        move(claim, actor=None, to=_S.SUBMITTED, reason=_("Every participant confirmed its share."))
        claim.save()
        tell(
            reviewers(),
            claim,
            _("Risk compensation claim %(ref)s waits for review") % {"ref": claim.reference},
            f"review:{participant.confirmed_at.timestamp()}",
        )
    return participant


@transaction.atomic
def claim_withdraw(*, claim: Claim, actor: User, reason: str = "") -> Claim:
    claim = locked(claim)
    _claimant_of(claim, actor)
    move(claim, actor=actor, to=_S.WITHDRAWN, reason=reason)
    claim.save()
    return claim


def eligible_loans(user: User):
    """The non-performing loans of the user's bank with no live claim."""
    from loans.selectors import review_bank_ids

    if not is_claimant(user):
        return Loan.objects.none()
    claimed = Claim.objects.exclude(status__in=[_S.REJECTED, _S.WITHDRAWN]).values("loan_id")
    return (
        Loan.objects.filter(bank_id__in=review_bank_ids(user.organisation), status=LoanStatus.NON_PERFORMING)
        .exclude(pk__in=claimed)
        .select_related("enterprise", "bank")
        .order_by("-non_performing_on", "-pk")
    )
