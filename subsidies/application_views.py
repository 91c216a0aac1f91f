"""Pages of subsidy applications (issue 6): the enterprise opens an application in an open batch, adds its
loans (the portal's bank-reported facts, or figures it enters with evidence), fees with their invoices and
the checklist's materials, watches the calculation change with every line, submits or withdraws; the
lending bank confirms or disputes the figures entered for its loans; the oversight roles read every
application. Each view checks the user's kind first (403), then the scope (404: another enterprise's
application, a line not asked of this bank), then the form (400, input kept), then calls one service of
subsidies.applications, whose refusals come back as 403 or as errors on the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms import show_errors
from portal.policy.errors import LprMissing
from subsidies import applications as services
from subsidies import presenters
from subsidies.application_forms import (
    ApplicationFilterForm,
    CorrectLoanForm,
    DetailsForm,
    EnteredLoanForm,
    FeeForm,
    LoanFiguresForm,
    MaterialForm,
    PortalLoanForm,
    WithdrawForm,
)
from subsidies.calculations import InterestRules, LoanFigures, interest_quote
from subsidies.compute import LprTable
from subsidies.errors import SubsidyError, SubsidyNotAllowed
from subsidies.models import (
    APPLICATION_TRANSITIONS,
    CLOSED_STATUSES,
    ApplicationStatus,
    BatchStatus,
    Confirmation,
    LineSource,
    LoanLine,
)
from subsidies.permissions import (
    application_scope,
    batch_scope,
    get_in_scope,
    is_applicant,
    is_confirming_bank,
    is_oversight,
)

PAGE_SIZE = 25
S = ApplicationStatus

# Who holds the application in each status, and what happens next (the enterprise's reading).
NEXT_STEPS = {
    S.DRAFT: (
        gettext_lazy("Your enterprise"),
        gettext_lazy("Complete the contact and account details, loans, fees and materials, then submit."),
    ),
    S.AWAITING_BANK: (
        gettext_lazy("The lending bank"),
        gettext_lazy(
            "The bank confirms or disputes the loan figures you entered; once every figure is confirmed the "
            "application goes to review by itself."
        ),
    ),
    S.SUBMITTED: (
        gettext_lazy("The IP bureau"),
        gettext_lazy("A reviewer takes up the application and checks the materials item by item."),
    ),
    S.UNDER_REVIEW: (
        gettext_lazy("The IP bureau's first reviewer"),
        gettext_lazy("The reviewer checks the materials and proposes the amount, or asks for a correction."),
    ),
    S.CORRECTION: (
        gettext_lazy("Your enterprise"),
        gettext_lazy("Correct what the reviewer or the bank asked for, then submit again."),
    ),
    S.PROPOSED: (
        gettext_lazy("The IP bureau's second reviewer"),
        gettext_lazy("A second reviewer (never the first) approves the proposed amount or returns it."),
    ),
    S.APPROVED: (
        gettext_lazy("The IP bureau"),
        gettext_lazy("The approved amount goes on public notice."),
    ),
    S.PUBLICITY: (
        gettext_lazy("The public notice"),
        gettext_lazy(
            "Approved enterprises and amounts are on public notice; any objection is resolved before payment."
        ),
    ),
    S.PUBLICISED: (
        gettext_lazy("The finance bureau"),
        gettext_lazy("The finance bureau puts the application on a payment list."),
    ),
    S.PAYMENT_LISTED: (
        gettext_lazy("The finance bureau"),
        gettext_lazy("The finance bureau pays the applications on the list."),
    ),
    S.PAID: (None, gettext_lazy("Paid: nothing more to do.")),
    S.REJECTED: (None, gettext_lazy("Rejected: the application is closed.")),
    S.WITHDRAWN: (
        None,
        gettext_lazy("Withdrawn: the application is closed; its loans and invoices may be claimed again."),
    ),
}

# ---------------------------------------------------------------------------------------------------
# Who may open which page


def _viewer_only(user) -> None:
    if not (is_applicant(user) or is_oversight(user)):
        raise PermissionDenied(
            _(
                "Subsidy applications are for the applying enterprise and the IP bureau, finance bureau and joint office."
            )
        )


def _applicant_only(user) -> None:
    if not is_applicant(user):
        raise PermissionDenied(_("Only the enterprise's own users may change its application."))


def _bank_only(user) -> None:
    if not is_confirming_bank(user):
        raise PermissionDenied(_("Only bank officers and managers confirm loan figures."))


def _application(user, pk: int):
    return get_in_scope(
        application_scope(user).select_related("batch", "enterprise", "parameters", "first_reviewer"), pk
    )


def _form_errors_from(form, error: SubsidyError) -> None:
    show_errors(form, error.message, error.errors)


def _forbid(error: SubsidyError):
    if isinstance(error, SubsidyNotAllowed):
        raise PermissionDenied(error.message) from error


def _review_url(application) -> str | None:
    # The reviewers' controls live on the review page (another page set); link only if it exists.
    try:
        return reverse("subsidies:review-detail", args=[application.pk])
    except NoReverseMatch:
        return None


def _template_url(item) -> str | None:
    # Media are not public: a template downloads through its own scoped view, if there is one.
    if not item.template:
        return None
    for args in ([item.batch_id, item.pk], [item.pk]):
        try:
            return reverse("subsidies:checklist-template", args=args)
        except NoReverseMatch:
            continue
    return None


# ---------------------------------------------------------------------------------------------------
# The list: the enterprise's applications and the open batches; every application for oversight


def _open_batches(user):
    today = timezone.localdate()
    return (
        batch_scope(user)
        .filter(status=BatchStatus.PUBLISHED, opens_on__lte=today, closes_on__gte=today)
        .order_by("closes_on", "pk")
    )


def _list_page(request, *, open_error: dict | None = None, status: int = 200):
    user = request.user
    context: dict = {"applicant": is_applicant(user), "open_error": open_error}
    applications = application_scope(user).select_related("batch", "enterprise")
    query = ""
    if is_applicant(user):
        applications = applications.order_by("-pk")
        live = {
            application.batch_id: application
            for application in applications.exclude(status__in=CLOSED_STATUSES)
        }
        context["batches"] = [{"batch": batch, "live": live.get(batch.pk)} for batch in _open_batches(user)]
    else:
        form = ApplicationFilterForm(request.GET or None, user=user)
        if form.is_bound and not form.is_valid():
            applications = applications.none()
            status = 400
        elif form.is_bound:
            if form.cleaned_data["batch"]:
                applications = applications.filter(batch=form.cleaned_data["batch"])
            if form.cleaned_data["status"]:
                applications = applications.filter(status=form.cleaned_data["status"])
        context["filter_form"] = form
        params = request.GET.copy()
        params.pop("page", None)
        query = params.urlencode()
        applications = applications.order_by("-pk")
    context["page"] = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    context["query"] = query
    return render(request, "subsidies/applications/list.html", context, status=status)


@login_required
@require_GET
def application_list(request):
    _viewer_only(request.user)
    return _list_page(request)


@login_required
@require_POST
def application_open(request, batch_pk: int):
    _applicant_only(request.user)
    batch = get_object_or_404(batch_scope(request.user), pk=batch_pk)
    try:
        application = services.application_open(batch=batch, actor=request.user)
    except SubsidyError as error:
        _forbid(error)
        live = application_scope(request.user).filter(batch=batch).exclude(status__in=CLOSED_STATUSES).first()
        return _list_page(request, open_error={"message": error.message, "application": live}, status=400)
    messages.success(
        request,
        _("Application %(ref)s is open as a draft: add your loans, fees and materials, then submit.")
        % {"ref": application.reference},
    )
    return redirect("subsidies:application-detail", application.pk)


# ---------------------------------------------------------------------------------------------------
# One application: status, calculation sheet, checklist, history, and (while editable) its forms


def _figures(source, lpr_pct, ref: str = "") -> LoanFigures:
    get = source.get if isinstance(source, dict) else lambda name: getattr(source, name)
    return LoanFigures(
        ref=ref or str(getattr(source, "pk", "")),
        interest_paid=get("interest_paid"),
        annual_rate_pct=get("annual_rate_pct"),
        ip_share=get("ip_share"),
        disbursed_on=get("disbursed_on"),
        settled_on=get("settled_on"),
        pledge_registered_on=get("pledge_registered_on"),
        lpr_pct=lpr_pct,
    )


def _holder(application, lines: list[LoanLine], user) -> str | None:
    holder, _next = NEXT_STEPS.get(application.status, (None, ""))
    if holder is None:
        return None
    if application.status in (S.DRAFT, S.CORRECTION) and not is_applicant(user):
        return _("The enterprise: %(name)s") % {"name": application.enterprise.name}
    if application.status == S.AWAITING_BANK:
        banks = sorted({line.bank.name for line in lines if line.confirmation == Confirmation.PENDING})
        if banks:
            return f"{holder}: {', '.join(banks)}"
    if application.status == S.UNDER_REVIEW and application.first_reviewer:
        return f"{holder}: {application.first_reviewer}"
    return str(holder)


def _withdrawable(application, user) -> bool:
    return (
        is_applicant(user)
        and user.organisation.pk == application.enterprise_id
        and S.WITHDRAWN in APPLICATION_TRANSITIONS.get(application.status, {})
    )


def _contracts(lines: list[LoanLine]) -> list[str]:
    seen: list[str] = []
    for line in lines:
        if line.contract_number not in seen:
            seen.append(line.contract_number)
    return seen


def _detail_page(
    request,
    application,
    *,
    bound: dict | None = None,
    status: int = 200,
    preview: dict | None = None,
    problems: dict | None = None,
):
    user = request.user
    bound = bound or {}
    sheet = presenters.sheet(application)
    lines = sheet["lines"]
    editable = services.can_edit(application, user)
    materials = {material.item_id: material for material in application.materials.all()}
    checklist = []
    for item in services.required_items(application):
        form = None
        if editable:
            form = bound.get(("material", item.pk)) or MaterialForm(item=item)
        checklist.append(
            {
                "item": item,
                "material": materials.get(item.pk),
                "template_url": _template_url(item),
                "form": form,
            }
        )
    holder_next = NEXT_STEPS.get(application.status, (None, ""))
    context = {
        "application": application,
        **sheet,
        "checklist": checklist,
        "events": presenters.application_events(application),
        "holder": _holder(application, lines, user),
        "next_step": holder_next[1],
        "editable": editable,
        "is_applicant": is_applicant(user),
        "is_oversight": is_oversight(user),
        "withdrawable": _withdrawable(application, user),
        "review_url": _review_url(application) if is_oversight(user) else None,
        "problems": problems,
        "preview": preview,
        "has_entered": any(line.source == LineSource.ENTERED for line in lines),
    }
    if editable:
        loans = services.eligible_portal_loans(application)
        context.update(
            {
                "details_form": bound.get("details") or DetailsForm.for_application(application),
                "portal_loans": list(loans),
                "portal_form": bound.get("portal"),
                "entered_form": bound.get("entered") or EnteredLoanForm(),
                "fee_form": bound.get("fee") or FeeForm(contracts=_contracts(lines)),
            }
        )
    return render(request, "subsidies/applications/detail.html", context, status=status)


@login_required
@require_GET
def application_detail(request, pk: int):
    _viewer_only(request.user)
    return _detail_page(request, _application(request.user, pk))


def _done(request, application, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(reverse("subsidies:application-detail", args=[application.pk]) + anchor)


def _edit(request, pk: int):
    """The enterprise's application for a change: its kind first (403), then its scope (404)."""
    _applicant_only(request.user)
    return _application(request.user, pk)


def _attempt(request, application, key, form, call):
    """(result, None) from ``call``; on a refusal (None, the page again with the form's errors, 400)."""
    try:
        return call(), None
    except SubsidyError as error:
        _forbid(error)
        if form is not None:
            _form_errors_from(form, error)
        else:
            messages.error(request, error.message)
        application.refresh_from_db()
        return None, _detail_page(request, application, bound={key: form} if form else {}, status=400)


@login_required
@require_POST
def application_details(request, pk: int):
    application = _edit(request, pk)
    form = DetailsForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, application, bound={"details": form}, status=400)
    _result, refused = _attempt(
        request,
        application,
        "details",
        form,
        lambda: services.application_update_details(
            application=application, actor=request.user, values=form.cleaned_data
        ),
    )
    if refused:
        return refused
    return _done(request, application, _("The contact and account details are saved."), "#details")


@login_required
@require_POST
def loan_add_from_portal(request, pk: int):
    application = _edit(request, pk)
    form = PortalLoanForm(request.POST, loans=services.eligible_portal_loans(application))
    if not form.is_valid():
        return _detail_page(request, application, bound={"portal": form}, status=400)
    loan = form.cleaned_data["loan"]
    _result, refused = _attempt(
        request,
        application,
        "portal",
        form,
        lambda: services.loan_line_add_from_portal(
            application=application,
            loan=loan,
            actor=request.user,
            district_programme=form.cleaned_data["district_programme"],
        ),
    )
    if refused:
        return refused
    return _done(
        request,
        application,
        _("Loan %(ref)s is added; the calculation is updated.") % {"ref": loan.reference},
        "#sheet",
    )


@login_required
@require_POST
def loan_add_entered(request, pk: int):
    application = _edit(request, pk)
    form = EnteredLoanForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail_page(request, application, bound={"entered": form}, status=400)
    line, refused = _attempt(
        request,
        application,
        "entered",
        form,
        lambda: services.loan_line_add_entered(
            application=application,
            actor=request.user,
            values=form.values(),
            evidence=form.cleaned_data["evidence"],
        ),
    )
    if refused:
        return refused
    return _done(
        request,
        application,
        _("The loan with contract %(contract)s is added; %(bank)s confirms its figures after you submit.")
        % {"contract": line.contract_number, "bank": line.bank.name},
        "#sheet",
    )


def _line(application, line_pk: int) -> LoanLine:
    return get_object_or_404(application.loan_lines.select_related("bank"), pk=line_pk)


@login_required
@require_http_methods(["GET", "POST"])
def loan_correct(request, pk: int, line_pk: int):
    application = _edit(request, pk)
    line = _line(application, line_pk)
    if request.method == "GET":
        form = CorrectLoanForm.for_line(line)
        return _correct_page(request, application, line, form)
    form = CorrectLoanForm.for_line(line, request.POST, request.FILES)
    if not form.is_valid():
        return _correct_page(request, application, line, form, status=400)
    try:
        services.loan_line_correct(
            line=line, actor=request.user, values=form.values(), evidence=form.cleaned_data["evidence"]
        )
    except SubsidyError as error:
        _forbid(error)
        _form_errors_from(form, error)
        return _correct_page(request, application, line, form, status=400)
    return _done(
        request,
        application,
        _("The loan with contract %(contract)s is corrected; its bank confirms the figures again.")
        % {"contract": form.cleaned_data["contract_number"]},
        "#sheet",
    )


def _correct_page(request, application, line, form, status: int = 200):
    return render(
        request,
        "subsidies/applications/loan_correct.html",
        {
            "application": application,
            "line": line,
            "form": form,
            "editable": services.can_edit(application, request.user),
        },
        status=status,
    )


@login_required
@require_POST
def loan_remove(request, pk: int, line_pk: int):
    application = _edit(request, pk)
    line = _line(application, line_pk)
    contract = line.contract_number
    _result, refused = _attempt(
        request, application, "line", None, lambda: services.loan_line_remove(line=line, actor=request.user)
    )
    if refused:
        return refused
    return _done(
        request,
        application,
        _("The loan with contract %(contract)s is removed; the calculation is updated.")
        % {"contract": contract},
        "#sheet",
    )


@login_required
@require_POST
def fee_add(request, pk: int):
    application = _edit(request, pk)
    contracts = _contracts(list(application.loan_lines.order_by("pk")))
    form = FeeForm(request.POST, request.FILES, contracts=contracts)
    if not form.is_valid():
        return _detail_page(request, application, bound={"fee": form}, status=400)
    fee, refused = _attempt(
        request,
        application,
        "fee",
        form,
        lambda: services.fee_line_add(
            application=application,
            actor=request.user,
            values=form.values(),
            invoice=form.cleaned_data["invoice"],
        ),
    )
    if refused:
        return refused
    return _done(
        request,
        application,
        _("The fee with invoice %(number)s is added; the calculation is updated.")
        % {"number": fee.invoice_number},
        "#sheet",
    )


@login_required
@require_POST
def fee_remove(request, pk: int, fee_pk: int):
    application = _edit(request, pk)
    fee = get_object_or_404(application.fee_lines, pk=fee_pk)
    number = fee.invoice_number
    _result, refused = _attempt(
        request,
        application,
        "fee_remove",
        None,
        lambda: services.fee_line_remove(fee=fee, actor=request.user),
    )
    if refused:
        return refused
    return _done(
        request,
        application,
        _("The fee with invoice %(number)s is removed; the calculation is updated.") % {"number": number},
        "#sheet",
    )


@login_required
@require_POST
def material_upload(request, pk: int, item_pk: int):
    application = _edit(request, pk)
    item = get_object_or_404(application.batch.checklist, pk=item_pk)
    form = MaterialForm(request.POST, request.FILES, item=item)
    key = ("material", item.pk)
    if not form.is_valid():
        return _detail_page(request, application, bound={key: form}, status=400)
    _result, refused = _attempt(
        request,
        application,
        key,
        form,
        lambda: services.material_upload(
            application=application, item=item, actor=request.user, upload=form.cleaned_data["file"]
        ),
    )
    if refused:
        return refused
    return _done(request, application, _("“%(item)s” is uploaded.") % {"item": item.title}, "#materials")


@login_required
@require_POST
def application_submit(request, pk: int):
    application = _edit(request, pk)
    try:
        application = services.application_submit(application=application, actor=request.user)
    except SubsidyError as error:
        _forbid(error)
        application.refresh_from_db()
        problems = {
            "message": error.message,
            "general": error.errors.get("__all__", []),
            "details": error.errors.get("details", []),
            "materials": error.errors.get("materials", []),
        }
        return _detail_page(request, application, problems=problems, status=400)
    if application.status == S.AWAITING_BANK:
        message = _("Submitted: the banks confirm the loan figures you entered, then the review starts.")
    else:
        message = _("Submitted: the application waits for review.")
    return _done(request, application, message)


@login_required
@require_http_methods(["GET", "POST"])
def application_withdraw(request, pk: int):
    application = _edit(request, pk)
    allowed = _withdrawable(application, request.user)
    form = WithdrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.application_withdraw(
                    application=application, actor=request.user, reason=form.cleaned_data["reason"]
                )
            except SubsidyError as error:
                _forbid(error)
                _form_errors_from(form, error)
            else:
                return _done(
                    request,
                    application,
                    _("Application %(ref)s is withdrawn.") % {"ref": application.reference},
                )
        status = 400
    return render(
        request,
        "subsidies/applications/withdraw.html",
        {"application": application, "form": form, "allowed": allowed},
        status=status,
    )


# ---------------------------------------------------------------------------------------------------
# The live preview of an entered loan (htmx fragment; without JavaScript the whole page)


def _quote_preview(application, form) -> dict | None:
    """The line the entered figures would give under the application's parameters, and the interest
    total the application would then have; nothing is saved. None (with the error on the form) when an
    LPR is missing."""
    rules = InterestRules.from_values(application.parameters.values)
    table = LprTable()
    data = form.cleaned_data
    try:
        rate = table.on(data["disbursed_on"])
    except LprMissing as missing:
        form.add_error("disbursed_on", missing.message)
        return None
    existing = []
    for line in application.loan_lines.order_by("pk"):
        try:
            existing.append(_figures(line, line.lpr_pct or table.on(line.disbursed_on)))
        except LprMissing:
            continue
    quote_ = interest_quote(rules, [*existing, _figures(data, rate, ref="preview")])
    return {
        "line": quote_.loans[-1],
        "total": quote_.total,
        "cap_applied": quote_.cap_applied,
        "current": application.interest_amount,
    }


@login_required
@require_POST
def application_preview(request, pk: int):
    application = _edit(request, pk)
    form = LoanFiguresForm(request.POST)
    if not services.can_edit(application, request.user):
        messages.error(request, _("The application can no longer be changed."))
        return redirect("subsidies:application-detail", application.pk)
    preview = _quote_preview(application, form) if form.is_valid() else None
    if request.htmx:
        # A fragment under the form: incomplete figures are the normal state while typing, so the
        # fragment answers 200 and says what is missing (htmx does not swap in a 4xx answer).
        return render(
            request,
            "subsidies/applications/_preview.html",
            {"preview": preview, "preview_form": form, "application": application},
        )
    # The figures typed come back as the form's initial values (their errors are on the preview; the
    # file is chosen again on saving).
    entered = EnteredLoanForm(initial={name: request.POST.get(name) for name in EnteredLoanForm.VALUES})
    return _detail_page(
        request,
        application,
        bound={"entered": entered},
        preview={"result": preview, "form": form},
        status=200 if preview is not None else 400,
    )
