"""After approval: the public notice (公示) for the batch's configured number of working days, objections
lodged against it and resolved before payment, and the finance bureau's payment lists (exported to
Excel, then marked paid)."""

from datetime import date
from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.services.references import next_reference
from portal.accounts.models import User
from portal.workdays.services import add_working_days
from subsidies.applications import locked, move, tell, tell_enterprise
from subsidies.errors import SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import (
    Application,
    ApplicationStatus,
    Batch,
    Objection,
    ObjectionStatus,
    PaymentList,
    Publicity,
)
from subsidies.permissions import is_batch_manager, is_finance, is_reviewer
from subsidies.review import release

_S = ApplicationStatus
SERIES = "ZF"  # 支付


@transaction.atomic
def publicity_start(*, batch: Batch, actor: User) -> Publicity:
    """Put every approved application of the batch on public notice until the batch's working days pass."""
    if not is_batch_manager(actor):
        raise SubsidyNotAllowed(_("Only the IP bureau publishes the public notice."))
    batch = Batch.objects.select_for_update().get(pk=batch.pk)
    applications = list(
        Application.objects.select_for_update().filter(batch=batch, status=_S.APPROVED).order_by("pk")
    )
    if not applications:
        raise SubsidyInvalid(_("No approved application is waiting for publicity in this batch."))
    today = timezone.localdate()
    publicity = Publicity.objects.create(
        batch=batch,
        starts_on=today,
        ends_on=add_working_days(today, batch.publicity_working_days).due_date,
        created_by=actor,
    )
    publicity.applications.add(*applications)
    for application in applications:
        move(
            application,
            actor=actor,
            to=_S.PUBLICITY,
            details={"publicity": publicity.pk, "until": str(publicity.ends_on)},
        )
        application.save(update_fields=["status", "updated_at"])
        tell_enterprise(
            application,
            f"publicity:{publicity.pk}",
            _("Subsidy application %(ref)s is on public notice until %(day)s")
            % {"ref": application.reference, "day": publicity.ends_on},
        )
    return publicity


def publicity_running(today: date | None = None):
    today = today or timezone.localdate()
    return Publicity.objects.filter(starts_on__lte=today, closed_at__isnull=True).select_related("batch")


@transaction.atomic
def objection_lodge(
    *, publicity: Publicity, application: Application, name: str, contact: str, text: str
) -> Objection:
    """Anyone may object while the notice runs: their name, how to reach them, and what is wrong."""
    errors: dict[str, list[str]] = {}
    values = {"name": (name or "").strip(), "contact": (contact or "").strip(), "text": (text or "").strip()}
    for field, limit in (("name", 100), ("contact", 200), ("text", 4000)):
        if not values[field]:
            errors[field] = [_("This field is required.")]
        elif len(values[field]) > limit:
            errors[field] = [_("At most %(max)d characters.") % {"max": limit}]
    if errors:
        raise SubsidyInvalid(_("The objection was not lodged: correct the fields marked."), errors)
    today = timezone.localdate()
    if publicity.closed_at is not None or not publicity.starts_on <= today <= publicity.ends_on:
        raise SubsidyInvalid(_("This public notice is closed: objections are no longer taken."))
    if not publicity.applications.filter(pk=application.pk, status=_S.PUBLICITY).exists():
        raise SubsidyInvalid(_("This application is not on the notice."))
    objection = Objection.objects.create(publicity=publicity, application=application, **values)
    from subsidies.applications import note, reviewers

    note(application, actor=None, action="objection_lodged", details={"objection": objection.pk})
    tell(
        reviewers(),
        application,
        _("An objection was lodged against subsidy application %(ref)s") % {"ref": application.reference},
        values["text"][:500],
        f"objection:{objection.pk}",
    )
    return objection


@transaction.atomic
def objection_resolve(*, objection: Objection, actor: User, upheld: bool, resolution: str) -> Objection:
    """Upheld: the application goes back to review and its reserved money returns to the budget.
    Dismissed: it stays; once the notice has ended it moves on to payment if nothing else is open."""
    if not is_reviewer(actor):
        raise SubsidyNotAllowed(_("Only the IP bureau's reviewers resolve objections."))
    objection = Objection.objects.select_for_update().get(pk=objection.pk)
    resolution = (resolution or "").strip()
    if objection.status != ObjectionStatus.OPEN:
        raise SubsidyInvalid(_("This objection is already resolved."))
    if not resolution:
        raise SubsidyInvalid(
            _("Say how the objection was resolved."), {"resolution": [_("This field is required.")]}
        )
    application = locked(objection.application)
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution = resolution
    objection.resolved_by = actor
    objection.resolved_at = timezone.now()
    objection.save()
    if upheld and application.status == _S.PUBLICITY:
        amount = application.approved_amount or Decimal("0")
        move(
            application,
            actor=actor,
            to=_S.UNDER_REVIEW,
            reason=resolution,
            details={"objection": objection.pk, "released": f"{amount:.2f}"},
        )
        release(application.batch_id, amount)
        application.approved_amount = None
        application.second_reviewer = None
        application.proposed_amount = None
        application.proposed_outcome = ""
        application.save()
        tell_enterprise(
            application,
            f"objection:{objection.pk}",
            _("An objection to subsidy application %(ref)s was upheld: it is reviewed again")
            % {"ref": application.reference},
        )
    elif application.status == _S.PUBLICITY:
        _pass_if_done(application, objection.publicity, timezone.localdate(), actor)
    return objection


def _pass_if_done(application: Application, publicity: Publicity, today: date, actor) -> bool:
    if publicity.ends_on >= today or application.objections.filter(status=ObjectionStatus.OPEN).exists():
        return False
    move(
        application,
        actor=actor,
        to=_S.PUBLICISED,
        reason=_("The public notice ended with no open objection."),
    )
    application.save(update_fields=["status", "updated_at"])
    tell_enterprise(
        application,
        f"publicised:{publicity.pk}",
        _("The public notice of subsidy application %(ref)s ended: it waits for payment")
        % {"ref": application.reference},
    )
    return True


def publicity_close_due(today: date | None = None) -> int:
    """Notices whose period has ended: unopposed applications move on to payment; the notice closes
    once none of its applications waits on an objection. Returns how many applications moved."""
    today = today or timezone.localdate()
    moved = 0
    for publicity in Publicity.objects.filter(ends_on__lt=today, closed_at__isnull=True).order_by("pk"):
        with transaction.atomic():
            waiting = 0
            for application in (
                publicity.applications.select_for_update().filter(status=_S.PUBLICITY).order_by("pk")
            ):
                if _pass_if_done(application, publicity, today, None):
                    moved += 1
                else:
                    waiting += 1
            if not waiting:
                Publicity.objects.filter(pk=publicity.pk).update(closed_at=timezone.now())
    return moved


# --- Payment --------------------------------------------------------------------------------------------


def _finance(actor: User) -> None:
    if not is_finance(actor):
        raise SubsidyNotAllowed(_("Only the finance bureau's officers handle payment lists."))


@transaction.atomic
def payment_list_create(*, batch: Batch, actor: User) -> PaymentList:
    """Every application of the batch that passed publicity, on one payment list."""
    _finance(actor)
    applications = list(
        Application.objects.select_for_update().filter(batch=batch, status=_S.PUBLICISED).order_by("pk")
    )
    if not applications:
        raise SubsidyInvalid(_("No application of this batch is waiting for payment."))
    payment = PaymentList.objects.create(
        reference=next_reference(series=SERIES, year=timezone.localdate().year),
        batch=batch,
        total=sum((application.approved_amount for application in applications), Decimal("0.00")),
        created_by=actor,
    )
    for application in applications:
        move(application, actor=actor, to=_S.PAYMENT_LISTED, details={"payment_list": payment.reference})
        application.payment = payment
        application.save(update_fields=["status", "payment", "updated_at"])
    return payment


@transaction.atomic
def payment_list_mark_paid(*, payment: PaymentList, actor: User, paid_on: date) -> PaymentList:
    _finance(actor)
    payment = PaymentList.objects.select_for_update().get(pk=payment.pk)
    if payment.paid_on is not None:
        raise SubsidyInvalid(_("This payment list is already marked paid."))
    if not isinstance(paid_on, date) or paid_on > timezone.localdate():
        raise SubsidyInvalid(
            _("Enter the day the money was paid (not in the future)."), {"paid_on": [_("Not in the future.")]}
        )
    applications = list(
        Application.objects.select_for_update()
        .filter(payment=payment, status=_S.PAYMENT_LISTED)
        .order_by("pk")
    )
    now = timezone.now()
    for application in applications:
        move(
            application,
            actor=actor,
            to=_S.PAID,
            details={"payment_list": payment.reference, "paid_on": str(paid_on)},
        )
        application.paid_at = now
        application.save(update_fields=["status", "paid_at", "updated_at"])
        tell_enterprise(
            application,
            "paid",
            _("Subsidy application %(ref)s was paid: %(amount)s yuan")
            % {"ref": application.reference, "amount": f"{application.approved_amount:,.2f}"},
        )
    total = sum((application.approved_amount for application in applications), Decimal("0.00"))
    Batch.objects.filter(pk=payment.batch_id).update(paid=F("paid") + total)
    payment.paid_on = paid_on
    payment.paid_by = actor
    payment.total = total
    payment.save()
    return payment


def payment_rows(payment: PaymentList) -> list[dict]:
    """The rows of the payment list, as the Excel export and the page show them."""
    return [
        {
            "reference": application.reference,
            "enterprise": application.enterprise.name,
            "uscc": application.enterprise.uscc,
            "account_name": application.bank_account_name,
            "account_bank": application.bank_account_bank,
            "account_number": application.bank_account_number,
            "amount": application.approved_amount,
        }
        for application in payment.applications.select_related("enterprise").order_by("pk")
    ]


def payment_total(payment: PaymentList) -> Decimal:
    return payment.applications.aggregate(total=Sum("approved_amount"))["total"] or Decimal("0.00")
