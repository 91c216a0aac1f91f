"""Pages of coaching before the loan: the enterprise asks and follows its requests, the promotion centre
works the queue and assigns coaches, a coach works their cases, and everyone on a request shares its
page. The enterprise's timeline merges coaching, applications and loans.

Each view scopes first (another party's request is a 404), parses a form, calls one service, and
re-renders with status 400 and what the user typed when the form or the service refuses the input.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loans.coaching_forms import (
    CoachingAssignForm,
    CoachingFilterForm,
    CoachingMoveForm,
    CoachingRequestForm,
    CoachingSessionForm,
    TimelineEnterpriseForm,
)
from loans.errors import LoanError, LoanNotAllowed, LoanValidationError
from loans.models import COACH_ROLES, COACHING_TRANSITIONS, ENTERPRISE_ROLES, PROMOTION_ROLES, CoachingStatus
from loans.permissions import (
    available_coaching_transitions,
    can_record_coaching_session,
    can_request_coaching,
    can_transition_coaching,
    can_view_coaching_cases,
    can_view_coaching_queue,
    coaching_is_enterprise_user,
    coaching_is_promotion_officer,
    coaching_roles_on,
)
from loans.selectors import (
    TIMELINE_PAGE_SIZE,
    coach_choices,
    coaching_get_for_user,
    coaching_list,
    enterprise_timeline,
)
from loans.services.coaching import coaching_request_create, coaching_session_record, coaching_transition
from portal.accounts.models import OrgKind
from portal.accounts.selectors import organisation_list

PAGE_SIZE = 20
# The steps drawn as a close / cancel form (assignment has its own form).
_MOVES = (CoachingStatus.CLOSED, CoachingStatus.CANCELLED)


def _move_label(to: str) -> str:
    return {
        CoachingStatus.CLOSED: _("Close the coaching"),
        CoachingStatus.CANCELLED: _("Cancel the request"),
    }[to]


def _form_errors_from(form, error: LoanValidationError) -> None:
    # The services name fields as the forms do; anything else goes on top of the form.
    for name, field_errors in error.errors.items():
        form.add_error(name if name in form.fields else None, field_errors)
    if not error.errors:
        form.add_error(None, error.message)


# ---------------------------------------------------------------------------------------------------
# Lists


def _list_page(request, *, template: str, extra: dict | None = None):
    form = CoachingFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        requests, status = coaching_list(user=request.user).none(), 400
    else:
        requests = coaching_list(user=request.user, filters=form.cleaned_data if form.is_bound else {})
    page = Paginator(requests, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode(), **(extra or {})}
    return render(request, template, context, status=status)


@login_required
@require_GET
def coaching_mine_view(request):
    """The enterprise's own requests ("My coaching")."""
    allowed, reason = can_request_coaching(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    return _list_page(request, template="loans/coaching/mine.html")


@login_required
@require_GET
def coaching_queue_view(request):
    """The promotion centre's queue: waiting for a coach first, each open row with an assign form."""
    allowed, reason = can_view_coaching_queue(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    return _list_page(request, template="loans/coaching/queue.html", extra={"coaches": list(coach_choices())})


@login_required
@require_GET
def coaching_cases_view(request):
    """A coach's cases: the requests assigned to them now."""
    allowed, reason = can_view_coaching_cases(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    return _list_page(request, template="loans/coaching/cases.html")


# ---------------------------------------------------------------------------------------------------
# Asking


@login_required
@require_http_methods(["GET", "POST"])
def coaching_new_view(request):
    allowed, reason = can_request_coaching(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    form = CoachingRequestForm(request.POST or None, initial={"contact_phone": request.user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            coaching = coaching_request_create(
                enterprise=request.user.organisation, actor=request.user, **form.cleaned_data
            )
        except LoanValidationError as error:
            _form_errors_from(form, error)
        except LoanNotAllowed as error:
            raise PermissionDenied(error.message) from error
        else:
            messages.success(
                request, _("Your request was sent to the promotion centre, which will assign a coach.")
            )
            return redirect("loans:coaching_detail", pk=coaching.pk)
    return render(
        request, "loans/coaching/new.html", {"form": form}, status=400 if request.method == "POST" else 200
    )


# ---------------------------------------------------------------------------------------------------
# One request


def _other_coaches(coaching):
    # Handing over means to someone else; the service refuses the same coach in any case.
    return coach_choices().exclude(pk=coaching.coach_id) if coaching.coach_id else coach_choices()


def _detail(request, coaching, *, bound=None, status: int = 200):
    """The request's page; ``bound`` is the form that came back with errors, shown as typed."""
    user = request.user
    moves = available_coaching_transitions(coaching, user)
    bound_name = type(bound).__name__ if bound is not None else ""
    assign_form = None
    if CoachingStatus.ASSIGNED in moves:
        assign_form = (
            bound
            if bound_name == "CoachingAssignForm"
            else CoachingAssignForm(coaches=_other_coaches(coaching))
        )
    session_form = None
    if can_record_coaching_session(user, coaching)[0]:
        session_form = bound if bound_name == "CoachingSessionForm" else CoachingSessionForm()
    move_forms = []
    for to in _MOVES:
        if to in moves:
            form = bound if bound_name == "CoachingMoveForm" and bound.to == to else CoachingMoveForm(to=to)
            move_forms.append({"to": to, "label": _move_label(to), "form": form})
    roles = coaching_roles_on(user, coaching)
    context = {
        "coaching": coaching,
        "sessions": coaching.sessions.select_related("recorded_by"),
        "events": coaching.events.select_related("actor").order_by("at", "pk"),
        "assign_form": assign_form,
        "session_form": session_form,
        "move_forms": move_forms,
        "is_promotion": coaching_is_promotion_officer(user),
        "is_enterprise": bool(roles & ENTERPRISE_ROLES),
        "timeline_enterprise": coaching.enterprise_id if coaching_is_promotion_officer(user) else None,
    }
    return render(request, "loans/coaching/detail.html", context, status=status)


@login_required
@require_GET
def coaching_detail_view(request, pk: int):
    return _detail(request, coaching_get_for_user(user=request.user, pk=pk))


def _refuse_move(request, coaching, to: str):
    """None when the user may make the move; else the response: 403 for a step the table lists but not
    for them, back to the page with the reason for a step the request's status no longer allows."""
    allowed, reason = can_transition_coaching(request.user, coaching, to)
    if allowed:
        return None
    if to in COACHING_TRANSITIONS.get(coaching.status, {}):
        raise PermissionDenied(reason)
    messages.error(request, reason)
    return redirect("loans:coaching_detail", pk=coaching.pk)


def _run(request, coaching, form, call, success: str, *, next_url: str = ""):
    """Call one service; field errors re-render the page (400), a refusal by state goes back to it with
    the reason, a refusal by role is a 403."""
    try:
        call()
    except LoanValidationError as error:
        _form_errors_from(form, error)
        return _detail(request, coaching, bound=form, status=400)
    except LoanNotAllowed as error:
        raise PermissionDenied(error.message) from error
    except LoanError as error:
        messages.error(request, error.message)
        return redirect("loans:coaching_detail", pk=coaching.pk)
    messages.success(request, success)
    return redirect(next_url or "loans:coaching_detail", **({} if next_url else {"pk": coaching.pk}))


@login_required
@require_POST
def coaching_assign_view(request, pk: int):
    coaching = coaching_get_for_user(user=request.user, pk=pk)
    if refused := _refuse_move(request, coaching, CoachingStatus.ASSIGNED):
        return refused
    form = CoachingAssignForm(request.POST, coaches=_other_coaches(coaching))
    if not form.is_valid():
        return _detail(request, coaching, bound=form, status=400)
    data = form.cleaned_data
    return _run(
        request,
        coaching,
        form,
        lambda: coaching_transition(
            request=coaching,
            to=CoachingStatus.ASSIGNED,
            actor=request.user,
            reason=data["reason"],
            coach=data["coach"],
        ),
        _("%(coach)s will coach %(enterprise)s.")
        % {"coach": data["coach"], "enterprise": coaching.enterprise},
        # Only this literal: a free "next" URL would make the form an open redirect.
        next_url="loans:coaching_queue" if request.POST.get("next") == "queue" else "",
    )


@login_required
@require_POST
def coaching_transition_view(request, pk: int):
    """Close or cancel."""
    coaching = coaching_get_for_user(user=request.user, pk=pk)
    to = request.POST.get("to", "")
    if to not in _MOVES:
        messages.error(request, _("Choose a step shown on the page."))
        return redirect("loans:coaching_detail", pk=coaching.pk)
    if refused := _refuse_move(request, coaching, to):
        return refused
    form = CoachingMoveForm(request.POST, to=to)
    if not form.is_valid():
        return _detail(request, coaching, bound=form, status=400)
    success = _("The coaching is closed.") if to == CoachingStatus.CLOSED else _("The request is cancelled.")
    return _run(
        request,
        coaching,
        form,
        lambda: coaching_transition(
            request=coaching, to=to, actor=request.user, reason=form.cleaned_data["reason"]
        ),
        success,
    )


@login_required
@require_POST
def coaching_session_view(request, pk: int):
    coaching = coaching_get_for_user(user=request.user, pk=pk)
    allowed, reason = can_record_coaching_session(request.user, coaching)
    if not allowed:
        if not coaching_roles_on(request.user, coaching) & (COACH_ROLES | PROMOTION_ROLES):
            raise PermissionDenied(reason)
        messages.error(request, reason)
        return redirect("loans:coaching_detail", pk=coaching.pk)
    form = CoachingSessionForm(request.POST)
    if not form.is_valid():
        return _detail(request, coaching, bound=form, status=400)
    return _run(
        request,
        coaching,
        form,
        lambda: coaching_session_record(request=coaching, actor=request.user, **form.cleaned_data),
        _("Session recorded; the enterprise can read the advice on its timeline."),
    )


# ---------------------------------------------------------------------------------------------------
# The enterprise's timeline


@login_required
@require_GET
def coaching_timeline_view(request):
    """An enterprise user reads their own enterprise's timeline; the promotion centre picks an enterprise
    (``?enterprise=<id>``, found by name or credit code with ``?q=``). Anyone else: 404."""
    user = request.user
    context: dict = {"is_promotion": False, "matches": None}
    if coaching_is_promotion_officer(user):
        form = TimelineEnterpriseForm(request.GET or None)
        context.update(is_promotion=True, form=form)
        if form.is_bound and not form.is_valid():
            return render(request, "loans/coaching/timeline.html", context, status=400)
        data = form.cleaned_data if form.is_bound else {}
        if not data.get("enterprise"):
            if query := (data.get("q") or "").strip():
                context["matches"] = list(
                    organisation_list(user=user, filters={"kind": OrgKind.ENTERPRISE, "search": query})[:20]
                )
            return render(request, "loans/coaching/timeline.html", context)
        timeline = enterprise_timeline(user=user, enterprise=data["enterprise"])
    elif coaching_is_enterprise_user(user):
        asked = request.GET.get("enterprise")
        if asked and asked != str(user.organisation.pk):
            raise Http404
        timeline = enterprise_timeline(user=user, enterprise=user.organisation)
    else:
        raise Http404
    page = Paginator(timeline, TIMELINE_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context.update(enterprise=timeline.enterprise, page=page, query=query.urlencode())
    return render(request, "loans/coaching/timeline.html", context)
