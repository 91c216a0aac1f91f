"""Pages of partner departments' indicator files (IP bureau whitelist staff): the uploads with the upload
form and the file format, one upload with its progress, result and errors, the error report, and a
sample file.

Every page asks ``can_import_indicators`` first (403 for anyone but whitelist staff); an upload that
does not exist is a 404. All whitelist staff see all uploads: the indicators are the bureau's, not one
member of staff's.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from portal.audit.services import audit_export
from portal.tabular import csv_download
from whitelist import import_format as fmt
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.import_forms import IndicatorImportForm
from whitelist.imports import (
    MAX_STORED_ERRORS,
    can_import_indicators,
    error_report_rows,
    indicator_import_create,
    indicator_import_list,
)
from whitelist.models import ImportStatus

PAGE_SIZE = 20
ERRORS_SHOWN = 200  # on the page; the downloadable report has every stored error
_RUNNING = frozenset({ImportStatus.QUEUED, ImportStatus.RUNNING})


def _require_importer(user) -> None:
    allowed, reason = can_import_indicators(user)
    if not allowed:
        raise PermissionDenied(reason)


def _format_help() -> dict:
    return {
        "columns": fmt.COLUMNS,
        "bands": [(band, names[0]) for band, names in fmt.REVENUE_BAND_NAMES.items()],
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_list_view(request):
    """The uploads, newest first, and the form to upload another file."""
    _require_importer(request.user)
    status = 200
    if request.method == "POST":
        form = IndicatorImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                record = indicator_import_create(
                    source=form.cleaned_data["source"],
                    as_of=form.cleaned_data["as_of"],
                    uploaded_file=form.cleaned_data["file"],
                    actor=request.user,
                )
            except WhitelistValidationError as error:
                for name, problems in (error.errors or {"file": [error.message]}).items():
                    for problem in problems:
                        form.add_error(name if name in form.fields else None, problem)
            except WhitelistNotAllowed as error:
                raise PermissionDenied(error.message) from error
            else:
                messages.success(
                    request,
                    _("“%(name)s” is uploaded and queued for checking.") % {"name": record.original_name},
                )
                return redirect("whitelist:import_detail", pk=record.pk)
        status = 400
    else:
        form = IndicatorImportForm()
    page = Paginator(indicator_import_list(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "whitelist/imports/list.html",
        {"page": page, "form": form, **_format_help()},
        status=status,
    )


def _progress(record) -> dict:
    total, done = record.total_rows, record.processed_rows
    return {
        "record": record,
        "running": record.status in _RUNNING,
        "percent": min(100, done * 100 // total) if total else 0,
    }


@login_required
@require_GET
def import_detail_view(request, pk: int):
    """One upload. While it is queued or running, htmx polls this same address for the progress
    fragment; once the run is over the fragment's answer reloads the whole page to show the result."""
    _require_importer(request.user)
    record = get_object_or_404(indicator_import_list(), pk=pk)
    if request.htmx:
        if record.status in _RUNNING:
            response = render(request, "whitelist/imports/_progress.html", _progress(record))
        else:
            response = HttpResponseClientRefresh()
    else:
        response = render(
            request,
            "whitelist/imports/detail.html",
            {
                **_progress(record),
                "errors": record.errors[:ERRORS_SHOWN],
                "errors_not_shown": max(0, record.error_count - ERRORS_SHOWN),
                "errors_not_stored": max(0, record.error_count - len(record.errors)),
                "errors_shown": ERRORS_SHOWN,
                "errors_stored": MAX_STORED_ERRORS,
            },
        )
    # One address, two answers: a cache must not give the fragment to a full page load or the reverse.
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_GET
def import_errors_csv_view(request, pk: int):
    _require_importer(request.user)
    record = get_object_or_404(indicator_import_list(), pk=pk)
    rows = error_report_rows(record)
    audit_export(
        request=request,
        object_type="whitelist.indicatorimport.errors",
        filters={"import": record.pk},
        row_count=len(rows) - 1,
    )
    response = csv_download(rows, filename=f"indicator-import-{record.pk}-errors.csv")
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def import_sample_view(request):
    """The sample file, with headers and revenue bands in the page's language (Chinese by default)."""
    _require_importer(request.user)
    rows = fmt.sample_rows(chinese=not (get_language() or "").startswith("en"))
    return csv_download(rows, filename="indicators-sample.csv")
