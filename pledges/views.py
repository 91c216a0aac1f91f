"""Pages of the filing: the enterprise's filings, the bank's confirmations, the commissioner's workbench
and the case page every party shares. Each view parses, calls one service, renders; every list and
case goes through the scoping selectors first (another party's case is a 404)."""

from dataclasses import dataclass
from datetime import date
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import F
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from pledges.checklists import applicable_items
from pledges.errors import PledgeError
from pledges.forms import (
    WORKBENCH_PAGE_SIZES,
    ContactLogForm,
    CorrectionRequestForm,
    CureForm,
    FilingForm,
    MaterialTickForm,
    MaterialUploadForm,
    MoveForm,
    OnTimeStatsForm,
    ReassignForm,
    SendBackForm,
    WaiverForm,
    WindowPledgorForm,
    WorkbenchFilterForm,
)
from pledges.models import (
    CLOCK_RUNNING,
    ENTERPRISE_ROLES,
    FINAL_STATUSES,
    OFFICE_ROLES,
    OPEN_STATUSES,
    PLEDGEE_ROLES,
    Material,
    PledgeRegistration,
    RefusalReason,
    RegistrationEvent,
    Status,
)
from pledges.permissions import (
    acts_as,
    available_transitions,
    can_reassign_registration,
    can_view_on_time_stats,
    is_office,
)
from pledges.selectors import registration_get_for_user, registration_list, registration_scope
from pledges.services.filing import (
    PARTY_EDITABLE,
    PLEDGEE_KINDS,
    case_facts,
    contact_log_add,
    correction_cure,
    correction_request,
    failing_items,
    latest_materials,
    material_download_recorded,
    material_tick,
    material_upload,
    precheck,
    registration_confirm,
    registration_draft_create,
    registration_draft_update,
    registration_office_move,
    registration_send_back,
    registration_submit,
    safe_file_name,
    waiver_confirm,
)
from pledges.services.sla import on_time_stats, skipped_days_for_reader
from pledges.services.workflow import active_commissioners, registration_reassign, registration_transition
from portal.accounts.models import OrgKind, Role
from portal.policy.errors import PolicyError
from portal.policy.models import Channel, DayBasis
from portal.policy.selectors import service_time
from portal.workdays.services import add_calendar_days_rolled, add_working_days

# ---------------------------------------------------------------------------------------------------
# Who may open which list


def _is_enterprise(user) -> bool:
    organisation = user.organisation
    return (
        organisation is not None and organisation.kind == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES
    )


def _is_pledgee(user) -> bool:
    organisation = user.organisation
    return organisation is not None and organisation.kind in PLEDGEE_KINDS and user.role in PLEDGEE_ROLES


def _is_office_staff(user) -> bool:
    return is_office(user) and user.role in OFFICE_ROLES


def _is_supervisor(user) -> bool:
    return can_reassign_registration(user)[0]


# ---------------------------------------------------------------------------------------------------
# Plain words for the parties


_NEXT_STEP_PLEDGOR = {
    Status.DRAFT: gettext_lazy(
        "Upload the materials, clear the precheck, then send the filing to the pledgee for confirmation."
    ),
    Status.AWAITING_PLEDGEE: gettext_lazy("Waiting for the pledgee to confirm the filing."),
    Status.SUBMITTED: gettext_lazy("The office assigns your service commissioner, who checks the file."),
    Status.PRECHECK: gettext_lazy("Your service commissioner is checking the file."),
    Status.NEEDS_CORRECTION: gettext_lazy(
        "Correct the items listed on the case page, then report the correction."
    ),
    Status.CORRECTED: gettext_lazy("Your service commissioner is checking the corrections."),
    Status.ACCEPTED: gettext_lazy("Accepted: the registration is due by the date shown."),
    Status.UNDER_REVIEW: gettext_lazy("Under review: the registration is due by the date shown."),
    Status.REGISTERED: gettext_lazy("Registered: the notice number is on the case page."),
    Status.REFUSED: gettext_lazy("Refused: the grounds are on the case page."),
    Status.CHANGED: gettext_lazy("Registered, and since changed by a later filing."),
    Status.CANCELLED: gettext_lazy("The pledge registration is cancelled."),
    Status.WITHDRAWN: gettext_lazy("The filing was withdrawn."),
}
_NEXT_STEP_PLEDGEE = {
    **_NEXT_STEP_PLEDGOR,
    Status.DRAFT: gettext_lazy("The enterprise is preparing the filing."),
    Status.AWAITING_PLEDGEE: gettext_lazy("Confirm the filing, or send it back with a reason."),
}

# What each move means to the people following the case (the timeline's labels).
_MOVE_LABELS = {
    Status.DRAFT: gettext_lazy("Returned to draft"),
    Status.AWAITING_PLEDGEE: gettext_lazy("Sent to the pledgee for confirmation"),
    Status.SUBMITTED: gettext_lazy("Filed with the registration office"),
    Status.PRECHECK: gettext_lazy("The service commissioner started checking the file"),
    Status.NEEDS_CORRECTION: gettext_lazy("Correction requested"),
    Status.CORRECTED: gettext_lazy("Correction reported"),
    Status.ACCEPTED: gettext_lazy("Accepted: the service time started"),
    Status.UNDER_REVIEW: gettext_lazy("Under review"),
    Status.REGISTERED: gettext_lazy("Registered"),
    Status.REFUSED: gettext_lazy("Refused"),
    Status.CHANGED: gettext_lazy("Changed by a later filing"),
    Status.CANCELLED: gettext_lazy("Cancelled"),
    Status.WITHDRAWN: gettext_lazy("Withdrawn"),
}
_ACTION_LABELS = {
    "created": gettext_lazy("Filing started"),
    "edited": gettext_lazy("Filing terms changed"),
    "material_uploaded": gettext_lazy("Document uploaded"),
    "waiver_confirmed": gettext_lazy("Waiver confirmed"),
    "assign": gettext_lazy("Service commissioner assigned"),
    "reassign": gettext_lazy("Service commissioner changed"),
}


# The office's buttons, worded as the step they take.
_MOVE_BUTTONS = {
    Status.SUBMITTED: gettext_lazy("File the window case"),
    Status.PRECHECK: gettext_lazy("Start the precheck"),
    Status.CORRECTED: gettext_lazy("Record the correction as received"),
    Status.ACCEPTED: gettext_lazy("Accept (the service time starts)"),
    Status.UNDER_REVIEW: gettext_lazy("Start the review"),
    Status.REGISTERED: gettext_lazy("Register"),
    Status.REFUSED: gettext_lazy("Refuse"),
    Status.WITHDRAWN: gettext_lazy("Withdraw"),
    Status.DRAFT: gettext_lazy("Return to draft"),
}


def _event_label(event: RegistrationEvent) -> str:
    if event.action == "transition" and event.to_status in _MOVE_LABELS:
        return str(_MOVE_LABELS[event.to_status])
    return str(_ACTION_LABELS.get(event.action, gettext_lazy("Case updated")))


def _expected_completion(registrations, today: date) -> dict[int, date | None]:
    """The due date once the clock runs; before that, today plus the service time (what the public
    due-date calculator would answer), looked up once per IP kind and channel."""
    quotes: dict[tuple[str, str], date | None] = {}
    expected: dict[int, date | None] = {}
    for registration in registrations:
        if registration.due_date or registration.status in FINAL_STATUSES:
            expected[registration.pk] = registration.due_date
            continue
        key = (registration.ip_kind, registration.channel)
        if key not in quotes:
            try:
                found = service_time(year=today.year, ip_kind=key[0], channel=key[1])
            except PolicyError:
                quotes[key] = None
            else:
                add = add_working_days if found.day_basis == DayBasis.WORKING else add_calendar_days_rolled
                quotes[key] = add(today, found.days).due_date
        expected[registration.pk] = quotes[key]
    return expected


@dataclass
class Row:
    registration: PledgeRegistration
    expected: date | None = None
    next_step: str = ""
    badge: str = ""


def _party_rows(registrations, next_steps: dict) -> list[Row]:
    registrations = list(registrations)
    expected = _expected_completion(registrations, timezone.localdate())
    return [
        Row(registration, expected.get(registration.pk), str(next_steps.get(registration.status, "")))
        for registration in registrations
    ]


PARTY_PAGE_SIZE = 50


def _page_number(request) -> int:
    try:
        return max(1, min(int(request.GET.get("page") or 1), 10000))
    except ValueError:
        return 1


def _slice(queryset, page: int, size: int) -> tuple[list, bool]:
    # No COUNT: one row more than the page says whether a next page exists.
    rows = list(queryset[(page - 1) * size : page * size + 1])
    return rows[:size], len(rows) > size


# ---------------------------------------------------------------------------------------------------
# The enterprise


@login_required
@require_GET
def my_filings(request):
    if not _is_enterprise(request.user):
        raise PermissionDenied(_("This page is for enterprises filing a pledge."))
    page = _page_number(request)
    queryset = registration_list(user=request.user).order_by("-created_at", "-id")
    registrations, has_next = _slice(queryset, page, PARTY_PAGE_SIZE)
    return render(
        request,
        "pledges/my_filings.html",
        {"rows": _party_rows(registrations, _NEXT_STEP_PLEDGOR), "page": page, "has_next": has_next},
    )


def _form_errors_from(form, error: PledgeError) -> None:
    errors = getattr(error, "errors", None) or {}
    placed = False
    for field, messages_ in errors.items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _draft_from_form(request, form: FilingForm, pledgor, *, channel: str):
    """Create the draft from a valid filing form; the form gets the service's errors otherwise."""
    data = form.cleaned_data
    try:
        registration = registration_draft_create(
            pledgor=pledgor,
            pledgee=data["pledgee"],
            kind=data["kind"],
            ip_kind=data["ip_kind"],
            channel=channel,
            assets=list(data["assets"]),
            debt_amount=data["debt_amount"],
            debt_start=data["debt_start"],
            debt_end=data["debt_end"],
            original=data.get("original"),
            co_owner_consent=form.consent_map(),
            valued=data["valued"],
            via_agent=data["via_agent"],
            actor=request.user,
        )
    except PledgeError as error:
        _form_errors_from(form, error)
        return None
    messages.success(
        request,
        _("Draft %(reference)s saved. Upload the materials next.") % {"reference": registration.reference},
    )
    return redirect("pledges:registration_detail", pk=registration.pk)


@login_required
@require_http_methods(["GET", "POST"])
def filing_new(request):
    if not _is_enterprise(request.user):
        raise PermissionDenied(_("Only the pledgor enterprise starts a filing online."))
    pledgor = request.user.organisation
    form = FilingForm(request.POST or None, pledgor=pledgor)
    if request.method == "POST" and form.is_valid():
        done = _draft_from_form(request, form, pledgor, channel=form.cleaned_data["channel"])
        if done is not None:
            return done
    return render(request, "pledges/filing_form.html", {"form": form, "registration": None})


@login_required
@require_http_methods(["GET", "POST"])
def window_filing_new(request):
    """The office types in a filing the parties brought to the window: first the pledgor by credit code,
    then the same terms an enterprise enters online; the channel is the window."""
    if not _is_office_staff(request.user):
        raise PermissionDenied(_("Only the registration office enters window filings."))
    lookup = WindowPledgorForm(request.GET or None)
    pledgor = lookup.enterprise() if lookup.is_valid() else None
    form = None
    if pledgor is not None:
        form = FilingForm(request.POST or None, pledgor=pledgor, window=True)
        if request.method == "POST" and form.is_valid():
            done = _draft_from_form(request, form, pledgor, channel=Channel.WINDOW)
            if done is not None:
                return done
    return render(request, "pledges/window_filing.html", {"lookup": lookup, "form": form, "pledgor": pledgor})


@login_required
@require_http_methods(["GET", "POST"])
def filing_edit(request, pk: int):
    registration = registration_get_for_user(user=request.user, pk=pk)
    if registration.status != Status.DRAFT or not acts_as(request.user, registration) & ENTERPRISE_ROLES:
        raise PermissionDenied(_("Only the pledgor edits its filing, and only while it is a draft."))
    links = list(registration.asset_links.all())
    initial = {
        "pledgee": registration.pledgee_id,
        "channel": registration.channel,
        "assets": [link.asset_id for link in links],
        "co_owner_consent": [link.asset_id for link in links if link.co_owner_consent],
        "debt_amount": registration.debt_amount,
        "debt_start": registration.debt_start,
        "debt_end": registration.debt_end,
        "valued": registration.valued,
        "via_agent": registration.via_agent,
    }
    form = FilingForm(
        request.POST or None, initial=initial, pledgor=registration.pledgor, registration=registration
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            registration_draft_update(
                registration=registration,
                pledgee=data["pledgee"],
                channel=data["channel"],
                assets=list(data["assets"]),
                debt_amount=data["debt_amount"],
                debt_start=data["debt_start"],
                debt_end=data["debt_end"],
                co_owner_consent=form.consent_map(),
                valued=data["valued"],
                via_agent=data["via_agent"],
                actor=request.user,
            )
        except PledgeError as error:
            _form_errors_from(form, error)
        else:
            messages.success(request, _("The filing's terms were saved."))
            return redirect("pledges:registration_detail", pk=registration.pk)
    return render(request, "pledges/filing_form.html", {"form": form, "registration": registration})


# ---------------------------------------------------------------------------------------------------
# The pledgee


@login_required
@require_GET
def to_confirm(request):
    if not _is_pledgee(request.user):
        raise PermissionDenied(_("This page is for the pledgee bank or guarantor."))
    waiting = registration_list(user=request.user, filters={"status": Status.AWAITING_PLEDGEE}).order_by(
        "created_at", "id"
    )[:200]
    page = _page_number(request)
    others = (
        registration_list(user=request.user)
        .exclude(status__in=[Status.AWAITING_PLEDGEE, Status.DRAFT])
        .order_by("-created_at", "-id")
    )
    registrations, has_next = _slice(others, page, PARTY_PAGE_SIZE)
    return render(
        request,
        "pledges/to_confirm.html",
        {
            "waiting": _party_rows(waiting, _NEXT_STEP_PLEDGEE),
            "rows": _party_rows(registrations, _NEXT_STEP_PLEDGEE),
            "page": page,
            "has_next": has_next,
        },
    )


# ---------------------------------------------------------------------------------------------------
# The commissioner's workbench


def _office_commissioners(user):
    return list(
        active_commissioners()
        .filter(memberships__organisation=user.organisation, memberships__role=Role.COMMISSIONER)
        .distinct()
        .order_by("full_name", "username")
    )


def _badge(due: date | None, today: date, next_workday: date) -> str:
    if due is None:
        return ""
    if due < today:
        return "overdue"
    if due == today:
        return "due_today"
    if due == next_workday:
        return "due_tomorrow"
    return ""


def workbench_rows(*, user, filters: dict, page: int, page_size: int) -> tuple[list[Row], bool]:
    """One page of the queue: open cases, the commissioner's own (a supervisor's: all), by due date
    then id. The queryset's joins carry everything a row shows, so the page costs the same number of
    queries whatever its size; no COUNT runs over the table."""
    queryset = registration_list(user=user, filters=filters).filter(status__in=OPEN_STATUSES)
    if not _is_supervisor(user):
        queryset = queryset.filter(commissioner=user)
    # Cases not yet accepted have no due date; they come after the clocked ones (the index's order).
    queryset = queryset.order_by(F("due_date").asc(nulls_last=True), "id")
    registrations, has_next = _slice(queryset, page, page_size)
    today = timezone.localdate()
    next_workday = add_working_days(today, 1).due_date  # "tomorrow" is the next working day
    rows = [Row(r, r.due_date, "", _badge(r.due_date, today, next_workday)) for r in registrations]
    return rows, has_next


@login_required
@require_GET
def workbench(request):
    user = request.user
    if not _is_office_staff(user):
        raise PermissionDenied(_("The workbench is for the registration office."))
    supervisor = _is_supervisor(user)
    commissioners = _office_commissioners(user) if supervisor else None
    form = WorkbenchFilterForm(request.GET or None, commissioners=commissioners)
    filters: dict = {}
    page, page_size = 1, WORKBENCH_PAGE_SIZES[0]
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = {key: data.get(key) for key in ("status", "ip_kind", "channel", "commissioner", "search")}
        page = data.get("page") or 1
        page_size = data.get("page_size") or WORKBENCH_PAGE_SIZES[0]
    rows, has_next = workbench_rows(user=user, filters=filters, page=page, page_size=page_size)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "rows": rows,
        "page": page,
        "has_next": has_next,
        "query": query.urlencode(),
        "supervisor": supervisor,
        "reassign_form": ReassignForm(commissioners=commissioners) if supervisor else None,
    }
    template = (
        "pledges/_workbench_table.html"
        if request.htmx and not request.htmx.boosted
        else "pledges/workbench.html"
    )
    return render(request, template, context)


@login_required
@require_POST
def workbench_reassign(request):
    user = request.user
    if not _is_supervisor(user):
        raise PermissionDenied(_("Only the registration supervisor may reassign cases."))
    commissioners = _office_commissioners(user)
    form = ReassignForm(request.POST, commissioners=commissioners)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("pledges:workbench")
    data = form.cleaned_data
    scoped = registration_scope(user=user).filter(pk__in=data["registrations"])
    commissioner = next(c for c in commissioners if c.pk == data["commissioner"])
    try:
        moved = registration_reassign(
            registrations=list(scoped), commissioner=commissioner, actor=user, reason=data["reason"]
        )
    except PledgeError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(count)d cases now with %(name)s.") % {"count": len(moved), "name": commissioner}
        )
    return redirect("pledges:workbench")


# ---------------------------------------------------------------------------------------------------
# The case page


def _checklist_rows(registration: PledgeRegistration) -> list[dict]:
    latest = latest_materials(registration)
    counts: dict[str, int] = {}
    for material in registration.materials.all():
        counts[material.item] = counts.get(material.item, 0) + 1
    return [
        {"item": item, "material": latest.get(item.code), "uploads": counts.get(item.code, 0)}
        for item in applicable_items(registration.kind, registration.ip_kind, case_facts(registration))
    ]


def _finding_rows(registration: PledgeRegistration, user) -> list[dict]:
    findings = precheck(registration, include_waived=True)
    confirmed: dict[str, set[int]] = {}
    for reason, party_id in registration.waivers.values_list("reason", "party_id"):
        confirmed.setdefault(reason, set()).add(party_id)
    roles = acts_as(user, registration)
    my_party = (
        registration.pledgor_id
        if roles & ENTERPRISE_ROLES
        else registration.pledgee_id
        if roles & PLEDGEE_ROLES
        else None
    )
    both = {registration.pledgor_id, registration.pledgee_id}
    rows = []
    for finding in findings:
        parties = confirmed.get(finding.reason_code, set())
        rows.append(
            {
                "finding": finding,
                "waived": finding.waivable and both <= parties,
                "pledgor_confirmed": registration.pledgor_id in parties,
                "pledgee_confirmed": registration.pledgee_id in parties,
                "can_confirm": finding.waivable and my_party is not None and my_party not in parties,
            }
        )
    return rows


# The precheck matters until the office accepts; afterwards the commissioner's ticks do.
_PRECHECK_STATUSES = frozenset(
    {
        Status.DRAFT,
        Status.AWAITING_PLEDGEE,
        Status.SUBMITTED,
        Status.PRECHECK,
        Status.NEEDS_CORRECTION,
        Status.CORRECTED,
    }
)


@login_required
@require_GET
def registration_detail(request, pk: int):
    user = request.user
    registration = registration_get_for_user(user=user, pk=pk)
    roles = acts_as(user, registration)
    office = bool(roles & OFFICE_ROLES)
    pledgor = bool(roles & ENTERPRISE_ROLES)
    pledgee = bool(roles & PLEDGEE_ROLES)
    moves = available_transitions(registration, user)
    checklist = _checklist_rows(registration)
    events = list(registration.events.select_related("actor").order_by("at", "id"))
    correction = next(
        (e for e in reversed(events) if e.action == "transition" and e.to_status == Status.NEEDS_CORRECTION),
        None,
    )
    items = [row["item"] for row in checklist]
    office_moves = [to for to in moves if to != Status.NEEDS_CORRECTION] if office else []
    # The financing case of the loan this registration secures (loans.FinancingCase), if any.
    loan = registration.loans.exclude(case=None).select_related("case").order_by("pk").first()
    context = {
        "registration": registration,
        "financing_case": loan.case if loan else None,
        "assets": registration.asset_links.select_related("asset").prefetch_related("asset__holders"),
        "is_office": office,
        "is_pledgor": pledgor,
        "is_pledgee": pledgee,
        "is_party": pledgor or pledgee,
        "can_download": bool(roles),
        "timeline": [{"event": e, "label": _event_label(e)} for e in events],
        "checklist": checklist,
        "findings": _finding_rows(registration, user) if registration.status in _PRECHECK_STATUSES else [],
        "next_step": (_NEXT_STEP_PLEDGEE if pledgee and not pledgor else _NEXT_STEP_PLEDGOR).get(
            registration.status, ""
        ),
        "can_edit": registration.status == Status.DRAFT and pledgor,
        "can_upload": bool(roles)
        and (registration.status in PARTY_EDITABLE or (office and registration.status in OPEN_STATUSES)),
        "upload_form": MaterialUploadForm(items=items),
        "upload_limit_mb": settings.UPLOAD_MAX_BYTES // (1024 * 1024),
        "can_submit": Status.AWAITING_PLEDGEE in moves or (office and registration.status == Status.DRAFT),
        "can_confirm": pledgee
        and Status.SUBMITTED in moves
        and registration.status == Status.AWAITING_PLEDGEE,
        "can_send_back": pledgee and registration.status == Status.AWAITING_PLEDGEE and Status.DRAFT in moves,
        "can_take_back": pledgor and registration.status == Status.AWAITING_PLEDGEE and Status.DRAFT in moves,
        "can_cure": Status.CORRECTED in moves and registration.status == Status.NEEDS_CORRECTION,
        "can_withdraw": Status.WITHDRAWN in moves,
        "send_back_form": SendBackForm(),
        "cure_form": CureForm(),
        "correction": correction,
        "can_tick": office and registration.status in OPEN_STATUSES,
        "tick_form": MaterialTickForm(),
        "can_request_correction": office and Status.NEEDS_CORRECTION in moves,
        "failing": failing_items(registration) if office and Status.NEEDS_CORRECTION in moves else [],
        "correction_form": CorrectionRequestForm(),
        "office_moves": [{"to": to, "label": _MOVE_BUTTONS.get(to, Status(to).label)} for to in office_moves],
        "refusal_labels": [_refusal_label(code) for code in registration.refusal_reasons or []],
        "move_form": MoveForm(allowed=office_moves) if office_moves else None,
        "contacts": registration.contacts.select_related("by") if office else [],
        "contact_form": ContactLogForm() if office else None,
        "skipped_days": skipped_days_for_reader(registration.due_explanation),
        "clock_running": registration.status in CLOCK_RUNNING,
    }
    return render(request, "pledges/case.html", context)


def _refusal_label(code: str) -> str:
    try:
        return str(RefusalReason(code).label)
    except ValueError:
        return code


def _back(registration_or_pk) -> str:
    pk = getattr(registration_or_pk, "pk", registration_or_pk)
    return reverse("pledges:registration_detail", args=[pk])


def _run(request, registration, call, success: str):
    """Call one service; a refusal is shown on the case page with its reason."""
    try:
        call()
    except PledgeError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)
    return redirect(_back(registration))


@login_required
@require_POST
def material_upload_view(request, pk: int):
    registration = registration_get_for_user(user=request.user, pk=pk)
    # Refuse an oversize body before Django reads it into memory or a temporary file.
    length = request.META.get("CONTENT_LENGTH") or ""
    declared = int(length) if length.isdigit() else 0
    if declared > settings.UPLOAD_MAX_BYTES + 64 * 1024:
        messages.error(
            request,
            _("The file is larger than the limit of %(limit)s MB.")
            % {"limit": settings.UPLOAD_MAX_BYTES // (1024 * 1024)},
        )
        return redirect(_back(registration))
    items = applicable_items(registration.kind, registration.ip_kind, case_facts(registration))
    form = MaterialUploadForm(request.POST, request.FILES, items=items)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(_back(registration))
    return _run(
        request,
        registration,
        lambda: material_upload(
            registration=registration,
            item=form.cleaned_data["item"],
            uploaded_file=form.cleaned_data["file"],
            actor=request.user,
        ),
        _("Document uploaded."),
    )


def _material_for_user(user, pk: int) -> tuple[Material, PledgeRegistration]:
    material = Material.objects.filter(pk=pk).only("id", "registration_id").first()
    if material is None:
        raise Http404
    registration = registration_get_for_user(user=user, pk=material.registration_id)
    return Material.objects.select_related("registration").get(pk=material.pk), registration


def content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    name = safe_file_name(name)
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@login_required
@require_GET
def material_download(request, pk: int):
    material, registration = _material_for_user(request.user, pk)
    # The joint office and the bureau may follow a case, but its documents are for the parties and
    # the office that works it.
    if not acts_as(request.user, registration):
        raise PermissionDenied(_("Only the parties and the registration office may open case documents."))
    material_download_recorded(material=material, actor=request.user)
    response = FileResponse(material.file.open("rb"), content_type=material.content_type)
    response["Content-Disposition"] = content_disposition(material.original_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def material_tick_view(request, pk: int):
    material, registration = _material_for_user(request.user, pk)
    form = MaterialTickForm(request.POST)
    error_message = ""
    if form.is_valid():
        try:
            material = material_tick(
                material=material,
                accepted=form.cleaned_data["accepted"],
                comment=form.cleaned_data["comment"],
                actor=request.user,
            )
        except PledgeError as error:
            error_message = error.message
    else:
        error_message = _("Choose fine or needs correction.")
    if request.htmx:
        return render(
            request,
            "pledges/_tick.html",
            {"material": material, "tick_form": MaterialTickForm(), "error": error_message, "can_tick": True},
        )
    if error_message:
        messages.error(request, error_message)
    else:
        messages.success(request, _("Document checked."))
    return redirect(_back(registration))


@login_required
@require_POST
def submit_view(request, pk: int):
    registration = registration_get_for_user(user=request.user, pk=pk)
    return _run(
        request,
        registration,
        lambda: registration_submit(registration=registration, actor=request.user),
        _("The filing was submitted."),
    )


@login_required
@require_POST
def confirm_view(request, pk: int):
    registration = registration_get_for_user(user=request.user, pk=pk)
    return _run(
        request,
        registration,
        lambda: registration_confirm(registration=registration, actor=request.user),
        _("Confirmed: the filing went to the registration office."),
    )


def _first_error(form) -> str:
    return next((str(error) for errors in form.errors.values() for error in errors), _("Check the form."))


def _form_action(request, pk: int, form_class, call, success: str):
    """A POST from the case page: scope the case, parse the form, call one service with the case and
    the cleaned data, and come back to the case with a message."""
    registration = registration_get_for_user(user=request.user, pk=pk)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_back(registration))
    return _run(request, registration, lambda: call(registration, form.cleaned_data), success)


@login_required
@require_POST
def send_back_view(request, pk: int):
    return _form_action(
        request,
        pk,
        SendBackForm,
        lambda registration, data: registration_send_back(
            registration=registration, reason=data["reason"], actor=request.user
        ),
        _("The filing went back to the enterprise."),
    )


@login_required
@require_POST
def party_move_view(request, pk: int):
    """The parties' plain moves: take a filing back to draft, or withdraw it."""
    registration = registration_get_for_user(user=request.user, pk=pk)
    to = request.POST.get("to", "")
    if to not in (Status.DRAFT, Status.WITHDRAWN):
        messages.error(request, _("Choose a step shown on the page."))
        return redirect(_back(registration))
    return _run(
        request,
        registration,
        lambda: registration_transition(
            registration=registration, to=to, actor=request.user, reason=request.POST.get("reason", "")[:2000]
        ),
        _("Done."),
    )


@login_required
@require_POST
def waiver_view(request, pk: int):
    return _form_action(
        request,
        pk,
        WaiverForm,
        lambda registration, data: waiver_confirm(
            registration=registration, reason=data["reason"], actor=request.user
        ),
        _("Your confirmation was recorded."),
    )


@login_required
@require_POST
def cure_view(request, pk: int):
    registration = registration_get_for_user(user=request.user, pk=pk)
    form = CureForm(request.POST)
    form.is_valid()
    return _run(
        request,
        registration,
        lambda: correction_cure(
            registration=registration, note=form.cleaned_data.get("note", ""), actor=request.user
        ),
        _("The correction was reported to the commissioner."),
    )


@login_required
@require_POST
def correction_view(request, pk: int):
    return _form_action(
        request,
        pk,
        CorrectionRequestForm,
        lambda registration, data: correction_request(
            registration=registration, note=data["note"], actor=request.user
        ),
        _("The parties were asked to correct the failing items."),
    )


@login_required
@require_POST
def contact_view(request, pk: int):
    return _form_action(
        request,
        pk,
        ContactLogForm,
        lambda registration, data: contact_log_add(
            registration=registration, kind=data["kind"], note=data["note"], actor=request.user
        ),
        _("Contact recorded."),
    )


@login_required
@require_POST
def move_view(request, pk: int):
    """An office move (start the precheck, accept, start the review, register, refuse, ...)."""
    registration = registration_get_for_user(user=request.user, pk=pk)
    allowed = [
        to for to in available_transitions(registration, request.user) if to != Status.NEEDS_CORRECTION
    ]
    if not acts_as(request.user, registration) & OFFICE_ROLES:
        raise PermissionDenied(_("Only the registration office makes this step."))
    form = MoveForm(request.POST, allowed=allowed)
    if not form.is_valid():
        messages.error(request, _first_error(form))
        return redirect(_back(registration))
    return _run(
        request,
        registration,
        lambda: registration_office_move(
            registration=registration,
            to=form.cleaned_data["to"],
            actor=request.user,
            reason=form.cleaned_data["reason"],
            details=form.details(),
        ),
        _("The case is now: %(status)s.") % {"status": Status(form.cleaned_data["to"]).label},
    )


@login_required
@require_GET
def on_time_stats_view(request):
    """On-time completion per commissioner, office, channel, IP kind or month (the service promise, measured)."""
    allowed, reason = can_view_on_time_stats(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    form = OnTimeStatsForm(request.GET or None)
    rows = []
    group_by = "commissioner"
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        group_by = data.get("group_by") or "commissioner"
        filters = {
            key: data.get(key) for key in ("date_from", "date_to", "ip_kind", "channel") if data.get(key)
        }
        rows = on_time_stats(group_by=group_by, filters=filters, user=request.user)
    return render(request, "pledges/on_time_stats.html", {"form": form, "rows": rows, "group_by": group_by})
