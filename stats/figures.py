"""One dashboard's figures for a period and a cut: from the current snapshot, or computed live.

Both sources hand back the same rows (``stats.rollup.OUTPUT``), and one assembly turns rows into figures,
so the page, its Excel export and the live check show the same numbers by construction; the tests hold
both against hand-computed fixtures.
"""

from bisect import bisect_right
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from django.db import connection
from django.utils import timezone

from stats.dims import COLUMNS, Dim, Filters, Period, grain_allowed
from stats.indicators import BY_SLUG, INDICATORS, Indicator
from stats.models import Cell, Snapshot
from stats.rollup import BREAKDOWN_PREFIX, OUTPUT, GroupingSet, live_rows
from stats.subjects import SUBJECTS

HUNDRED = Decimal(100)
LEAGUE_DIMS = (Dim.BANK, Dim.DISTRICT)
LEAGUE_COLUMNS = (
    "loans_disbursed",
    "amount_disbursed",
    "balance",
    "first_time_borrowers",
    "enterprises_served",
    "registrations_on_time",
    "whitelist_feedback_on_time",
    "whitelist_conversion",
    "subsidies_paid",
    "compensation_paid",
    "npl_ratio",
)
BREAKDOWNS = ("channel", "office", "commissioner")  # ip_kind comes from the IP-kind cut


def percent(numerator, denominator) -> Decimal | None:
    if not denominator:
        return None
    return (Decimal(numerator) * HUNDRED / Decimal(denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def applies(indicator: Indicator, grain: int) -> bool:
    """Whether the indicator can be cut this way (a budget is city-wide; subsidies have no bank)."""
    return _applies(indicator.slug, int(grain))


@cache
def _applies(slug: str, grain: int) -> bool:
    indicator = BY_SLUG[slug]
    if indicator.whole_city_only and grain:
        return False
    dims = SUBJECTS[indicator.subject].dims
    return all(dim in dims for dim in Dim if grain & dim)


_COLUMN_OF_BIT = {int(dim): column for dim, (column, _all) in COLUMNS.items()}


@dataclass
class Plan:
    """What one overview needs from each subject: which grouping sets, over which months."""

    filters: Filters
    period: Period
    leagues: tuple[Dim, ...]

    def sets(self, subject_name: str) -> list[GroupingSet]:
        subject = SUBJECTS[subject_name]
        grain = self.filters.grain
        if subject.kinds == ("N",):
            grains = [grain, *(grain | dim for dim in self.leagues)]
            return [GroupingSet("N", g) for g in grains if _holds(subject, g)]
        out = [GroupingSet("M", grain)]
        if self.period.kind in subject.kinds:
            out.append(GroupingSet(self.period.kind, grain))
            out += [
                GroupingSet(self.period.kind, grain | dim)
                for dim in self.leagues
                if _holds(subject, grain | dim)
            ]
            out += [
                GroupingSet(self.period.kind, grain, brk)
                for brk, keep in subject.breakdowns.items()
                if grain in keep
            ]
        if subject_name == "registrations" and self.period.kind in subject.kinds and not grain & Dim.IP_KIND:
            out.append(GroupingSet(self.period.kind, grain | Dim.IP_KIND))
        if subject_name == "balance":
            out += [GroupingSet("M", grain | dim) for dim in self.leagues if _holds(subject, grain | dim)]
        return [s for s in dict.fromkeys(out) if _holds(subject, s.grain)]

    def since(self, subject_name: str) -> tuple[int, int] | None:
        if subject_name in ("balance", "npl"):
            return None  # a balance sums every month up to the period's end
        return self.period.trend_months()[0]

    def until(self, subject_name: str) -> tuple[int, int] | None:
        if subject_name == "npl":
            return None
        return (self.period.year, self.period.last_month)


def _holds(subject, grain: int) -> bool:
    return grain_allowed(grain) and all(dim in subject.dims for dim in Dim if grain & dim)


class SnapshotSource:
    """Rows from a snapshot, read with one hand-written query per subject: the page reads a few thousand
    cells, and building the same lookup with the ORM cost more than the database's millisecond."""

    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.as_of = snapshot.as_of

    def rows(self, subject: str, plan: Plan) -> list[dict]:
        sets = plan.sets(subject)
        if not sets:
            return []
        since, until = plan.since(subject), plan.until(subject)
        alternatives, params = [], []
        for gset in sets:
            clause = ["grain = %s", "kind = %s"]
            params += [gset.grain, gset.kind]
            if gset.breakdown:
                clause.append("breakdown LIKE %s")
                params.append(_prefix(gset.breakdown) + "%")
            else:
                clause.append("breakdown = ''")
            if gset.kind == "M":
                if since:
                    clause.append("(year > %s OR (year = %s AND part >= %s))")
                    params += [since[0], since[0], since[1]]
                if until:
                    clause.append("(year < %s OR (year = %s AND part <= %s))")
                    params += [until[0], until[0], until[1]]
            elif gset.kind != "N":
                clause.append("year = %s AND part = %s")
                params += [plan.period.year, plan.period.part]
            alternatives.append("(" + " AND ".join(clause) + ")")
        fixed = "".join(f" AND {column} = %s" for column, _value in _filter_columns(plan.filters))
        measures = SUBJECTS[subject].measures
        columns = [*OUTPUT[:10], *measures]
        sql = (
            f"SELECT {', '.join(columns)} FROM {Cell._meta.db_table} "  # noqa: S608  # nosec B608 # names from the models
            f"WHERE snapshot_id = %s AND subject = %s{fixed} AND ({' OR '.join(alternatives)})"
        )
        values = [
            self.snapshot.pk,
            subject,
            *(value for _column, value in _filter_columns(plan.filters)),
            *params,
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            found = cursor.fetchall()
        absent = dict.fromkeys((m for m in OUTPUT[10:] if m not in measures), 0)
        return [{**dict(zip(columns, row, strict=True)), **absent} for row in found]


class LiveSource:
    """The same rows computed now from the base tables (the benchmark's and the tests' reference)."""

    def __init__(self):
        self.as_of = timezone.now()

    def rows(self, subject: str, plan: Plan) -> list[dict]:
        sets = plan.sets(subject)
        if not sets:
            return []
        return live_rows(
            SUBJECTS[subject],
            sets,
            filters=plan.filters,
            since=plan.since(subject),
            until=plan.until(subject),
        )


def _prefix(breakdown_column: str) -> str:
    return BREAKDOWN_PREFIX[breakdown_column] + ":"


def _filter_columns(filters: Filters):
    return [(COLUMNS[dim][0], value) for dim, value in filters.items()]


@dataclass
class LeagueRow:
    key: object  # bank id or district code
    values: dict[str, object]


@dataclass
class Overview:
    period: Period
    filters: Filters
    as_of: datetime | None
    live: bool
    values: dict[str, object] = field(default_factory=dict)
    trend_months: list[tuple[int, int]] = field(default_factory=list)
    trend: dict[str, list] = field(default_factory=dict)
    leagues: dict[Dim, list[LeagueRow]] = field(default_factory=dict)
    breakdowns: dict[str, list[tuple[str, dict]]] = field(default_factory=dict)

    def indicators(self) -> list[tuple[Indicator, object]]:
        return [(i, self.values.get(i.slug)) for i in INDICATORS if i.slug in self.values]


def _value(indicator: Indicator, row: dict | None):
    kind = indicator.value[0]
    if row is None:
        if kind != "sum":
            return None
        return Decimal("0.00") if indicator.unit == "yuan" else 0
    if kind == "sum":
        value = row[indicator.value[1]]
        return Decimal(value).quantize(Decimal("0.01")) if indicator.unit == "yuan" else int(value)
    if kind == "ratio":
        return percent(row[indicator.value[1]], row[indicator.value[2]])
    raise ValueError(kind)


class _Index:
    """The fetched rows indexed once (a page reads thousands; every figure is then a dictionary lookup).

    A row is found by subject, period, grain, breakdown and its league key: the value of the one dimension
    its grain adds to the filters' (None for the filters' own grain). Balances keep each key's monthly
    flows in order, with running totals, so the balance at any month end is one bisection."""

    def __init__(self, rows: dict[str, list[dict]], grain: int):
        self.exact: dict[tuple, dict] = {}
        flows: dict[tuple, list[tuple[int, Decimal]]] = defaultdict(list)
        for subject, subject_rows in rows.items():
            for row in subject_rows:
                extra = row["grain"] & ~grain
                key = row[_COLUMN_OF_BIT[extra]] if extra else None
                period = (row["year"], row["part"])
                self.exact[(subject, row["kind"], row["grain"], period, row["breakdown"], key)] = row
                if subject == "balance" and row["kind"] == "M":
                    flows[(row["grain"], key)].append((row["year"] * 12 + row["part"], Decimal(row["a1"])))
        self.months: dict[tuple, list[int]] = {}
        self.totals: dict[tuple, list[Decimal]] = {}
        for series, items in flows.items():
            items.sort()
            running, totals = Decimal(0), []
            for _month, amount in items:
                running += amount
                totals.append(running)
            self.months[series] = [month for month, _amount in items]
            self.totals[series] = totals

    def row(self, subject, kind, grain, period, breakdown="", key=None) -> dict | None:
        return self.exact.get((subject, kind, grain, period, breakdown, key))

    def balance(self, grain: int, key, year: int, month: int) -> Decimal:
        months = self.months.get((grain, key))
        if not months:
            return Decimal("0.00")
        position = bisect_right(months, year * 12 + month)
        return (
            self.totals[(grain, key)][position - 1].quantize(Decimal("0.01")) if position else Decimal("0.00")
        )


def _growth(now: Decimal, before: Decimal) -> Decimal | None:
    if not before:
        return None
    return ((now - before) * HUNDRED / before).quantize(Decimal("0.01"), ROUND_HALF_UP)


REGISTRATION_COLUMNS = ("registrations_completed", "registrations_on_time", "registered_amount")
TREND = ("loans_disbursed", "amount_disbursed", "balance", "registrations_on_time", "subsidies_paid")


def build(source, period: Period, filters: Filters, *, leagues: tuple[Dim, ...] = LEAGUE_DIMS) -> Overview:
    """Every indicator for the period and cut, the 12-month trends, league tables and breakdowns."""
    grain = filters.grain
    if not grain_allowed(grain):
        raise ValueError(f"the rollup holds no cut {filters.query()}")  # the filter form refuses it first
    leagues = tuple(
        dim
        for dim in leagues
        if not grain & dim and not (dim == Dim.DISTRICT and grain & Dim.PARK) and grain_allowed(grain | dim)
    )
    plan = Plan(filters, period, leagues)
    rows = {name: source.rows(name, plan) for name in SUBJECTS}
    index = _Index(rows, grain)
    overview = Overview(period, filters, source.as_of, isinstance(source, LiveSource))
    overview.trend_months = period.trend_months()
    this = (period.year, period.part)

    def value(indicator: Indicator, g: int, key=None, at=None, kind=None):
        """The indicator at grain ``g`` (for league ``key``), for the period or the month ``at``."""
        if not applies(indicator, g):
            return None
        how = indicator.value[0]
        if how == "balance":
            year, month = at or (period.year, period.last_month)
            return index.balance(g, key, year, month)
        if how == "yoy":
            return _growth(
                index.balance(g, key, period.year, period.last_month),
                index.balance(g, key, period.year - 1, period.last_month),
            )
        if indicator.now:
            return _value(indicator, index.row(indicator.subject, "N", g, (0, 0), key=key))
        kind, when = ("M", at) if at else (period.kind, this)
        return _value(indicator, index.row(indicator.subject, kind, g, when, key=key))

    for indicator in INDICATORS:
        if applies(indicator, grain):
            overview.values[indicator.slug] = value(indicator, grain)

    # Trends: month by month over the 12 months ending with the period.
    for slug in TREND:
        indicator = BY_SLUG[slug]
        if applies(indicator, grain):
            overview.trend[slug] = [value(indicator, grain, at=month) for month in overview.trend_months]

    # League tables: one row per bank (or district) in the cut, for the period.
    for dim in leagues:
        target = grain | int(dim)
        keys = {key for (_s, _k, g, _p, _b, key) in index.exact if g == target}
        table = [
            LeagueRow(key, {slug: value(BY_SLUG[slug], target, key) for slug in LEAGUE_COLUMNS})
            for key in keys
        ]
        table.sort(key=lambda r: (-(r.values.get("amount_disbursed") or 0), str(r.key)))
        overview.leagues[dim] = table

    # Registrations by channel, office and commissioner (city-wide), and by IP kind (where it is a cut).
    prefixes = {f"{name}:": name for name in BREAKDOWNS}
    entries: dict[str, dict] = defaultdict(dict)
    for (subject, kind, g, when, breakdown, _key), row in index.exact.items():
        if subject == "registrations" and breakdown and kind == period.kind and g == grain and when == this:
            name, _sep, key = breakdown.partition(":")
            if f"{name}:" in prefixes:
                entries[name][key] = {slug: _value(BY_SLUG[slug], row) for slug in REGISTRATION_COLUMNS}
    if not grain & Dim.IP_KIND and grain_allowed(grain | Dim.IP_KIND):
        for (subject, kind, g, when, breakdown, key), row in index.exact.items():
            if (subject, breakdown, kind, when, g) == (
                "registrations",
                "",
                period.kind,
                this,
                grain | Dim.IP_KIND,
            ):
                entries["ip_kind"][key] = {slug: _value(BY_SLUG[slug], row) for slug in REGISTRATION_COLUMNS}
    for name in (*BREAKDOWNS, "ip_kind"):
        if entries.get(name):
            overview.breakdowns[name] = sorted(entries[name].items())
    return overview


def overview_for(source, scope, period: Period, filters: Filters) -> Overview:
    """The overview a user sees: the scope's cut, and for a bank manager the bank league of the same cut
    without the bank, so its own bank sits among its peers (whose names the presenter drops)."""
    filters = scope.apply(filters)
    overview = build(source, period, filters)
    if scope.anonymous_peers:
        peers = build(source, period, filters.with_(Dim.BANK, 0), leagues=(Dim.BANK,))
        if Dim.BANK in peers.leagues:
            overview.leagues = {Dim.BANK: peers.leagues[Dim.BANK], **overview.leagues}
    return overview
