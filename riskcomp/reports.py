"""Risk compensation reports (issue 7): the claims filed and their claimed, approved, paid and clawed-back
amounts by year, by bank (head-office group), by institution kind and by the borrower's district; the
fund's years; and each bank's IP-pledge loans' NPL ratio against its latest reported overall NPL ratio.

Each breakdown is one grouped query (the number of queries does not grow with the number of claims or
loans); the page and the Excel workbook read the same sections, so the export holds exactly what the
screen shows. Oversight roles see every bank; a bank user sees its own group's figures only.

**The IP-pledge loans' NPL ratio of a bank** (every loan in the ``loans`` app is an IP-pledge loan) is

    non-performing outstanding / outstanding, in percent, over the bank group's active loans

where *active* is disbursed, repaying, overdue or non-performing (``ACTIVE_LOAN_STATUSES``: settled,
written-off and never-disbursed loans are out), *outstanding* is disbursed minus principal repaid, and
*non-performing* is the five-category classification substandard, doubtful or loss. It is compared with
the bank's latest overall NPL ratio reported by its head office (``BankNplRatio``); domain.md §2.10
tolerates up to 3 percentage points above it (inclusive), so a bank is flagged when more than 3 points
above.
"""

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, DecimalField, F, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from loans.models import ACTIVE_LOAN_STATUSES, NON_PERFORMING_CLASSES, Loan, ParticipantKind
from portal.accounts.models import District, User
from portal.accounts.selectors import bank_scope_ids
from portal.tabular import MONEY_FORMAT, sections_workbook
from riskcomp.models import (
    Claim,
    ClaimParticipant,
    ClaimStatus,
    ClawbackShare,
    ClawbackStatus,
    FundYear,
)
from riskcomp.npl_ratios import latest_ratios
from riskcomp.permissions import is_claimant, is_oversight

ZERO = Decimal("0.00")
HUNDRED = Decimal("100")
TOLERANCE_PP = Decimal("3")  # domain.md §2.10: up to 3 percentage points above (inclusive) is tolerated
PCT_FORMAT = "0.00"
_S = ClaimStatus
# Drafts are unfinished and withdrawn claims are gone: the report counts what was filed.
NOT_REPORTED = frozenset({_S.DRAFT, _S.WITHDRAWN})
APPROVED_STATUSES = frozenset({_S.APPROVED, _S.PAID})
_MONEY_FIELD = DecimalField(max_digits=18, decimal_places=2)

# Column formats: how the page shows a value and the workbook formats its cell.
TEXT, INT, MONEY, PCT = "text", "int", "money", "pct"


def can_see_reports(user: User) -> bool:
    return is_oversight(user) or is_claimant(user)


def report_bank_ids(user: User) -> list[int] | None:
    """None for oversight (every bank); a bank user's head office and its branches."""
    if is_oversight(user):
        return None
    return bank_scope_ids(user.organisation)


def _sum(name: str, **extra):
    return Coalesce(Sum(name, **extra), Value(ZERO), output_field=_MONEY_FIELD)


def _figures() -> dict:
    return {
        "count": Count("pk"),
        "claimed": _sum("total"),
        "approved": _sum("approved_total", filter=Q(status__in=APPROVED_STATUSES)),
        "paid": _sum("approved_total", filter=Q(status=_S.PAID)),
        "recovered": _sum("clawed_back"),
    }


def reported_claims(bank_ids: list[int] | None):
    claims = Claim.objects.exclude(status__in=NOT_REPORTED)
    if bank_ids is not None:
        claims = claims.filter(bank_id__in=bank_ids)
    return claims.order_by()


def _row(label, group: dict) -> list:
    return [label, group["count"], group["claimed"], group["approved"], group["paid"], group["recovered"]]


def _claim_section(key: str, title, first, rows: list[list], total: list) -> dict:
    return {
        "key": key,
        "title": title,
        "headings": [
            first,
            _("Claims"),
            _("Claimed (yuan)"),
            _("Approved (yuan)"),
            _("Paid (yuan)"),
            _("Clawed back (yuan)"),
        ],
        "formats": [TEXT, INT, MONEY, MONEY, MONEY, MONEY],
        "rows": [*rows, total],
    }


def _by_kind(claims) -> list[list]:
    """The participants' shares of the claims, by kind of institution: calculated payouts, approved and
    paid payouts, and the clawback parts settled."""
    participants = (
        ClaimParticipant.objects.filter(claim__in=claims)
        .order_by()
        .values("kind")
        .annotate(
            count=Count("pk"),
            calculated=_sum("payout"),
            approved=_sum("approved_payout", filter=Q(claim__status__in=APPROVED_STATUSES)),
            paid=_sum("approved_payout", filter=Q(claim__status=_S.PAID)),
        )
    )
    clawed = {
        group["participant__kind"]: group["amount"]
        for group in ClawbackShare.objects.filter(
            participant__claim__in=claims, recovery__status=ClawbackStatus.SETTLED
        )
        .order_by()
        .values("participant__kind")
        .annotate(amount=_sum("amount"))
    }
    labels = dict(ParticipantKind.choices)
    order = list(labels)
    rows = [
        [
            str(labels.get(group["kind"], group["kind"])),
            group["count"],
            group["calculated"],
            group["approved"],
            group["paid"],
            clawed.get(group["kind"], ZERO),
            order.index(group["kind"]) if group["kind"] in order else len(order),
        ]
        for group in participants
    ]
    return [row[:-1] for row in sorted(rows, key=lambda row: (row[-1], row[0]))]


def _ratio_pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part * HUNDRED / whole).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def npl_rows(bank_ids: list[int] | None) -> list[list]:
    """Per head-office bank: active loans, outstanding, non-performing outstanding, the IP-pledge loans'
    NPL ratio (%), the latest overall ratio (%) and its quarter, the difference (points) and the verdict."""
    loans = Loan.objects.filter(status__in=ACTIVE_LOAN_STATUSES)
    if bank_ids is not None:
        loans = loans.filter(bank_id__in=bank_ids)
    outstanding = F("disbursed_amount") - F("principal_repaid")
    groups = {
        group["head"]: group
        for group in loans.order_by()
        .annotate(head=Coalesce("bank__parent_id", "bank_id"))
        .values("head")
        .annotate(
            loans=Count("pk"),
            outstanding=Coalesce(Sum(outstanding), Value(ZERO), output_field=_MONEY_FIELD),
            npl=Coalesce(
                Sum(outstanding, filter=Q(classification__in=NON_PERFORMING_CLASSES)),
                Value(ZERO),
                output_field=_MONEY_FIELD,
            ),
        )
    }
    rows = []
    for bank in latest_ratios(bank_ids):
        group = groups.get(bank.pk)
        if group is None and bank.latest_ratio is None:
            continue  # a bank with neither loans nor a reported ratio has nothing to show
        count = group["loans"] if group else 0
        total = group["outstanding"] if group else ZERO
        npl = group["npl"] if group else ZERO
        ip_ratio = _ratio_pct(npl, total)
        overall = bank.latest_ratio
        difference = ip_ratio - overall if ip_ratio is not None and overall is not None else None
        if overall is None:
            verdict = _("No overall ratio reported")
        elif ip_ratio is None:
            verdict = _("No active loans")
        elif difference > TOLERANCE_PP:
            verdict = _("More than 3 points above")
        else:
            verdict = _("Within the tolerance")
        rows.append(
            [
                bank.name,
                count,
                total,
                npl,
                ip_ratio,
                overall,
                bank.latest_period.isoformat() if bank.latest_period else None,
                difference,
                verdict,
            ]
        )
    return rows


def is_flagged(npl_row: list) -> bool:
    """More than the tolerated 3 percentage points above the bank's overall ratio."""
    difference = npl_row[7]
    return difference is not None and difference > TOLERANCE_PP


def _fund_section() -> dict:
    rows = [
        [str(fund.year), fund.budget, fund.reserved, fund.paid, fund.recovered, fund.budget - fund.reserved]
        for fund in FundYear.objects.order_by("year")
    ]
    return {
        "key": "fund",
        "title": _("The fund by year"),
        "headings": [
            _("Year"),
            _("Budget (yuan)"),
            _("Reserved by approvals (yuan)"),
            _("Paid (yuan)"),
            _("Clawed back (yuan)"),
            _("Remaining (yuan)"),
        ],
        "formats": [TEXT, MONEY, MONEY, MONEY, MONEY, MONEY],
        "rows": rows,
    }


def riskcomp_report(*, user: User) -> dict:
    """The report's sections for ``user``; every row is a list of plain values (text, int, Decimal,
    None), formatted by the page and written as numbers in the workbook."""
    bank_ids = report_bank_ids(user)
    claims = reported_claims(bank_ids)
    totals = claims.aggregate(**_figures())
    total = _row(_("Total"), totals)

    by_year = [_row(str(group["year"]), group) for group in claims.values("year").annotate(**_figures())]
    by_year.sort(key=lambda row: row[0])

    by_bank = [
        _row(group["head_name"], group)
        for group in claims.annotate(
            head=Coalesce("bank__parent_id", "bank_id"),
            head_name=Coalesce("bank__parent__name", "bank__name"),
        )
        .values("head", "head_name")
        .annotate(**_figures())
    ]
    by_bank.sort(key=lambda row: row[0])

    districts = dict(District.choices)
    by_district = [
        _row(
            str(districts.get(group["loan__enterprise__district"], group["loan__enterprise__district"]))
            if group["loan__enterprise__district"]
            else _("No district"),
            group,
        )
        for group in claims.values("loan__enterprise__district").annotate(**_figures())
    ]
    by_district.sort(key=lambda row: row[0])

    by_kind = _by_kind(claims)
    kind_total = [_("Total")] + [
        sum((row[index] for row in by_kind), 0 if index == 1 else ZERO) for index in range(1, 6)
    ]

    sections = [
        _claim_section("year", _("By year"), _("Year"), by_year, total),
        _claim_section("bank", _("By bank"), _("Bank (head office and branches)"), by_bank, total),
        {
            "key": "kind",
            "title": _("By institution kind"),
            "headings": [
                _("Institution kind"),
                _("Participations"),
                _("Calculated payouts (yuan)"),
                _("Approved payouts (yuan)"),
                _("Paid payouts (yuan)"),
                _("Clawed back (yuan)"),
            ],
            "formats": [TEXT, INT, MONEY, MONEY, MONEY, MONEY],
            "rows": [*by_kind, kind_total],
        },
        _claim_section("district", _("By district"), _("Borrower's district"), by_district, total),
        {
            "key": "npl",
            "title": _("NPL ratios"),
            "headings": [
                _("Bank (head office and branches)"),
                _("Active loans"),
                _("Outstanding (yuan)"),
                _("Non-performing outstanding (yuan)"),
                _("IP-pledge loans' NPL ratio (%)"),
                _("Latest overall NPL ratio (%)"),
                _("Quarter ending"),
                _("Difference (percentage points)"),
                _("Against the 3-point tolerance"),
            ],
            "formats": [TEXT, INT, MONEY, MONEY, PCT, PCT, TEXT, PCT, TEXT],
            "rows": npl_rows(bank_ids),
        },
    ]
    if bank_ids is None:
        sections.append(_fund_section())
    for section in sections:
        # The page formats the values; the workbook and the tests read the raw ``rows``.
        section["lines"] = [
            {
                "cells": [
                    {"value": value, "format": section["formats"][index]} for index, value in enumerate(row)
                ],
                "flagged": section["key"] == "npl" and is_flagged(row),
            }
            for row in section["rows"]
        ]
    return {"sections": sections, "scoped": bank_ids is not None, "tolerance": TOLERANCE_PP}


def report_workbook(report: dict) -> bytes:
    """The report's sections, one sheet each: amounts and percentages as numbers with two decimals."""
    formats = {MONEY: MONEY_FORMAT, PCT: PCT_FORMAT}
    return sections_workbook(
        report["sections"], number_format=lambda section, index, value: formats.get(section["formats"][index])
    )
