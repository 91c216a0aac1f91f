"""Excel: the overview's sections exactly as on screen, and drill-down lists written in the background."""

import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.tabular import MONEY_FORMAT, formula_safe, sections_workbook
from stats.cases import case_ids, describe
from stats.dims import Filters, Period
from stats.figures import Overview
from stats.indicators import BY_SLUG, PERCENT
from stats.models import Export, ExportStatus
from stats.presenters import DIM_NAMES, dim_label

PERCENT_FORMAT = "0.00"
BATCH = 2000  # cases per query while writing an export


def _number_format(section, index, value):
    """Money with thousands separators, percentages to two places, counts as they are."""
    if not isinstance(value, Decimal):
        return None
    return PERCENT_FORMAT if section["units"][index] == PERCENT else MONEY_FORMAT


def overview_workbook(overview: Overview, sections: list[dict]) -> bytes:
    """One sheet per section of the page, after a cover sheet saying what was asked for and as of when."""
    as_of = timezone.localtime(overview.as_of).strftime("%Y-%m-%d %H:%M") if overview.as_of else ""
    cover = {
        "title": _("About"),
        "headings": [_("Item"), _("Value")],
        "units": [None, None],
        "rows": [
            [_("Period"), str(overview.period)],
            [_("Figures as of"), as_of],
            *[[str(DIM_NAMES[dim]), dim_label(dim, value)] for dim, value in overview.filters.items()],
        ],
    }
    return sections_workbook([cover, *sections], number_format=_number_format)


def write_cases(export: Export) -> None:
    """Write the export's cases in batches, saving the progress after each (the page polls it)."""
    import openpyxl

    indicator = BY_SLUG[export.indicator]
    period = Period.parse(export.period)
    filters = Filters.from_query(export.filters)
    ids = case_ids(indicator, period, filters, limit=None)
    Export.objects.filter(pk=export.pk).update(total=len(ids), done=0)
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(title=str(indicator.label)[:31])
    sheet.append([_("Reference"), _("Enterprise"), _("Bank"), _("Amount (yuan)"), _("Date"), _("Status")])
    written = 0
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        for case in describe(indicator.subject, chunk):
            sheet.append(
                [
                    formula_safe(case.reference),
                    formula_safe(case.enterprise),
                    formula_safe(case.bank),
                    case.amount,
                    case.day,
                    formula_safe(case.status),
                ]
            )
        written += len(chunk)
        Export.objects.filter(pk=export.pk).update(done=written)
    buffer = io.BytesIO()
    workbook.save(buffer)
    export.file.save(f"cases-{export.pk}.xlsx", ContentFile(buffer.getvalue()), save=False)
    Export.objects.filter(pk=export.pk).update(
        file=export.file.name, status=ExportStatus.DONE, finished_at=timezone.now(), done=F("total")
    )
