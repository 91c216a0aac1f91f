"""Review and publication of whitelist batches (issue 5): staff review a run's candidates (include, or
exclude with a reason), submit the batch, and a different member of staff publishes it (maker-checker).
A published batch never changes. Publication also fixes the banks' feedback due date (the year's
whitelist feedback time in working days) and delivers the batch to every bank (whitelist.deliveries).

Creating a batch and publishing it are set-based statements (INSERT ... SELECT, UPDATE ... WHERE), never a
loop over entries: a batch holds up to 100,000 enterprises. Publication reads each enterprise's consent at
that moment, so a withdrawal takes effect in the next batch published after it.
"""

from datetime import date

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.policy.selectors import parameter_set_for_year
from portal.workdays.services import add_working_days
from whitelist.deliveries import deliveries_create
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import (
    BATCH_TRANSITIONS,
    Batch,
    BatchEntry,
    BatchEvent,
    BatchStatus,
    Candidate,
    ConsentStatus,
    Decision,
    EntryAsset,
    ExclusionReason,
    RunStatus,
    ScreeningRun,
)
from whitelist.permissions import is_whitelist_staff
from whitelist.services import VALID_STATUSES


def _staff(actor: User) -> None:
    if not is_whitelist_staff(actor):
        raise WhitelistNotAllowed(
            _("Only the IP bureau's reviewers and promotion officers review whitelist batches.")
        )


def _locked(batch: Batch) -> Batch:
    return Batch.objects.select_for_update().get(pk=batch.pk)


def _move(batch: Batch, actor: User, to: str, reason: str = "") -> None:
    if actor.role not in BATCH_TRANSITIONS.get(batch.status, {}).get(to, frozenset()):
        raise WhitelistValidationError(
            _("A batch that is %(status)s cannot move to %(to)s.")
            % {"status": batch.get_status_display(), "to": BatchStatus(to).label}
        )
    BatchEvent.objects.create(batch=batch, actor=actor, from_status=batch.status, to_status=to, reason=reason)
    batch.status = to


def _quoted(model, *names: str) -> str:
    fields = {field.name: field.column for field in model._meta.concrete_fields}
    return ", ".join(connection.ops.quote_name(fields.get(name, name)) for name in names)


@transaction.atomic
def batch_create(*, run: ScreeningRun, actor: User, valid_until: date) -> Batch:
    """A batch under review with one entry per candidate that met every rule (one INSERT ... SELECT)."""
    _staff(actor)
    if run.status != RunStatus.DONE:
        raise WhitelistValidationError(_("Only a finished screening run can become a batch."))
    if valid_until <= timezone.localdate():
        raise WhitelistValidationError(
            _("The batch must be valid after today."), {"valid_until": [_("Choose a date after today.")]}
        )
    last = Batch.objects.select_for_update().order_by("-number").values_list("number", flat=True).first()
    batch = Batch.objects.create(number=(last or 0) + 1, run=run, valid_until=valid_until, created_by=actor)
    BatchEvent.objects.create(batch=batch, actor=actor, to_status=BatchStatus.REVIEWING)
    entry_table = connection.ops.quote_name(BatchEntry._meta.db_table)
    candidate_table = connection.ops.quote_name(Candidate._meta.db_table)
    columns = _quoted(
        BatchEntry, "batch", "candidate", "enterprise", "decision", "exclusion_reason", "note", "published"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {entry_table} ({columns}) "  # noqa: S608  # nosec B608 # names from the models, values bound
            f"SELECT %s, id, enterprise_id, %s, '', '', %s FROM {candidate_table} WHERE run_id = %s AND passed = %s",
            [batch.pk, Decision.PENDING, False, run.pk, True],
        )
    return batch


@transaction.atomic
def entries_decide(
    *, batch: Batch, entry_ids: list[int], decision: str, actor: User, reason: str = "", note: str = ""
) -> int:
    """Include or exclude (with a reason) some of the batch's entries; returns how many changed."""
    _staff(actor)
    batch = _locked(batch)
    if batch.status != BatchStatus.REVIEWING:
        raise WhitelistValidationError(_("Entries can only be decided while the batch is under review."))
    if decision not in (Decision.INCLUDED, Decision.EXCLUDED):
        raise WhitelistValidationError(
            _("Choose to include or to exclude."), {"decision": [_("Choose one.")]}
        )
    if decision == Decision.EXCLUDED and reason not in ExclusionReason.values:
        raise WhitelistValidationError(
            _("An exclusion needs a reason."), {"reason": [_("Choose the reason for the exclusion.")]}
        )
    if decision == Decision.EXCLUDED and reason == ExclusionReason.OTHER and not note.strip():
        raise WhitelistValidationError(_("Say why in the note."), {"note": [_("Explain the other reason.")]})
    if not entry_ids:
        raise WhitelistValidationError(_("Select at least one enterprise."))
    return BatchEntry.objects.filter(batch=batch, pk__in=entry_ids).update(
        decision=decision,
        exclusion_reason=reason if decision == Decision.EXCLUDED else "",
        note=note.strip()[:300],
        decided_by=actor,
        decided_at=timezone.now(),
    )


@transaction.atomic
def batch_submit(*, batch: Batch, actor: User) -> Batch:
    _staff(actor)
    batch = _locked(batch)
    pending = batch.entries.filter(decision=Decision.PENDING).count()
    if pending and batch.status == BatchStatus.REVIEWING:
        raise WhitelistValidationError(_("%(count)s enterprises are still to review.") % {"count": pending})
    _move(batch, actor, BatchStatus.SUBMITTED)
    batch.submitted_by = actor
    batch.save(update_fields=["status", "submitted_by"])
    return batch


@transaction.atomic
def batch_send_back(*, batch: Batch, actor: User, reason: str) -> Batch:
    _staff(actor)
    if not reason.strip():
        raise WhitelistValidationError(
            _("Say what needs another look."), {"reason": [_("This field is required.")]}
        )
    batch = _locked(batch)
    _move(batch, actor, BatchStatus.REVIEWING, reason.strip())
    batch.submitted_by = None
    batch.save(update_fields=["status", "submitted_by"])
    return batch


@transaction.atomic
def batch_publish(*, batch: Batch, actor: User) -> Batch:
    """Four eyes: the approver is never the submitter. Included entries of consenting enterprises are
    published with a copy of their pledgeable IP (valid, within its term); the batch is then immutable."""
    _staff(actor)
    batch = _locked(batch)
    if batch.status == BatchStatus.SUBMITTED and batch.submitted_by_id == actor.pk:
        raise WhitelistNotAllowed(_("Another member of staff must approve the batch you submitted."))
    _move(batch, actor, BatchStatus.PUBLISHED)
    now = timezone.now()
    published = BatchEntry.objects.filter(
        batch=batch,
        decision=Decision.INCLUDED,
        enterprise__whitelist_consent__status=ConsentStatus.GRANTED,
        enterprise__is_active=True,
    ).update(published=True)
    _copy_pledgeable_ip(batch)
    feedback_days = parameter_set_for_year(timezone.localdate(now).year).whitelist_feedback_working_days
    batch.feedback_due_on = add_working_days(timezone.localdate(now), feedback_days).due_date
    batch.published_by, batch.published_at, batch.published_count = actor, now, published
    batch.save(update_fields=["status", "published_by", "published_at", "published_count", "feedback_due_on"])
    deliveries_create(batch)
    return batch


def _copy_pledgeable_ip(batch: Batch) -> None:
    from pledges.models import IpAsset

    today = timezone.localdate()
    assets = (
        IpAsset.objects.order_by()
        .filter(legal_status__in=VALID_STATUSES)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
    )
    asset_sql, asset_params = assets.values(
        "id", "owner_id", "kind", "number", "title", "patent_type"
    ).query.sql_with_params()
    entry_table = connection.ops.quote_name(BatchEntry._meta.db_table)
    columns = _quoted(EntryAsset, "entry", "asset", "kind", "number", "title", "patent_type")
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(EntryAsset._meta.db_table)} ({columns}) "  # noqa: S608  # nosec B608 # identifiers from the models or constants, values bound as parameters
            f"SELECT e.id, a.id, a.kind, a.number, a.title, a.patent_type FROM {entry_table} e "
            f"JOIN ({asset_sql}) a ON a.owner_id = e.enterprise_id WHERE e.batch_id = %s AND e.published = %s",
            [*asset_params, batch.pk, True],
        )
