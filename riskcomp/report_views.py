"""The risk compensation reports (on screen and in Excel, the same figures) and the banks' overall NPL
ratios: a head office's bank manager reports them per quarter; the oversight roles see every bank's
latest."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.tabular import XLSX_CONTENT_TYPE, download
from riskcomp import npl_ratios, reports
from riskcomp.errors import RiskcompError
from riskcomp.permissions import is_claimant, is_oversight
from riskcomp.review_views import refused, require
from riskcomp.staff_forms import NplRatioForm

# --- Reports ---------------------------------------------------------------------------------------------


def _reader(request) -> None:
    require(
        reports.can_see_reports(request.user),
        _("Only the IP bureau, the finance bureau, the joint office and the banks see these reports."),
    )


@login_required
@require_GET
def report(request):
    _reader(request)
    return render(
        request, "riskcomp/staff/report.html", {"report": reports.riskcomp_report(user=request.user)}
    )


@login_required
@require_GET
def report_excel(request):
    _reader(request)
    body = reports.report_workbook(reports.riskcomp_report(user=request.user))
    audit_record(
        action=AuditAction.DATA_EXPORT,
        request=request,
        object_type="riskcomp.report",
        details={"format": "xlsx", "scoped": not is_oversight(request.user)},
    )
    return download(body, filename="risk-compensation-report.xlsx", content_type=XLSX_CONTENT_TYPE)


# --- The banks' overall NPL ratios -----------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def npl_ratio_page(request):
    user = request.user
    require(
        is_oversight(user) or is_claimant(user),
        _("Only the banks and the oversight roles see the banks' NPL ratios."),
    )
    may_report = npl_ratios.can_report(user)
    form = NplRatioForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                row = npl_ratios.npl_ratio_report(
                    bank=user.organisation,
                    period_end=form.cleaned_data["period_end"],
                    ratio_pct=form.cleaned_data["ratio_pct"],
                    actor=user,
                )
            except RiskcompError as error:
                refused(request, error, form)
            else:
                messages.success(
                    request,
                    _("The overall NPL ratio for the quarter ending %(day)s is recorded: %(ratio)s%%.")
                    % {"day": row.period_end.isoformat(), "ratio": row.ratio_pct},
                )
                return redirect("riskcomp:npl-ratios")
        elif not may_report:
            require(False, _("Only a bank manager of the bank's head office reports its overall NPL ratio."))
        status = 400
    context = {"form": form, "may_report": may_report, "oversight": is_oversight(user)}
    if is_oversight(user):
        context["banks"] = npl_ratios.latest_ratios()
    else:
        head = user.organisation.head_office
        context["bank"] = head
        context["history"] = npl_ratios.npl_ratio_history(head)
    return render(request, "riskcomp/staff/npl_ratios.html", context, status=status)
