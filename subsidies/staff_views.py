"""Pages of the IP bureau and the finance bureau for subsidies (issue 6): batches (settings, parameter
versions and corrections, the checklist, clone and diff), the reviewers' queue and review page, the
public notice and its objections, payment lists and the batch report; plus the public notice page.

A view checks the role (403), finds the object in the user's scope (404), parses a form and calls one
service; a refusal re-renders the page with status 400 and the input kept."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.api import PublicThrottle
from portal.audit.models import AuditAction
from portal.audit.services import audit_record
from portal.tabular import XLSX_CONTENT_TYPE, download, formula_safe
from portal.workdays.services import is_workday
from subsidies import checklists, payments, reports, review
from subsidies import parameters as params
from subsidies.applications import required_items
from subsidies.batches import (
    batch_clone,
    batch_create,
    batch_diff,
    batch_parameters_correct,
    batch_transition,
    batch_update,
    current_parameters,
    open_application_count,
)
from subsidies.compute import explain_reasons
from subsidies.errors import SubsidyError, SubsidyNotAllowed
from subsidies.models import (
    BATCH_TRANSITIONS,
    RESERVING_STATUSES,
    Application,
    ApplicationStatus,
    Batch,
    BatchStatus,
    ChecklistItem,
    LoanLine,
    Material,
    Objection,
    ObjectionStatus,
)
from subsidies.permissions import (
    application_scope,
    batch_scope,
    get_in_scope,
    is_batch_manager,
    is_finance,
    is_oversight,
    is_reviewer,
    payment_list_scope,
)
from subsidies.staff_forms import (
    BatchForm,
    ChecklistItemForm,
    CorrectionForm,
    DecideForm,
    MarkPaidForm,
    MaterialCheckForm,
    MoveForm,
    ObjectionLodgeForm,
    ObjectionResolveForm,
    ParameterCorrectionForm,
    ProposeForm,
    QueueFilterForm,
    ReasonForm,
    TransitionForm,
)

_S = ApplicationStatus
PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 50

BATCH_ACTIONS = {
    "created": gettext_lazy("Created"),
    "cloned": gettext_lazy("Cloned from an earlier batch"),
    "edited": gettext_lazy("Settings edited"),
    "parameters_corrected": gettext_lazy("Parameters corrected"),
    "checklist_added": gettext_lazy("Checklist item added"),
    "checklist_edited": gettext_lazy("Checklist item edited"),
    "checklist_deleted": gettext_lazy("Checklist item deleted"),
    "checklist_reordered": gettext_lazy("Checklist reordered"),
}
APPLICATION_ACTIONS = {
    "opened": gettext_lazy("Opened"),
    "material_uploaded": gettext_lazy("Material uploaded"),
    "material_checked": gettext_lazy("Material checked"),
    "loan_added": gettext_lazy("Loan added"),
    "loan_entered": gettext_lazy("Loan entered"),
    "loan_corrected": gettext_lazy("Loan corrected"),
    "loan_removed": gettext_lazy("Loan removed"),
    "loan_confirmed": gettext_lazy("Loan figures confirmed by the bank"),
    "fee_added": gettext_lazy("Fee added"),
    "fee_removed": gettext_lazy("Fee removed"),
    "objection_lodged": gettext_lazy("Objection lodged"),
    "recomputed": gettext_lazy("Recomputed under corrected parameters"),
}


def batch_event_rows(batch: Batch) -> list[dict]:
    labels = dict(BatchStatus.choices)
    rows = []
    for event in batch.events.select_related("actor"):
        if event.action == "transition":
            what = f"{labels.get(event.from_status, '—')} → {labels.get(event.to_status, event.to_status)}"
        else:
            what = str(BATCH_ACTIONS.get(event.action, event.action))
        rows.append({"event": event, "what": what, "item": event.details.get("item", "")})
    return rows


def application_event_rows(application: Application) -> list[dict]:
    rows = []
    for event in application.events.select_related("actor").order_by("at", "pk"):
        if event.action == "transition":
            what = f"{event.get_from_status_display() or '—'} → {event.get_to_status_display()}"
        else:
            what = str(APPLICATION_ACTIONS.get(event.action, event.action))
        details = event.details or {}
        extra = details.get("item") or details.get("contract") or details.get("invoice") or ""
        if details.get("note"):
            extra = f"{extra}: {details['note']}"
        if event.action == "recomputed" and details.get("calculated"):
            extra = " → ".join(details["calculated"])
        rows.append({"event": event, "what": what, "extra": extra})
    return rows


# --- Who may open which page ---------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _oversight(request) -> None:
    _require(is_oversight(request.user), _("Only the IP bureau, the finance bureau and the joint office."))


def _manager(request) -> None:
    _require(
        is_batch_manager(request.user),
        _("Only the IP bureau's reviewers and promotion officers manage subsidy batches."),
    )


def _reviewer(request) -> None:
    _require(is_reviewer(request.user), _("Only the IP bureau's reviewers review subsidy applications."))


def _finance(request) -> None:
    _require(is_finance(request.user), _("Only the finance bureau's officers handle payment lists."))


def _refused(request, error: SubsidyError, form=None) -> None:
    """A service's refusal: 403 for a rule of who may act, else its messages on the form (or page)."""
    if isinstance(error, SubsidyNotAllowed):
        raise PermissionDenied(error.message)
    if form is None:
        messages.error(request, error.message)
        return
    placed = False
    for name, field_errors in error.errors.items():
        if name in form.fields:
            form.add_error(name, list(field_errors))
            placed = True
    if not placed:
        form.add_error(None, error.message)


def _batch(request, pk: int) -> Batch:
    return get_in_scope(batch_scope(request.user).select_related("parameter_set", "cloned_from"), pk)


# --- Batches -------------------------------------------------------------------------------------------


@login_required
@require_GET
def batch_list(request):
    _oversight(request)
    batches = (
        batch_scope(request.user)
        .annotate(
            application_count=Count(
                "applications", filter=~Q(applications__status__in=[_S.DRAFT, _S.WITHDRAWN])
            ),
            waiting_count=Count(
                "applications",
                filter=Q(applications__status__in=[_S.SUBMITTED, _S.UNDER_REVIEW, _S.PROPOSED]),
            ),
            approved_count=Count("applications", filter=Q(applications__status__in=RESERVING_STATUSES)),
        )
        .order_by("-year", "-pk")  # a GROUP BY drops Meta.ordering
    )
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "subsidies/staff/batch_list.html",
        {"page": page, "can_manage": is_batch_manager(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_create_view(request):
    _manager(request)
    form = BatchForm(
        request.POST or None, initial={"year": timezone.localdate().year, "publicity_working_days": 5}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = batch_create(actor=request.user, values=form.cleaned_data)
            except SubsidyError as error:
                _refused(request, error, form)
            else:
                messages.success(request, _("Draft batch “%(title)s” created.") % {"title": batch.title})
                return redirect("subsidies:batch-detail", batch.pk)
        return render(request, "subsidies/staff/batch_form.html", {"form": form}, status=400)
    return render(request, "subsidies/staff/batch_form.html", {"form": form})


def _versions(batch: Batch) -> list[dict]:
    """Every parameter version, newest first, with the fields it changed against the one before."""
    versions = list(batch.parameter_versions.select_related("created_by").order_by("version"))
    rows = []
    previous = None
    for version in versions:
        changed = [
            {
                "label": params.label(name),
                "before": params.display(name, previous.values.get(name)),
                "after": params.display(name, version.values.get(name)),
            }
            for name in params.PARAMETER_FIELDS
            if previous is not None and previous.values.get(name) != version.values.get(name)
        ]
        rows.append({"version": version, "changed": changed})
        previous = version
    return list(reversed(rows))


def _transitions(batch: Batch, user) -> list[tuple[str, str]]:
    return [
        (to, BatchStatus(to).label)
        for to, roles in BATCH_TRANSITIONS.get(batch.status, {}).items()
        if is_batch_manager(user) and user.role in roles
    ]


def _detail(request, batch: Batch, *, adopt_form=None, status=200):
    user = request.user
    current = current_parameters(batch)
    year_rows = params.diff(current.values, params.snapshot(batch.parameter_set))
    counts = dict(batch.applications.order_by().values_list("status").annotate(n=Count("pk")))
    publicities = batch.publicities.annotate(
        on_notice=Count("applications", distinct=True),
        open_objections=Count("objections", filter=Q(objections__status=ObjectionStatus.OPEN), distinct=True),
    ).order_by("-starts_on", "-pk")
    context = {
        "batch": batch,
        "current": current,
        "current_rows": [
            {"label": params.label(name), "value": params.display(name, current.values.get(name))}
            for name in params.PARAMETER_FIELDS
        ],
        "versions": _versions(batch),
        "year_rows": year_rows,
        "year_differs": any(row["changed"] for row in year_rows),
        "checklist": batch.checklist.all(),
        "counts": [
            {"status": value, "label": label, "count": counts[value]}
            for value, label in ApplicationStatus.choices
            if counts.get(value)
        ],
        "open_count": open_application_count(batch),
        "approved_waiting": counts.get(_S.APPROVED, 0),
        "publicised_waiting": counts.get(_S.PUBLICISED, 0),
        "publicities": publicities,
        "payment_lists": batch.payment_lists.all(),
        "events": batch_event_rows(batch),
        "can_manage": is_batch_manager(user),
        "can_review": is_reviewer(user),
        "can_pay": is_finance(user),
        "transitions": _transitions(batch, user),
        "adopt_form": adopt_form or ReasonForm(prefix="adopt"),
        "clone_of": batch.cloned_from,
    }
    return render(request, "subsidies/staff/batch_detail.html", context, status=status)


@login_required
@require_GET
def batch_detail(request, pk: int):
    _oversight(request)
    return _detail(request, _batch(request, pk))


@login_required
@require_http_methods(["GET", "POST"])
def batch_edit(request, pk: int):
    _manager(request)
    batch = _batch(request, pk)
    form = BatchForm.for_batch(batch, request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                batch_update(batch=batch, actor=request.user, values=form.cleaned_data)
            except SubsidyError as error:
                _refused(request, error, form)
            else:
                messages.success(request, _("The batch is saved."))
                return redirect("subsidies:batch-detail", batch.pk)
        return render(request, "subsidies/staff/batch_form.html", {"form": form, "batch": batch}, status=400)
    return render(request, "subsidies/staff/batch_form.html", {"form": form, "batch": batch})


@login_required
@require_POST
def batch_transition_view(request, pk: int):
    _manager(request)
    batch = _batch(request, pk)
    form = TransitionForm(request.POST, choices=BatchStatus.choices)
    if not form.is_valid():
        messages.error(request, _("Choose publish or archive."))
        return _detail(request, batch, status=400)
    try:
        batch = batch_transition(
            batch=batch, actor=request.user, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
        )
    except SubsidyError as error:
        _refused(request, error)
        return _detail(request, batch, status=400)
    messages.success(request, _("The batch is now %(status)s.") % {"status": batch.get_status_display()})
    return redirect("subsidies:batch-detail", batch.pk)


@login_required
@require_POST
def batch_clone_view(request, pk: int):
    _manager(request)
    source = _batch(request, pk)
    try:
        clone = batch_clone(source=source, actor=request.user)
    except SubsidyError as error:
        _refused(request, error)
        return _detail(request, source, status=400)
    messages.success(
        request,
        _("Draft “%(title)s” created from last year's batch: check what changed.") % {"title": clone.title},
    )
    return redirect("subsidies:batch-diff", clone.pk)


@login_required
@require_GET
def batch_diff_view(request, pk: int):
    _oversight(request)
    batch = _batch(request, pk)
    if batch.cloned_from is None:
        raise Http404
    left = get_in_scope(batch_scope(request.user), batch.cloned_from_id)
    return render(
        request,
        "subsidies/staff/batch_diff.html",
        {"batch": batch, "left": left, "diff": batch_diff(left, batch)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def batch_correct(request, pk: int):
    _manager(request)
    batch = _batch(request, pk)
    current = current_parameters(batch)
    form = ParameterCorrectionForm(request.POST or None, current=current.values)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                version = batch_parameters_correct(
                    batch=batch,
                    actor=request.user,
                    changes=form.changes(),
                    reason=form.cleaned_data["reason"],
                )
            except SubsidyError as error:
                _refused(request, error, form)
            else:
                messages.success(
                    request,
                    _("Parameter version %(version)s saved; the open applications are being recomputed.")
                    % {"version": version.version},
                )
                return redirect("subsidies:batch-detail", batch.pk)
        status = 400
    context = {"batch": batch, "current": current, "form": form, "open_count": open_application_count(batch)}
    return render(request, "subsidies/staff/batch_correct.html", context, status=status)


@login_required
@require_POST
def batch_adopt_year(request, pk: int):
    """The year's policy parameter set changed after the batch froze it: take its values as a correction."""
    _manager(request)
    batch = _batch(request, pk)
    form = ReasonForm(request.POST, prefix="adopt")
    if form.is_valid():
        try:
            version = batch_parameters_correct(
                batch=batch,
                actor=request.user,
                changes=params.snapshot(batch.parameter_set),
                reason=form.cleaned_data["reason"],
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            messages.success(
                request,
                _(
                    "The year's parameters are adopted as version %(version)s; open applications are recomputed."
                )
                % {"version": version.version},
            )
            return redirect("subsidies:batch-detail", batch.pk)
    return _detail(request, batch, adopt_form=form, status=400)


# --- The checklist of a draft batch -----------------------------------------------------------------


def _item(batch: Batch, item_pk: int) -> ChecklistItem:
    return get_object_or_404(ChecklistItem, pk=item_pk, batch=batch)


def _item_values(form) -> dict:
    return {
        name: form.cleaned_data[name]
        for name in ("title", "scope", "needs_signature", "needs_seal", "needs_colour_scan")
    }


@login_required
@require_http_methods(["GET", "POST"])
def checklist_add(request, pk: int):
    _manager(request)
    batch = _batch(request, pk)
    form = ChecklistItemForm(
        request.POST or None, request.FILES or None, initial={"needs_colour_scan": True, "needs_seal": True}
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                checklists.checklist_item_add(
                    batch=batch,
                    actor=request.user,
                    values=_item_values(form),
                    template=form.cleaned_data["template"],
                )
            except SubsidyError as error:
                _refused(request, error, form)
            else:
                messages.success(request, _("The material is added to the checklist."))
                return redirect("subsidies:batch-detail", batch.pk)
        return render(
            request, "subsidies/staff/checklist_form.html", {"batch": batch, "form": form}, status=400
        )
    return render(request, "subsidies/staff/checklist_form.html", {"batch": batch, "form": form})


@login_required
@require_http_methods(["GET", "POST"])
def checklist_edit(request, pk: int, item_pk: int):
    _manager(request)
    batch = _batch(request, pk)
    item = _item(batch, item_pk)
    form = ChecklistItemForm(request.POST or None, request.FILES or None, item=item)
    context = {"batch": batch, "form": form, "item": item}
    if request.method == "POST":
        if form.is_valid():
            try:
                checklists.checklist_item_update(
                    item=item,
                    actor=request.user,
                    values=_item_values(form),
                    template=form.cleaned_data["template"],
                    remove_template=form.cleaned_data.get("remove_template", False),
                )
            except SubsidyError as error:
                _refused(request, error, form)
            else:
                messages.success(request, _("The checklist item is saved."))
                return redirect("subsidies:batch-detail", batch.pk)
        return render(request, "subsidies/staff/checklist_form.html", context, status=400)
    return render(request, "subsidies/staff/checklist_form.html", context)


@login_required
@require_POST
def checklist_delete(request, pk: int, item_pk: int):
    _manager(request)
    batch = _batch(request, pk)
    item = _item(batch, item_pk)
    try:
        checklists.checklist_item_delete(item=item, actor=request.user)
    except SubsidyError as error:
        _refused(request, error)
        return _detail(request, batch, status=400)
    messages.success(request, _("“%(title)s” is removed from the checklist.") % {"title": item.title})
    return redirect("subsidies:batch-detail", batch.pk)


@login_required
@require_POST
def checklist_move(request, pk: int, item_pk: int):
    _manager(request)
    batch = _batch(request, pk)
    item = _item(batch, item_pk)
    form = MoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Move an item up or down."))
        return _detail(request, batch, status=400)
    try:
        checklists.checklist_item_move(
            item=item, actor=request.user, direction=form.cleaned_data["direction"]
        )
    except SubsidyError as error:
        _refused(request, error)
        return _detail(request, batch, status=400)
    return redirect("subsidies:batch-detail", batch.pk)


def _attachment(file_field, *, name: str, content_type: str) -> FileResponse:
    response = FileResponse(file_field.open("rb"), content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, name or "document")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def checklist_template(request, pk: int, item_pk: int):
    """A checklist item's template: for anyone signed in who may see the batch (drafts: staff only)."""
    batch = _batch(request, pk)
    item = _item(batch, item_pk)
    if not item.template:
        raise Http404
    return _attachment(
        item.template, name=item.template_name, content_type=checklists.template_content_type(item)
    )


# --- Review ------------------------------------------------------------------------------------------


def working_days_since(starts, today) -> dict:
    """Working days from each start day to ``today`` (the start day itself not counted), one calendar
    walk for all of them."""
    days = sorted({start for start in starts if start is not None and start <= today})
    if not days:
        return {}
    counts = {}
    count = 0
    day = days[0]
    walked = {day: 0}
    while day < today:
        day += timedelta(days=1)
        if is_workday(day):
            count += 1
        walked[day] = count
    for start in days:
        counts[start] = count - walked[start]
    return counts


@login_required
@require_GET
def review_queue(request):
    _reviewer(request)
    filters = QueueFilterForm(request.GET or None)
    statuses = filters.statuses()
    applications = (
        application_scope(request.user)
        .filter(status__in=statuses)
        .select_related("enterprise", "batch", "first_reviewer")
        .annotate(
            district_flag=Exists(LoanLine.objects.filter(application=OuterRef("pk"), district_programme=True))
        )
        .order_by("review_clock_started_at", "pk")
    )
    if filters.is_valid() and filters.cleaned_data["batch"]:
        applications = applications.filter(batch=filters.cleaned_data["batch"])
    page = Paginator(applications, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    starts = {
        application.pk: timezone.localdate(application.review_clock_started_at)
        for application in page
        if application.review_clock_started_at
    }
    elapsed = working_days_since(starts.values(), today)
    rows = [
        {"application": application, "days": elapsed.get(starts.get(application.pk))} for application in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "subsidies/staff/review_queue.html",
        {"filters": filters, "page": page, "rows": rows, "statuses": statuses, "query": query.urlencode()},
    )


def _application(request, pk: int) -> Application:
    return get_in_scope(
        application_scope(request.user).select_related(
            "enterprise",
            "enterprise__enterprise_profile__park",
            "batch",
            "parameters",
            "first_reviewer",
            "second_reviewer",
        ),
        pk,
    )


def _review(request, application: Application, *, status=200, **forms):
    user = request.user
    is_first = application.first_reviewer_id == user.pk
    materials = list(application.materials.select_related("item").order_by("item__position", "pk"))
    uploaded = {material.item_id for material in materials}
    check_forms = forms.pop("check_forms", {})
    material_rows = [
        {
            "material": material,
            "form": check_forms.get(material.pk)
            or MaterialCheckForm(
                prefix=f"m{material.pk}", initial={"verdict": material.verdict, "note": material.note}
            ),
        }
        for material in materials
    ]
    lines = list(application.loan_lines.select_related("bank", "loan").order_by("pk"))
    explain_reasons(application, lines)
    batch = Batch.objects.get(pk=application.batch_id)  # the remaining budget as it is now
    context = {
        "application": application,
        "batch": batch,
        "lines": lines,
        "fees": application.fee_lines.order_by("pk"),
        "parameter_rows": [
            {
                "label": params.label(name),
                "value": params.display(name, application.parameters.values.get(name)),
            }
            for name in params.PARAMETER_FIELDS
        ],
        "material_rows": material_rows,
        "missing_items": [item for item in required_items(application) if item.pk not in uploaded],
        "events": application_event_rows(application),
        "is_first": is_first,
        "can_start": application.status == _S.SUBMITTED,
        "can_check": application.status == _S.UNDER_REVIEW and is_first,
        "can_decide": application.status == _S.PROPOSED and not is_first,
        "correction_form": forms.get("correction_form") or CorrectionForm(),
        "propose_form": forms.get("propose_form") or ProposeForm(initial={"amount": application.calculated}),
        "decide_form": forms.get("decide_form") or DecideForm(),
        "objections": application.objections.order_by("-lodged_at"),
    }
    return render(request, "subsidies/staff/review_detail.html", context, status=status)


@login_required
@require_GET
def review_detail(request, pk: int):
    _reviewer(request)
    return _review(request, _application(request, pk))


@login_required
@require_POST
def review_start(request, pk: int):
    _reviewer(request)
    application = _application(request, pk)
    try:
        review.review_start(application=application, actor=request.user)
    except SubsidyError as error:
        _refused(request, error)
        return _review(request, application, status=400)
    messages.success(request, _("You are reviewing %(ref)s.") % {"ref": application.reference})
    return redirect("subsidies:review-detail", application.pk)


@login_required
@require_POST
def material_check(request, pk: int, material_pk: int):
    _reviewer(request)
    application = _application(request, pk)
    material = get_object_or_404(Material, pk=material_pk, application=application)
    form = MaterialCheckForm(request.POST, prefix=f"m{material.pk}")
    if form.is_valid():
        try:
            review.material_check(
                material=material,
                actor=request.user,
                verdict=form.cleaned_data["verdict"],
                note_text=form.cleaned_data["note"],
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            return redirect("subsidies:review-detail", application.pk)
    return _review(request, application, check_forms={material.pk: form}, status=400)


@login_required
@require_POST
def review_correction(request, pk: int):
    _reviewer(request)
    application = _application(request, pk)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            review.correction_request(
                application=application, actor=request.user, message=form.cleaned_data["message"]
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            messages.success(request, _("The enterprise is asked to correct the items listed."))
            return redirect("subsidies:review-detail", application.pk)
    return _review(request, application, correction_form=form, status=400)


@login_required
@require_POST
def review_propose(request, pk: int):
    _reviewer(request)
    application = _application(request, pk)
    form = ProposeForm(request.POST)
    if form.is_valid():
        try:
            review.review_propose(
                application=application,
                actor=request.user,
                outcome=form.cleaned_data["outcome"],
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            messages.success(request, _("Proposed: a second reviewer decides."))
            return redirect("subsidies:review-detail", application.pk)
    return _review(request, application, propose_form=form, status=400)


@login_required
@require_POST
def review_decide(request, pk: int):
    _reviewer(request)
    application = _application(request, pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            decided = review.review_decide(
                application=application,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            messages.success(
                request,
                _("Application %(ref)s: %(status)s.")
                % {"ref": decided.reference, "status": decided.get_status_display()},
            )
            return redirect("subsidies:review-detail", application.pk)
    return _review(request, application, decide_form=form, status=400)


# --- Publicity and objections -------------------------------------------------------------------------


@login_required
@require_POST
def publicity_start(request, pk: int):
    _manager(request)
    batch = _batch(request, pk)
    try:
        publicity = payments.publicity_start(batch=batch, actor=request.user)
    except SubsidyError as error:
        _refused(request, error)
        return _detail(request, batch, status=400)
    messages.success(
        request,
        _("%(count)s applications are on public notice until %(day)s.")
        % {"count": publicity.applications.count(), "day": publicity.ends_on},
    )
    return redirect("subsidies:batch-detail", batch.pk)


@login_required
@require_POST
def publicity_close_due(request, pk: int):
    """What the daily job does, now: notices whose period ended pass their unopposed applications on."""
    _manager(request)
    batch = _batch(request, pk)
    moved = payments.publicity_close_due()
    messages.success(
        request, _("%(count)s applications passed publicity and wait for payment.") % {"count": moved}
    )
    return redirect("subsidies:batch-detail", batch.pk)


def _objections(request, batch: Batch, *, forms=None, status=200):
    forms = forms or {}
    objections = (
        Objection.objects.filter(publicity__batch=batch)
        .select_related("application__enterprise", "publicity", "resolved_by")
        .order_by("-lodged_at", "-pk")
    )
    rows = [
        {
            "objection": objection,
            "form": (
                (forms.get(objection.pk) or ObjectionResolveForm(prefix=f"o{objection.pk}"))
                if objection.status == ObjectionStatus.OPEN
                else None
            ),
        }
        for objection in objections
    ]
    return render(
        request,
        "subsidies/staff/objections.html",
        {"batch": batch, "rows": rows, "can_manage": is_batch_manager(request.user)},
        status=status,
    )


@login_required
@require_GET
def objection_list(request, pk: int):
    _reviewer(request)
    return _objections(request, _batch(request, pk))


@login_required
@require_POST
def objection_resolve(request, pk: int):
    _reviewer(request)
    objection = get_object_or_404(Objection.objects.select_related("publicity"), pk=pk)
    batch = _batch(request, objection.publicity.batch_id)
    form = ObjectionResolveForm(request.POST, prefix=f"o{objection.pk}")
    if form.is_valid():
        try:
            payments.objection_resolve(
                objection=objection,
                actor=request.user,
                upheld=form.cleaned_data["outcome"] == "upheld",
                resolution=form.cleaned_data["resolution"],
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            messages.success(request, _("The objection is resolved."))
            return redirect("subsidies:objection-list", batch.pk)
    return _objections(request, batch, forms={objection.pk: form}, status=400)


# --- The public notice (no login) ---------------------------------------------------------------------


class ObjectionThrottle(PublicThrottle):
    """Objections per client address: the form is public, so a script must not flood the reviewers."""

    scope = "subsidy_objection"  # the rate: SUBSIDY_OBJECTION_THROTTLE (portal/settings.py)


def _notices(request, *, bound=None, status=200):
    today = timezone.localdate()
    notices = []
    for publicity in payments.publicity_running(today).order_by("starts_on", "pk"):
        # Only what is on notice: an application an upheld objection sent back has no amount to show.
        shown = list(
            publicity.applications.filter(
                status__in=[_S.PUBLICITY, _S.PUBLICISED], approved_amount__isnull=False
            )
            .select_related("enterprise")
            .order_by("pk")
        )
        objectable = [application for application in shown if application.status == _S.PUBLICITY]
        taking = publicity.starts_on <= today <= publicity.ends_on and bool(objectable)
        form = None
        if taking:
            form = (
                bound[1]
                if bound and bound[0] == publicity.pk
                else ObjectionLodgeForm(prefix=f"n{publicity.pk}", applications=objectable)
            )
        notices.append({"publicity": publicity, "applications": shown, "form": form})
    return render(request, "subsidies/public/notice.html", {"notices": notices}, status=status)


@require_GET
def public_notice(request):
    return _notices(request)


@require_POST
def objection_lodge(request, pk: int):
    throttle = ObjectionThrottle()
    if not throttle.allow_request(request, None):
        messages.error(request, _("Too many objections from your address; try again later."))
        response = _notices(request, status=429)
        response["Retry-After"] = str(int(throttle.wait() or 60))
        return response
    publicity = payments.publicity_running().filter(pk=pk).first()
    if publicity is None:
        raise Http404
    applications = list(
        publicity.applications.filter(status=_S.PUBLICITY).select_related("enterprise").order_by("pk")
    )
    form = ObjectionLodgeForm(request.POST, prefix=f"n{publicity.pk}", applications=applications)
    if form.is_valid():
        application = next(a for a in applications if a.pk == form.cleaned_data["application"])
        try:
            payments.objection_lodge(
                publicity=publicity,
                application=application,
                name=form.cleaned_data["name"],
                contact=form.cleaned_data["contact"],
                text=form.cleaned_data["text"],
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            messages.success(
                request, _("Your objection is lodged; the IP bureau resolves it before any payment.")
            )
            return redirect("subsidies:public-notice")
    return _notices(request, bound=(publicity.pk, form), status=400)


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
        return _detail(request, batch, status=400)
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
        sheet.cell(row=sheet.max_row, column=len(PAYMENT_COLUMNS)).number_format = reports.MONEY_FORMAT
    total = sum((row["amount"] or 0 for row in rows), reports.ZERO)
    sheet.append([str(_("Total")), "", "", "", "", "", total])
    for cell in sheet[sheet.max_row]:
        cell.font = bold
    sheet.cell(row=sheet.max_row, column=len(PAYMENT_COLUMNS)).number_format = reports.MONEY_FORMAT
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
