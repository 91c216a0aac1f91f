"""The IP bureau's pages of subsidy batches (issue 6): settings, parameter versions and corrections,
the materials checklist of a draft, clone from last year and the side-by-side diff.

A view checks the role (403), finds the object in the user's scope (404), parses a form and calls one
service; a refusal re-renders the page with status 400 and the input kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from subsidies import checklists, presenters
from subsidies import parameters as params
from subsidies.batches import (
    batch_budget_allocate,
    batch_clone,
    batch_create,
    batch_diff,
    batch_parameters_correct,
    batch_recompute_restart,
    batch_transition,
    batch_update,
    current_parameters,
    open_application_count,
    recompute_progress,
)
from subsidies.errors import SubsidyError
from subsidies.models import (
    BATCH_TRANSITIONS,
    RESERVING_STATUSES,
    ApplicationStatus,
    Batch,
    BatchStatus,
    ChecklistItem,
    ObjectionStatus,
)
from subsidies.permissions import (
    batch_scope,
    get_in_scope,
    is_batch_manager,
    is_finance,
    is_reviewer,
)
from subsidies.staff_forms import (
    BatchForm,
    BudgetForm,
    ChecklistItemForm,
    MoveForm,
    ParameterCorrectionForm,
    ReasonForm,
    TransitionForm,
)
from subsidies.view_support import _S, PAGE_SIZE, _batch, _finance, _manager, _oversight, _refused

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


def batch_page(request, batch: Batch, *, adopt_form=None, budget_form=None, status=200):
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
        "events": presenters.batch_events(batch),
        "can_manage": is_batch_manager(user),
        "can_review": is_reviewer(user),
        "can_pay": is_finance(user),
        "transitions": _transitions(batch, user),
        "adopt_form": adopt_form or ReasonForm(prefix="adopt"),
        "budget_form": budget_form
        or BudgetForm(
            prefix="budget", initial={"budget": batch.budget, "budget_source": batch.budget_source}
        ),
        "clone_of": batch.cloned_from,
        "recompute": recompute_progress(batch),
    }
    return render(request, "subsidies/staff/batch_detail.html", context, status=status)


@login_required
@require_GET
def batch_detail(request, pk: int):
    _oversight(request)
    return batch_page(request, _batch(request, pk))


@login_required
@require_GET
def batch_recompute_progress(request, pk: int):
    """The recomputation card alone, polled by the batch page while it runs (htmx, no inline script)."""
    _oversight(request)
    batch = _batch(request, pk)
    context = {
        "batch": batch,
        "recompute": recompute_progress(batch),
        "can_manage": is_batch_manager(request.user),
    }
    return render(request, "subsidies/staff/_recompute_progress.html", context)


@login_required
@require_POST
def batch_recompute_restart_view(request, pk: int):
    _manager(request)
    batch = _batch(request, pk)
    try:
        batch_recompute_restart(batch=batch, actor=request.user)
    except SubsidyError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The recomputation is queued again."))
    return redirect("subsidies:batch-detail", batch.pk)


@login_required
@require_POST
def batch_budget(request, pk: int):
    """The finance bureau allocates the batch's budget."""
    _finance(request)
    batch = _batch(request, pk)
    form = BudgetForm(request.POST, prefix="budget")
    if form.is_valid():
        try:
            batch_budget_allocate(
                batch=batch,
                actor=request.user,
                budget=form.cleaned_data["budget"],
                source=form.cleaned_data["budget_source"],
                reason=form.cleaned_data["reason"],
            )
        except SubsidyError as error:
            _refused(request, error, form)
        else:
            messages.success(request, _("The budget is allocated."))
            return redirect("subsidies:batch-detail", batch.pk)
    return batch_page(request, batch, budget_form=form, status=400)


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
        return batch_page(request, batch, status=400)
    try:
        batch = batch_transition(
            batch=batch, actor=request.user, to=form.cleaned_data["to"], reason=form.cleaned_data["reason"]
        )
    except SubsidyError as error:
        _refused(request, error)
        return batch_page(request, batch, status=400)
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
        return batch_page(request, source, status=400)
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
    return batch_page(request, batch, adopt_form=form, status=400)


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
        return batch_page(request, batch, status=400)
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
        return batch_page(request, batch, status=400)
    try:
        checklists.checklist_item_move(
            item=item, actor=request.user, direction=form.cleaned_data["direction"]
        )
    except SubsidyError as error:
        _refused(request, error)
        return batch_page(request, batch, status=400)
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
