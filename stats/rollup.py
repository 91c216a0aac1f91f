"""Group a subject's stage by period and grain: into a snapshot (the refresh) or on the spot (live).

On PostgreSQL one statement per subject computes every grouping set in one pass over the stage
(``GROUP BY GROUPING SETS``); SQLite, the demo database, gets the same sets as a ``UNION ALL``.
"""

import logging
import time
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from stats.dims import COLUMNS, GRAINS, Dim, Filters
from stats.models import Cell, Snapshot, SnapshotStatus
from stats.subjects import (
    FIRST_PERIODS,
    FIRST_VARIANTS,
    LOAN_DIMS_TABLE,
    SQL,
    SUBJECTS,
    Subject,
    first_flag,
    loan_dims_sql,
)

log = logging.getLogger(__name__)

DIM_COLUMNS = [COLUMNS[dim][0] for dim in Dim]  # district, park_id, bank_id, ip_kind, industry
MEASURES = ["c1", "c2", "c3", "c4", "c5", "a1", "a2", "a3", "a4"]
OUTPUT = ["kind", "year", "part", "grain", *DIM_COLUMNS, "breakdown", *MEASURES]
_PERIOD_COLUMNS = {"M": ("y", "m"), "Q": ("y", "q"), "Y": ("y",), "N": ()}
BREAKDOWN_PREFIX = {"brk_channel": "channel", "brk_office": "office", "brk_commissioner": "commissioner"}


@dataclass(frozen=True)
class GroupingSet:
    kind: str
    grain: int
    breakdown: str = ""  # a stage ``brk_*`` column, or ""

    def columns(self) -> list[str]:
        dims = [COLUMNS[dim][0] for dim in Dim if self.grain & dim]
        return [*_PERIOD_COLUMNS[self.kind], *dims, *([self.breakdown] if self.breakdown else [])]


def grouping_sets(subject: Subject) -> list[GroupingSet]:
    """Every set a subject's rollup holds: each period kind by each grain it can be cut by, and the
    breakdowns kept for some grains."""
    grains = [g for g in GRAINS if all(dim in subject.dims for dim in Dim if g & dim)]
    sets = []
    for kind in subject.kinds:
        for grain in grains:
            sets.append(GroupingSet(kind, grain))
            sets += [GroupingSet(kind, grain, b) for b, keep in subject.breakdowns.items() if grain in keep]
    return sets


def wrapped_stage(subject: Subject) -> str:
    """The subject's stage with each row's year, month and quarter (0 for an "as of now" subject)."""
    stage = subject.stage(connection.vendor)
    if "N" in subject.kinds:
        return f"SELECT s.*, 0 AS y, 0 AS m, 0 AS q FROM ({stage}) s"  # nosec B608 # identifiers from the models or constants, values bound as parameters
    sql = SQL(connection.vendor)
    year, month = sql.year("s.d"), sql.month("s.d")
    return f"SELECT s.*, {year} AS y, {month} AS m, ({month} + 2) / 3 AS q FROM ({stage}) s WHERE s.d IS NOT NULL"  # nosec B608 # identifiers from the models or constants, values bound as parameters


def _aggregates(subject: Subject) -> list[str]:
    """The measures in OUTPUT order, then (for a distinct measure) the sums of the first-loan flags."""
    out = []
    for measure in MEASURES:
        if measure in subject.counts or measure in subject.amounts:
            out.append(f"COALESCE(SUM({measure}), 0)")
        else:
            out.append("0")  # a distinct measure is chosen from the flags by _choose_distinct
    return out + [f"COALESCE(SUM({flag}), 0)" for flag in _flags(subject)]


def _flags(subject: Subject) -> list[str]:
    if not subject.distinct:
        return []
    return [first_flag(variant, period) for variant in FIRST_VARIANTS for period in FIRST_PERIODS]


def _named(expressions: list[str], subject: Subject) -> str:
    """The output columns, each named as the cell's column (a table made from them needs names)."""
    names = [f"out_{name}" for name in OUTPUT] + _flags(subject)
    return ", ".join(f"{expression} AS {name}" for expression, name in zip(expressions, names, strict=True))


def _choose_distinct(subject: Subject, body: str) -> str:
    """Each row's distinct count: the flag sum for its period kind and for the bank and IP-kind bits of its
    grain (the dimensions that split a borrower's loans)."""
    if not subject.distinct:
        return body
    variants = {0: "o", int(Dim.BANK): "b", int(Dim.IP_KIND): "i", int(Dim.BANK | Dim.IP_KIND): "bi"}
    bits = int(Dim.BANK | Dim.IP_KIND)
    kinds = " ".join(
        f"WHEN '{kind}' THEN CASE (out_grain & {bits}) "
        + " ".join(
            f"WHEN {bit} THEN {first_flag(variant, kind.lower())}" for bit, variant in variants.items()
        )
        + " END"
        for kind in ("M", "Q", "Y")
    )
    columns = [
        f"CASE out_kind {kinds} END AS out_{name}" if name in subject.distinct else f"out_{name}"
        for name in OUTPUT
    ]
    return f"SELECT {', '.join(columns)} FROM ({body}) flagged"  # nosec B608 # identifiers from the models or constants, values bound as parameters


def _select_for_set(subject: Subject, gset: GroupingSet) -> str:
    """One set as its own GROUP BY (SQLite), with the columns outside the set as literals."""
    part = {"M": "m", "Q": "q"}.get(gset.kind, "0")
    year = "y" if gset.kind != "N" else "0"
    dims = [
        col if gset.grain & dim else repr(COLUMNS[dim][1]) for dim, col in zip(Dim, DIM_COLUMNS, strict=True)
    ]
    breakdown = f"'{BREAKDOWN_PREFIX[gset.breakdown]}:' || {gset.breakdown}" if gset.breakdown else "''"
    group = gset.columns()
    columns = _named(
        [f"'{gset.kind}'", year, part, str(gset.grain), *dims, breakdown, *_aggregates(subject)], subject
    )
    return f"SELECT {columns} FROM stage" + (f" GROUP BY {', '.join(group)}" if group else "")  # nosec B608 # identifiers from the models or constants, values bound as parameters


def _grouping_sets_select(subject: Subject, sets: list[GroupingSet]) -> str:
    """All sets in one pass (PostgreSQL): GROUPING() tells each output row which set it belongs to."""
    kinds = {s.kind for s in sets}
    if kinds == {"N"}:
        kind, year, part = "'N'", "0", "0"
    else:
        # GROUPING() may only name columns some set groups by.
        whens = [(k, col) for k, col in (("M", "m"), ("Q", "q")) if k in kinds]
        rest = next((k for k in ("Y", "Q", "M") if k in kinds), "Y")
        kind = (
            "CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN '{k}'" for k, c in whens) + f" ELSE '{rest}' END"
        )
        part = "CASE " + " ".join(f"WHEN GROUPING({c}) = 0 THEN {c}" for _k, c in whens) + " ELSE 0 END"
        if not whens:
            kind, part = "'Y'", "0"
        year = "y"
    grouped = {col for gset in sets for col in gset.columns()}
    present = [(dim, col) for dim, col in zip(Dim, DIM_COLUMNS, strict=True) if col in grouped]
    grain = (
        " + ".join(f"CASE WHEN GROUPING({col}) = 0 THEN {int(dim)} ELSE 0 END" for dim, col in present) or "0"
    )
    dims = [
        f"CASE WHEN GROUPING({col}) = 0 THEN {col} ELSE {COLUMNS[dim][1]!r} END"
        if col in grouped
        else repr(COLUMNS[dim][1])
        for dim, col in zip(Dim, DIM_COLUMNS, strict=True)
    ]
    brks = sorted({s.breakdown for s in sets if s.breakdown})
    if brks:
        whens = " ".join(
            f"WHEN GROUPING({b}) = 0 THEN '{BREAKDOWN_PREFIX[b]}:' || CAST({b} AS TEXT)" for b in brks
        )
        breakdown = f"CASE {whens} ELSE '' END"
    else:
        breakdown = "''"
    groups = ", ".join(f"({', '.join(s.columns())})" for s in sets)
    columns = _named([kind, year, part, grain, *dims, breakdown, *_aggregates(subject)], subject)
    return f"SELECT {columns} FROM stage GROUP BY GROUPING SETS ({groups})"  # nosec B608 # identifiers from the models or constants, values bound as parameters


def where_clause(filters: Filters | None, since: tuple[int, int] | None, until: tuple[int, int] | None):
    clauses, params = [], []
    for dim, value in filters.items() if filters else []:
        clauses.append(f"{COLUMNS[dim][0]} = %s")
        params.append(value)
    if since:
        clauses.append("(y > %s OR (y = %s AND m >= %s))")
        params += [since[0], since[0], since[1]]
    if until:
        clauses.append("(y < %s OR (y = %s AND m <= %s))")
        params += [until[0], until[0], until[1]]
    return (" WHERE " + " AND ".join(clauses)) if clauses else "", params


def aggregate_sql(
    subject: Subject,
    sets: list[GroupingSet],
    *,
    filters: Filters | None = None,
    since: tuple[int, int] | None = None,
    until: tuple[int, int] | None = None,
    live: bool = False,
) -> tuple[str, str, list]:
    """The CTEs and the SELECT producing ``OUTPUT`` rows for ``sets`` (live: with the loan dimensions inline)."""
    where, params = where_clause(filters, since, until)
    stage = f"stage AS (SELECT * FROM ({wrapped_stage(subject)}) w{where})"  # nosec B608 # identifiers from the models or constants, values bound as parameters
    ctes = [stage]
    if live and subject.uses_loan_dims:
        ctes.insert(0, f"{LOAN_DIMS_TABLE} AS ({loan_dims_sql()})")
    if connection.vendor == "postgresql":
        body = _grouping_sets_select(subject, sets)
    else:
        body = " UNION ALL ".join(_select_for_set(subject, s) for s in sets)
    return f"WITH {', '.join(ctes)}", _choose_distinct(subject, body), params


def live_rows(subject: Subject, sets, **where) -> list[dict]:
    """The rows a snapshot would hold for ``sets``, computed now from the base tables."""
    ctes, body, params = aggregate_sql(subject, sets, live=True, **where)
    with connection.cursor() as cursor:
        cursor.execute(f"{ctes} {body}", params)
        return [dict(zip(OUTPUT, row, strict=True)) for row in cursor.fetchall()]


# --- Refresh ---------------------------------------------------------------------------------------------


class RefreshRunning(Exception):
    pass


def _build_loan_dims(cursor) -> int:
    cursor.execute(f"DROP TABLE IF EXISTS {LOAN_DIMS_TABLE}")
    cursor.execute(f"CREATE TEMPORARY TABLE {LOAN_DIMS_TABLE} AS {loan_dims_sql()}", [])
    cursor.execute(f"CREATE UNIQUE INDEX {LOAN_DIMS_TABLE}_pk ON {LOAN_DIMS_TABLE} (loan_id)")
    if connection.vendor == "postgresql":
        cursor.execute(f"ANALYZE {LOAN_DIMS_TABLE}")
    cursor.execute(f"SELECT COUNT(*) FROM {LOAN_DIMS_TABLE}")  # nosec B608 # identifiers from the models or constants, values bound as parameters
    return cursor.fetchone()[0]


def _insert(cursor, snapshot: Snapshot, subject: Subject) -> None:
    ctes, body, params = aggregate_sql(subject, grouping_sets(subject))
    columns = ", ".join(["snapshot_id", "subject", *OUTPUT])
    cursor.execute(
        f"{ctes} INSERT INTO {Cell._meta.db_table} ({columns}) "  # nosec B608 # identifiers from the models or constants, values bound as parameters
        f"SELECT {snapshot.pk}, '{subject.name}', q.* FROM ({body}) q",
        params,
    )


def refresh(*, trigger: str, user=None) -> Snapshot:
    """Compute a new snapshot from the base tables and make it current (the old one is removed).

    One refresh at a time: a second is refused while one runs (the unique "running" constraint).
    """
    from django.db import IntegrityError

    try:
        with transaction.atomic():
            snapshot = Snapshot.objects.create(trigger=trigger, requested_by=user)
    except IntegrityError as exc:
        raise RefreshRunning from exc
    started = time.monotonic()
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            as_of = timezone.now()
            if connection.vendor == "postgresql":
                cursor.execute("SET LOCAL work_mem = '256MB'")
                # A snapshot lost in a crash is simply computed again: no need to wait for the WAL flush.
                cursor.execute("SET LOCAL synchronous_commit = off")
            base = _build_loan_dims(cursor)
            for subject in SUBJECTS.values():
                _insert(cursor, snapshot, subject)
            rows = Cell.objects.filter(snapshot=snapshot).count()
            if connection.vendor == "postgresql":
                # Fresh statistics for the planner: with the old snapshot's, a page's lookups scanned every
                # cell of the snapshot instead of the few its index finds (110 ms instead of 1).
                cursor.execute(f"ANALYZE {Cell._meta.db_table}")
            cursor.execute(f"DROP TABLE IF EXISTS {LOAN_DIMS_TABLE}")
            old = list(Snapshot.objects.filter(status=SnapshotStatus.READY).values_list("pk", flat=True))
            Cell.objects.filter(snapshot_id__in=old).delete()
            Snapshot.objects.filter(pk__in=old).update(status=SnapshotStatus.SUPERSEDED)
            Snapshot.objects.filter(pk=snapshot.pk).update(
                status=SnapshotStatus.READY,
                as_of=as_of,
                finished_at=timezone.now(),
                rows=rows,
                base_rows=base,
            )
    except Exception as exc:
        Snapshot.objects.filter(pk=snapshot.pk).update(
            status=SnapshotStatus.FAILED, finished_at=timezone.now(), error=repr(exc)[:2000]
        )
        raise
    log.info("stats snapshot %s: %s rows in %.1f s", snapshot.pk, rows, time.monotonic() - started)
    snapshot.refresh_from_db()
    return snapshot


def current() -> Snapshot | None:
    return Snapshot.objects.filter(status=SnapshotStatus.READY).first()
