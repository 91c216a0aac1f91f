"""The public notice (公示) of approved subsidies: starting and closing it, the reviewers' resolution of
objections, and the public page (no login) where anyone may lodge one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.api import PublicThrottle
from subsidies import payments
from subsidies.batch_views import batch_page
from subsidies.errors import SubsidyError
from subsidies.models import (
    Batch,
    Objection,
    ObjectionStatus,
)
from subsidies.permissions import (
    is_batch_manager,
)
from subsidies.staff_forms import (
    ObjectionLodgeForm,
    ObjectionResolveForm,
)
from subsidies.view_support import _S, _batch, _manager, _refused, _reviewer

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
        return batch_page(request, batch, status=400)
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
