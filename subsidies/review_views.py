"""The reviewers' queue and review page (issue 6): start, check the materials item by item, ask for a
correction, propose the amount, and the second reviewer's decision (four eyes)."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.postgresql import prepared_statements_view
from portal.workdays.services import is_workday
from subsidies import presenters, review
from subsidies.applications import required_items
from subsidies.errors import SubsidyError
from subsidies.models import (
    Application,
    Batch,
    LoanLine,
    Material,
)
from subsidies.permissions import (
    application_scope,
    get_in_scope,
)
from subsidies.staff_forms import (
    CorrectionForm,
    DecideForm,
    MaterialCheckForm,
    ProposeForm,
    QueueFilterForm,
)
from subsidies.view_support import (
    _S,
    QUEUE_PAGE_SIZE,
    _refused,
    _reviewer,
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
@prepared_statements_view
def review_queue(request):
    _reviewer(request)
    filters = QueueFilterForm(request.GET or None)
    statuses = filters.statuses()
    applications = (
        application_scope(request.user)
        .filter(status__in=statuses)
        .select_related("batch", "first_reviewer")
        # The page's enterprises by key: joined, PostgreSQL hashes every organisation before it sorts
        # (tens of ms at 60,000 organisations; bench/pages.py).
        .prefetch_related("enterprise")
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
    batch = Batch.objects.get(pk=application.batch_id)  # the remaining budget as it is now
    context = {
        "application": application,
        "batch": batch,
        **presenters.sheet(application),
        "material_rows": material_rows,
        "missing_items": [item for item in required_items(application) if item.pk not in uploaded],
        "events": presenters.application_events(application),
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
