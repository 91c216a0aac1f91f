"""Indicator files from partner departments (issue 5): a member of the IP bureau's whitelist staff uploads
a CSV or Excel file of enterprise indicators; every row is checked, then the file is applied in one
transaction or not at all.

The file's format is ``whitelist.import_format``'s and its reading ``portal.tabular``'s.

``indicator_import_create`` stores the upload and queues ``indicator_import_run`` after commit. The run
claims the upload (queued -> running) with a conditional UPDATE, so a redelivered task does nothing; it
checks every row, committing its progress every ``PROGRESS_EVERY`` rows so the page can show it; then
either stores the errors (rejected, nothing applied) or upserts every row's ``EnterpriseIndicator`` in
one statement per batch inside one transaction (applied). Anything unexpected leaves the upload failed,
with nothing applied.

A column the file leaves out keeps each enterprise's current figure (a credit bureau's file of ratings
must not wipe the R&D ratios a science commission reported); a column present with an empty cell clears
the figure, and an empty serious-dishonesty cell means no.
"""

import logging
import uuid
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pledges.services.filing import safe_file_name
from portal.accounts.models import Organisation, OrgKind, User
from portal.audit.models import Outcome
from portal.audit.services import audit_record
from portal.identifiers.uscc import check_uscc
from portal.outbox import enqueue
from portal.tabular import (
    VALUE_SHOWN,
    ImportFileError,
    SheetRows,
    error_report,
    text,
    upload_claim,
    upload_kind,
)
from whitelist import import_format as fmt
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import EnterpriseIndicator, ImportStatus, IndicatorImport
from whitelist.permissions import is_whitelist_staff

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 1_000  # rows checked between two progress updates the page can see
BATCH_SIZE = 1_000  # rows per upsert statement
MAX_STORED_ERRORS = 1_000  # errors kept on the upload; error_count says how many there were
_LOOKUP_CHUNK = 900  # codes per IN (...) query, under SQLite's oldest parameter limit
_SOURCE_MAX = IndicatorImport._meta.get_field("source").max_length
_NAME_MAX = IndicatorImport._meta.get_field("original_name").max_length


def can_import_indicators(user: User) -> tuple[bool, str]:
    """Only the IP bureau's whitelist staff upload partner departments' indicators."""
    if is_whitelist_staff(user):
        return True, ""
    return False, _(
        "Only the IP bureau's reviewers and promotion officers upload partner departments' indicators."
    )


def indicator_import_list():
    """Every upload, newest first (all whitelist staff see all of them; the views check the role)."""
    return IndicatorImport.objects.select_related("uploaded_by").order_by("-created_at", "-pk")


# ---------------------------------------------------------------------------------------------------
# Upload


@transaction.atomic
def indicator_import_create(*, source: str, as_of: date, uploaded_file, actor: User) -> IndicatorImport:
    """Store an upload and queue its run after commit.

    Raises WhitelistNotAllowed (403) unless the actor is whitelist staff; WhitelistValidationError (400,
    errors by field: "source", "as_of", "file") for a missing source or date, a date in the future, or a
    missing, empty, oversized or unreadable file.
    """
    allowed, reason = can_import_indicators(actor)
    if not allowed:
        raise WhitelistNotAllowed(reason)
    errors: dict[str, list[str]] = {}
    source = (source or "").strip()
    if not source:
        errors["source"] = [_("Name the department the figures come from.")]
    elif len(source) > _SOURCE_MAX:
        errors["source"] = [_("At most %(max)d characters.") % {"max": _SOURCE_MAX}]
    if as_of is None:
        errors["as_of"] = [_("Give the date the figures describe.")]
    elif as_of > timezone.localdate():
        errors["as_of"] = [_("The figures cannot describe a day after today.")]
    kind = _file_kind(uploaded_file, errors)
    if errors:
        first = next(iter(errors.values()))[0]
        raise WhitelistValidationError(first, errors)
    record = IndicatorImport(
        source=source,
        as_of=as_of,
        original_name=safe_file_name(uploaded_file.name, fallback="indicators")[:_NAME_MAX],
        uploaded_by=actor,
    )
    # The stored name is ours: a user-supplied name never reaches the file system.
    record.file.save(f"{uuid.uuid4().hex}.{kind}", uploaded_file, save=False)
    try:
        record.save()
        audit_record(
            action="whitelist.indicator_import.upload",
            actor=actor,
            object_type="whitelist.indicatorimport",
            object_id=record.pk,
            details={"name": record.original_name, "size": uploaded_file.size, "source": source},
        )
    except Exception:
        record.file.delete(save=False)
        raise
    # The run writes its messages in the language the member of staff uploaded in.
    language = translation.get_language()
    from whitelist.tasks import indicator_import_task

    enqueue(indicator_import_task, record.pk, language)
    return record


def _file_kind(uploaded_file, errors: dict) -> str:
    """ "csv" or "xlsx" by content, or "" with the reason in ``errors["file"]``."""
    try:
        return upload_kind(uploaded_file, limit_mb=fmt.max_upload_mb())
    except ImportFileError as error:
        errors["file"] = [error.message]
        return ""


# ---------------------------------------------------------------------------------------------------
# Checking every row


@dataclass(frozen=True)
class _Indicator:
    row: int
    enterprise_id: int
    values: dict  # EnterpriseIndicator field -> value, only the columns the file has


@dataclass
class _Plan:
    indicators: list[_Indicator] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0


_READERS = {
    fmt.RD_RATIO: fmt.rd_ratio,
    fmt.REVENUE: fmt.revenue_band,
    fmt.RATING: fmt.credit_rating,
    fmt.DISHONESTY: fmt.serious_dishonesty,
}


class _Checker:
    """One pass over the rows in file order; the enterprises the file names are read in a few queries."""

    def __init__(self, *, sheet: SheetRows, progress):
        self.at = sheet.positions
        self.labels = sheet.labels
        self.columns = [key for key in fmt.INDICATOR_COLUMNS if key in sheet.present]
        self.progress = progress
        self.plan = _Plan()

    def error(self, row: int | None, key: str, value, message) -> None:
        plan = self.plan
        plan.error_count += 1
        if len(plan.errors) < MAX_STORED_ERRORS:
            plan.errors.append(
                {
                    "row": row,
                    "field": self.labels[key],
                    "value": text(value)[:VALUE_SHOWN],
                    "message": str(message),
                }
            )

    def run(self, rows: list) -> _Plan:
        at_code = self.at[fmt.USCC]
        codes = [fmt.credit_code(cells[at_code]) for _number, cells in rows]
        enterprises = _enterprises(codes)
        first_row: dict[str, int] = {}
        for index, ((number, cells), code) in enumerate(zip(rows, codes, strict=True), start=1):
            enterprise_id = self._enterprise(number, cells[at_code], code, enterprises, first_row)
            values = {}
            for key in self.columns:
                raw = cells[self.at[key]]
                try:
                    values[key] = _READERS[key](raw)
                except fmt.CellError as error:
                    self.error(number, key, raw, error.message)
            if enterprise_id is not None and len(values) == len(self.columns):
                self.plan.indicators.append(_Indicator(number, enterprise_id, values))
            if index % PROGRESS_EVERY == 0:
                self.progress(index)
        return self.plan

    def _enterprise(self, number: int, raw, code: str, enterprises: dict, first_row: dict) -> int | None:
        """The enterprise's id, or None after reporting why the row's code names none (once each)."""
        if not code:
            self.error(number, fmt.USCC, raw, _("Give the enterprise's unified social credit code."))
            return None
        if code in first_row:
            self.error(
                number,
                fmt.USCC,
                raw,
                _(
                    "The credit code %(code)s is on row %(first)d and again on row %(row)d; each enterprise "
                    "may appear once in a file."
                )
                % {"code": code, "first": first_row[code], "row": number},
            )
            return None
        first_row[code] = number
        found = enterprises.get(code)
        if found is not None:
            enterprise_id, active = found
            if active:
                return enterprise_id
            self.error(
                number,
                fmt.USCC,
                raw,
                _("The enterprise with this credit code is no longer active in the portal."),
            )
            return None
        checked = check_uscc(code)
        if not checked.valid:
            self.error(number, fmt.USCC, raw, checked.message)
        else:
            self.error(
                number, fmt.USCC, raw, _("No enterprise with this credit code is registered in the portal.")
            )
        return None


def _enterprises(codes: list[str]) -> dict[str, tuple[int, bool]]:
    """Credit code -> (enterprise id, active) for the codes the file names that the portal knows."""
    wanted = sorted({code for code in codes if code})
    found: dict[str, tuple[int, bool]] = {}
    for start in range(0, len(wanted), _LOOKUP_CHUNK):
        chunk = wanted[start : start + _LOOKUP_CHUNK]
        enterprises = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, uscc__in=chunk)
        for uscc, pk, active in enterprises.values_list("uscc", "pk", "is_active"):
            found[uscc] = (pk, active)
    return found


# ---------------------------------------------------------------------------------------------------
# The run


def _claim(import_id: int) -> bool:
    return upload_claim(IndicatorImport, import_id)


def indicator_import_run(*, import_id: int, language: str | None = None) -> IndicatorImport | None:
    """Check and apply an upload, all or nothing; returns it, or None when another run has it.

    Safe to run twice: only the run that claims the upload does anything. Messages are written in
    ``language`` (the uploader's), else the portal's default.
    """
    if not _claim(import_id):
        return None
    with translation.override(language or settings.LANGUAGE_CODE):
        record = IndicatorImport.objects.select_related("uploaded_by").get(pk=import_id)
        try:
            _run(record)
        except Exception:
            logger.exception("indicator import %s failed", import_id)
            message = _(
                "The upload stopped on an unexpected error; nothing was applied. Upload the file again, and "
                "tell the portal's support if it happens again."
            )
            _finish(
                record, ImportStatus.FAILED, [{"row": None, "field": "", "value": "", "message": message}]
            )
    record.refresh_from_db()
    return record


def _finish(record: IndicatorImport, status: str, errors: list[dict], error_count: int | None = None) -> None:
    error_count = len(errors) if error_count is None else error_count
    IndicatorImport.objects.filter(pk=record.pk).update(
        status=status, errors=errors, error_count=error_count, finished_at=timezone.now()
    )
    audit_record(
        action="whitelist.indicator_import.run",
        actor=record.uploaded_by,
        object_type="whitelist.indicatorimport",
        object_id=record.pk,
        outcome=Outcome.FAILURE,
        details={"status": status, "errors": error_count},
    )


def _run(record: IndicatorImport) -> None:
    with record.file.open("rb") as handle:
        content = handle.read()
    try:
        sheet = fmt.read_rows(content)
    except ImportFileError as error:
        _finish(record, ImportStatus.REJECTED, [error.as_error()])
        return
    total = len(sheet.rows)
    IndicatorImport.objects.filter(pk=record.pk).update(encoding=sheet.encoding, total_rows=total)

    def progress(done: int) -> None:
        # Its own short transaction, outside the apply's: the polling page sees it at once.
        with transaction.atomic():
            IndicatorImport.objects.filter(pk=record.pk).update(processed_rows=done)

    checker = _Checker(sheet=sheet, progress=progress)
    plan = checker.run(sheet.rows)
    progress(total)
    if plan.error_count:
        _finish(record, ImportStatus.REJECTED, plan.errors, plan.error_count)
        return
    _apply(record, plan, columns=checker.columns, total_rows=total)


def _apply(record: IndicatorImport, plan: _Plan, *, columns: list[str], total_rows: int) -> None:
    """Upsert every row's indicator in one transaction: one INSERT ... ON CONFLICT (enterprise) DO UPDATE
    per batch, on PostgreSQL and SQLite alike."""
    now = timezone.now()
    indicators = [
        EnterpriseIndicator(
            enterprise_id=planned.enterprise_id,
            source=record.source,
            as_of=record.as_of,
            updated_at=now,
            **planned.values,
        )
        for planned in plan.indicators
    ]
    with transaction.atomic():
        EnterpriseIndicator.objects.bulk_create(
            indicators,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["enterprise"],
            # Only the columns the file has: a column it leaves out keeps each enterprise's figure.
            update_fields=[*columns, "source", "as_of", "updated_at"],
        )
        IndicatorImport.objects.filter(pk=record.pk).update(
            status=ImportStatus.APPLIED,
            processed_rows=total_rows,
            applied_rows=len(indicators),
            errors=[],
            error_count=0,
            finished_at=now,
        )
        audit_record(
            action="whitelist.indicator_import.run",
            actor=record.uploaded_by,
            object_type="whitelist.indicatorimport",
            object_id=record.pk,
            details={
                "status": ImportStatus.APPLIED,
                "rows": total_rows,
                "enterprises_updated": len(indicators),
                "source": record.source,
                "as_of": record.as_of,
            },
        )


# ---------------------------------------------------------------------------------------------------
# The error report


def error_report_rows(record: IndicatorImport) -> list[list[str]]:
    """The error report: row, field, value, message, each cell safe from formula injection; a last line
    says how many errors were not kept."""
    return error_report(record.errors, record.error_count)
