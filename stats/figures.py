"""One dashboard's figures for a period and a cut: from the current snapshot, or computed live.

Both sources hand back the same rows (``stats.rollup.OUTPUT``), and one assembly turns rows into figures,
so the page, its Excel export and the live check show the same numbers by construction; the tests hold
both against hand-computed fixtures.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q
from django.utils import timezone

from stats.dims import Dim, Filters, Period, grain_allowed
from stats.indicators import BY_SLUG, INDICATORS, Indicator
from stats.models import Cell, Snapshot
from stats.rollup import GroupingSet, live_rows
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
    if indicator.whole_city_only and grain:
        return False
    dims = SUBJECTS[indicator.subject].dims
    return all(dim in dims for dim in Dim if grain & dim)


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
    def __init__(self, snapshot: Snapshot):
        self.snapshot = snapshot
        self.as_of = snapshot.as_of

    def rows(self, subject: str, plan: Plan) -> list[dict]:
        sets = plan.sets(subject)
        if not sets:
            return []
        fixed = dict(_filter_columns(plan.filters))
        since, until = plan.since(subject), plan.until(subject)
        match = Q()
        for gset in sets:
            q = Q(grain=gset.grain, kind=gset.kind)
            q &= Q(breakdown__startswith=_prefix(gset.breakdown)) if gset.breakdown else Q(breakdown="")
            if gset.kind == "M":
                if since:
                    q &= Q(year__gt=since[0]) | Q(year=since[0], part__gte=since[1])
                if until:
                    q &= Q(year__lt=until[0]) | Q(year=until[0], part__lte=until[1])
            elif gset.kind != "N":
                q &= Q(year=plan.period.year, part=plan.period.part)
            match |= q
        cells = Cell.objects.filter(snapshot=self.snapshot, subject=subject, **fixed).filter(match)
        return list(cells.values(*_ROW_FIELDS))


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


_ROW_FIELDS = (
    "kind",
    "year",
    "part",
    "grain",
    "district",
    "park_id",
    "bank_id",
    "ip_kind",
    "industry",
    "breakdown",
    "c1",
    "c2",
    "c3",
    "c4",
    "c5",
    "a1",
    "a2",
    "a3",
    "a4",
)
_PREFIXES = {"brk_channel": "channel:", "brk_office": "office:", "brk_commissioner": "commissioner:"}


def _prefix(breakdown_column: str) -> str:
    return _PREFIXES[breakdown_column]


def _filter_columns(filters: Filters):
    from stats.dims import COLUMNS

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


def _balance_at(rows: list[dict], grain: int, key, year: int, month: int, key_column: str | None) -> Decimal:
    total = Decimal(0)
    for row in rows:
        if row["kind"] != "M" or row["grain"] != grain or (row["year"], row["part"]) > (year, month):
            continue
        if key_column and row[key_column] != key:
            continue
        total += Decimal(row["a1"])
    return total.quantize(Decimal("0.01"))


def _growth(now: Decimal, before: Decimal) -> Decimal | None:
    if not before:
        return None
    return ((now - before) * HUNDRED / before).quantize(Decimal("0.01"), ROUND_HALF_UP)


def build(source, period: Period, filters: Filters, *, leagues: tuple[Dim, ...] = LEAGUE_DIMS) -> Overview:
    """Every indicator for the period and cut, the 12-month trends, league tables and breakdowns."""
    grain = filters.grain
    leagues = tuple(
        dim
        for dim in leagues
        if not grain & dim and not (dim == Dim.DISTRICT and grain & Dim.PARK) and grain_allowed(grain | dim)
    )
    plan = Plan(filters, period, leagues)
    rows = {name: source.rows(name, plan) for name in SUBJECTS}
    overview = Overview(period, filters, source.as_of, isinstance(source, LiveSource))
    overview.trend_months = period.trend_months()

    def period_row(subject: str, g: int, key_column: str | None = None, key=None, breakdown: str = ""):
        kind = "N" if SUBJECTS[subject].kinds == ("N",) else period.kind
        for row in rows[subject]:
            if row["kind"] != kind or row["grain"] != g or row["breakdown"] != breakdown:
                continue
            if kind != "N" and (row["year"], row["part"]) != (period.year, period.part):
                continue
            if key_column and row[key_column] != key:
                continue
            return row
        return None

    def indicator_value(indicator: Indicator, g: int, key_column=None, key=None):
        if not applies(indicator, g):
            return None
        if indicator.value[0] == "balance":
            return _balance_at(rows["balance"], g, key, period.year, period.last_month, key_column)
        if indicator.value[0] == "yoy":
            now = _balance_at(rows["balance"], g, key, period.year, period.last_month, key_column)
            before = _balance_at(rows["balance"], g, key, period.year - 1, period.last_month, key_column)
            return _growth(now, before)
        return _value(indicator, period_row(indicator.subject, g, key_column, key))

    for indicator in INDICATORS:
        if applies(indicator, grain):
            overview.values[indicator.slug] = indicator_value(indicator, grain)

    # Trends: month by month over the 12 months ending with the period.
    for slug in ("loans_disbursed", "amount_disbursed", "balance", "registrations_on_time", "subsidies_paid"):
        indicator = BY_SLUG[slug]
        if not applies(indicator, grain):
            continue
        series = []
        for year, month in overview.trend_months:
            if indicator.value[0] == "balance":
                series.append(_balance_at(rows["balance"], grain, None, year, month, None))
                continue
            row = next(
                (
                    r
                    for r in rows[indicator.subject]
                    if r["kind"] == "M"
                    and r["grain"] == grain
                    and r["breakdown"] == ""
                    and (r["year"], r["part"]) == (year, month)
                ),
                None,
            )
            series.append(_value(indicator, row))
        overview.trend[slug] = series

    # League tables: one row per bank (or district) in the cut, for the period.
    for dim in leagues:
        from stats.dims import COLUMNS

        column = COLUMNS[dim][0]
        keys = set()
        for subject_rows in rows.values():
            keys |= {r[column] for r in subject_rows if r["grain"] == grain | dim}
        table = []
        for key in keys:
            values = {}
            for slug in LEAGUE_COLUMNS:
                indicator = BY_SLUG[slug]
                values[slug] = (
                    indicator_value(indicator, grain | dim, column, key)
                    if applies(indicator, grain | dim)
                    else None
                )
            table.append(LeagueRow(key, values))
        table.sort(key=lambda r: (-(r.values.get("amount_disbursed") or 0), str(r.key)))
        overview.leagues[dim] = table

    # Registration breakdowns: by channel, office and commissioner (where the rollup keeps them).
    for name in BREAKDOWNS:
        entries = defaultdict(dict)
        for row in rows["registrations"]:
            if (
                row["kind"] != period.kind
                or row["grain"] != grain
                or not row["breakdown"].startswith(name + ":")
            ):
                continue
            if (row["year"], row["part"]) != (period.year, period.part):
                continue
            key = row["breakdown"].split(":", 1)[1]
            entries[key] = {
                slug: _value(BY_SLUG[slug], row)
                for slug in ("registrations_completed", "registrations_on_time", "registered_amount")
            }
        if entries:
            overview.breakdowns[name] = sorted(entries.items())
    if not grain & Dim.IP_KIND and grain_allowed(grain | Dim.IP_KIND):
        kinds = {
            row["ip_kind"]: {
                slug: _value(BY_SLUG[slug], row)
                for slug in ("registrations_completed", "registrations_on_time", "registered_amount")
            }
            for row in rows["registrations"]
            if row["kind"] == period.kind
            and row["grain"] == grain | Dim.IP_KIND
            and row["breakdown"] == ""
            and (row["year"], row["part"]) == (period.year, period.part)
        }
        if kinds:
            overview.breakdowns["ip_kind"] = sorted(kinds.items())
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
