"""The finance bureau's payment lists (create, export to Excel, mark paid) and the batch report (on
screen and in Excel, the same figures)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.tabular import MONEY_FORMAT, XLSX_CONTENT_TYPE, download, formula_safe
from subsidies import payments, reports
from subsidies.batch_views import batch_page
from subsidies.errors import SubsidyError
from subsidies.permissions import (
    get_in_scope,
    is_finance,
    payment_list_scope,
)
from subsidies.staff_forms import (
    MarkPaidForm,
)
from subsidies.view_support import PAGE_SIZE, _batch, _finance, _oversight, _refused

# --- Payment lists ------------------------------------------------------------------------------------


@login_required
@require_POST
def payment_list_create(request, pk: int):
    _finance(request)
    batch = _batch(request, pk)
    try:
        payment = payments.payment_list_create(batch=batch, actor=request.user)
    except SubsidyError as error:
        _refused(request, error)
        return batch_page(request, batch, status=400)
    messages.success(request, _("Payment list %(ref)s created.") % {"ref": payment.reference})
    return redirect("subsidies:payment-list-detail", payment.pk)


@login_required
@require_GET
def payment_list_list(request):
    _oversight(request)
    lists = (
        payment_list_scope(request.user)
        .select_related("batch", "paid_by")
        .annotate(rows=Count("applications"))
        .order_by("-pk")
    )
    page = Paginator(lists, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "subsidies/staff/payment_list_list.html", {"page": page})


def _payment_detail(request, payment, *, form=None, status=200):
    rows = payments.payment_rows(payment)
    context = {
        "payment": payment,
        "rows": rows,
        "total": payments.payment_total(payment),
        "can_pay": is_finance(request.user) and payment.paid_on is None,
        "form": form or MarkPaidForm(),
    }
    return render(request, "subsidies/staff/payment_list_detail.html", context, status=status)


def _payment(request, pk: int):
    return get_in_scope(payment_list_scope(request.user).select_related("batch", "created_by", "paid_by"), pk)


@login_required
@require_GET
def payment_list_detail(request, pk: int):
    _oversight(request)
    return _payment_detail(request, _payment(request, pk))


@login_required
@require_POST
def payment_list_paid(request, pk: int):
    _finance(request)
    payment = _payment(request, pk)
    form = MarkPaidForm(request.POST)
    if form.is_valid():
        try:
            payments.payment_list_mark_paid(
                payment=payment, actor=request.user, paid_on=form.cleaned_data["paid_on"]
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            messages.success(request, _("Payment list %(ref)s is marked paid.") % {"ref": payment.reference})
            return redirect("subsidies:payment-list-detail", payment.pk)
    return _payment_detail(request, payment, form=form, status=400)


PAYMENT_COLUMNS = (
    ("reference", gettext_lazy("Application number")),
    ("enterprise", gettext_lazy("Enterprise")),
    ("uscc", gettext_lazy("Credit code")),
    ("account_name", gettext_lazy("Account name")),
    ("account_bank", gettext_lazy("Account bank")),
    ("account_number", gettext_lazy("Account number")),
    ("amount", gettext_lazy("Amount (yuan)")),
)


def payment_workbook(payment, rows: list[dict]) -> bytes:
    import io

    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = payment.reference[:31]
    bold = Font(bold=True)
    sheet.append([str(label) for _key, label in PAYMENT_COLUMNS])
    for cell in sheet[1]:
        cell.font = bold
    for row in rows:
        # What the enterprise typed (names, account numbers) is data, never a formula; an account number
        # stays text so Excel keeps every digit.
        sheet.append(
            [formula_safe(row[key]) if key != "amount" else row[key] for key, _label in PAYMENT_COLUMNS]
        )
        sheet.cell(row=sheet.max_row, column=len(PAYMENT_COLUMNS)).number_format = MONEY_FORMAT
    total = sum((row["amount"] or 0 for row in rows), reports.ZERO)
    sheet.append([str(_("Total")), "", "", "", "", "", total])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.cell(row=sheet.max_row, column=len(PAYMENT_COLUMNS)).number_format = MONEY_FORMAT
    for letter, width in zip("ABCDEFG", (16, 36, 22, 36, 30, 28, 16), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@login_required
@require_GET
def payment_list_excel(request, pk: int):
    _oversight(request)
    payment = _payment(request, pk)
    body = payment_workbook(payment, payments.payment_rows(payment))
    audit_record(
        action=AuditAction.DATA_EXPORT,
        request=request,
        object_type="subsidies.payment_list",
        object_id=payment.pk,
        details={"format": "xlsx"},
    )
    return download(body, filename=f"{payment.reference}.xlsx", content_type=XLSX_CONTENT_TYPE)


# --- Reports -------------------------------------------------------------------------------------------


@login_required
@require_GET
def batch_report(request, pk: int):
    _oversight(request)
    batch = _batch(request, pk)
    report = reports.batch_report(batch)
    return render(request, "subsidies/staff/batch_report.html", {"batch": batch, "report": report})


@login_required
@require_GET
def batch_report_excel(request, pk: int):
    _oversight(request)
    batch = _batch(request, pk)
    body = reports.report_workbook(reports.batch_report(batch))
    audit_record(
        action=AuditAction.DATA_EXPORT,
        request=request,
        object_type="subsidies.batch_report",
        object_id=batch.pk,
        details={"format": "xlsx"},
    )
    return download(body, filename=f"subsidy-batch-{batch.pk}-report.xlsx", content_type=XLSX_CONTENT_TYPE)
