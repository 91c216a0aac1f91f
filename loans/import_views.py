"""Pages of the batch upload of loan facts (bank officers and managers): the upload form with the file
format and a sample, the bank's uploads, and one upload with its progress, result and error report.

Every page asks ``can_import_loan_facts`` first (403 for anyone but bank officers and managers) and
reads uploads only through ``loan_import_get_for_user`` / ``loan_import_list`` (another bank's upload
is a 404).
"""

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.timezone import localdate
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django_htmx.http import HttpResponseClientRefresh

from loans.errors import LoanNotAllowed, LoanValidationError
from loans.import_format import CLASSIFICATION_NAMES, COLUMNS, FACT_NAMES, sample_rows
from loans.import_forms import LoanImportForm
from loans.models import ImportStatus
from loans.permissions import can_import_loan_facts
from loans.selectors import loan_import_get_for_user, loan_import_list
from loans.services.imports import MAX_STORED_ERRORS, error_report_rows, loan_import_create
from portal.audit.services import audit_export
from portal.tabular import XLSX_CONTENT_TYPE, csv_download, download

PAGE_SIZE = 20
ERRORS_SHOWN = 200  # on the page; the downloadable report has every stored error
_RUNNING = frozenset({ImportStatus.QUEUED, ImportStatus.RUNNING})


def _require_importer(user) -> None:
    allowed, reason = can_import_loan_facts(user)
    if not allowed:
        raise PermissionDenied(reason)


def _progress(loan_import) -> dict:
    total, done = loan_import.total_rows, loan_import.processed_rows
    return {
        "loan_import": loan_import,
        "running": loan_import.status in _RUNNING,
        "percent": min(100, done * 100 // total) if total else 0,
    }


@login_required
@require_GET
def import_list_view(request):
    _require_importer(request.user)
    page = Paginator(loan_import_list(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "loans/imports/list.html", {"page": page})


def _format_help() -> dict:
    return {
        "columns": COLUMNS,
        "facts": [(str(key), names[0]) for key, names in FACT_NAMES.items()],
        "classifications": [(str(key), names[0]) for key, names in CLASSIFICATION_NAMES.items()],
    }


@login_required
@require_http_methods(["GET", "POST"])
def import_create_view(request):
    _require_importer(request.user)
    if request.method == "POST":
        form = LoanImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                loan_import = loan_import_create(
                    bank=request.user.organisation,
                    uploaded_file=form.cleaned_data["file"],
                    actor=request.user,
                )
            except LoanValidationError as error:
                for message in error.errors.get("file") or [error.message]:
                    form.add_error("file", message)
            except LoanNotAllowed as error:
                raise PermissionDenied(error.message) from error
            else:
                messages.success(
                    request,
                    _("“%(name)s” is uploaded and queued for checking.")
                    % {"name": loan_import.original_name},
                )
                return redirect("loans:import_detail", pk=loan_import.pk)
        status = 400
    else:
        form, status = LoanImportForm(), 200
    return render(request, "loans/imports/form.html", {"form": form, **_format_help()}, status=status)


@login_required
@require_GET
def import_sample_view(request, kind: str):
    """The sample file, with headers and fact names in the page's language (Chinese by default)."""
    _require_importer(request.user)
    rows = sample_rows(chinese=not (get_language() or "").startswith("en"), year=localdate().year - 1)
    if kind == "xlsx":
        import openpyxl

        workbook = openpyxl.Workbook()
        sheet = workbook.active
        sheet.title = "loan facts"
        for row in rows:
            sheet.append(row)
        buffer = io.BytesIO()
        workbook.save(buffer)
        return download(buffer.getvalue(), filename="loan-facts-sample.xlsx", content_type=XLSX_CONTENT_TYPE)
    return csv_download(rows, filename="loan-facts-sample.csv")


@login_required
@require_GET
def import_detail_view(request, pk: int):
    _require_importer(request.user)
    loan_import = loan_import_get_for_user(user=request.user, pk=pk)
    return render(
        request,
        "loans/imports/detail.html",
        {
            **_progress(loan_import),
            "errors": loan_import.errors[:ERRORS_SHOWN],
            "errors_not_shown": max(0, loan_import.error_count - ERRORS_SHOWN),
            "errors_not_stored": max(0, loan_import.error_count - len(loan_import.errors)),
            "errors_shown": ERRORS_SHOWN,
            "errors_stored": MAX_STORED_ERRORS,
        },
    )


@login_required
@require_GET
def import_progress_view(request, pk: int):
    """The progress fragment htmx polls every second; once the run is over the whole page reloads to
    show the result."""
    _require_importer(request.user)
    loan_import = loan_import_get_for_user(user=request.user, pk=pk)
    if request.htmx and loan_import.status not in _RUNNING:
        return HttpResponseClientRefresh()
    return render(request, "loans/imports/_progress.html", _progress(loan_import))


@login_required
@require_GET
def import_errors_view(request, pk: int):
    _require_importer(request.user)
    loan_import = loan_import_get_for_user(user=request.user, pk=pk)
    rows = error_report_rows(loan_import)
    audit_export(
        request=request,
        object_type="loans.loanimport.errors",
        filters={"import": loan_import.pk},
        row_count=len(rows) - 1,
    )
    response = csv_download(rows, filename=f"loan-import-{loan_import.pk}-errors.csv")
    response["Cache-Control"] = "private, no-store"
    return response
