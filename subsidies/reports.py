"""A batch's report (issue 6): its applications and their calculated, approved and paid amounts against
the budget, by status, by district, by park and by lending bank, and the same figures as an Excel
workbook. Each breakdown is one grouped query; the page and the workbook read the same sections, so
the export is exactly what the screen shows."""

from decimal import Decimal

from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from portal.accounts.models import District
from portal.tabular import MONEY_FORMAT, sections_workbook
from subsidies.models import Application, ApplicationStatus, Batch, LoanLine

ZERO = Decimal("0.00")
_S = ApplicationStatus
# Drafts are unfinished and withdrawn applications are gone: the report counts what was filed.
NOT_REPORTED = frozenset({_S.DRAFT, _S.WITHDRAWN})


def _money(name: str, **extra):
    return Coalesce(
        Sum(name, **extra), Value(ZERO), output_field=DecimalField(max_digits=16, decimal_places=2)
    )


def _figures():
    """Count and the three sums of a group of applications."""
    return {
        "count": Count("pk"),
        "calculated": _money("calculated"),
        "approved": _money("approved_amount"),
        "paid": _money("approved_amount", filter=Q(status=_S.PAID)),
    }


def reported(batch: Batch):
    return Application.objects.filter(batch=batch).exclude(status__in=NOT_REPORTED)


def _rows(queryset, key: str, label) -> list[list]:
    groups = queryset.order_by().values(key).annotate(**_figures())
    rows = [
        [label(group[key]), group["count"], group["calculated"], group["approved"], group["paid"]]
        for group in groups
    ]
    return sorted(rows, key=lambda row: str(row[0]))


def _section(key: str, title: str, first: str, rows: list[list], *, money_from: int = 2) -> dict:
    return {
        "key": key,
        "title": title,
        "headings": [
            first,
            _("Applications"),
            _("Calculated (yuan)"),
            _("Approved (yuan)"),
            _("Paid (yuan)"),
        ],
        "rows": rows,
        "money_from": money_from,
    }


def batch_report(batch: Batch) -> dict:
    """The report's sections; every row is a list of plain values (text, int, Decimal)."""
    batch = Batch.objects.get(pk=batch.pk)  # the reserved and paid sums as they are now
    applications = reported(batch)
    totals = applications.aggregate(**_figures())
    drafts = Application.objects.filter(batch=batch, status=_S.DRAFT).count()
    summary = {
        "key": "summary",
        "title": _("Budget"),
        "headings": [_("Figure"), _("Amount")],
        "rows": [
            [_("Budget (yuan)"), batch.budget],
            [_("Reserved by approvals (yuan)"), batch.reserved],
            [_("Paid (yuan)"), batch.paid],
            [_("Remaining (yuan)"), batch.remaining],
            [_("Applications filed"), totals["count"]],
            [_("Applications still in draft"), drafts],
            [_("Calculated (yuan)"), totals["calculated"]],
            [_("Approved (yuan)"), totals["approved"]],
            [_("Paid to enterprises (yuan)"), totals["paid"]],
        ],
        "money_from": None,
    }
    status_labels = dict(ApplicationStatus.choices)
    by_status = _rows(applications, "status", lambda value: str(status_labels.get(value, value)))
    districts = dict(District.choices)
    by_district = _rows(
        applications,
        "enterprise__district",
        lambda value: str(districts.get(value, value)) if value else _("No district"),
    )
    by_park = _rows(
        applications,
        "enterprise__enterprise_profile__park__name",
        lambda value: value or _("No park"),
    )
    banks = (
        LoanLine.objects.filter(application__in=applications)
        .order_by()
        .values("bank__name")
        .annotate(lines=Count("pk"), subsidy=_money("subsidy"))
    )
    by_bank = sorted(
        ([group["bank__name"], group["lines"], group["subsidy"]] for group in banks),
        key=lambda row: row[0],
    )
    total_row = [_("Total"), totals["count"], totals["calculated"], totals["approved"], totals["paid"]]
    sections = [summary]
    for key, title, first, rows in (
        ("status", _("By status"), _("Status"), by_status),
        ("district", _("By district"), _("District"), by_district),
        ("park", _("By park"), _("Park"), by_park),
    ):
        sections.append(_section(key, title, first, [*rows, total_row]))
    sections.append(
        {
            "key": "bank",
            "title": _("By lending bank"),
            "headings": [_("Bank"), _("Loan lines"), _("Subsidy of the lines (yuan)")],
            "rows": [
                *by_bank,
                [_("Total"), sum(row[1] for row in by_bank), sum((row[2] for row in by_bank), ZERO)],
            ],
            "money_from": 2,
        }
    )
    for section in sections:
        # The page formats the amounts; the workbook and the tests read the raw ``rows``.
        section["cells"] = [
            [{"value": value, "money": _is_money(section, index, value)} for index, value in enumerate(row)]
            for row in section["rows"]
        ]
    return {"batch": batch, "sections": sections}


def _is_money(section: dict, index: int, value) -> bool:
    if not isinstance(value, Decimal):
        return False
    money_from = section["money_from"]
    return money_from is None or index >= money_from


def report_workbook(report: dict) -> bytes:
    """The report's sections, one sheet each, amounts as numbers with two decimals."""
    return sections_workbook(
        report["sections"],
        number_format=lambda section, index, value: (
            MONEY_FORMAT if _is_money(section, index, value) else None
        ),
    )
