"""The joint-meeting office's dashboards: the overview, the definitions, drill-down, exports, refresh."""

import hashlib
from datetime import datetime, timedelta
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.audit.models import AuditAction
from portal.audit.scope import get_in_scope
from portal.audit.services import audit_record
from portal.outbox import enqueue
from portal.tabular import XLSX_CONTENT_TYPE, download
from stats import cases as case_queries
from stats import exports, presenters, rollup
from stats.dims import Filters
from stats.figures import SnapshotSource, overview_for
from stats.forms import FilterForm
from stats.indicators import BY_SLUG
from stats.models import Export, Snapshot, SnapshotStatus
from stats.permissions import Scope, stats_scope
from stats.tasks import export_cases, refresh_statistics

FIGURES_CACHE_SECONDS = 6 * 60 * 60  # a snapshot is replaced hourly; its pages need not outlive it long


def _scope(request) -> Scope:
    scope = stats_scope(request.user)
    if scope is None:
        raise PermissionDenied(
            _("The statistics are for the joint-meeting office, the bureaus, parks and bank managers.")
        )
    return scope


def _overview(request, scope: Scope):
    form = FilterForm(request.GET or None, scope=scope)
    snapshot = rollup.current()
    if not form.is_valid() or snapshot is None:
        return form, snapshot, None
    data = form.cleaned_data
    return (
        form,
        snapshot,
        overview_for(SnapshotSource(snapshot), scope, data["period_value"], data["filters"]),
    )


def _chips(filters: Filters) -> list[dict]:
    return [
        {"dim": dim.name.lower(), "label": presenters.dim_label(dim, value)} for dim, value in filters.items()
    ]


def _figures_html(request, scope: Scope, snapshot: Snapshot, period, filters: Filters) -> str:
    """The figures part of the page, rendered once per snapshot, cut, scope and language: a snapshot never
    changes, so the page it gives never does either (a new snapshot has a new key)."""
    query = {"period": str(period), **filters.query()}
    what = f"{get_language()}|{urlencode(sorted(query.items()))}|{scope!r}"
    key = f"stats:page:{snapshot.pk}:{hashlib.sha256(what.encode()).hexdigest()}"
    html = cache.get(key)
    if html is None:
        figures = overview_for(SnapshotSource(snapshot), scope, period, filters)
        context = {
            "cards": presenters.cards(figures),
            "sections": presenters.sections(figures, scope),
            "chart": presenters.chart_data(figures),
            "chips": _chips(figures.filters),
            "query": urlencode(query),
        }
        html = render_to_string("stats/_figures.html", context, request=request)
        cache.set(key, html, FIGURES_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308  # nosec B308 B703 # rendered by our template, escaped there


@login_required
@require_GET
def overview(request):
    scope = _scope(request)
    form = FilterForm(request.GET or None, scope=scope)
    snapshot = rollup.current()
    context = {
        "form": form,
        **_refresh_state(request, snapshot),
        "may_refresh": not scope.forced,
        "scope": scope,
    }
    if form.is_valid() and snapshot is not None:
        period, filters = form.cleaned_data["period_value"], form.cleaned_data["filters"]
        context["figures_html"] = _figures_html(request, scope, snapshot, period, filters)
        context["query"] = urlencode({"period": str(period), **filters.query()})
    status = 400 if form.is_bound and not form.is_valid() else 200
    return render(request, "stats/overview.html", context, status=status)


@login_required
@require_GET
def overview_excel(request):
    scope = _scope(request)
    _form, _snapshot, figures = _overview(request, scope)
    if figures is None:
        messages.error(
            request, _("Nothing to export: choose valid filters, and wait for the first statistics.")
        )
        return redirect("stats:overview")
    body = exports.overview_workbook(figures, presenters.sections(figures, scope))
    audit_record(
        action=AuditAction.DATA_EXPORT,
        request=request,
        object_type="stats.overview",
        details={"period": str(figures.period), "filters": figures.filters.query()},
    )
    return download(body, filename=f"statistics-{figures.period}.xlsx", content_type=XLSX_CONTENT_TYPE)


def definitions(request):
    """Every indicator's definition (口径); public, like the policy it reports on."""
    return render(request, "stats/definitions.html", {"sections": presenters.definitions()})


def _drill(request, scope: Scope, data):
    indicator = BY_SLUG.get(data.get("indicator", ""))
    if indicator is None or not indicator.drill:
        raise Http404(_("There is no list of cases behind this figure."))
    form = FilterForm(data, scope=scope)
    if not form.is_valid():
        raise Http404(_("Choose valid filters."))
    return indicator, form.cleaned_data["period_value"], form.cleaned_data["filters"]


@login_required
@require_GET
def cases(request):
    scope = _scope(request)
    indicator, period, filters = _drill(request, scope, request.GET)
    try:
        after = int(request.GET.get("after", "")) or None
    except ValueError:
        after = None
    ids = case_queries.case_ids(indicator, period, filters, after=after, limit=case_queries.PAGE_SIZE + 1)
    more = len(ids) > case_queries.PAGE_SIZE
    ids = ids[: case_queries.PAGE_SIZE]
    query = {"indicator": indicator.slug, "period": str(period), **filters.query()}
    context = {
        "indicator": indicator,
        "period": period,
        "chips": _chips(filters),
        "rows": case_queries.describe(indicator.subject, ids),
        "next": urlencode({**query, "after": ids[-1]}) if more else "",
        "first": urlencode(query) if after else "",
        "query": query,
        "overview_query": urlencode({k: v for k, v in query.items() if k != "indicator"}),
        "anonymous_peers": scope.anonymous_peers,
    }
    return render(request, "stats/cases.html", context)


@login_required
@require_POST
def cases_export(request):
    scope = _scope(request)
    indicator, period, filters = _drill(request, scope, request.POST)
    with transaction.atomic():  # the export row and its task commit together (or neither)
        export = Export.objects.create(
            requested_by=request.user,
            indicator=indicator.slug,
            period=str(period),
            filters=filters.query(),
            language=get_language(),
        )
        audit_record(
            action=AuditAction.DATA_EXPORT,
            request=request,
            object_type="stats.export",
            object_id=export.pk,
            details={"indicator": indicator.slug, "period": str(period), "filters": filters.query()},
        )
        enqueue(export_cases, export.pk)
    return redirect("stats:export", pk=export.pk)


def _own_export(request, pk: int) -> Export:
    """The user's own export; anyone else's is a 404 the audit log records."""
    return get_in_scope(Export.objects.filter(requested_by=request.user), pk)


@login_required
@require_GET
def export_detail(request, pk: int):
    export = _own_export(request, pk)
    template = "stats/_export_progress.html" if request.htmx else "stats/export.html"
    percent = int(100 * export.done / export.total) if export.total else 0
    return render(request, template, {"export": export, "percent": percent})


@login_required
@require_GET
def export_download(request, pk: int):
    export = _own_export(request, pk)
    if not export.file:
        raise Http404(_("The file is not ready yet."))
    return FileResponse(
        export.file.open("rb"),
        as_attachment=True,
        filename=f"cases-{export.indicator}-{export.period}.xlsx",
        content_type=XLSX_CONTENT_TYPE,
    )


# The user's own "Recompute now", kept in the session until a snapshot answers it; a request no worker
# took up within this time is not shown as waiting any longer (the hourly refresh will come).
_REFRESH_REQUESTED = "stats_refresh_requested_at"
_QUEUE_PATIENCE = timedelta(minutes=10)


def _refresh_state(request, snapshot: Snapshot | None) -> dict:
    """The "figures as of" card's state: the refresh running, the user's request still waiting for a
    worker, the last refresh failed (no snapshot made since), and the page's own query for the reload link."""
    running = Snapshot.objects.filter(status=SnapshotStatus.RUNNING).first()
    latest = Snapshot.objects.order_by("-pk").first()
    queued = False
    requested = request.session.get(_REFRESH_REQUESTED)
    if requested and running is None:
        since = datetime.fromisoformat(requested)
        answered = Snapshot.objects.filter(Q(started_at__gte=since) | Q(finished_at__gte=since)).exists()
        if answered or timezone.now() - since > _QUEUE_PATIENCE:
            del request.session[_REFRESH_REQUESTED]
        else:
            queued = True
    query = request.GET.copy()
    query.pop("seen", None)
    return {
        "snapshot": snapshot,
        "running": running,
        "queued": queued,
        "failed": latest if latest is not None and latest.status == SnapshotStatus.FAILED else None,
        "page_query": query.urlencode(),
    }


@login_required
@require_GET
def refresh_status(request):
    """The "figures as of" card alone, polled by the overview while a refresh runs or waits (htmx, no
    inline script). ``seen`` is the snapshot the page shows: a newer one means new figures to reload."""
    scope = _scope(request)
    snapshot = rollup.current()
    context = {**_refresh_state(request, snapshot), "may_refresh": not scope.forced}
    seen = request.GET.get("seen", "")
    context["newer"] = snapshot is not None and seen.isdigit() and int(seen) != snapshot.pk
    return render(request, "stats/_refresh_status.html", context)


@login_required
@require_POST
def refresh(request):
    scope = _scope(request)
    if scope.forced:
        raise PermissionDenied(_("Only the city-wide statistics users start a refresh."))
    # Noted before the task is queued: a worker (or an eager run) may start it at once.
    request.session[_REFRESH_REQUESTED] = timezone.now().isoformat()
    enqueue(refresh_statistics, trigger="staff", user_id=request.user.pk)
    messages.success(
        request, _("The statistics are being recomputed; the page shows the new figures when done.")
    )
    return redirect(reverse("stats:overview") + ("?" + request.GET.urlencode() if request.GET else ""))
