"""Four eyes on every yuan: a first reviewer takes the application, checks the materials item by item,
asks for a correction listing only the failing items, and proposes the amount (an adjustment needs a
reason); a second reviewer, never the first, approves, rejects or returns it. Approval reserves the
money in the batch's budget with one conditional UPDATE, so concurrent approvals can never overspend
(and the database's check constraint would refuse it if they could)."""

from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from subsidies.applications import locked, move, note, required_items, tell_enterprise
from subsidies.errors import BudgetExceeded, SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import Application, ApplicationStatus, Batch, Material, Verdict
from subsidies.permissions import is_reviewer

_S = ApplicationStatus
APPROVE, REJECT = "approve", "reject"


def _reviewer(actor: User) -> None:
    if not is_reviewer(actor):
        raise SubsidyNotAllowed(_("Only the IP bureau's reviewers review subsidy applications."))


def _first(application: Application, actor: User) -> None:
    if application.first_reviewer_id != actor.pk:
        raise SubsidyNotAllowed(
            _("%(name)s is reviewing this application; only the first reviewer checks and proposes.")
            % {"name": application.first_reviewer}
        )


@transaction.atomic
def review_start(*, application: Application, actor: User) -> Application:
    _reviewer(actor)
    application = locked(application)
    move(application, actor=actor, to=_S.UNDER_REVIEW)
    application.first_reviewer = actor
    application.save()
    tell_enterprise(
        application,
        f"review:{timezone.now().timestamp()}",
        _("Your subsidy application %(ref)s is under review") % {"ref": application.reference},
    )
    return application


@transaction.atomic
def material_check(*, material: Material, actor: User, verdict: str, note_text: str = "") -> Material:
    _reviewer(actor)
    application = locked(material.application)
    _first(application, actor)
    if application.status != _S.UNDER_REVIEW:
        raise SubsidyInvalid(_("Materials are checked while the application is under review."))
    if verdict not in (Verdict.OK, Verdict.FAILING):
        raise SubsidyInvalid(_("Choose in order or needs correcting."))
    text = (note_text or "").strip()
    if verdict == Verdict.FAILING and not text:
        raise SubsidyInvalid(_("Say what to correct."), {"note": [_("This field is required.")]})
    material = Material.objects.select_for_update().get(pk=material.pk)
    material.verdict = verdict
    material.note = text if verdict == Verdict.FAILING else ""
    material.save(update_fields=["verdict", "note"])
    note(
        application,
        actor=actor,
        action="material_checked",
        details={"item": material.item.title, "verdict": verdict, "note": material.note},
    )
    return material


def failing_items(application: Application) -> list[Material]:
    return list(application.materials.filter(verdict=Verdict.FAILING).select_related("item"))


@transaction.atomic
def correction_request(*, application: Application, actor: User, message: str = "") -> Application:
    """Send the application back listing only the failing items (and the reviewer's message)."""
    _reviewer(actor)
    application = locked(application)
    _first(application, actor)
    failing = failing_items(application)
    message = (message or "").strip()
    if not failing and not message:
        raise SubsidyInvalid(_("Mark the failing items, or say what must be corrected."))
    items = [{"item": material.item.title, "note": material.note} for material in failing]
    move(application, actor=actor, to=_S.CORRECTION, reason=message, details={"failing": items})
    application.save()
    tell_enterprise(
        application,
        f"correction:{timezone.now().timestamp()}",
        _("Subsidy application %(ref)s: please correct the items listed") % {"ref": application.reference},
    )
    return application


def _amount(value) -> Decimal:
    try:
        amount = value if isinstance(value, Decimal) else Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        raise SubsidyInvalid(_("Enter the amount in yuan."), {"amount": [_("Enter a number.")]}) from None
    if not amount.is_finite() or amount < 0:
        raise SubsidyInvalid(_("Enter the amount in yuan."), {"amount": [_("Enter at least 0.")]})
    return amount.quantize(Decimal("0.01"))


@transaction.atomic
def review_propose(
    *, application: Application, actor: User, outcome: str, amount=None, reason: str = ""
) -> Application:
    """The first reviewer's proposal: approve an amount (the calculation unless adjusted down, with a
    reason) once every required item is in order, or reject with a reason."""
    _reviewer(actor)
    application = locked(application)
    _first(application, actor)
    reason = (reason or "").strip()
    if outcome == APPROVE:
        unchecked = [
            item.title
            for item in required_items(application)
            if not application.materials.filter(item=item, verdict=Verdict.OK).exists()
        ]
        if unchecked:
            raise SubsidyInvalid(
                _("Check every required item first: %(items)s.") % {"items": "; ".join(unchecked)},
                {"materials": unchecked},
            )
        amount = application.calculated if amount in (None, "") else _amount(amount)
        if amount > application.calculated:
            raise SubsidyInvalid(
                _("The amount cannot exceed the calculated subsidy of %(calc)s yuan.")
                % {"calc": application.calculated},
                {"amount": [_("At most %(calc)s.") % {"calc": application.calculated}]},
            )
        if amount != application.calculated and not reason:
            raise SubsidyInvalid(
                _("Say why the amount differs from the calculation."),
                {"reason": [_("This field is required.")]},
            )
        if amount == 0:
            raise SubsidyInvalid(
                _("An approval of 0.00 yuan is a rejection: propose to reject instead."),
                {"amount": [_("Enter more than 0.")]},
            )
    elif outcome == REJECT:
        if not reason:
            raise SubsidyInvalid(
                _("Say why the application should be rejected."), {"reason": [_("This field is required.")]}
            )
        amount = Decimal("0.00")
    else:
        raise SubsidyInvalid(_("Choose to approve or to reject."))
    move(
        application,
        actor=actor,
        to=_S.PROPOSED,
        reason=reason,
        details={
            "outcome": outcome,
            "amount": f"{amount:.2f}",
            "calculated": f"{application.calculated:.2f}",
        },
    )
    application.proposed_outcome = outcome
    application.proposed_amount = amount
    application.adjustment_reason = reason if amount != application.calculated else ""
    application.save()
    return application


def reserve(batch_id: int, amount: Decimal) -> None:
    """Take ``amount`` from the batch's budget, or refuse showing what is left: one conditional UPDATE,
    so two approvals at once can never both fit in money only one of them has."""
    updated = Batch.objects.filter(pk=batch_id, reserved__lte=F("budget") - amount).update(
        reserved=F("reserved") + amount
    )
    if not updated:
        batch = Batch.objects.get(pk=batch_id)
        remaining = batch.budget - batch.reserved
        raise BudgetExceeded(
            _("The approval of %(amount)s yuan does not fit: %(remaining)s yuan of the budget remain.")
            % {"amount": f"{amount:,.2f}", "remaining": f"{remaining:,.2f}"},
            remaining,
        )


def release(batch_id: int, amount: Decimal) -> None:
    Batch.objects.filter(pk=batch_id).update(reserved=F("reserved") - amount)


@transaction.atomic
def review_decide(*, application: Application, actor: User, approve: bool, reason: str = "") -> Application:
    """The second reviewer: confirms the proposal (approve, or reject if rejection was proposed) or
    returns it to the first reviewer with a reason. Never the person who proposed."""
    _reviewer(actor)
    application = locked(application)
    if application.status != _S.PROPOSED:
        raise SubsidyInvalid(_("There is no proposal waiting for a decision."))
    if actor.pk == application.first_reviewer_id:
        raise SubsidyNotAllowed(_("You proposed this amount: a second reviewer must decide (four eyes)."))
    reason = (reason or "").strip()
    now = timezone.now()
    if not approve:
        if not reason:
            raise SubsidyInvalid(
                _("Say why the proposal goes back."), {"reason": [_("This field is required.")]}
            )
        move(application, actor=actor, to=_S.UNDER_REVIEW, reason=reason, details={"returned": True})
        application.save()
        return application
    if application.proposed_outcome == REJECT:
        move(application, actor=actor, to=_S.REJECTED, reason=reason or application.adjustment_reason)
        application.second_reviewer = actor
        application.decided_at = now
        application.save()
        tell_enterprise(
            application,
            "rejected",
            _("Subsidy application %(ref)s was rejected") % {"ref": application.reference},
        )
        return application
    amount = application.proposed_amount
    reserve(application.batch_id, amount)
    move(application, actor=actor, to=_S.APPROVED, reason=reason, details={"amount": f"{amount:.2f}"})
    application.second_reviewer = actor
    application.approved_amount = amount
    application.decided_at = now
    application.save()
    tell_enterprise(
        application,
        "approved",
        _("Subsidy application %(ref)s was approved: %(amount)s yuan")
        % {"ref": application.reference, "amount": f"{amount:,.2f}"},
    )
    return application
