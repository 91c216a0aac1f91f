"""Batch upload of loan facts (issue 4): a bank without an integration uploads a CSV or Excel file, every
row is checked, and the file is applied in one transaction or not at all.

The file's format is ``loans.import_format``'s and its reading ``portal.tabular``'s. Here every fact row
goes through ``loans.calculations.apply_fact`` on an in-memory ``LoanState`` per loan, so a file and the
API can never disagree; contract rows go through the same ``clean_contract`` as the API's
``loan_create``.

``loan_import_create`` stores the upload and queues ``loan_import_run`` after commit. The run claims the
upload (queued -> running) with a conditional UPDATE, so a redelivered task does nothing; it checks every
row, committing its progress every ``PROGRESS_EVERY`` rows so the page can show it; then either stores
the errors (rejected, nothing applied) or writes everything in one transaction (applied). Anything
unexpected leaves the upload failed, with nothing applied.
"""

import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from loans.calculations import Fact, FactRejected, LoanState, apply_fact
from loans.errors import LoanNotAllowed, LoanValidationError
from loans.import_format import (
    CLASSIFICATION_NAMES,
    COLUMNS,
    CONTRACT,
    CONTRACT_COLUMNS,
    FACT_NAMES,
    classification_named,
    fact_named,
    read_rows,
)
from loans.models import (
    CaseOrigin,
    FactKind,
    FinancingCase,
    ImportStatus,
    Loan,
    LoanEvent,
    LoanFact,
    LoanImport,
    LoanSource,
    LoanStatus,
)
from loans.permissions import can_import_loan_facts
from loans.services.facts import clean_contract
from loans.services.references import CASE_SERIES, LOAN_SERIES, next_references
from loans.signals import import_applied
from pledges.services.filing import safe_file_name
from portal.accounts.models import Organisation, OrgKind
from portal.audit.models import Outcome
from portal.audit.services import audit_record
from portal.identifiers.uscc import check_uscc
from portal.outbox import enqueue
from portal.tabular import (
    VALUE_SHOWN,
    Dates,
    ImportFileError,
    SheetRows,
    column_list,
    decimal_value,
    error_report,
    integer_value,
    listing,
    text,
    upload_claim,
    upload_kind,
)

logger = logging.getLogger(__name__)

PROGRESS_EVERY = 2_000  # rows checked between two progress updates the page can see
BATCH_SIZE = 5_000  # rows per INSERT / UPDATE statement where the database takes batches
MAX_STORED_ERRORS = 1_000  # errors kept on the upload; error_count says how many there were
_LOOKUP_CHUNK = 900  # values per IN (...) query, under SQLite's oldest parameter limit
_NOTE_MAX = LoanFact._meta.get_field("note").max_length
_ALERT_STATUSES = frozenset({LoanStatus.OVERDUE, LoanStatus.NON_PERFORMING})

# The fields the ledger (FactRejected.field) and the contract checks name, as the file's columns.
_FACT_FIELD_COLUMN = {"occurred_on": "date", "kind": "fact"}
_CONTRACT_FIELD_COLUMN = {
    "contract_signed_on": "date",
    "principal": "amount",
    "maturity_date": "term_months",
    "is_combination": "ip_share",
}


def _chunks(items: list, size: int = _LOOKUP_CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------------------------------
# Checking every row


@dataclass(frozen=True)
class _NewLoan:
    row: int
    enterprise_id: int
    values: dict  # clean_contract's


class _Planned(NamedTuple):  # a tuple: 80,000 of them are made per 100,000-row file
    ref: str
    row: int
    fact: Fact
    note: str
    from_status: str
    to_status: str


@dataclass
class _Plan:
    new_loans: dict[str, _NewLoan] = field(default_factory=dict)  # in file order
    facts: list[_Planned] = field(default_factory=list)  # in file order
    existing: dict[str, Loan] = field(default_factory=dict)  # the bank's loans the file names
    start: dict[str, LoanState] = field(default_factory=dict)  # of the existing loans the file changes
    states: dict[str, LoanState] = field(default_factory=dict)  # every loan's state after the file
    errors: list[dict] = field(default_factory=list)
    error_count: int = 0


class _Checker:
    """One pass over the rows in file order, keeping a LoanState per loan in memory."""

    def __init__(self, *, bank: Organisation, sheet: SheetRows, today: date, progress):
        self.bank = bank
        self.at = sheet.positions  # every column key has a position (a missing one: an empty cell)
        self.labels = sheet.labels
        self.present = sheet.present
        self.today = today
        self.progress = progress
        self.dates = Dates()
        self.plan = _Plan()
        self.enterprises: dict[str, int] = {}
        self.missing_reported = False

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
        at_ref, at_fact = self.at["bank_loan_ref"], self.at["fact"]
        kinds: dict[object, str | None] = {}  # the few distinct fact cells, named once
        keyed = []
        for number, cells in rows:
            raw = cells[at_fact]
            kind = kinds[raw] if raw in kinds else kinds.setdefault(raw, fact_named(raw))
            ref = cells[at_ref]
            keyed.append((number, cells, ref.strip() if isinstance(ref, str) else text(ref), kind))
        contract_rows = self._load(keyed)
        poisoned: set[str] = set()  # loans with a bad row: their later rows would only repeat its error
        for index, (number, cells, ref, kind) in enumerate(keyed, start=1):
            if not ref:
                self.error(number, "bank_loan_ref", "", _("Give the bank's own reference for the loan."))
            if kind is None:
                self.error(
                    number,
                    "fact",
                    cells[at_fact],
                    _("Unknown fact. Use one of: %(facts)s.") % {"facts": listing(FACT_NAMES)},
                )
            elif not ref:
                pass
            elif kind == CONTRACT:
                if not self._contract(number, cells, ref, contract_rows):
                    poisoned.add(ref)
            elif not self._fact(number, cells, ref, kind, contract_rows, skip_ledger=ref in poisoned):
                poisoned.add(ref)
            if index % PROGRESS_EVERY == 0:
                self.progress(index)
        return self.plan

    def _load(self, keyed: list) -> dict[str, int]:
        """The row of each loan's first contract; the bank's loans the file names and the borrowers its
        contracts name, in a few queries for the whole file."""
        contract_rows: dict[str, int] = {}
        codes: set[str] = set()
        at_code = self.at["enterprise_uscc"]
        for number, cells, ref, kind in keyed:
            if kind == CONTRACT and ref and ref not in contract_rows:
                contract_rows[ref] = number
                codes.add(text(cells[at_code]).upper())
        refs = list(dict.fromkeys(ref for _number, _cells, ref, _kind in keyed if ref))
        # Literal lists, not one array in a subquery: the subquery's rows are a guess, and a planner that
        # thinks the bank has one loan joins them by comparing every reference with every loan (8.4 s
        # for 20,000 references against a bank's 2,000 loans). The unique index on (bank, bank_loan_ref)
        # covers non-empty references only, which PostgreSQL cannot prove of an IN list over 100 values:
        # the exclude() says it.
        for chunk in _chunks(refs):
            for loan in Loan.objects.filter(bank=self.bank, bank_loan_ref__in=chunk).exclude(
                bank_loan_ref=""
            ):
                self.plan.existing[loan.bank_loan_ref] = loan
        for chunk in _chunks(sorted(code for code in codes if code)):
            found = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True, uscc__in=chunk)
            self.enterprises.update(found.values_list("uscc", "pk"))
        return contract_rows

    def _missing_contract_columns(self, number: int) -> bool:
        missing = [key for key in CONTRACT_COLUMNS if key not in self.present]
        if missing and not self.missing_reported:
            self.missing_reported = True
            self.error(
                number,
                missing[0],
                "",
                _("Contract rows need the column(s) %(columns)s, which the file does not have.")
                % {"columns": column_list(COLUMNS, missing)},
            )
        return bool(missing)

    def _contract(self, number: int, cells, ref: str, contract_rows: dict[str, int]) -> bool:
        if contract_rows[ref] != number:
            self.error(
                number,
                "bank_loan_ref",
                ref,
                _(
                    "The file already has a contract for %(ref)s on row %(row)d; each loan has one contract row."
                )
                % {"ref": ref, "row": contract_rows[ref]},
            )
            return False
        if ref in self.plan.existing:
            self.error(
                number,
                "bank_loan_ref",
                ref,
                _("Your bank already reported a loan with the reference %(ref)s.") % {"ref": ref},
            )
            return False
        if self._missing_contract_columns(number):
            return False
        at = self.at
        found: set[str] = set()  # one error per column

        def bad(key: str, message) -> None:
            if key not in found:
                found.add(key)
                self.error(number, key, cells[at[key]], message)

        enterprise_id = self._borrower(cells[at["enterprise_uscc"]], bad)
        signed_on = self._date(cells[at["date"]], bad)
        principal = self._number(cells[at["amount"]], "amount", bad)
        if principal is None:
            bad("amount", _("Give the loan's principal in the amount column."))
        rate = cells[at["annual_rate_pct"]]
        if isinstance(rate, str):
            rate = rate.strip().removesuffix("%").removesuffix("％")
        rate = self._number(rate, "annual_rate_pct", bad)
        term = None
        try:
            term = integer_value(cells[at["term_months"]])
        except ValueError:
            bad("term_months", _("Give the term in whole months (1 to 600)."))
        share, is_combination = self._share(cells[at["ip_share"]], bad)
        errors: dict[str, list[str]] = {}
        values = clean_contract(
            bank_loan_ref=ref,
            contract_number=text(cells[at["contract_number"]]),
            contract_signed_on=signed_on,
            principal=principal,
            annual_rate_pct=rate,
            term_months=term,
            maturity_date=None,
            is_combination=is_combination,
            ip_share=share,
            ip_share_certified_by=text(cells[at["ip_share_certified_by"]]),
            errors=errors,
            today=self.today,
        )
        for name, messages in errors.items():
            bad(_CONTRACT_FIELD_COLUMN.get(name, name), messages[0])
        if found:
            return False
        self.plan.new_loans[ref] = _NewLoan(row=number, enterprise_id=enterprise_id, values=values)
        self.plan.states[ref] = LoanState(
            status=LoanStatus.CONTRACTED, principal=values["principal"], contract_signed_on=signed_on
        )
        return True

    def _borrower(self, raw, bad) -> int | None:
        code = text(raw)
        enterprise_id = self.enterprises.get(code.upper())
        if enterprise_id is not None:
            return enterprise_id  # a registered code was checked when it was registered
        if not code:
            bad("enterprise_uscc", _("Give the borrower's unified social credit code."))
            return None
        checked = check_uscc(code)
        if not checked.valid:
            bad("enterprise_uscc", checked.message)
        else:
            bad("enterprise_uscc", _("No enterprise with this credit code is registered in the portal."))
        return None

    def _date(self, raw, bad) -> date | None:
        if raw is None or raw == "":
            bad("date", _("Give the date (YYYY-MM-DD)."))
            return None
        parsed = self.dates(raw)
        if parsed is None:
            bad("date", _("Write the date as YYYY-MM-DD (or YYYY/MM/DD), a real calendar day."))
        return parsed

    @staticmethod
    def _number(raw, key: str, bad) -> Decimal | None:
        try:
            return decimal_value(raw)
        except (ValueError, InvalidOperation):
            bad(key, _("Write a plain number, such as 1,000,000.00."))
            return None

    @staticmethod
    def _share(raw, bad) -> tuple[object, bool]:
        """(the IP share, whether the loan is a combination loan); 1 when the cell is empty."""
        written = text(raw)
        if not written:
            return Decimal("1"), False
        try:
            if written.endswith(("%", "％")):
                percent = decimal_value(written[:-1])
                share = None if percent is None else percent / 100
            else:
                share = decimal_value(raw)
        except (ValueError, InvalidOperation):
            bad("ip_share", _("Give a fraction between 0 and 1, such as 0.6 (or 60%)."))
            return Decimal("1"), False
        if share is None:
            return Decimal("1"), False
        return share, share != 1

    def _fact(self, number: int, cells, ref: str, kind: str, contract_rows, *, skip_ledger: bool) -> bool:
        at = self.at
        ok = True

        def bad(key: str, message) -> None:
            nonlocal ok
            ok = False
            self.error(number, key, cells[at[key]], message)

        occurred_on = self._date(cells[at["date"]], bad)
        amount = self._number(cells[at["amount"]], "amount", bad)
        overdue_days = None
        classification = ""
        if kind == FactKind.OVERDUE:
            try:
                overdue_days = integer_value(cells[at["overdue_days"]])
            except ValueError:
                overdue_days = None
            if overdue_days is None or overdue_days < 0:
                bad("overdue_days", _("Give the days overdue as a whole number, 0 when cured."))
        elif kind == FactKind.CLASSIFICATION:
            classification = classification_named(cells[at["classification"]])
            if not classification:
                bad(
                    "classification",
                    _("Choose one of the five loan categories: %(names)s.")
                    % {"names": listing(CLASSIFICATION_NAMES)},
                )
        note = cells[at["note"]]
        note = "" if note is None else note.strip() if isinstance(note, str) else text(note)
        if len(note) > _NOTE_MAX:
            bad("note", _("The note has at most %(max)d characters.") % {"max": _NOTE_MAX})
        if not ok or skip_ledger:
            return ok
        plan = self.plan
        state = plan.states.get(ref)
        if state is None:
            loan = plan.existing.get(ref)
            if loan is not None:
                state = plan.states[ref] = plan.start[ref] = LoanState.of(loan)
            elif ref in contract_rows and contract_rows[ref] > number:
                bad(
                    "bank_loan_ref",
                    _(
                        "The contract of %(ref)s is on row %(row)d, after this fact; put the contract row first."
                    )
                    % {"ref": ref, "row": contract_rows[ref]},
                )
                return False
            elif ref in contract_rows:
                return False  # its contract row failed and says why
            else:
                bad(
                    "bank_loan_ref",
                    _("Your bank has no loan %(ref)s, and the file has no contract row creating it.")
                    % {"ref": ref},
                )
                return False
        fact = Fact(kind, occurred_on, amount, overdue_days, classification)
        try:
            after = apply_fact(state, fact, today=self.today)
        except FactRejected as rejected:
            bad(_FACT_FIELD_COLUMN.get(rejected.field, rejected.field), rejected.message)
            return False
        plan.states[ref] = after
        plan.facts.append(_Planned(ref, number, fact, note, state.status, after.status))
        return True


# ---------------------------------------------------------------------------------------------------
# Upload and run


@transaction.atomic
def loan_import_create(*, bank: Organisation, uploaded_file, actor) -> LoanImport:
    """Store an upload of the actor's bank and queue its run after commit.

    Raises LoanNotAllowed (403) unless the actor is an officer or manager acting for ``bank``;
    LoanValidationError (400, field "file") for a missing, empty, oversized or unreadable file.
    """
    allowed, reason = can_import_loan_facts(actor)
    if not allowed or actor.organisation is None or actor.organisation.pk != bank.pk:
        raise LoanNotAllowed(reason or _("Upload loan facts for the bank you act for."))

    try:
        kind = upload_kind(uploaded_file, limit_mb=settings.LOAN_IMPORT_MAX_MB)
    except ImportFileError as error:
        raise LoanValidationError(error.message, errors={"file": [error.message]}) from error
    loan_import = LoanImport(
        bank=bank,
        original_name=safe_file_name(uploaded_file.name, fallback="loan-facts")[:200],
        uploaded_by=actor,
    )
    # The stored name is ours: a user-supplied name never reaches the file system.
    loan_import.file.save(f"{uuid.uuid4().hex}.{kind}", uploaded_file, save=False)
    try:
        loan_import.save()
        audit_record(
            action="loans.import.upload",
            actor=actor,
            object_type="loans.loanimport",
            object_id=loan_import.pk,
            details={"name": loan_import.original_name, "size": uploaded_file.size},
        )
    except Exception:
        loan_import.file.delete(save=False)
        raise
    # The run writes its messages in the language the bank uploaded in.
    language = translation.get_language()
    from loans.tasks import loan_import_run_task

    enqueue(loan_import_run_task, loan_import.pk, language)
    return loan_import


def _claim(import_id: int) -> bool:
    return upload_claim(LoanImport, import_id)


def loan_import_run(*, import_id: int, language: str | None = None) -> LoanImport | None:
    """Check and apply an upload, all or nothing; returns it, or None when another run has it.

    Safe to run twice: only the run that claims the upload does anything. Messages are written in
    ``language`` (the uploader's), else the portal's default.
    """
    if not _claim(import_id):
        return None
    with translation.override(language or settings.LANGUAGE_CODE):
        loan_import = LoanImport.objects.select_related("bank", "uploaded_by").get(pk=import_id)
        try:
            _run(loan_import)
        except Exception:
            logger.exception("loan import %s failed", import_id)
            message = _(
                "The upload stopped on an unexpected error; nothing was applied. Upload the file again, and "
                "tell the portal's support if it happens again."
            )
            _finish(
                loan_import,
                ImportStatus.FAILED,
                [{"row": None, "field": "", "value": "", "message": message}],
            )
    loan_import.refresh_from_db()
    return loan_import


def _finish(loan_import: LoanImport, status: str, errors: list[dict], error_count: int | None = None) -> None:
    error_count = len(errors) if error_count is None else error_count
    LoanImport.objects.filter(pk=loan_import.pk).update(
        status=status, errors=errors, error_count=error_count, finished_at=timezone.now()
    )
    audit_record(
        action="loans.import.run",
        actor=loan_import.uploaded_by,
        object_type="loans.loanimport",
        object_id=loan_import.pk,
        outcome=Outcome.FAILURE,
        details={"status": status, "errors": error_count},
    )


class _Stale(Exception):
    """A loan the file names changed, or a new reference was taken, between the check and the write."""

    def __init__(self, row: int | None, ref: str):
        super().__init__(ref)
        self.row = row
        self.ref = ref

    def as_error(self, labels: dict) -> dict:
        if self.ref:
            message = _(
                "The loan %(ref)s changed while the file was being checked (another report arrived). "
                "Nothing was applied; upload the file again."
            ) % {"ref": self.ref}
        else:
            message = _(
                "Another report used one of the file's new loan references while the file was being "
                "checked. Nothing was applied; upload the file again."
            )
        return {"row": self.row, "field": labels["bank_loan_ref"], "value": self.ref, "message": message}


def _run(loan_import: LoanImport) -> None:
    started = time.perf_counter()
    with loan_import.file.open("rb") as handle:
        content = handle.read()
    try:
        sheet = read_rows(content)
    except ImportFileError as error:
        _finish(loan_import, ImportStatus.REJECTED, [error.as_error()])
        return
    total = len(sheet.rows)
    LoanImport.objects.filter(pk=loan_import.pk).update(encoding=sheet.encoding, total_rows=total)
    read = time.perf_counter()

    def progress(done: int) -> None:
        # Its own short transaction, outside the apply's: the polling page sees it at once. A progress
        # figure lost in a crash costs nothing, so PostgreSQL need not wait for the disk on each one.
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit = off")
            LoanImport.objects.filter(pk=loan_import.pk).update(processed_rows=done)

    checker = _Checker(bank=loan_import.bank, sheet=sheet, today=timezone.localdate(), progress=progress)
    plan = checker.run(sheet.rows)
    progress(total)
    checked = time.perf_counter()
    if plan.error_count:
        _finish(loan_import, ImportStatus.REJECTED, plan.errors, plan.error_count)
        return
    try:
        _apply(loan_import, plan, total_rows=total)
    except _Stale as stale:
        _finish(loan_import, ImportStatus.REJECTED, [stale.as_error(sheet.labels)])
        return
    logger.info(
        "loan import %s: %d rows read in %.2f s, checked in %.2f s, applied in %.2f s",
        loan_import.pk,
        total,
        read - started,
        checked - read,
        time.perf_counter() - checked,
    )


# ---------------------------------------------------------------------------------------------------
# Writing, all in one transaction


_FACT_COLUMNS = ["id", "loan_id", "kind", "occurred_on", "amount", "overdue_days", "classification", "note"]
_FACT_COLUMNS += ["source", "reported_by_id", "reported_at"]
_CASE_COLUMNS = ["id", "reference", "enterprise_id", "origin", "opened_by_id", "opened_at"]
_EVENT_COLUMNS = ["id", "loan_id", "actor_id", "from_status", "to_status", "fact_id", "reason", "at"]


def _apply(loan_import: LoanImport, plan: _Plan, *, total_rows: int) -> None:
    bank, actor = loan_import.bank, loan_import.uploaded_by
    with transaction.atomic():
        locked = _lock_existing(plan, bank)
        now = timezone.now()
        loan_columns, loan_rows = _new_loan_rows(plan, bank=bank, actor=actor, now=now)
        try:
            _insert(Loan, loan_columns, loan_rows, count=len(loan_rows))
        except IntegrityError as error:  # a concurrent report took a reference after the check
            raise _Stale(None, "") from error
        loan_ids = {ref: row[0] for ref, row in zip(plan.new_loans, loan_rows, strict=True)}
        loan_ids.update({ref: loan.pk for ref, loan in locked.items()})
        source, overdue = str(LoanSource.IMPORT), FactKind.OVERDUE
        fact_rows: list[list] = []

        def facts():
            # Made while COPY sends them, so PostgreSQL stores rows while Python makes the next ones.
            for planned in plan.facts:
                fact = planned.fact
                row = [
                    None,
                    loan_ids[planned.ref],
                    fact.kind,
                    fact.occurred_on,
                    fact.amount,
                    fact.overdue_days if fact.kind == overdue else None,
                    fact.classification,
                    planned.note,
                    source,
                    actor.pk,
                    now,
                ]
                fact_rows.append(row)
                yield row

        _insert(LoanFact, _FACT_COLUMNS, facts(), count=len(plan.facts))
        moves = [
            (planned, row)
            for planned, row in zip(plan.facts, fact_rows, strict=True)
            if planned.to_status != planned.from_status
        ]

        def events():
            # Each loan's history in order: its creation, then its moves in file order (pk breaks ties).
            contracted = str(LoanStatus.CONTRACTED)
            for row in loan_rows:
                yield [None, row[0], actor.pk, "", contracted, None, "", now]
            for planned, row in moves:
                yield [
                    None,
                    row[1],
                    actor.pk,
                    str(planned.from_status),
                    str(planned.to_status),
                    row[0],
                    "",
                    now,
                ]

        _insert(LoanEvent, _EVENT_COLUMNS, events(), count=len(loan_rows) + len(moves))
        updated = _update_existing(plan, locked, now=now)
        audit_record(
            action="loans.import.run",
            actor=actor,
            object_type="loans.loanimport",
            object_id=loan_import.pk,
            details={
                "status": ImportStatus.APPLIED,
                "rows": total_rows,
                "loans_created": len(loan_rows),
                "loans_updated": updated,
                "facts_recorded": len(fact_rows),
            },
        )
        LoanImport.objects.filter(pk=loan_import.pk).update(
            status=ImportStatus.APPLIED,
            processed_rows=total_rows,
            loans_created=len(loan_rows),
            facts_recorded=len(fact_rows),
            errors=[],
            error_count=0,
            finished_at=now,
        )
        # As after a fact reported one by one: loans the file left overdue or non-performing are checked
        # for alerts (through the outbox, with the upload's commit; one message for the whole file).
        from loans.tasks import loan_alerts_check_many

        watch = [loan_ids[ref] for ref, state in plan.states.items() if state.status in _ALERT_STATUSES]
        if watch:
            enqueue(loan_alerts_check_many, watch)
        transaction.on_commit(
            lambda: import_applied.send(sender=LoanImport, rows=total_rows, bank=bank), robust=True
        )


def _lock_existing(plan: _Plan, bank: Organisation) -> dict[str, Loan]:
    """Lock the bank's loans the file changes and make sure nothing moved them since the check. (A new
    reference another report took meanwhile fails the insert on the unique constraint.)"""
    first_row: dict[str, int] = {}
    for planned in plan.facts:
        first_row.setdefault(planned.ref, planned.row)
    locked: dict[str, Loan] = {}
    for chunk in _chunks([plan.existing[ref].pk for ref in plan.start]):
        for loan in Loan.objects.select_for_update().filter(pk__in=chunk):
            locked[loan.bank_loan_ref] = loan
    for ref, start in plan.start.items():
        loan = locked.get(ref)
        if loan is None or loan.bank_id != bank.pk or LoanState.of(loan) != start:
            raise _Stale(first_row.get(ref), ref)
    return locked


def _open_cases(plan: _Plan, *, actor, now) -> list[int]:
    """A financing case per loan the file creates (a loan reported without a portal application opens
    its own, ``loans/services/cases.py``), in file order; the import's audit row stands for them all."""
    year = timezone.localdate().year
    references = next_references(series=CASE_SERIES, year=year, count=len(plan.new_loans))
    rows = [
        [None, reference, new.enterprise_id, str(CaseOrigin.BANK_REPORT), actor.pk, now]
        for new, reference in zip(plan.new_loans.values(), references, strict=True)
    ]
    _insert(FinancingCase, _CASE_COLUMNS, rows, count=len(rows))
    return [row[0] for row in rows]


def _new_loan_rows(plan: _Plan, *, bank: Organisation, actor, now) -> tuple[list[str], list[list]]:
    """The columns and rows of the loans the file creates, in file order, each with its state after
    the file and its new case."""
    references = next_references(
        series=LOAN_SERIES, year=timezone.localdate().year, count=len(plan.new_loans)
    )
    case_ids = _open_cases(plan, actor=actor, now=now)
    columns, rows = [], []
    for (ref, new), reference, case_id in zip(plan.new_loans.items(), references, case_ids, strict=True):
        state = plan.states[ref]
        values = {
            **new.values,
            "case_id": case_id,
            **{name: getattr(state, name) for name in LoanState.FIELDS},
            "reference": reference,
            "bank_id": bank.pk,
            "enterprise_id": new.enterprise_id,
            "source": str(LoanSource.IMPORT),
            "status": str(state.status),
            "classification": str(state.classification),
            "created_by_id": actor.pk,
            "created_at": now,
            "updated_at": now,
        }
        columns = columns or ["id", *values]
        rows.append([None, *values.values()])
    return columns, rows


def _update_existing(plan: _Plan, locked: dict[str, Loan], *, now) -> int:
    changed_loans, changed_fields = [], set()
    for ref, loan in locked.items():
        changed = plan.states[ref].write_to(loan)
        if changed:
            loan.updated_at = now
            changed_loans.append(loan)
            changed_fields.update(changed)
    if changed_loans:
        Loan.objects.bulk_update(changed_loans, [*sorted(changed_fields), "updated_at"], batch_size=1_000)
    return len(changed_loans)


def _insert(model, columns: list[str], rows: Iterable[list], *, count: int) -> None:
    """Insert ``count`` rows (values in the order of ``columns``, field attnames, the first "id" left
    None) and fill in each row's id.

    On PostgreSQL the ids are drawn from the table's sequence first and the rows go in with COPY: for
    100,000 rows, Django's model instances and INSERT compilation cost several times the database's own
    work. Elsewhere (SQLite: development, tests) bulk_create does it.
    """
    if not count:
        return
    if connection.vendor != "postgresql":
        rows = list(rows)
        names = columns[1:]
        objects = [model(**dict(zip(names, row[1:], strict=True))) for row in rows]
        model.objects.bulk_create(objects, batch_size=BATCH_SIZE)
        for row, obj in zip(rows, objects, strict=True):
            row[0] = obj.pk
        return
    quote = connection.ops.quote_name
    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
        )
        ids = [new_id for (new_id,) in cursor.fetchall()]
        names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy,
        ):
            for row, new_id in zip(rows, ids, strict=True):
                row[0] = new_id
                copy.write_row(row)


# ---------------------------------------------------------------------------------------------------
# The error report


def error_report_rows(loan_import: LoanImport) -> list[list[str]]:
    """The error report: row, field, value, message; a last line says how many errors were not kept."""
    return error_report(loan_import.errors, loan_import.error_count)
