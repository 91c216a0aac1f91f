"""Pages of loan requests and the banks' review: the enterprise applies to several products at once and
compares the banks' answers side by side; bank staff work a review queue scoped to their bank and
branch. Each view parses, calls one service, renders; every page goes through the scoping selectors
first (another organisation's application is a 404). A user of the wrong kind for a step gets a 403
before any object is looked up."""

from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loans.application_forms import (
    ApplyForm,
    ApproveForm,
    AssignForm,
    DeclineForm,
    QueueFilterForm,
    RequestInfoForm,
    RespondForm,
    SendBackForm,
    WithdrawForm,
)
from loans.errors import ApplicationInvalid, ApplicationNotAllowed
from loans.models import BANK_ROLES, ENTERPRISE_ROLES, ApplicationStatus, Loan
from loans.permissions import (
    available_application_actions,
    can_create_loan_request,
    can_download_application_document,
    can_view_application_queue,
    can_view_loan_requests,
    is_application_applicant,
    is_application_reviewer,
)
from loans.selectors import (
    application_awaiting_second_approval_count,
    application_document_get_for_user,
    application_documents,
    application_get_for_user,
    application_list,
    request_get_for_user,
    request_list,
)
from loans.services.applications import (
    DOCUMENTS_MAX,
    application_accept,
    application_approve,
    application_assign,
    application_decline,
    application_request_info,
    application_respond,
    application_second_approve,
    application_send_back,
    application_withdraw,
    loan_request_create,
    second_approval_threshold,
)
from pledges.selectors import asset_pledge_states
from pledges.services.filing import safe_file_name
from portal.accounts.models import OrgKind
from portal.accounts.onboarding import verification_refusal
from portal.audit.services import audit_record
from portal.postgresql import prepared_statements_view

PAGE_SIZE = 20
S = ApplicationStatus

# Steps the bank takes and steps the enterprise takes (the forms' names, as in APPLICATION_ACTIONS).
BANK_ACTIONS = frozenset({"assign", "request_info", "approve", "second_approve", "send_back", "decline"})
ENTERPRISE_ACTIONS = frozenset({"respond", "withdraw", "accept"})


# ---------------------------------------------------------------------------------------------------
# Who may open which page


def _is_bank_staff(user) -> bool:
    organisation = user.organisation
    return organisation is not None and organisation.kind == OrgKind.BANK and user.role in BANK_ROLES


def _is_enterprise_user(user) -> bool:
    organisation = user.organisation
    return (
        organisation is not None and organisation.kind == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES
    )


def _require(allowed_reason: tuple[bool, str]) -> None:
    allowed, reason = allowed_reason
    if not allowed:
        raise PermissionDenied(reason)


def _form_errors_from(form, error: ApplicationInvalid) -> None:
    # The services name fields as the forms do; anything else goes on top of the form.
    for name, field_errors in error.errors.items():
        form.add_error(name if name in form.fields else None, field_errors)
    if not error.errors:
        form.add_error(None, error.message)


def _product_ids(request) -> list[int]:
    """``?products=1,2,3`` (as the compare page links) or ``?products=1&products=2``."""
    ids: list[int] = []
    for value in request.GET.getlist("products"):
        for part in value.split(","):
            part = part.strip()
            if part.isdigit() and int(part) not in ids:
                ids.append(int(part))
    return ids


# ---------------------------------------------------------------------------------------------------
# The enterprise: apply, its requests, one request side by side


@login_required
@require_http_methods(["GET", "POST"])
def apply_view(request):
    user = request.user
    _require(can_create_loan_request(user))
    if refusal := verification_refusal(user.organisation):
        # Issue 11: not yet verified by the promotion centre; say so instead of a form that would fail.
        return render(
            request,
            "accounts/onboarding/awaiting_verification.html",
            {"message": refusal},
            status=409 if request.method == "POST" else 200,
        )
    if request.method == "POST":
        form = ApplyForm(request.POST, request.FILES, user=user)
        # Refuse an oversize body before the form reads every file into a temporary file.
        length = request.META.get("CONTENT_LENGTH") or ""
        declared = int(length) if length.isdigit() else 0
        if declared > settings.UPLOAD_MAX_BYTES * DOCUMENTS_MAX + 1024 * 1024:
            form = ApplyForm(request.POST, user=user)
            form.is_valid()
            form.add_error(
                None,
                _("The upload is larger than %(limit)s MB in all.")
                % {"limit": settings.UPLOAD_MAX_BYTES * DOCUMENTS_MAX // (1024 * 1024)},
            )
        elif form.is_valid():
            data = form.cleaned_data
            try:
                loan_request = loan_request_create(
                    enterprise=user.organisation,
                    amount=data["amount"],
                    term_months=data["term_months"],
                    purpose=data["purpose"],
                    assets=list(data["assets"]),
                    products=list(data["products"]),
                    documents=data["documents"],
                    actor=user,
                )
            except ApplicationInvalid as error:
                _form_errors_from(form, error)
            except ApplicationNotAllowed as error:
                raise PermissionDenied(error.message) from error
            else:
                messages.success(
                    request,
                    _("Request %(reference)s was sent to %(count)d bank(s).")
                    % {"reference": loan_request.reference, "count": loan_request.applications.count()},
                )
                return redirect("loans:request_detail", pk=loan_request.pk)
        status = 400
    else:
        form = ApplyForm(user=user, initial={"products": _product_ids(request)})
        status = 200
    return render(
        request,
        "loans/applications/apply.html",
        {
            "form": form,
            "has_assets": form.fields["assets"].queryset.exists(),
            "upload_limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@login_required
@require_GET
def request_list_view(request):
    _require(can_view_loan_requests(request.user))
    search = request.GET.get("search", "")[:100]
    page = Paginator(request_list(user=request.user, filters={"search": search}), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "loans/applications/request_list.html",
        {"page": page, "search": search, "can_apply": can_create_loan_request(request.user)[0]},
    )


def _acceptance(loan_request) -> dict | None:
    """The loan an accepted offer became, its registration drafts, and the notes on drafts that could
    not be started (kept on the acceptance event)."""
    loan = (
        Loan.objects.filter(application__request=loan_request)
        .select_related("application", "bank")
        .prefetch_related("registrations")
        .first()
    )
    if loan is None:
        return None
    event = loan.application.events.filter(to_status=S.ACCEPTED).order_by("-at", "-pk").first()
    return {
        "loan": loan,
        "registrations": list(loan.registrations.order_by("pk")),
        "notes": (event.details or {}).get("registration_notes", []) if event else [],
    }


def _request_page(request, loan_request, *, bound: dict | None = None, status: int = 200):
    """The side-by-side page; ``bound`` holds the forms of one application re-shown with their errors."""
    user = request.user
    bound = bound or {}
    cards = []
    applications = loan_request.applications.select_related("bank", "product", "officer").order_by("pk")
    for application in applications:
        application.request = loan_request
        forms = bound.get(application.pk, {})
        cards.append(
            {
                "application": application,
                "actions": available_application_actions(application, user),
                "respond_form": forms.get("respond") or RespondForm(prefix=f"a{application.pk}"),
                "withdraw_form": forms.get("withdraw") or WithdrawForm(prefix=f"a{application.pk}"),
            }
        )
    assets = list(loan_request.assets.order_by("kind", "number"))
    states = asset_pledge_states(asset_ids=[asset.pk for asset in assets])
    return render(
        request,
        "loans/applications/request_detail.html",
        {
            "loan_request": loan_request,
            "cards": cards,
            "assets": [{"asset": asset, "pledge": states[asset.pk]} for asset in assets],
            "documents": loan_request.documents.select_related("application__bank").order_by(
                "uploaded_at", "pk"
            ),
            "acceptance": _acceptance(loan_request),
            "is_applicant": is_application_applicant(user, loan_request),
            "upload_limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@login_required
@require_GET
def request_detail_view(request, pk: int):
    loan_request = request_get_for_user(user=request.user, pk=pk)
    return _request_page(request, loan_request)


# ---------------------------------------------------------------------------------------------------
# The bank: the review queue and one application


@login_required
@require_GET
@prepared_statements_view
def queue_view(request):
    user = request.user
    _require(can_view_application_queue(user))
    form = QueueFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        applications = application_list(user=user).none()
        status = 400
    else:
        applications = application_list(user=user, filters=form.cleaned_data if form.is_bound else {})
    page = Paginator(applications, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "loans/applications/queue.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "awaiting_second": application_awaiting_second_approval_count(user=user),
            "is_bank": _is_bank_staff(user),
        },
        status=status,
    )


def _event_rows(application, *, internal: bool) -> list[dict]:
    """The history; the bank's own four-eyes steps (proposal, send-back) only for the bank."""
    rows = []
    for event in application.events.select_related("actor").order_by("at", "pk"):
        details = event.details or {}
        four_eyes = S.AWAITING_SECOND_APPROVAL in (event.from_status, event.to_status)
        if not internal and four_eyes and event.to_status != S.APPROVED:
            continue
        if event.action == "submitted":
            label = _("Submitted")
        elif event.to_status == S.UNDER_REVIEW and event.from_status in (S.SUBMITTED, S.UNDER_REVIEW):
            label = _("Assigned to %(name)s") % {"name": details.get("officer_name", "")}
        elif event.to_status == S.UNDER_REVIEW and event.from_status == S.INFO_REQUESTED:
            label = _("The enterprise answered")
        elif event.to_status == S.UNDER_REVIEW and event.from_status == S.AWAITING_SECOND_APPROVAL:
            label = _("Proposal sent back to review")
        else:
            label = event.get_to_status_display()
        rows.append({"event": event, "label": label, "details": details})
    return rows


def _application_page(request, application, *, bound: dict | None = None, status: int = 200):
    user = request.user
    bound = bound or {}
    loan_request = application.request
    assets = list(loan_request.assets.order_by("kind", "number"))
    states = asset_pledge_states(asset_ids=[asset.pk for asset in assets])
    actions = available_application_actions(application, user)
    approve_initial = {"amount": loan_request.amount, "term_months": loan_request.term_months}
    return render(
        request,
        "loans/applications/detail.html",
        {
            "application": application,
            "loan_request": loan_request,
            "assets": [{"asset": asset, "pledge": states[asset.pk]} for asset in assets],
            "documents": application_documents(application),
            "can_download": can_download_application_document(user, application)[0],
            "events": _event_rows(application, internal=is_application_reviewer(user, application)),
            "actions": actions,
            "is_reviewer": is_application_reviewer(user, application),
            "is_applicant": is_application_applicant(user, loan_request),
            "is_maker": application.proposed_by_id == user.pk,
            "threshold": second_approval_threshold(),
            "assign_form": bound.get("assign") or AssignForm(application=application),
            "request_info_form": bound.get("request_info") or RequestInfoForm(),
            "approve_form": bound.get("approve") or ApproveForm(initial=approve_initial),
            "send_back_form": bound.get("send_back") or SendBackForm(),
            "decline_form": bound.get("decline") or DeclineForm(),
            "respond_form": bound.get("respond") or RespondForm(prefix=f"a{application.pk}"),
            "withdraw_form": bound.get("withdraw") or WithdrawForm(prefix=f"a{application.pk}"),
            "acceptance": _acceptance(loan_request) if application.status == S.ACCEPTED else None,
            "upload_limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        },
        status=status,
    )


@login_required
@require_GET
def application_detail_view(request, pk: int):
    application = application_get_for_user(user=request.user, pk=pk)
    return _application_page(request, application)


# ---------------------------------------------------------------------------------------------------
# Steps


def _back(request, application):
    if request.POST.get("back") == "request" and is_application_applicant(request.user, application.request):
        return reverse("loans:request_detail", args=[application.request_id])
    return reverse("loans:application_detail", args=[application.pk])


def _rerender(request, application, action: str, form, status: int):
    bound = {action: form} if form is not None else {}
    if request.POST.get("back") == "request" and is_application_applicant(request.user, application.request):
        return _request_page(request, application.request, bound={application.pk: bound}, status=status)
    return _application_page(request, application, bound=bound, status=status)


def _step(request, pk: int, action: str, *, form_class=None, form_kwargs=None, call, success: str):
    """A POST from an application's forms: the user's kind first (403), then the scope (404), then the
    form (400), then one service (400 / 403 / 409 from its refusal)."""
    user = request.user
    if action in BANK_ACTIONS and not _is_bank_staff(user):
        raise PermissionDenied(_("Only bank officers and managers review applications."))
    if action in ENTERPRISE_ACTIONS and not _is_enterprise_user(user):
        raise PermissionDenied(_("Only the enterprise that applied may do this."))
    application = application_get_for_user(user=user, pk=pk)
    form = None
    if form_class is not None:
        kwargs = dict(form_kwargs(application) if form_kwargs else {})
        if action in ENTERPRISE_ACTIONS:
            kwargs["prefix"] = f"a{application.pk}"
        form = form_class(request.POST, request.FILES, **kwargs)
        if not form.is_valid():
            return _rerender(request, application, action, form, 400)
    try:
        result = call(application, form.cleaned_data if form is not None else {})
    except ApplicationInvalid as error:
        if form is None:
            messages.error(request, error.message)
        else:
            _form_errors_from(form, error)
        return _rerender(request, application, action, form, 400)
    except ApplicationNotAllowed as error:
        # The page again, with the reason (403: this party may not, e.g. the maker as checker; 409: the
        # application's status no longer allows the step).
        messages.error(request, error.message)
        application.refresh_from_db()
        return _rerender(request, application, action, None, error.http_status)
    messages.success(request, success if not callable(success) else success(result))
    return redirect(_back(request, application))


@login_required
@require_POST
def assign_view(request, pk: int):
    return _step(
        request,
        pk,
        "assign",
        form_class=AssignForm,
        form_kwargs=lambda application: {"application": application},
        call=lambda application, data: application_assign(
            application=application, officer=data["officer"], reason=data["reason"], actor=request.user
        ),
        success=lambda application: (
            _("The application is now with %(name)s.") % {"name": application.officer}
        ),
    )


@login_required
@require_POST
def request_info_view(request, pk: int):
    return _step(
        request,
        pk,
        "request_info",
        form_class=RequestInfoForm,
        call=lambda application, data: application_request_info(
            application=application, note=data["note"], actor=request.user
        ),
        success=_("The enterprise was asked for the information."),
    )


@login_required
@require_POST
def respond_view(request, pk: int):
    return _step(
        request,
        pk,
        "respond",
        form_class=RespondForm,
        call=lambda application, data: application_respond(
            application=application, note=data["note"], documents=data["documents"], actor=request.user
        ),
        success=_("Your answer was sent to the bank."),
    )


@login_required
@require_POST
def approve_view(request, pk: int):
    def success(application) -> str:
        if application.status == S.AWAITING_SECOND_APPROVAL:
            return _("Proposed: the offer waits for a second approver at the bank.")
        return _("Approved: the offer was sent to the enterprise.")

    return _step(
        request,
        pk,
        "approve",
        form_class=ApproveForm,
        call=lambda application, data: application_approve(
            application=application,
            amount=data["amount"],
            rate_pct=data["rate_pct"],
            term_months=data["term_months"],
            conditions=data["conditions"],
            actor=request.user,
        ),
        success=success,
    )


@login_required
@require_POST
def second_approve_view(request, pk: int):
    return _step(
        request,
        pk,
        "second_approve",
        call=lambda application, data: application_second_approve(
            application=application, actor=request.user
        ),
        success=_("Approved: the offer was sent to the enterprise."),
    )


@login_required
@require_POST
def send_back_view(request, pk: int):
    return _step(
        request,
        pk,
        "send_back",
        form_class=SendBackForm,
        call=lambda application, data: application_send_back(
            application=application, reason=data["reason"], actor=request.user
        ),
        success=_("The proposal went back to review."),
    )


@login_required
@require_POST
def decline_view(request, pk: int):
    return _step(
        request,
        pk,
        "decline",
        form_class=DeclineForm,
        call=lambda application, data: application_decline(
            application=application, reason_code=data["reason_code"], note=data["note"], actor=request.user
        ),
        success=_("The application was declined."),
    )


@login_required
@require_POST
def withdraw_view(request, pk: int):
    return _step(
        request,
        pk,
        "withdraw",
        form_class=WithdrawForm,
        call=lambda application, data: application_withdraw(
            application=application, reason=data["reason"], actor=request.user
        ),
        success=_("The application was withdrawn."),
    )


@login_required
@require_POST
def accept_view(request, pk: int):
    def success(result) -> str:
        loan, registrations, notes = result
        text = _("Offer accepted: loan %(loan)s awaits the contract; the other banks were told.") % {
            "loan": loan.reference
        }
        if registrations:
            text += " " + _("Pledge registration drafts started: %(references)s.") % {
                "references": ", ".join(registration.reference for registration in registrations)
            }
        if notes:
            text += " " + _("Some pledge registrations could not be started; see the request page.")
        return text

    return _step(
        request,
        pk,
        "accept",
        call=lambda application, data: application_accept(application=application, actor=request.user),
        success=success,
    )


# ---------------------------------------------------------------------------------------------------
# Documents: through a scoped view only, never a public media address


def _content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    name = safe_file_name(name)
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@login_required
@require_GET
def document_download_view(request, pk: int):
    document, application = application_document_get_for_user(user=request.user, pk=pk)
    _require(can_download_application_document(request.user, application))
    # Loan documents carry financial statements and identity proofs: every opening is audited.
    audit_record(
        action="loans.application_document.download",
        request=request,
        object_type="loans.application_document",
        object_id=document.pk,
        details={"request": document.request_id, "application": document.application_id},
    )
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = _content_disposition(document.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
