"""Banks' feedback on published whitelist entries, overdue feedback and its reminders, the conversion
funnel, and banks' recommendations of enterprises (issue 5).

- A bank reports, per published entry of a batch delivered to it, what it did: contacted, credit granted
  (an amount), declined (a reason code), loan disbursed (one of its loans to that enterprise). Several
  reports per entry are normal (contacted, then granted, then disbursed); all are kept. The bank recorded
  is always the reporting user's head office: a delivery is to a head office for its whole group.
- The feedback is due on the batch's ``feedback_due_on`` (publication plus the year's whitelist feedback
  time in working days, fixed at publication). ``feedback_reminders`` warns banks three working days
  ahead and once the date has passed; notifications carry a dedupe key, so running it twice sends nothing
  new.
- The funnel counts enterprises (published entries), each once however many banks report on it:
  published -> contacted -> granted -> disbursed, a later step implying the earlier ones. Timeliness looks
  at the first report on each entry (by the day it was reported, not the day the bank says it happened,
  which a bank could backdate).
- A recommendation is a bank's proposal of an enterprise for the whitelist; IP bureau staff accept it
  into the next screening or decline it with a reason (``RECOMMENDATION_TRANSITIONS``).

Bank B never sees bank A's feedback or recommendations; a bank that has no delivery of a batch (created
after its publication) sees none of its entries.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate
from django.db.models.lookups import GreaterThan, LessThanOrEqual
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loans.selectors import loan_scope
from portal.accounts.models import Membership, Organisation, OrgKind, User
from portal.accounts.selectors import bank_scope_ids
from portal.audit.scope import get_in_scope
from portal.identifiers.uscc import check_uscc
from portal.locks import single_run
from portal.notifications.services import notify
from portal.workdays.services import add_working_days
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import (
    RECOMMENDATION_TRANSITIONS,
    Batch,
    BatchEntry,
    BatchStatus,
    DeclineCode,
    Delivery,
    Feedback,
    FeedbackKind,
    Recommendation,
    RecommendationEvent,
    RecommendationStatus,
)
from whitelist.permissions import (
    BANK_REPORTING_ROLES,
    acting_organisation,
    can_decide_recommendation,
    can_recommend,
    can_report_feedback,
    is_report_viewer,
    is_whitelist_staff,
    reporting_bank,
)

REMINDER_WORKING_DAYS = 3  # "reminders before the deadline": this many working days ahead
MAX_AMOUNT = Decimal("999999999999.99")  # Feedback.amount: 14 digits, 2 after the point
CENT = Decimal("0.01")
TEXT_MAX = 2000  # reason, IP offered, decision reason


# --- Reads --------------------------------------------------------------------------------------------


def _delivered_to(bank: Organisation):
    """Entries of a batch delivered to ``bank`` (a head office)."""
    return Exists(Delivery.objects.filter(batch=OuterRef("batch"), bank=bank))


def entry_scope(user: User) -> QuerySet[BatchEntry]:
    """Published entries the user may see: a bank those of the batches delivered to its head office; IP
    bureau staff and the joint-meeting office all; nobody else any."""
    entries = BatchEntry.objects.filter(published=True, batch__status=BatchStatus.PUBLISHED)
    if (bank := reporting_bank(user)) is not None:
        return entries.filter(_delivered_to(bank))
    if is_report_viewer(user):
        return entries
    return entries.none()


def entry_get_for_user(*, user: User, pk: int) -> BatchEntry:
    """The published entry with its batch and enterprise, or 404 outside the user's scope."""
    return get_in_scope(entry_scope(user).select_related("batch", "enterprise"), pk)


def feedback_scope(user: User) -> QuerySet[Feedback]:
    """Feedback the user may see: a bank its group's; IP bureau staff and the joint-meeting office all."""
    queryset = Feedback.objects.all()
    organisation = acting_organisation(user)
    if organisation is not None and organisation.kind == OrgKind.BANK:
        return queryset.filter(bank_id__in=bank_scope_ids(organisation))
    if is_report_viewer(user):
        return queryset
    return queryset.none()


def feedback_for_entry(*, user: User, entry: BatchEntry) -> QuerySet[Feedback]:
    """The entry's feedback the user may see, oldest first."""
    return (
        feedback_scope(user)
        .filter(entry=entry)
        .select_related("bank", "loan", "reported_by")
        .order_by("reported_at", "pk")
    )


def recommendation_scope(user: User) -> QuerySet[Recommendation]:
    """A bank its group's recommendations; IP bureau staff all; nobody else any."""
    queryset = Recommendation.objects.all()
    organisation = acting_organisation(user)
    if organisation is not None and organisation.kind == OrgKind.BANK:
        return queryset.filter(bank_id__in=bank_scope_ids(organisation))
    if is_whitelist_staff(user):
        return queryset
    return queryset.none()


def recommendation_list(*, user: User, filters: dict | None = None) -> QuerySet[Recommendation]:
    queryset = recommendation_scope(user).select_related("bank", "enterprise", "created_by")
    filters = filters or {}
    if (status := filters.get("status")) in RecommendationStatus.values:
        queryset = queryset.filter(status=status)
    return queryset.order_by("-created_at", "-pk")


def recommendation_get_for_user(*, user: User, pk: int) -> Recommendation:
    return get_in_scope(
        recommendation_scope(user).select_related("bank", "enterprise", "created_by", "decided_by"), pk
    )


# --- Overdue feedback ---------------------------------------------------------------------------------


def _no_feedback_from_bank():
    """For a BatchEntry queryset inside a Delivery subquery: no feedback from the delivery's bank yet."""
    return ~Exists(Feedback.objects.filter(entry=OuterRef("pk"), bank=OuterRef(OuterRef("bank"))))


def _missing_count():
    """Per delivery: its published entries with no feedback from its bank (a correlated COUNT)."""
    missing = (
        BatchEntry.objects.filter(batch=OuterRef("batch"), published=True)
        .filter(_no_feedback_from_bank())
        .order_by()
        .values("batch")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(missing, output_field=IntegerField()), 0)


def _deliveries_missing_feedback() -> QuerySet[Delivery]:
    return (
        Delivery.objects.filter(batch__status=BatchStatus.PUBLISHED, batch__feedback_due_on__isnull=False)
        .annotate(missing=_missing_count())
        .filter(missing__gt=0)
        .select_related("bank", "batch")
    )


@dataclass(frozen=True)
class OverdueBatch:
    batch: Batch
    due_on: date
    missing: int


@dataclass(frozen=True)
class OverdueBank:
    bank: Organisation
    missing: int
    batches: list[OverdueBatch]


def overdue_feedback(today: date | None = None, *, bank: Organisation | None = None) -> list[OverdueBank]:
    """Per bank (head office, by name): the published entries of its deliveries that have no feedback
    from it and whose batch's feedback date is before ``today``, counted per batch. ``bank`` narrows it
    to one bank."""
    today = today or timezone.localdate()
    deliveries = _deliveries_missing_feedback().filter(batch__feedback_due_on__lt=today)
    if bank is not None:
        deliveries = deliveries.filter(bank=bank)
    grouped: dict[int, list[Delivery]] = {}
    for delivery in deliveries.order_by("bank__name", "bank_id", "batch__number"):
        grouped.setdefault(delivery.bank_id, []).append(delivery)
    return [
        OverdueBank(
            bank=rows[0].bank,
            missing=sum(row.missing for row in rows),
            batches=[OverdueBatch(row.batch, row.batch.feedback_due_on, row.missing) for row in rows],
        )
        for rows in grouped.values()
    ]


def awaiting_feedback(*, bank: Organisation, overdue_on: date | None = None) -> QuerySet[BatchEntry]:
    """The published entries of ``bank``'s deliveries it has not reported on yet, earliest due first;
    with ``overdue_on``, only those whose feedback date is before that day."""
    entries = (
        BatchEntry.objects.filter(published=True, batch__status=BatchStatus.PUBLISHED)
        .filter(_delivered_to(bank))
        .exclude(Exists(Feedback.objects.filter(entry=OuterRef("pk"), bank=bank)))
        .select_related("batch", "enterprise")
    )
    if overdue_on is not None:
        entries = entries.filter(batch__feedback_due_on__lt=overdue_on)
    return entries.order_by("batch__feedback_due_on", "batch__number", "enterprise__name", "pk")


def overdue_entries(*, bank: Organisation, today: date | None = None) -> QuerySet[BatchEntry]:
    return awaiting_feedback(bank=bank, overdue_on=today or timezone.localdate())


# --- The funnel ---------------------------------------------------------------------------------------

# An entry is contacted once the bank reports anything but "declined: could not be reached".
_CONTACTED = Q(
    kind__in=[FeedbackKind.CONTACTED, FeedbackKind.CREDIT_GRANTED, FeedbackKind.LOAN_DISBURSED]
) | (Q(kind=FeedbackKind.DECLINED) & ~Q(decline_code=DeclineCode.UNREACHABLE))
_GRANTED = Q(kind__in=[FeedbackKind.CREDIT_GRANTED, FeedbackKind.LOAN_DISBURSED])


@dataclass(frozen=True)
class Funnel:
    published: int
    contacted: int
    granted: int
    disbursed: int
    declined: int  # declined and granted by no bank in the selection
    on_time: int  # first report on or before the batch's feedback date
    late: int
    missing: int  # no report yet
    missing_overdue: int  # of which the feedback date has passed

    @staticmethod
    def _rate(part: int, whole: int) -> Decimal | None:
        if not whole:
            return None
        return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)

    @property
    def contact_rate(self) -> Decimal | None:
        return self._rate(self.contacted, self.published)

    @property
    def grant_rate(self) -> Decimal | None:
        return self._rate(self.granted, self.published)

    @property
    def disbursal_rate(self) -> Decimal | None:
        return self._rate(self.disbursed, self.published)

    @property
    def on_time_rate(self) -> Decimal | None:
        return self._rate(self.on_time, self.published)


def funnel(batch: Batch | None = None, bank: Organisation | None = None, today: date | None = None) -> Funnel:
    """The funnel over the published entries of ``batch`` (else every published batch), counting the
    feedback of ``bank`` (a head office; its deliveries only) or else of every bank. One query."""
    today = today or timezone.localdate()
    entries = BatchEntry.objects.filter(published=True, batch__status=BatchStatus.PUBLISHED)
    feedback = Feedback.objects.filter(entry=OuterRef("pk"))
    if batch is not None:
        entries = entries.filter(batch=batch)
    if bank is not None:
        entries = entries.filter(_delivered_to(bank))
        feedback = feedback.filter(bank=bank)
    first_on = Subquery(
        feedback.order_by("reported_at", "pk").annotate(on=TruncDate("reported_at")).values("on")[:1]
    )
    granted = Exists(feedback.filter(_GRANTED))
    figures = entries.aggregate(
        published=Count("pk"),
        contacted=Count("pk", filter=Exists(feedback.filter(_CONTACTED))),
        granted=Count("pk", filter=granted),
        disbursed=Count("pk", filter=Exists(feedback.filter(kind=FeedbackKind.LOAN_DISBURSED))),
        declined=Count("pk", filter=Q(Exists(feedback.filter(kind=FeedbackKind.DECLINED))) & ~Q(granted)),
        on_time=Count("pk", filter=LessThanOrEqual(first_on, F("batch__feedback_due_on"))),
        late=Count("pk", filter=GreaterThan(first_on, F("batch__feedback_due_on"))),
        missing=Count("pk", filter=~Exists(feedback)),
        missing_overdue=Count("pk", filter=~Q(Exists(feedback)) & Q(batch__feedback_due_on__lt=today)),
    )
    return Funnel(**figures)


@dataclass(frozen=True)
class FunnelRow:
    label: str
    figures: Funnel


@dataclass(frozen=True)
class FunnelReport:
    batch: Batch | None  # the batch chosen, or None for all
    total: Funnel
    by_batch: list[FunnelRow]
    by_bank: list[FunnelRow]


def funnel_report(*, batch: Batch | None = None, today: date | None = None) -> FunnelReport:
    """The funnel in total, per published batch and per bank (head offices with a delivery), over
    ``batch`` or every published batch. The page and the Excel file both show exactly this."""
    today = today or timezone.localdate()
    batches = Batch.objects.filter(status=BatchStatus.PUBLISHED).order_by("-number")
    if batch is not None:
        batches = batches.filter(pk=batch.pk)
    banks = Organisation.objects.filter(
        pk__in=Delivery.objects.filter(batch__in=batches).values("bank_id")
    ).order_by("name", "pk")
    return FunnelReport(
        batch=batch,
        total=funnel(batch, today=today),
        by_batch=[FunnelRow(str(item), funnel(item, today=today)) for item in batches],
        by_bank=[FunnelRow(item.name, funnel(batch, item, today=today)) for item in banks],
    )


def funnel_columns() -> list[tuple[str, str]]:
    """(attribute of Funnel, heading), in the order the page and the Excel file show them."""
    return [
        ("published", _("Published")),
        ("contacted", _("Contacted")),
        ("granted", _("Credit granted")),
        ("disbursed", _("Loan disbursed")),
        ("declined", _("Declined")),
        ("contact_rate", _("Contacted (%)")),
        ("grant_rate", _("Granted (%)")),
        ("disbursal_rate", _("Disbursed (%)")),
        ("on_time", _("Feedback on time")),
        ("late", _("Feedback late")),
        ("missing", _("No feedback yet")),
        ("missing_overdue", _("Of which overdue")),
        ("on_time_rate", _("On time (%)")),
    ]


def funnel_sections(report: FunnelReport) -> list[dict]:
    """The report as tables of plain values: [{"title", "first", "headings", "rows": [[label, v, ...]]}].
    The page renders these and the Excel export writes them, so the two never differ."""
    columns = funnel_columns()
    headings = [heading for _name, heading in columns]

    def row(label: str, figures: Funnel) -> list:
        return [label, *(getattr(figures, name) for name, _heading in columns)]

    total_label = str(report.batch) if report.batch else _("All published batches")
    return [
        {
            "key": "total",
            "title": _("Total"),
            "first": _("Selection"),
            "headings": headings,
            "rows": [row(total_label, report.total)],
        },
        {
            "key": "batch",
            "title": _("Per batch"),
            "first": _("Batch"),
            "headings": headings,
            "rows": [row(item.label, item.figures) for item in report.by_batch],
        },
        {
            "key": "bank",
            "title": _("Per bank"),
            "first": _("Bank"),
            "headings": headings,
            "rows": [row(item.label, item.figures) for item in report.by_bank],
        },
    ]


# --- Writes: feedback ---------------------------------------------------------------------------------


def _amount(value) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return None
    if not amount.is_finite():
        return None
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


@transaction.atomic
def feedback_record(
    *,
    entry: BatchEntry,
    actor: User,
    kind: str,
    occurred_on: date,
    amount=None,
    decline_code: str = "",
    loan=None,
    note: str = "",
) -> Feedback:
    """Record what the actor's bank did with one published entry. The bank recorded is the actor's head
    office (the delivery is the group's). Only the fields the kind uses are stored: an amount for credit
    granted (and optionally for a loan disbursed), a reason code for a decline, a loan for a disbursal."""
    allowed, reason = can_report_feedback(actor)
    if not allowed:
        raise WhitelistNotAllowed(reason)
    bank = reporting_bank(actor)
    entry = BatchEntry.objects.select_related("batch", "enterprise").get(pk=entry.pk)
    if not Delivery.objects.filter(batch_id=entry.batch_id, bank=bank).exists():
        raise WhitelistNotAllowed(_("Your bank did not receive this whitelist batch."))
    if not entry.published or entry.batch.status != BatchStatus.PUBLISHED:
        raise WhitelistValidationError(_("Feedback is only reported on enterprises the whitelist published."))
    note = (note or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in FeedbackKind.values:
        errors["kind"] = [_("Choose what happened.")]
    today = timezone.localdate()
    if not isinstance(occurred_on, date):
        errors["occurred_on"] = [_("Enter the date it happened.")]
    elif occurred_on > today:
        errors["occurred_on"] = [_("The date cannot be in the future.")]
    elif entry.batch.published_at and occurred_on < timezone.localdate(entry.batch.published_at):
        errors["occurred_on"] = [
            _("The date cannot be before the batch was published (%(date)s).")
            % {"date": timezone.localdate(entry.batch.published_at).isoformat()}
        ]
    if len(note) > Feedback._meta.get_field("note").max_length:
        errors["note"] = [_("Keep the note to 300 characters.")]
    value = _amount(amount)
    if amount not in (None, "") and (value is None or value <= 0 or value > MAX_AMOUNT):
        errors["amount"] = [_("Enter an amount in yuan above zero.")]
    elif kind == FeedbackKind.CREDIT_GRANTED and value is None:
        errors["amount"] = [_("Enter the credit granted, in yuan.")]
    if kind == FeedbackKind.DECLINED:
        if decline_code not in DeclineCode.values:
            errors["decline_code"] = [_("Choose why the bank declined.")]
        elif decline_code == DeclineCode.OTHER and not note:
            errors["note"] = [_("Explain the other reason in the note.")]
    if kind == FeedbackKind.LOAN_DISBURSED:
        if loan is None:
            errors["loan"] = [_("Choose the loan that was disbursed.")]
        elif not loan_scope(user=actor).filter(pk=loan.pk, enterprise_id=entry.enterprise_id).exists():
            errors["loan"] = [_("The loan must be one of your bank's loans to this enterprise.")]
    if errors:
        first = next(iter(errors.values()))[0]
        raise WhitelistValidationError(first, errors)
    return Feedback.objects.create(
        entry=entry,
        bank=bank,
        kind=kind,
        amount=value if kind in (FeedbackKind.CREDIT_GRANTED, FeedbackKind.LOAN_DISBURSED) else None,
        decline_code=decline_code if kind == FeedbackKind.DECLINED else "",
        loan=loan if kind == FeedbackKind.LOAN_DISBURSED else None,
        occurred_on=occurred_on,
        note=note,
        reported_by=actor,
    )


# --- Writes: recommendations ----------------------------------------------------------------------


@transaction.atomic
def recommendation_create(
    *, actor: User, enterprise_uscc: str, enterprise_name: str, reason: str, ip_offered: str = ""
) -> Recommendation:
    """A bank's recommendation of an enterprise (by credit code), linked to the enterprise when it is
    registered on the portal. One open recommendation per bank and enterprise."""
    allowed, why = can_recommend(actor)
    if not allowed:
        raise WhitelistNotAllowed(why)
    bank = reporting_bank(actor)
    errors: dict[str, list[str]] = {}
    code = ""
    if not (enterprise_uscc or "").strip():
        errors["enterprise_uscc"] = [_("Enter the enterprise's unified social credit code.")]
    else:
        checked = check_uscc(enterprise_uscc)
        if checked.valid:
            code = checked.normalized
        else:
            errors["enterprise_uscc"] = [
                _("This is not a valid credit code: %(reason)s") % {"reason": checked.message}
            ]
    enterprise = (
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE, uscc=code, is_active=True).first()
        if code
        else None
    )
    name = (enterprise_name or "").strip() or (enterprise.name if enterprise else "")
    if not name:
        errors["enterprise_name"] = [_("Enter the enterprise's name.")]
    elif len(name) > Recommendation._meta.get_field("enterprise_name").max_length:
        errors["enterprise_name"] = [_("Keep the name to 200 characters.")]
    reason = (reason or "").strip()
    ip_offered = (ip_offered or "").strip()
    if not reason:
        errors["reason"] = [_("Say why your bank recommends the enterprise.")]
    elif len(reason) > TEXT_MAX:
        errors["reason"] = [_("Keep the reason to 2000 characters.")]
    if len(ip_offered) > TEXT_MAX:
        errors["ip_offered"] = [_("Keep the IP offered to 2000 characters.")]
    if errors:
        raise WhitelistValidationError(next(iter(errors.values()))[0], errors)
    # Serialises a bank's recommendations so two clicks cannot open two for the same enterprise.
    Organisation.objects.select_for_update().filter(pk=bank.pk).first()
    if Recommendation.objects.filter(
        bank=bank, enterprise_uscc=code, status=RecommendationStatus.SUBMITTED
    ).exists():
        message = _("Your bank already recommended this enterprise; the IP bureau has not decided yet.")
        raise WhitelistValidationError(message, {"enterprise_uscc": [message]})
    recommendation = Recommendation.objects.create(
        bank=bank,
        enterprise_uscc=code,
        enterprise=enterprise,
        enterprise_name=name,
        reason=reason,
        ip_offered=ip_offered,
        created_by=actor,
    )
    RecommendationEvent.objects.create(
        recommendation=recommendation, actor=actor, to_status=RecommendationStatus.SUBMITTED
    )
    return recommendation


@transaction.atomic
def recommendation_decide(
    *, recommendation: Recommendation, actor: User, to: str, reason: str = ""
) -> Recommendation:
    """Staff accept a recommendation into the next screening, or decline it (a reason is required)."""
    allowed, why = can_decide_recommendation(actor)
    if not allowed:
        raise WhitelistNotAllowed(why)
    recommendation = Recommendation.objects.select_for_update().get(pk=recommendation.pk)
    roles = RECOMMENDATION_TRANSITIONS.get(recommendation.status, {}).get(to, frozenset())
    if to not in RecommendationStatus.values or actor.role not in roles:
        raise WhitelistValidationError(
            _("A recommendation that is %(status)s cannot be decided again.")
            % {"status": recommendation.get_status_display()}
            if recommendation.status != RecommendationStatus.SUBMITTED
            else _("Choose to accept or to decline the recommendation."),
            {"to": [_("Choose accept or decline.")]}
            if recommendation.status == RecommendationStatus.SUBMITTED
            else {},
        )
    reason = (reason or "").strip()
    if to == RecommendationStatus.DECLINED and not reason:
        message = _("Say why the recommendation is declined: the bank sees the reason.")
        raise WhitelistValidationError(message, {"reason": [message]})
    if len(reason) > TEXT_MAX:
        message = _("Keep the reason to 2000 characters.")
        raise WhitelistValidationError(message, {"reason": [message]})
    RecommendationEvent.objects.create(
        recommendation=recommendation,
        actor=actor,
        from_status=recommendation.status,
        to_status=to,
        reason=reason,
    )
    recommendation.status = to
    recommendation.decided_by = actor
    recommendation.decided_at = timezone.now()
    recommendation.decision_reason = reason
    recommendation.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    _notify_decision(recommendation)
    return recommendation


def _notify_decision(recommendation: Recommendation) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        status = RecommendationStatus(recommendation.status).label
        subject = _("Your whitelist recommendation of %(name)s: %(status)s") % {
            "name": recommendation.enterprise_name,
            "status": status,
        }
        body = _("The IP bureau decided on your recommendation of %(name)s (%(code)s): %(status)s.") % {
            "name": recommendation.enterprise_name,
            "code": recommendation.enterprise_uscc,
            "status": status,
        }
        if recommendation.decision_reason:
            body += "\n" + _("Reason: %(reason)s") % {"reason": recommendation.decision_reason}
    notify(
        recipients=[recommendation.created_by],
        kind=f"whitelist.recommendation.{recommendation.status}",
        template="notice",
        context={"subject": subject, "body": body},
        link=reverse("whitelist:recommendation_detail", args=[recommendation.pk]),
        dedupe_key=f"whitelist-recommendation:{recommendation.pk}:{recommendation.status}",
    )


# --- Reminders ------------------------------------------------------------------------------------


def _bank_recipients(bank: Organisation) -> list[User]:
    """The group's officers and managers: a delivery is the whole group's."""
    user_ids = Membership.objects.filter(
        organisation_id__in=bank_scope_ids(bank),
        role__in=BANK_REPORTING_ROLES,
        is_active=True,
        organisation__is_active=True,
    ).values("user_id")
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def _remind(delivery: Delivery, *, overdue: bool) -> int:
    batch, bank = delivery.batch, delivery.bank
    values = {
        "number": batch.number,
        "date": batch.feedback_due_on.isoformat(),
        "count": delivery.missing,
        "bank": bank.name,
    }
    with translation.override(settings.LANGUAGE_CODE):
        if overdue:
            subject = _("Whitelist batch %(number)s: feedback overdue since %(date)s") % values
            body = (
                _(
                    "%(bank)s has not reported feedback on %(count)s enterprises of whitelist batch %(number)s. "
                    "The feedback was due on %(date)s: please report what the bank did with each of them."
                )
                % values
            )
        else:
            subject = _("Whitelist batch %(number)s: feedback due on %(date)s") % values
            body = (
                _(
                    "%(bank)s has not reported feedback on %(count)s enterprises of whitelist batch %(number)s "
                    "yet. The feedback is due on %(date)s."
                )
                % values
            )
    what = "overdue" if overdue else "due"
    created = notify(
        recipients=_bank_recipients(bank),
        kind=f"whitelist.feedback.{what}",
        template="notice",
        context={"subject": subject, "body": body},
        link=reverse("whitelist:feedback_overdue"),
        dedupe_key=f"whitelist-feedback-{what}:{batch.pk}:{bank.pk}",
    )
    return len(created)


@shared_task(name="whitelist.tasks.feedback_reminders", ignore_result=True)
@single_run("whitelist.tasks.feedback_reminders")
def feedback_reminders(today: date | None = None) -> dict:
    """Remind each bank, once per batch, of entries it has not reported on: when the feedback date is
    within the next working days (``REMINDER_WORKING_DAYS``), and once more when it has passed. Safe to
    run twice or concurrently: every notification has a dedupe key (unique per recipient). Returns how
    many notifications were new."""
    today = today or timezone.localdate()
    horizon = add_working_days(today, REMINDER_WORKING_DAYS).due_date
    deliveries = _deliveries_missing_feedback().filter(bank__is_active=True).order_by("batch_id", "bank_id")
    sent = {"due": 0, "overdue": 0}
    for delivery in deliveries.filter(batch__feedback_due_on__gte=today, batch__feedback_due_on__lte=horizon):
        sent["due"] += _remind(delivery, overdue=False)
    for delivery in deliveries.filter(batch__feedback_due_on__lt=today):
        sent["overdue"] += _remind(delivery, overdue=True)
    return sent
