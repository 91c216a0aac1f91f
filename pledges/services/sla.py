"""The SLA clock of a registration case: start it, owe reminders, sweep them, count who was on time.

The clock starts at acceptance and restarts from the day a defect is cured (domain.md §2.1.1, [V-5]);
the due date comes from the policy's service time for the year the clock starts (patent and trademark:
3 working days at the window, 1 online; copyright: 10 calendar days rolled to the next working day).

``due_explanation`` is stored as a list of ``{"date": "YYYY-MM-DD", "reason_zh": ..., "reason_en": ...}``,
one entry per day passed over, with both names so a page shows the reason in the reader's language
(``skipped_days_for_reader``) without recomputing against a calendar that staff may have edited since.

Reminder rows (``SlaReminder``) are created when the clock starts, one per configured point. Pending rows
exist only for open cases: a case that leaves the open set, or whose clock restarts on another day, has
its unsent rows removed, so the sweep's cost follows the open cases and never the history.
"""

import logging
import math
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncMonth
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pledges.errors import ServiceTimeUnavailable
from pledges.models import (
    CLOCK_RUNNING,
    PledgeRegistration,
    ReminderPoint,
    SlaReminder,
)
from portal.accounts.models import Membership, Organisation, OrgKind, Role
from portal.notifications.services import notify
from portal.policy.errors import PolicyError
from portal.policy.models import DayBasis, TargetKind
from portal.policy.selectors import service_time
from portal.workdays.services import DueDate, add_calendar_days_rolled, add_working_days, is_workday

logger = logging.getLogger(__name__)

User = get_user_model()

# The points a deployment may switch on (settings.SLA_REMINDER_POINTS); the escalation to the
# supervisor is always owed: an overdue case must reach someone who can reassign it.
CONFIGURABLE_POINTS = frozenset({ReminderPoint.HALF_TIME, ReminderPoint.DUE_TODAY, ReminderPoint.OVERDUE})

STAT_GROUPS = ("commissioner", "channel", "ip_kind", "month", "office")

_RATE_PLACES = Decimal("0.0001")


# ---------------------------------------------------------------------------------------------------
# Configuration


def reminder_points() -> list[str]:
    points = [point for point in settings.SLA_REMINDER_POINTS if point]
    unknown = sorted(set(points) - CONFIGURABLE_POINTS)
    if unknown:
        raise ImproperlyConfigured(
            f"SLA_REMINDER_POINTS may list {sorted(CONFIGURABLE_POINTS)}; got unknown {unknown}"
        )
    return [*dict.fromkeys(points), ReminderPoint.ESCALATED]


def office_hours() -> tuple[time, time]:
    """``settings.SLA_OFFICE_HOURS`` ("09:00-17:30") as (opens, closes); reminders wait outside them."""
    value = settings.SLA_OFFICE_HOURS
    opens, _sep, closes = value.partition("-")
    try:
        start, end = time.fromisoformat(opens.strip()), time.fromisoformat(closes.strip())
    except ValueError:
        raise ImproperlyConfigured(f"SLA_OFFICE_HOURS must look like 09:00-17:30; got {value!r}") from None
    if start >= end:
        raise ImproperlyConfigured(f"SLA_OFFICE_HOURS must open before it closes; got {value!r}")
    return start, end


# ---------------------------------------------------------------------------------------------------
# The clock


@dataclass(frozen=True)
class Deadline:
    days: int
    basis: str
    due: DueDate
    explanation: list[dict[str, str]]


def _count(basis: str, started_on: date, days: int) -> DueDate:
    if basis == DayBasis.CALENDAR:
        return add_calendar_days_rolled(started_on, days)
    return add_working_days(started_on, days)


def deadline_for(*, started_on: date, ip_kind: str, channel: str) -> Deadline:
    """The service-target due date of a clock started on ``started_on``, with every skipped day named
    in Chinese and in English."""
    try:
        found = service_time(
            year=started_on.year, ip_kind=ip_kind, channel=channel, target=TargetKind.SERVICE_TARGET
        )
    except PolicyError as exc:
        raise ServiceTimeUnavailable(exc.message) from exc
    # Counted twice, once per language, for the names of the skipped days; the calendar is memoised.
    with translation.override("zh-hans"):
        due = _count(found.day_basis, started_on, found.days)
    with translation.override("en"):
        due_en = _count(found.day_basis, started_on, found.days)
    explanation = [
        {"date": day.isoformat(), "reason_zh": zh, "reason_en": en}
        for (day, zh), (_day, en) in zip(due.skipped, due_en.skipped, strict=True)
    ]
    return Deadline(days=found.days, basis=found.day_basis, due=due, explanation=explanation)


def skipped_days_for_reader(explanation: list[dict]) -> list[dict]:
    """The stored skipped days as ``[{"date", "reason"}]``, each named in the active language."""
    key = "reason_en" if (translation.get_language() or "").startswith("en") else "reason_zh"
    return [{"date": entry["date"], "reason": entry.get(key, "")} for entry in explanation or []]


def reminder_dates(*, started_on: date, due_date: date, days: int, basis: str) -> dict[str, date]:
    """The day each configured reminder is owed (the sweep sends it on or after that day).

    half_time: the day on which half the service time is used (for 1 working day that is the due date
    itself, so it is left out); due_today: the due date; overdue and escalated: the first working day
    after the due date.
    """
    wanted = reminder_points()
    owed: dict[str, date] = {}
    half = math.ceil(days / 2)
    if ReminderPoint.HALF_TIME in wanted:
        if basis == DayBasis.CALENDAR:
            half_day = date.fromordinal(started_on.toordinal() + half)
        else:
            half_day = add_working_days(started_on, half).due_date
        if half_day < due_date:
            owed[ReminderPoint.HALF_TIME] = half_day
    if ReminderPoint.DUE_TODAY in wanted:
        owed[ReminderPoint.DUE_TODAY] = due_date
    after_due = add_working_days(due_date, 1).due_date
    if ReminderPoint.OVERDUE in wanted:
        owed[ReminderPoint.OVERDUE] = after_due
    owed[ReminderPoint.ESCALATED] = after_due
    return owed


def clock_start(*, registration: PledgeRegistration, started_on: date) -> PledgeRegistration:
    """Start (or restart) the case's clock on ``started_on`` and owe its reminders.

    Called by the workflow inside its transaction with the locked row. Raises ServiceTimeUnavailable when
    no service time is in force for the year, so the acceptance is refused rather than left without a
    deadline.
    """
    deadline = deadline_for(started_on=started_on, ip_kind=registration.ip_kind, channel=registration.channel)
    registration.clock_started_on = started_on
    registration.sla_days = deadline.days
    registration.sla_basis = deadline.basis
    registration.due_date = deadline.due.due_date
    registration.due_provisional = deadline.due.provisional
    registration.due_explanation = deadline.explanation
    registration.save(
        update_fields=[
            "clock_started_on",
            "sla_days",
            "sla_basis",
            "due_date",
            "due_provisional",
            "due_explanation",
            "updated_at",
        ]
    )
    # A restart on another day makes the earlier clock's unsent reminders unsendable (the sweep matches
    # the clock's start date); dropping them keeps the pending set to open cases' live clocks.
    SlaReminder.objects.filter(registration=registration, sent_at=None).exclude(
        clock_started_on=started_on
    ).delete()
    owed = reminder_dates(
        started_on=started_on, due_date=deadline.due.due_date, days=deadline.days, basis=deadline.basis
    )
    # Restarted on the same day: the rows of that clock already exist, with the same dates.
    SlaReminder.objects.bulk_create(
        [
            SlaReminder(registration=registration, point=point, clock_started_on=started_on, due_on=due_on)
            for point, due_on in owed.items()
        ],
        ignore_conflicts=True,
    )
    return registration


def reminders_discard_pending(*, registration: PledgeRegistration) -> int:
    """Drop the unsent reminders of a case that has left the open set; sent ones stay as history."""
    deleted, _per_model = SlaReminder.objects.filter(registration=registration, sent_at=None).delete()
    return deleted


# ---------------------------------------------------------------------------------------------------
# The sweep


def _in_office_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    opens, closes = office_hours()
    return is_workday(local.date()) and opens <= local.time() < closes


def office_supervisors(commissioner) -> QuerySet:
    """The registration supervisors of the commissioner's office; of every office when there is none."""
    offices = Organisation.objects.filter(kind=OrgKind.REGISTRATION_OFFICE, is_active=True)
    if commissioner is not None:
        own = Membership.objects.filter(
            user=commissioner,
            is_active=True,
            role=Role.COMMISSIONER,
            organisation__kind=OrgKind.REGISTRATION_OFFICE,
        ).values("organisation_id")
        offices = offices.filter(pk__in=own)
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.filter(
            is_active=True, role=Role.REGISTRATION_SUPERVISOR, organisation__in=offices
        ).values("user_id"),
    ).order_by("pk")


def _reminder_message(reminder: SlaReminder) -> tuple[str, str]:
    registration = reminder.registration
    values = {
        "reference": registration.reference,
        "due": registration.due_date.isoformat(),
        "pledgor": registration.pledgor.name,
        "commissioner": str(registration.commissioner or _("nobody")),
    }
    if reminder.point == ReminderPoint.HALF_TIME:
        subject = _("Case %(reference)s: half of its service time is used (due %(due)s)") % values
    elif reminder.point == ReminderPoint.DUE_TODAY:
        subject = _("Case %(reference)s is due today (%(due)s)") % values
    elif reminder.point == ReminderPoint.OVERDUE:
        subject = _("Case %(reference)s is overdue: it was due on %(due)s") % values
    else:
        subject = _("Overdue case %(reference)s escalated to you: it was due on %(due)s") % values
    body = (
        _(
            "Pledge registration %(reference)s of %(pledgor)s is due on %(due)s. Service commissioner: "
            "%(commissioner)s."
        )
        % values
    )
    if reminder.point == ReminderPoint.ESCALATED:
        body += " " + _("You may reassign the case from the workbench if its commissioner cannot finish it.")
    return subject, body


def _send(reminder: SlaReminder) -> None:
    registration = reminder.registration
    if reminder.point == ReminderPoint.ESCALATED or registration.commissioner is None:
        # An unassigned case has nobody else to remind.
        recipients = list(office_supervisors(registration.commissioner))
    else:
        recipients = [registration.commissioner]
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _reminder_message(reminder)
    notify(
        recipients=recipients,
        kind=f"pledges.sla.{reminder.point}",
        template="notice",
        context={"subject": subject, "body": body},
        link=case_link(registration),
        dedupe_key=f"pledges-sla-reminder-{reminder.pk}",
    )


def sla_sweep(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Send every reminder owed by now; returns how many this call sent.

    Runs only on a working day within office hours (the rest wait for the next sweep that is). Each row
    is claimed with a conditional UPDATE in the same transaction as its notification, so two sweeps at
    once send it once, and a failed notification leaves it pending for the next sweep. Reads go through
    the pending-reminder index in keyset order, in batches of ``batch_size``.
    """
    now = now or timezone.now()
    if not _in_office_hours(now):
        return 0
    today = timezone.localdate(now)
    pending = (
        SlaReminder.objects.filter(
            sent_at=None,
            due_on__lte=today,
            registration__status__in=CLOCK_RUNNING,
            clock_started_on=F("registration__clock_started_on"),
        )
        .select_related("registration", "registration__pledgor", "registration__commissioner")
        .order_by("due_on", "id")
    )
    sent = 0
    after: tuple[date, int] | None = None
    while True:
        batch_query = pending
        if after is not None:
            batch_query = batch_query.filter(Q(due_on__gt=after[0]) | Q(due_on=after[0], id__gt=after[1]))
        batch = list(batch_query[:batch_size])
        for reminder in batch:
            try:
                with transaction.atomic():
                    if SlaReminder.objects.filter(pk=reminder.pk, sent_at=None).update(sent_at=now) != 1:
                        continue  # another sweep has it
                    _send(reminder)
            except Exception:
                logger.exception("SLA reminder %s could not be sent; it stays pending", reminder.pk)
                continue
            sent += 1
        if len(batch) < batch_size:
            return sent
        after = (batch[-1].due_on, batch[-1].pk)


def case_link(registration: PledgeRegistration) -> str:
    """The case page for the people a notice goes to (the office and the parties share one URL)."""
    return reverse("pledges:registration_detail", args=[registration.pk])


# ---------------------------------------------------------------------------------------------------
# On-time statistics


def on_time_rate(on_time: int, completed: int) -> Decimal | None:
    """on_time / completed as a fraction with 4 places (0.9500 = 95 %); None when nothing completed."""
    if not completed:
        return None
    return (Decimal(on_time) / Decimal(completed)).quantize(_RATE_PLACES, rounding=ROUND_HALF_UP)


def on_time_stats(*, group_by: str, filters: dict | None = None, user=None) -> list[dict]:
    """Completed, on-time and late cases and open overdue ones, per ``group_by`` (one of STAT_GROUPS).

    A case counts as completed when it was registered or refused after its clock started (``breached``
    is set; a refusal at pre-check never had a deadline). ``open_overdue`` counts cases whose clock runs
    past the due date today. ``month`` groups completed cases by completion month and open overdue ones
    by due month; ``office`` is the registration office of the case's commissioner.

    ``filters``: ``date_from`` / ``date_to`` (completion dates), ``ip_kind``, ``channel``, ``kind``,
    ``commissioner`` (a user id). With ``user``, only the cases that user may see are counted.
    """
    from pledges.selectors import registration_scope

    if group_by not in STAT_GROUPS:
        raise ValueError(f"group_by must be one of {STAT_GROUPS}; got {group_by!r}")
    filters = filters or {}
    today = timezone.localdate()
    queryset = PledgeRegistration.objects.all() if user is None else registration_scope(user=user)
    for field in ("ip_kind", "channel", "kind"):
        if value := filters.get(field):
            queryset = queryset.filter(**{field: value})
    if commissioner := filters.get("commissioner"):
        queryset = queryset.filter(commissioner_id=commissioner)

    completed_q = Q(breached__isnull=False, completed_on__isnull=False)
    if date_from := filters.get("date_from"):
        completed_q &= Q(completed_on__gte=date_from)
    if date_to := filters.get("date_to"):
        completed_q &= Q(completed_on__lte=date_to)
    overdue_q = Q(status__in=CLOCK_RUNNING, due_date__lt=today)
    queryset = queryset.filter(completed_q | overdue_q)

    if group_by == "commissioner":
        key = F("commissioner_id")
    elif group_by == "month":
        key = TruncMonth(Coalesce("completed_on", "due_date"))
    elif group_by == "office":
        key = Subquery(
            Membership.objects.filter(
                user=OuterRef("commissioner_id"),
                role=Role.COMMISSIONER,
                organisation__kind=OrgKind.REGISTRATION_OFFICE,
            )
            .order_by("id")
            .values("organisation_id")[:1]
        )
    else:
        key = F(group_by)

    rows = (
        queryset.annotate(group_key=key)
        .values("group_key")
        .annotate(
            completed=Count("id", filter=completed_q),
            on_time=Count("id", filter=completed_q & Q(breached=False)),
            late=Count("id", filter=completed_q & Q(breached=True)),
            open_overdue=Count("id", filter=overdue_q),
        )
        .order_by(F("group_key").asc(nulls_last=True))
    )
    rows = list(rows)
    labels = _group_labels(group_by, [row["group_key"] for row in rows])
    return [
        {
            group_by: row["group_key"],
            "label": labels.get(row["group_key"], ""),
            "completed": row["completed"],
            "on_time": row["on_time"],
            "late": row["late"],
            "on_time_rate": on_time_rate(row["on_time"], row["completed"]),
            "open_overdue": row["open_overdue"],
        }
        for row in rows
    ]


def _group_labels(group_by: str, keys: list) -> dict:
    # One query for the names of the people or offices counted, never one per row.
    if group_by == "commissioner":
        return {user.pk: str(user) for user in User.objects.filter(pk__in=[k for k in keys if k])}
    if group_by == "office":
        return {
            office.pk: office.name for office in Organisation.objects.filter(pk__in=[k for k in keys if k])
        }
    if group_by == "month":
        return {key: f"{key:%Y-%m}" for key in keys if key}
    choices = {"channel": PledgeRegistration.channel, "ip_kind": PledgeRegistration.ip_kind}[group_by]
    return {value: str(label) for value, label in choices.field.choices}
