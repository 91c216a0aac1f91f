"""Pages of the banks' feedback on whitelist entries, overdue feedback, recommendations and the funnel
report (issue 5).

Each view scopes first through whitelist.feedback (another bank's object, or an entry of a batch the bank
never received, is a 404; a staff page is a 403 for anyone else), parses a form, calls one service, and
re-renders with status 400 and what the user typed when the form or the service refuses the input. The
funnel page and its Excel file are both built from ``funnel_sections(funnel_report(...))``.
"""

import io
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from loans.selectors import loan_scope
from portal.accounts.models import Organisation
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.identifiers.fields import UsccFormField
from whitelist.errors import WhitelistError, WhitelistNotAllowed
from whitelist.feedback import (
    TEXT_MAX,
    awaiting_feedback,
    entry_get_for_user,
    feedback_for_entry,
    feedback_record,
    funnel_report,
    funnel_sections,
    overdue_entries,
    overdue_feedback,
    recommendation_create,
    recommendation_decide,
    recommendation_get_for_user,
)
from whitelist.feedback import (
    recommendation_list as recommendations_for,
)
from whitelist.models import Batch, BatchStatus, DeclineCode, FeedbackKind, RecommendationStatus
from whitelist.permissions import (
    available_recommendation_transitions,
    can_decide_recommendation,
    can_recommend,
    can_report_feedback,
    can_view_funnel,
    can_view_overdue,
    is_whitelist_staff,
    reporting_bank,
)

PAGE_SIZE = 20
ENTRIES_PER_BANK = 10  # entries shown under each bank on the overdue page; the rest one click away
_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- Forms -------------------------------------------------------------------------------------------


class LoanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.reference} · {obj.bank_loan_ref} · {obj.principal:,.2f}"


class FeedbackForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("What happened"), choices=FeedbackKind.choices)
    occurred_on = forms.DateField(label=gettext_lazy("On"), widget=_DATE)
    amount = forms.DecimalField(
        label=gettext_lazy("Amount (yuan)"),
        required=False,
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        help_text=gettext_lazy("Required for credit granted; optional for a loan disbursed."),
    )
    decline_code = forms.ChoiceField(
        label=gettext_lazy("Reason for a decline"),
        required=False,
        choices=[("", "—"), *DeclineCode.choices],
    )
    loan = LoanChoiceField(
        label=gettext_lazy("Loan disbursed"),
        required=False,
        queryset=None,
        empty_label="—",
        help_text=gettext_lazy("Your bank's loans to this enterprise reported on the portal."),
    )
    note = forms.CharField(
        label=gettext_lazy("Note"),
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("Required when the reason is “other”."),
    )

    def __init__(self, *args, loans, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["loan"].queryset = loans
        self.fields["occurred_on"].initial = timezone.localdate()


class RecommendationForm(forms.Form):
    enterprise_uscc = UsccFormField(label=gettext_lazy("Unified social credit code"))
    enterprise_name = forms.CharField(
        label=gettext_lazy("Enterprise name"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("May be left empty when the enterprise is registered on the portal."),
    )
    reason = forms.CharField(
        label=gettext_lazy("Why your bank recommends it"),
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    ip_offered = forms.CharField(
        label=gettext_lazy("IP offered as security"),
        max_length=TEXT_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Patent or trademark numbers and titles, one per line."),
    )


class RecommendationFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("All")), *RecommendationStatus.choices],
    )


class DecisionForm(forms.Form):
    to = forms.ChoiceField(
        label=gettext_lazy("Decision"),
        widget=forms.RadioSelect,
        choices=[
            (RecommendationStatus.ACCEPTED, gettext_lazy("Accept into the next screening")),
            (RecommendationStatus.DECLINED, gettext_lazy("Decline")),
        ],
    )
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        required=False,
        max_length=TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Required for a decline; the bank sees it."),
    )


class FunnelFilterForm(forms.Form):
    batch = forms.ModelChoiceField(
        label=gettext_lazy("Batch"),
        required=False,
        queryset=Batch.objects.filter(status=BatchStatus.PUBLISHED).order_by("-number"),
        empty_label=gettext_lazy("All published batches"),
    )


def _errors_into(form: forms.Form, error: WhitelistError) -> None:
    if isinstance(error, WhitelistNotAllowed):
        raise PermissionDenied(error.message)
    for name, field_errors in error.errors.items():
        form.add_error(name if name in form.fields else None, field_errors)
    if not error.errors:
        form.add_error(None, error.message)


# --- Feedback on one entry ---------------------------------------------------------------------------


def _entry_page(request, entry, form, status=200):
    context = {
        "entry": entry,
        "feedback": feedback_for_entry(user=request.user, entry=entry),
        "form": form,
        "bank": reporting_bank(request.user),
        "assets": entry.assets.all(),
        "show_bank": reporting_bank(request.user) is None,
    }
    return render(request, "whitelist/feedback/entry.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def feedback_entry(request, entry_pk: int):
    """A bank reports on a published entry of a batch it received and sees its own reports; IP bureau
    staff and the joint-meeting office see every bank's, read-only."""
    entry = entry_get_for_user(user=request.user, pk=entry_pk)
    may_report = can_report_feedback(request.user)[0] and reporting_bank(request.user) is not None
    loans = loan_scope(user=request.user).filter(enterprise_id=entry.enterprise_id).order_by("-pk")
    if request.method == "POST":
        if not may_report:
            raise PermissionDenied(can_report_feedback(request.user)[1])
        form = FeedbackForm(request.POST, loans=loans)
        if form.is_valid():
            data = form.cleaned_data
            try:
                feedback_record(
                    entry=entry,
                    actor=request.user,
                    kind=data["kind"],
                    occurred_on=data["occurred_on"],
                    amount=data["amount"],
                    decline_code=data["decline_code"],
                    loan=data["loan"],
                    note=data["note"],
                )
            except WhitelistError as error:
                _errors_into(form, error)
            else:
                messages.success(request, _("Your feedback is recorded."))
                return redirect("whitelist:feedback_entry", entry.pk)
        return _entry_page(request, entry, form, status=400)
    return _entry_page(request, entry, FeedbackForm(loans=loans) if may_report else None)


# --- Overdue feedback -------------------------------------------------------------------------------


def _bank_filter(request) -> Organisation | None:
    raw = request.GET.get("bank", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise Http404
    bank = Organisation.objects.filter(pk=int(raw), whitelist_deliveries__isnull=False).distinct().first()
    if bank is None:
        raise Http404
    return bank


@login_required
@require_GET
def feedback_overdue(request):
    """Staff: overdue feedback per bank (counts per batch and the entries). A bank: the entries of its
    deliveries it has not reported on yet, the overdue ones first."""
    allowed, reason = can_view_overdue(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    today = timezone.localdate()
    own = reporting_bank(request.user) if not is_whitelist_staff(request.user) else None
    if own is not None:
        page = Paginator(awaiting_feedback(bank=own), PAGE_SIZE).get_page(request.GET.get("page"))
        context = {"own": own, "page": page, "today": today, "overdue": overdue_feedback(today, bank=own)}
        return render(request, "whitelist/feedback/overdue.html", context)
    chosen = _bank_filter(request)
    context = {"today": today, "chosen": chosen}
    if chosen is not None:
        page = Paginator(overdue_entries(bank=chosen, today=today), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        context.update(page=page, query=urlencode({"bank": chosen.pk}))
    rows = [
        {
            "overdue": row,
            "entries": context["page"]
            if chosen is not None
            else list(overdue_entries(bank=row.bank, today=today)[:ENTRIES_PER_BANK]),
        }
        for row in overdue_feedback(today, bank=chosen)
    ]
    context.update(rows=rows, more_after=ENTRIES_PER_BANK)
    return render(request, "whitelist/feedback/overdue.html", context)


# --- Recommendations --------------------------------------------------------------------------------


def _recommendation_list_page(request, form, status=200):
    filters = RecommendationFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    if filters.is_bound and not filters.is_valid():
        status = 400
    queryset = recommendations_for(user=request.user, filters=chosen)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "form": form,
        "is_staff": is_whitelist_staff(request.user),
        "query": urlencode({"status": chosen["status"]}) if chosen.get("status") else "",
    }
    return render(request, "whitelist/feedback/recommendation_list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_list(request):
    """A bank: its group's recommendations and a form to add one. Staff: every bank's, by status."""
    staff = is_whitelist_staff(request.user)
    if not staff and reporting_bank(request.user) is None:
        raise PermissionDenied(_("Only banks and the IP bureau's staff see whitelist recommendations."))
    may_recommend = can_recommend(request.user)[0]
    if request.method == "POST":
        if not may_recommend:
            raise PermissionDenied(can_recommend(request.user)[1])
        form = RecommendationForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                recommendation = recommendation_create(
                    actor=request.user,
                    enterprise_uscc=data["enterprise_uscc"],
                    enterprise_name=data["enterprise_name"],
                    reason=data["reason"],
                    ip_offered=data["ip_offered"],
                )
            except WhitelistError as error:
                _errors_into(form, error)
            else:
                messages.success(request, _("Your recommendation is sent to the IP bureau."))
                return redirect("whitelist:recommendation_detail", recommendation.pk)
        return _recommendation_list_page(request, form, status=400)
    return _recommendation_list_page(request, RecommendationForm() if may_recommend else None)


def _recommendation_page(request, recommendation, form=None, status=200):
    moves = available_recommendation_transitions(recommendation, request.user)
    context = {
        "recommendation": recommendation,
        "events": recommendation.events.select_related("actor"),
        "form": form or (DecisionForm() if moves else None),
    }
    return render(request, "whitelist/feedback/recommendation_detail.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def recommendation_detail(request, pk: int):
    """The recommendation and its decision; staff decide here (accept, or decline with a reason)."""
    recommendation = recommendation_get_for_user(user=request.user, pk=pk)
    if request.method == "POST":
        allowed, reason = can_decide_recommendation(request.user)
        if not allowed:
            raise PermissionDenied(reason)
        form = DecisionForm(request.POST)
        if form.is_valid():
            try:
                recommendation_decide(
                    recommendation=recommendation,
                    actor=request.user,
                    to=form.cleaned_data["to"],
                    reason=form.cleaned_data["reason"],
                )
            except WhitelistError as error:
                _errors_into(form, error)
            else:
                messages.success(request, _("The decision is recorded; the bank sees it."))
                return redirect("whitelist:recommendation_detail", recommendation.pk)
        return _recommendation_page(request, recommendation, form, status=400)
    return _recommendation_page(request, recommendation)


# --- The funnel report --------------------------------------------------------------------------------


def _funnel_filter(request) -> FunnelFilterForm:
    allowed, reason = can_view_funnel(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    return FunnelFilterForm(request.GET or None)


def _chosen_batch(form: FunnelFilterForm) -> Batch | None:
    return form.cleaned_data["batch"] if form.is_bound else None


@login_required
@require_GET
def funnel_report_view(request):
    """The funnel per batch and per bank; the Excel link carries the same selection."""
    form = _funnel_filter(request)
    if form.is_bound and not form.is_valid():
        return render(request, "whitelist/feedback/funnel.html", {"form": form, "sections": []}, status=400)
    batch = _chosen_batch(form)
    context = {
        "form": form,
        "sections": funnel_sections(funnel_report(batch=batch)),
        "batch": batch,
        "query": urlencode({"batch": batch.pk}) if batch else "",
    }
    return render(request, "whitelist/feedback/funnel.html", context)


def _cell(value):
    # Rates (Decimal) stay numbers in Excel; a rate over nothing is shown as a dash, as on screen.
    return "—" if value is None else value


@login_required
@require_GET
def funnel_excel(request):
    import openpyxl
    from openpyxl.styles import Font

    form = _funnel_filter(request)
    if form.is_bound and not form.is_valid():
        return HttpResponseBadRequest(_("Choose a published batch, or none for all of them."))
    batch = _chosen_batch(form)
    sections = funnel_sections(funnel_report(batch=batch))
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for section in sections:
        sheet = workbook.create_sheet(title=str(section["title"])[:31])
        sheet.append([str(section["first"]), *(str(heading) for heading in section["headings"])])
        for cell in sheet[1]:
            cell.font = bold
        for row in section["rows"]:
            sheet.append([_cell(value) for value in row])
        sheet.column_dimensions["A"].width = 32
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    audit_record(
        action=AuditAction.DATA_EXPORT,
        request=request,
        object_type="whitelist.funnel",
        object_id=batch.pk if batch else "",
        details={"format": "xlsx"},
    )
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    name = f"whitelist-funnel-batch-{batch.number}.xlsx" if batch else "whitelist-funnel.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["X-Content-Type-Options"] = "nosniff"
    return response
