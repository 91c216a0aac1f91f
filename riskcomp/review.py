"""The IP bureau's review of risk compensation claims (four eyes), the money, and the clawback on recovery.

A first reviewer takes the claim, may ask for a correction, and proposes: approve the calculated payouts
(or lower ones, with a reason) or reject with a reason. A second reviewer, never the first, decides.
Approval reserves the total against the year's fund budget and each institution's payout against its
annual cap, each by one conditional UPDATE under a check constraint, so concurrent approvals never
overspend; what does not fit is refused showing what remains. Finance marks the claim paid.

After payment the bank reports recoveries; the fund's share of each (the fraction it compensated of the
loss, never more than it paid) is split over the participants by their payouts; each confirms its part,
and finance marks the clawback settled.
"""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year
from riskcomp.calculations import clawback
from riskcomp.claims import finance_officers, locked, move, note, parties, tell
from riskcomp.errors import BudgetExceeded, RiskcompInvalid, RiskcompNotAllowed
from riskcomp.models import (
    Claim,
    ClaimStatus,
    ClawbackShare,
    ClawbackStatus,
    Confirmation,
    FundYear,
    InstitutionYear,
    Recovery,
    RecoverySource,
)
from riskcomp.permissions import in_bank_group, is_finance, is_reviewer, own_institution_ids

_S = ClaimStatus
APPROVE, REJECT = "approve", "reject"
ZERO = Decimal("0.00")


def _reviewer(actor: User) -> None:
    if not is_reviewer(actor):
        raise RiskcompNotAllowed(_("Only the IP bureau's reviewers review risk compensation claims."))


def _first(claim: Claim, actor: User) -> None:
    if claim.first_reviewer_id != actor.pk:
        raise RiskcompNotAllowed(
            _("%(name)s is reviewing this claim; only the first reviewer checks and proposes.")
            % {"name": claim.first_reviewer}
        )


def _amount(value, field: str) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise RiskcompInvalid(_("Enter the amount in yuan."), {field: [_("Enter a number.")]}) from None
    if not amount.is_finite() or amount < 0:
        raise RiskcompInvalid(_("Enter the amount in yuan."), {field: [_("Enter at least 0.")]})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def review_start(*, claim: Claim, actor: User) -> Claim:
    _reviewer(actor)
    claim = locked(claim)
    move(claim, actor=actor, to=_S.UNDER_REVIEW)
    claim.first_reviewer = actor
    claim.save()
    tell(
        parties(claim),
        claim,
        _("Risk compensation claim %(ref)s is under review") % {"ref": claim.reference},
        f"review:{timezone.now().timestamp()}",
    )
    return claim


@transaction.atomic
def correction_request(*, claim: Claim, actor: User, message: str) -> Claim:
    _reviewer(actor)
    claim = locked(claim)
    _first(claim, actor)
    message = (message or "").strip()
    if not message:
        raise RiskcompInvalid(_("Say what must be corrected."), {"message": [_("This field is required.")]})
    move(claim, actor=actor, to=_S.CORRECTION, reason=message)
    claim.save()
    tell(
        parties(claim),
        claim,
        _("Risk compensation claim %(ref)s: a correction is requested") % {"ref": claim.reference},
        f"correction:{timezone.now().timestamp()}",
        body=message,
    )
    return claim


@transaction.atomic
def review_propose(
    *, claim: Claim, actor: User, outcome: str, payouts: dict | None = None, reason: str = ""
) -> Claim:
    """Approve the calculated payouts, or lower ones per participant (``payouts``: participant id ->
    amount) with a reason; or reject with a reason."""
    _reviewer(actor)
    claim = locked(claim)
    _first(claim, actor)
    reason = (reason or "").strip()
    participants = list(claim.participants.order_by("pk"))
    if outcome == APPROVE:
        if not claim.eligible or claim.total <= 0:
            raise RiskcompInvalid(_("An ineligible claim can only be proposed for rejection."))
        payouts = payouts or {}
        adjusted = False
        for participant in participants:
            amount = participant.payout
            if str(participant.pk) in payouts or participant.pk in payouts:
                raw = payouts.get(participant.pk, payouts.get(str(participant.pk)))
                amount = _amount(raw, f"payout_{participant.pk}")
                if amount > participant.payout:
                    raise RiskcompInvalid(
                        _("%(name)s: at most the calculated %(calc)s yuan.")
                        % {"name": participant.name, "calc": participant.payout},
                        {f"payout_{participant.pk}": [_("At most %(calc)s.") % {"calc": participant.payout}]},
                    )
            adjusted = adjusted or amount != participant.payout
            participant.proposed_payout = amount
        if adjusted and not reason:
            raise RiskcompInvalid(
                _("Say why the payouts differ from the calculation."),
                {"reason": [_("This field is required.")]},
            )
    elif outcome == REJECT:
        if not reason:
            raise RiskcompInvalid(
                _("Say why the claim should be rejected."), {"reason": [_("This field is required.")]}
            )
        for participant in participants:
            participant.proposed_payout = ZERO
    else:
        raise RiskcompInvalid(_("Choose to approve or to reject."))
    for participant in participants:
        participant.save(update_fields=["proposed_payout"])
    total = sum((participant.proposed_payout for participant in participants), ZERO)
    move(
        claim,
        actor=actor,
        to=_S.PROPOSED,
        reason=reason,
        details={"outcome": outcome, "amount": f"{total:.2f}", "calculated": f"{claim.total:.2f}"},
    )
    claim.proposed_outcome = outcome
    claim.adjustment_reason = reason if outcome == REJECT or total != claim.total else ""
    claim.save()
    return claim


def _year_limits(year: int) -> tuple[Decimal | None, Decimal | None]:
    """(fund budget, per-institution cap) of the year's parameters as they stand now."""
    try:
        parameters = parameter_set_for_year(year)
    except PolicyYearMissing:
        return None, None
    return parameters.riskcomp_fund_annual_budget, parameters.riskcomp_per_institution_annual_cap


def reserve(claim: Claim, amounts: list[tuple[object, Decimal]]) -> None:
    """Reserve ``amounts`` ((participant, amount)) against the claim year's fund and the institutions' caps,
    or refuse with what remains; runs inside the caller's transaction (a refusal undoes every part)."""
    total = sum((amount for _participant, amount in amounts), ZERO)
    budget, cap = _year_limits(claim.year)
    if budget is None:
        raise RiskcompInvalid(
            _("No fund budget is set for %(year)s: the approval waits until the parameters have one.")
            % {"year": claim.year}
        )
    fund, _created = FundYear.objects.get_or_create(year=claim.year, defaults={"budget": budget})
    if fund.budget != budget:
        FundYear.objects.filter(pk=fund.pk, reserved__lte=budget).update(budget=budget)
    # Within the stored budget (the check constraint's) and the parameters' current one, whichever is lower:
    # a budget lowered below what is already reserved stops further approvals.
    fits = FundYear.objects.filter(pk=fund.pk, reserved__lte=F("budget") - total).filter(
        reserved__lte=budget - total
    )
    if not fits.update(reserved=F("reserved") + total):
        fund.refresh_from_db()
        remaining = max(min(fund.budget, budget) - fund.reserved, ZERO)
        raise BudgetExceeded(
            _("The approval of %(amount)s yuan does not fit: %(remaining)s yuan of the %(year)s fund remain.")
            % {"amount": f"{total:,.2f}", "remaining": f"{remaining:,.2f}", "year": claim.year},
            remaining,
        )
    for participant, amount in amounts:
        if participant.organisation_id is None or amount <= 0:
            continue
        row, _created = InstitutionYear.objects.get_or_create(
            year=claim.year, organisation_id=participant.organisation_id, defaults={"cap": cap}
        )
        if row.cap != cap:
            InstitutionYear.objects.filter(pk=row.pk).filter(
                Q(reserved__lte=cap) if cap is not None else Q()
            ).update(cap=cap)
        fits = InstitutionYear.objects.filter(pk=row.pk).filter(
            Q(cap__isnull=True) | Q(reserved__lte=F("cap") - amount)
        )
        if cap is not None:
            fits = fits.filter(reserved__lte=cap - amount)
        if not fits.update(reserved=F("reserved") + amount):
            row.refresh_from_db()
            limit = min(value for value in (row.cap, cap) if value is not None)
            remaining = max(limit - row.reserved, ZERO)
            raise BudgetExceeded(
                _(
                    "%(name)s: %(amount)s yuan does not fit its annual cap; %(remaining)s yuan of it remain in %(year)s."
                )
                % {
                    "name": participant.name,
                    "amount": f"{amount:,.2f}",
                    "remaining": f"{remaining:,.2f}",
                    "year": claim.year,
                },
                remaining,
            )


@transaction.atomic
def review_decide(*, claim: Claim, actor: User, approve: bool, reason: str = "") -> Claim:
    """The second reviewer confirms the proposal (approval reserves the money) or returns it with a reason."""
    _reviewer(actor)
    claim = locked(claim)
    if claim.status != _S.PROPOSED:
        raise RiskcompInvalid(_("There is no proposal waiting for a decision."))
    if actor.pk == claim.first_reviewer_id:
        raise RiskcompNotAllowed(_("You proposed this: a second reviewer must decide (four eyes)."))
    reason = (reason or "").strip()
    if not approve:
        if not reason:
            raise RiskcompInvalid(
                _("Say why the proposal goes back."), {"reason": [_("This field is required.")]}
            )
        move(claim, actor=actor, to=_S.UNDER_REVIEW, reason=reason, details={"returned": True})
        claim.save()
        return claim
    now = timezone.now()
    participants = list(claim.participants.order_by("pk"))
    if claim.proposed_outcome == REJECT:
        move(claim, actor=actor, to=_S.REJECTED, reason=reason or claim.adjustment_reason)
        claim.second_reviewer, claim.decided_at = actor, now
        claim.save()
        tell(
            parties(claim),
            claim,
            _("Risk compensation claim %(ref)s was rejected") % {"ref": claim.reference},
            "rejected",
        )
        return claim
    amounts = [(participant, participant.proposed_payout or ZERO) for participant in participants]
    reserve(claim, amounts)
    total = sum((amount for _participant, amount in amounts), ZERO)
    for participant, amount in amounts:
        participant.approved_payout = amount
        participant.save(update_fields=["approved_payout"])
    move(claim, actor=actor, to=_S.APPROVED, reason=reason, details={"amount": f"{total:.2f}"})
    claim.second_reviewer, claim.decided_at, claim.approved_total = actor, now, total
    claim.save()
    tell(
        parties(claim) + finance_officers(),
        claim,
        _("Risk compensation claim %(ref)s was approved: %(amount)s yuan")
        % {"ref": claim.reference, "amount": f"{total:,.2f}"},
        "approved",
    )
    return claim


@transaction.atomic
def claim_mark_paid(*, claim: Claim, actor: User, paid_on: date) -> Claim:
    if not is_finance(actor):
        raise RiskcompNotAllowed(_("Only the finance bureau's officers mark compensation paid."))
    claim = locked(claim)
    if not isinstance(paid_on, date) or paid_on > timezone.localdate():
        raise RiskcompInvalid(
            _("Enter the day the money was paid (not in the future)."), {"paid_on": [_("Not in the future.")]}
        )
    move(claim, actor=actor, to=_S.PAID, details={"paid_on": str(paid_on)})
    claim.paid_on = paid_on
    claim.save()
    FundYear.objects.filter(year=claim.year).update(paid=F("paid") + claim.approved_total)
    tell(
        parties(claim),
        claim,
        _("Risk compensation claim %(ref)s was paid: %(amount)s yuan")
        % {"ref": claim.reference, "amount": f"{claim.approved_total:,.2f}"},
        "paid",
    )
    return claim


# --- Recovery and clawback --------------------------------------------------------------------------------


def _pending_clawback(claim: Claim) -> Decimal:
    return (
        claim.recoveries.exclude(status=ClawbackStatus.SETTLED).aggregate(total=Sum("fund_share"))["total"]
        or ZERO
    )


@transaction.atomic
def recovery_report(
    *, claim: Claim, actor: User, amount, received_on: date, source: str, note_text: str = ""
) -> Recovery:
    """The bank reports money recovered on a compensated loan; the fund's share is computed and split."""
    claim = locked(claim)
    if not in_bank_group(actor, claim.bank):
        raise RiskcompNotAllowed(_("Only the claimant bank reports recoveries."))
    if claim.status != _S.PAID:
        raise RiskcompInvalid(_("Recoveries are reported once the compensation has been paid."))
    errors: dict[str, list[str]] = {}
    try:
        value = _amount(amount, "amount")
    except RiskcompInvalid as problem:
        errors.update(problem.errors)
        value = None
    if value is not None and value <= 0:
        errors["amount"] = [_("Enter more than 0.")]
    if not isinstance(received_on, date) or received_on > timezone.localdate():
        errors["received_on"] = [_("Enter the day the money came in (not in the future).")]
    if source not in RecoverySource.values:
        errors["source"] = [_("Choose where the money came from.")]
    if errors:
        raise RiskcompInvalid(_("The recovery was not recorded: correct the fields marked."), errors)
    participants = list(claim.participants.order_by("pk"))
    due, shares = clawback(
        recovery=value,
        paid=claim.approved_total,
        loss=claim.loss,
        clawed_so_far=claim.clawed_back + _pending_clawback(claim),
        payouts=[participant.approved_payout or ZERO for participant in participants],
    )
    recovery = Recovery.objects.create(
        claim=claim,
        amount=value,
        received_on=received_on,
        source=source,
        note=(note_text or "").strip(),
        fund_share=due,
        reported_by=actor,
        status=ClawbackStatus.CONFIRMING if due > 0 else ClawbackStatus.SETTLED,
        settled_on=None if due > 0 else received_on,
    )
    now = timezone.now()
    for participant, share in zip(participants, shares, strict=True):
        needs = (
            participant.organisation_id is not None
            and share > 0
            and participant.confirmation != Confirmation.NOT_NEEDED
        )
        ClawbackShare.objects.create(
            recovery=recovery,
            participant=participant,
            amount=share,
            confirmed_at=None if needs else now,
            confirmed_by=None if needs else actor,
        )
    _confirmed_if_done(recovery)
    note(
        claim,
        actor=actor,
        action="recovery_reported",
        details={"amount": f"{value:.2f}", "fund_share": f"{due:.2f}", "recovery": recovery.pk},
    )
    tell(
        parties(claim),
        claim,
        _("Recovery on claim %(ref)s: %(due)s yuan due back to the fund")
        % {"ref": claim.reference, "due": f"{due:,.2f}"},
        f"recovery:{recovery.pk}",
    )
    return recovery


def _confirmed_if_done(recovery: Recovery) -> None:
    if (
        recovery.status == ClawbackStatus.CONFIRMING
        and not recovery.shares.filter(confirmed_at=None).exists()
    ):
        recovery.status = ClawbackStatus.CONFIRMED
        recovery.save(update_fields=["status"])


@transaction.atomic
def clawback_confirm(*, share: ClawbackShare, actor: User) -> ClawbackShare:
    if share.participant.organisation_id not in own_institution_ids(actor):
        raise RiskcompNotAllowed(_("Only the institution itself confirms its part of the clawback."))
    share = ClawbackShare.objects.select_for_update().select_related("recovery").get(pk=share.pk)
    if share.confirmed_at is not None:
        raise RiskcompInvalid(_("This part is already confirmed."))
    share.confirmed_by, share.confirmed_at = actor, timezone.now()
    share.save(update_fields=["confirmed_by", "confirmed_at"])
    _confirmed_if_done(share.recovery)
    note(
        share.recovery.claim,
        actor=actor,
        action="clawback_confirmed",
        details={"participant": share.participant.name, "amount": f"{share.amount:.2f}"},
    )
    return share


@transaction.atomic
def clawback_settle(*, recovery: Recovery, actor: User, settled_on: date) -> Recovery:
    """Finance records that the participants paid the fund its share back."""
    if not is_finance(actor):
        raise RiskcompNotAllowed(_("Only the finance bureau's officers settle clawbacks."))
    recovery = Recovery.objects.select_for_update().get(pk=recovery.pk)
    if recovery.status != ClawbackStatus.CONFIRMED:
        raise RiskcompInvalid(_("The clawback is settled once every participant has confirmed its part."))
    if not isinstance(settled_on, date) or settled_on > timezone.localdate():
        raise RiskcompInvalid(
            _("Enter the day the money came back (not in the future)."),
            {"settled_on": [_("Not in the future.")]},
        )
    claim = locked(recovery.claim)
    recovery.status, recovery.settled_on = ClawbackStatus.SETTLED, settled_on
    recovery.save(update_fields=["status", "settled_on"])
    Claim.objects.filter(pk=claim.pk).update(clawed_back=F("clawed_back") + recovery.fund_share)
    FundYear.objects.filter(year=claim.year).update(recovered=F("recovered") + recovery.fund_share)
    note(
        claim,
        actor=actor,
        action="clawback_settled",
        details={"amount": f"{recovery.fund_share:.2f}", "settled_on": str(settled_on)},
    )
    tell(
        parties(claim),
        claim,
        _("The clawback on claim %(ref)s is settled") % {"ref": claim.reference},
        f"settled:{recovery.pk}",
    )
    return recovery
