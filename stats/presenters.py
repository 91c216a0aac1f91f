"""An overview as the sections a page shows and a workbook holds: the same rows for both.

Each section is ``{"key", "title", "headings", "units", "rows"}``; a row's cells are raw values (int,
Decimal, None, str), formatted by the template or by the workbook's number formats. Names (banks,
districts, parks, offices, commissioners) are resolved here, and a bank manager's peers are renamed here,
so no other bank's name can reach the page or the export.
"""

from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.accounts.models import District, Industry, Organisation, Park, User
from portal.policy.models import IpKind
from riskcomp.npl_ratios import latest_ratios
from riskcomp.reports import TOLERANCE_PP
from stats.dims import Dim
from stats.figures import LEAGUE_COLUMNS, TREND, Overview
from stats.indicators import BY_SLUG, INDICATORS, PERCENT, SECTIONS, YUAN
from stats.permissions import Scope

BREAKDOWN_TITLES = {
    "channel": lambda: _("Registrations by channel"),
    "ip_kind": lambda: _("Registrations by IP kind"),
    "office": lambda: _("Registrations by office"),
    "commissioner": lambda: _("Registrations by commissioner"),
}
BREAKDOWN_COLUMNS = ("registrations_completed", "registrations_on_time", "registered_amount")
CHANNEL_LABELS = {"online": lambda: _("Online"), "window": lambda: _("Window (paper)")}


def _names(model, ids, attribute="name") -> dict:
    ids = {i for i in ids if i}
    return {obj.pk: getattr(obj, attribute) or str(obj) for obj in model.objects.filter(pk__in=ids)}


DIM_NAMES = {
    Dim.DISTRICT: gettext_lazy("District"),
    Dim.PARK: gettext_lazy("Park"),
    Dim.BANK: gettext_lazy("Bank"),
    Dim.IP_KIND: gettext_lazy("IP kind"),
    Dim.INDUSTRY: gettext_lazy("Industry"),
}


def dim_label(dim: Dim, value) -> str:
    """A filter value's name (for headings, chips and the workbook)."""
    if dim == Dim.DISTRICT:
        return str(District(value).label) if value in District.values else _("No district recorded")
    if dim == Dim.IP_KIND:
        return str(IpKind(value).label) if value in IpKind.values else _("No pledge registration linked")
    if dim == Dim.INDUSTRY:
        return str(Industry(value).label) if value in Industry.values else _("No industry recorded")
    if dim == Dim.PARK:
        return str(Park.objects.filter(pk=value).first() or _("Not in a park"))
    if dim == Dim.BANK:
        return str(Organisation.objects.filter(pk=value).first() or _("No bank"))
    raise ValueError(dim)


def month_label(year: int, month: int) -> str:
    return f"{year}-{month:02d}"


def indicator_section(overview: Overview) -> dict:
    rows = [
        [str(indicator.section), str(indicator.label), value, _unit(indicator.unit), indicator.slug]
        for indicator, value in overview.indicators()
    ]
    return {
        "key": "indicators",
        "title": _("Indicators"),
        "headings": [_("Area"), _("Indicator"), _("Value"), _("Unit")],
        "units": [None, None, "auto", None],
        "rows": [row[:4] for row in rows],
        "slugs": [row[4] for row in rows],
    }


def _unit(unit: str) -> str:
    return {YUAN: _("yuan"), PERCENT: "%"}.get(unit, _("count"))


def trend_section(overview: Overview) -> dict:
    slugs = [slug for slug in TREND if slug in overview.trend]
    rows = [
        [month_label(year, month), *(overview.trend[slug][index] for slug in slugs)]
        for index, (year, month) in enumerate(overview.trend_months)
    ]
    return {
        "key": "trend",
        "title": _("Month by month"),
        "headings": [_("Month"), *(str(BY_SLUG[slug].label) for slug in slugs)],
        "units": [None, *(BY_SLUG[slug].unit for slug in slugs)],
        "rows": rows,
        "slugs": slugs,
    }


def league_sections(overview: Overview, scope: Scope) -> list[dict]:
    sections = []
    for dim, table in overview.leagues.items():
        columns = [slug for slug in LEAGUE_COLUMNS if any(row.values.get(slug) is not None for row in table)]
        if dim == Dim.BANK:
            names = _bank_names(table, scope)
            title = _("Banks")
        else:
            names = {row.key: dim_label(Dim.DISTRICT, row.key) for row in table}
            title = _("Districts")
        rows = [[names[row.key], *(row.values.get(slug) for slug in columns)] for row in table]
        headings = [
            _("Bank") if dim == Dim.BANK else _("District"),
            *(str(BY_SLUG[s].label) for s in columns),
        ]
        units = [None, *(BY_SLUG[slug].unit for slug in columns)]
        if dim == Dim.BANK and "npl_ratio" in columns:
            _add_overall_npl(rows, table, columns, scope)
            headings += [_("Bank's overall NPL ratio (%)"), _("Against the 3-point tolerance")]
            units += [PERCENT, None]
        sections.append(
            {
                "key": "banks" if dim == Dim.BANK else "districts",
                "title": title,
                "headings": headings,
                "units": units,
                "rows": rows,
                "keys": [row.key for row in table],
                "dim": dim,
            }
        )
    return sections


def _bank_names(table, scope: Scope) -> dict:
    """Banks by name, or for a bank manager its own bank and numbered peers. Key 0 gathers what no bank
    holds (a pledge whose pledgee is a guarantor)."""
    names = {0: _("No bank (pledged to a guarantor)")}
    if not scope.anonymous_peers:
        names.update(_names(Organisation, [row.key for row in table]))
        return names
    peer = 0
    for row in table:  # already in league order, so "Peer 1" is the largest lender
        if row.key == scope.own_bank:
            names[row.key] = _("Your bank")
        elif row.key:
            peer += 1
            names[row.key] = _("Peer bank %(number)s") % {"number": peer}
    return names


def _add_overall_npl(rows, table, columns, scope: Scope) -> None:
    index = 1 + columns.index("npl_ratio")
    overall = {bank.pk: bank.latest_ratio for bank in latest_ratios([row.key for row in table])}
    for row, league_row in zip(rows, table, strict=True):
        ip_ratio = row[index]
        ratio = overall.get(league_row.key)
        if scope.anonymous_peers and league_row.key != scope.own_bank:
            ratio = None  # a peer's reported ratio would name it
        if ratio is None or ip_ratio is None:
            verdict = "" if ratio is None else _("No active loans")
        elif Decimal(ip_ratio) - ratio > TOLERANCE_PP:
            verdict = _("Above the tolerance")
        else:
            verdict = _("Within the tolerance")
        row += [ratio, verdict]


def breakdown_sections(overview: Overview) -> list[dict]:
    sections = []
    for name, entries in overview.breakdowns.items():
        keys = [key for key, _values in entries]
        if name == "office":
            names = _names(Organisation, [int(k) for k in keys])
            label = {k: names.get(int(k), _("No office recorded")) for k in keys}
        elif name == "commissioner":
            people = {
                u.pk: u.full_name or u.username for u in User.objects.filter(pk__in=[int(k) for k in keys])
            }
            label = {k: people.get(int(k), _("No commissioner recorded")) for k in keys}
        elif name == "channel":
            label = {k: CHANNEL_LABELS[k]() if k in CHANNEL_LABELS else k for k in keys}
        else:
            label = {k: dim_label(Dim.IP_KIND, k) for k in keys}
        sections.append(
            {
                "key": f"by-{name}",
                "title": BREAKDOWN_TITLES[name](),
                "headings": [_("Of"), *(str(BY_SLUG[slug].label) for slug in BREAKDOWN_COLUMNS)],
                "units": [None, *(BY_SLUG[slug].unit for slug in BREAKDOWN_COLUMNS)],
                "rows": [
                    [label[key], *(values[slug] for slug in BREAKDOWN_COLUMNS)] for key, values in entries
                ],
            }
        )
    return sections


def sections(overview: Overview, scope: Scope) -> list[dict]:
    return [
        indicator_section(overview),
        trend_section(overview),
        *league_sections(overview, scope),
        *breakdown_sections(overview),
    ]


def cards(overview: Overview) -> list[dict]:
    """The indicators grouped by area, for the page's figure cards."""
    grouped = {section: [] for section in SECTIONS}
    for indicator, value in overview.indicators():
        grouped[indicator.section].append({"indicator": indicator, "value": value})
    return [{"title": section, "items": items} for section, items in grouped.items() if items]


def definitions() -> list[dict]:
    grouped = {section: [] for section in SECTIONS}
    for indicator in INDICATORS:
        grouped[indicator.section].append(indicator)
    return [{"title": section, "indicators": items} for section, items in grouped.items()]


def chart_data(overview: Overview) -> dict:
    """The trend charts' data (json_script): the same numbers as the trend table, as strings for exactness."""
    return {
        "labels": [month_label(y, m) for y, m in overview.trend_months],
        "series": [
            {
                "slug": slug,
                "label": str(BY_SLUG[slug].label),
                "unit": BY_SLUG[slug].unit,
                "values": [None if v is None else str(v) for v in overview.trend[slug]],
            }
            for slug in TREND
            if slug in overview.trend
        ],
    }
