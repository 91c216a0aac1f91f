import logging

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db import connection
from django.http import HttpResponseForbidden, HttpResponseNotFound, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from portal.accounts.models import OrgKind
from portal.audit.services import request_id_for
from portal.notifications.selectors import notification_list
from portal.postgresql import prepared_statements_view
from portal.tasks import HEARTBEAT_KEY
from portal.timeline import collect_timeline
from portal.work import collect_work, page_reads, split_work

logger = logging.getLogger(__name__)

LATEST_NOTIFICATIONS = 5  # the unread notifications the home page lists


@login_required
@prepared_statements_view
def home(request):
    """Each role lands here; the page shows the user's organisation and the tools they can use today."""
    latest = list(notification_list(user=request.user, filters={"unread": True})[:LATEST_NOTIFICATIONS])
    # Each domain app offers the links to its own work for this user, so the kernel imports none of them.
    sections = [
        section
        for config in apps.get_app_configs()
        if hasattr(config, "home_links")
        for section in config.home_links(request.user)
    ]
    context = {
        "membership": request.user.membership,
        "latest_notifications": latest,
        "work_sections": sections,
        "timeline": None,
    }
    # The user's work first: each domain app counts its own queues (portal/work.py).
    organisation = request.user.organisation
    with page_reads():
        context["work_items"], context["work_clear"] = split_work(collect_work(request.user))
        if organisation is not None and organisation.kind == OrgKind.ENTERPRISE:
            context["timeline"] = collect_timeline(organisation, request.user)
    if len(latest) < LATEST_NOTIFICATIONS:
        # All the unread ones: the header's count needs no query of its own (it would be the context
        # processor's; the view's context comes first).
        context["unread_notifications"] = len(latest)
    return render(request, "portal/home.html", context)


@require_GET
def livez(request):
    """Liveness: the process answers; touches nothing else (probes and the benchmark baseline)."""
    return JsonResponse({"status": "ok"})


@require_GET
def healthz(request):
    """Readiness: the database answers; also says when a Celery worker last ran the beat heartbeat."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok", "worker_heartbeat": cache.get(HEARTBEAT_KEY.format(source="beat"))})


def not_found(request, exception):
    """404 for a URL no route matches. Under /api/ it is the API's JSON envelope (api-contract.md), not the
    HTML page: an API client sending a malformed id (``/api/v1/loans/abc/``) reads JSON like every other
    refusal (found by the schema fuzzing, security.md check 22)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"message": _("Not found."), "errors": {}}, status=404)
    return _error_page(request, "404.html", HttpResponseNotFound)


def permission_denied(request, exception):
    """403 in the portal's look, with the reference the ``authz.denied`` audit row carries (the request
    id), so support finds the refusal a user quotes. JSON under /api/, like the 404 and the 500."""
    if request.path.startswith("/api/"):
        response = JsonResponse({"message": _("You may not do this."), "errors": {}}, status=403)
        response["X-Request-ID"] = request_id_for(request)
        return response
    return _error_page(request, "403.html", HttpResponseForbidden)


def csrf_failure(request, reason=""):
    """A form refused by the CSRF check (settings.CSRF_FAILURE_VIEW): Django's own page is plain English
    for developers; users mostly meet it after a long pause or a second tab, so the page says what to do.
    The reason stays in the log, not on the page."""
    logger.warning("CSRF failure, reference %s: %s", request_id_for(request), reason)
    return _error_page(request, "403_csrf.html", HttpResponseForbidden)


def _error_page(request, template_name: str, response_class):
    reference = request_id_for(request)
    body = loader.get_template(template_name).render({"reference": reference}, request)
    response = response_class(body)
    response["X-Request-ID"] = reference
    return response


def server_error(request):
    """500 for a failure nobody handled (security.md check 25): no traceback, SQL or setting reaches the
    caller, only a reference the operators find in the log beside the traceback Django logs for it (the
    request id the audit rows carry). JSON under /api/ (the API's envelope), the static page elsewhere."""
    reference = request_id_for(request)
    logger.error("server error, reference %s: %s %s", reference, request.method, request.path)
    if request.path.startswith("/api/"):
        message = _("The server failed to answer. Quote this reference to support: %(reference)s") % {
            "reference": reference
        }
        response = JsonResponse({"message": message, "errors": {}}, status=500)
    else:
        response = HttpResponseServerError(loader.get_template("500.html").render({"reference": reference}))
    response["X-Request-ID"] = reference
    return response
