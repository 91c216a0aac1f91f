"""Pages of whitelist batches: staff create a batch from a screening run, decide each enterprise, submit;
another member of staff publishes or sends it back. Each view checks the staff permission, parses a form
and calls one service of whitelist.batches; refusals re-render with status 400 and the input kept."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from whitelist.batch_forms import BatchCreateForm, DecideForm, EntryFilterForm, SendBackForm
from whitelist.batches import batch_create, batch_publish, batch_send_back, batch_submit, entries_decide
from whitelist.errors import WhitelistError, WhitelistNotAllowed
from whitelist.models import Batch, BatchStatus, Decision
from whitelist.permissions import is_whitelist_staff

ENTRIES_PER_PAGE = 50


def _staff_only(request) -> None:
    if not is_whitelist_staff(request.user):
        raise PermissionDenied(
            _("Only the IP bureau's reviewers and promotion officers review whitelist batches.")
        )


def _refused(request, error: WhitelistError, form=None):
    if isinstance(error, WhitelistNotAllowed):
        raise PermissionDenied(error.message)
    if form is not None:
        for name, field_errors in error.errors.items():
            form.add_error(name if name in form.fields else None, field_errors)
        if not error.errors:
            form.add_error(None, error.message)
    else:
        messages.error(request, error.message)


@login_required
@require_http_methods(["GET", "POST"])
def batch_list(request):
    _staff_only(request)
    form = BatchCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = batch_create(
                    run=form.cleaned_data["run"],
                    actor=request.user,
                    valid_until=form.cleaned_data["valid_until"],
                )
            except WhitelistError as error:
                _refused(request, error, form)
            else:
                messages.success(
                    request, _("Batch %(number)s is ready for review.") % {"number": batch.number}
                )
                return redirect("whitelist:batch_detail", batch.pk)
        status = 400
    batches = (
        Batch.objects.select_related("run__rule_set", "created_by")
        .annotate(
            entry_count=Count("entries"),
            included=Count("entries", filter=Q(entries__decision=Decision.INCLUDED)),
        )
        .order_by("-number")
    )  # a GROUP BY drops Meta.ordering
    page = Paginator(batches, 20).get_page(request.GET.get("page"))
    return render(request, "whitelist/batches/list.html", {"page": page, "form": form}, status=status)


def _detail(request, batch: Batch, *, decide_form=None, send_back_form=None, status=200):
    filters = EntryFilterForm(request.GET or None)
    entries = batch.entries.select_related("enterprise", "candidate", "decided_by").order_by(
        "enterprise__name", "pk"
    )
    if filters.is_valid() and filters.cleaned_data["decision"]:
        entries = entries.filter(decision=filters.cleaned_data["decision"])
    page = Paginator(entries, ENTRIES_PER_PAGE).get_page(request.GET.get("page"))
    reviewing = batch.status == BatchStatus.REVIEWING
    counts = dict(batch.entries.values_list("decision").annotate(n=Count("pk")))
    context = {
        "batch": batch,
        "page": page,
        "query": f"decision={filters.cleaned_data['decision']}"
        if filters.is_valid() and filters.cleaned_data["decision"]
        else "",
        "filters": filters,
        "counts": {value: counts.get(value, 0) for value in Decision.values},
        "events": batch.events.select_related("actor"),
        "decide_form": decide_form or (DecideForm() if reviewing else None),
        "send_back_form": send_back_form
        or (SendBackForm() if batch.status == BatchStatus.SUBMITTED else None),
        "can_publish": batch.status == BatchStatus.SUBMITTED and batch.submitted_by_id != request.user.pk,
    }
    return render(request, "whitelist/batches/detail.html", context, status=status)


@login_required
@require_GET
def batch_detail(request, pk: int):
    _staff_only(request)
    return _detail(request, get_object_or_404(Batch, pk=pk))


@login_required
@require_POST
def batch_decide(request, pk: int):
    _staff_only(request)
    batch = get_object_or_404(Batch, pk=pk)
    form = DecideForm(request.POST, entry_ids=batch.entries.values_list("pk", flat=True))
    if form.is_valid():
        try:
            changed = entries_decide(
                batch=batch,
                entry_ids=form.cleaned_data["entries"],
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                actor=request.user,
            )
        except WhitelistError as error:
            _refused(request, error, form)
        else:
            messages.success(request, _("%(count)s enterprises decided.") % {"count": changed})
            return redirect("whitelist:batch_detail", batch.pk)
    return _detail(request, batch, decide_form=form, status=400)


@login_required
@require_POST
def batch_submit_view(request, pk: int):
    _staff_only(request)
    batch = get_object_or_404(Batch, pk=pk)
    try:
        batch_submit(batch=batch, actor=request.user)
    except WhitelistError as error:
        _refused(request, error)
        return _detail(request, batch, status=400)
    messages.success(request, _("The batch is submitted: another member of staff approves it."))
    return redirect("whitelist:batch_detail", batch.pk)


@login_required
@require_POST
def batch_publish_view(request, pk: int):
    _staff_only(request)
    batch = get_object_or_404(Batch, pk=pk)
    try:
        batch = batch_publish(batch=batch, actor=request.user)
    except WhitelistError as error:
        _refused(request, error)
        return _detail(request, batch, status=400)
    messages.success(request, _("Published: %(count)s enterprises.") % {"count": batch.published_count})
    return redirect("whitelist:batch_detail", batch.pk)


@login_required
@require_POST
def batch_send_back_view(request, pk: int):
    _staff_only(request)
    batch = get_object_or_404(Batch, pk=pk)
    form = SendBackForm(request.POST)
    if form.is_valid():
        try:
            batch_send_back(batch=batch, actor=request.user, reason=form.cleaned_data["reason"])
        except WhitelistError as error:
            _refused(request, error, form)
        else:
            messages.success(request, _("The batch is back under review."))
            return redirect("whitelist:batch_detail", batch.pk)
    return _detail(request, batch, send_back_form=form, status=400)
