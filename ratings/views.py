"""Pages of the satisfaction ratings: the rater's "ratings to give" and "my ratings" lists and the rating
form; the responsible organisation's follow-up queue and its callback and rectification records; the
satisfaction report. Each view checks the user's kind first (403), then the scope (404), then the form
(400, input kept), then calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms import show_errors
from ratings import services
from ratings.errors import RatingError, RatingNotAllowed
from ratings.forms import DeclineForm, FollowUpFilterForm, FollowUpForm, RatingForm, ReportFilterForm
from ratings.models import (
    FOLLOWING_UP,
    RATER,
    RESPONSIBLE,
    FollowUpStatus,
    InvitationStatus,
)
from ratings.permissions import (
    can_rate_invitation,
    can_see_report,
    is_follow_up_user,
    is_oversight,
    is_rater_user,
    party_of,
)
from ratings.reports import CUTS, cuts_for, satisfaction_report
from ratings.selectors import (
    follow_up_get_for_user,
    follow_up_list,
    invitation_get_for_user,
    invitations_given,
    invitations_to_give,
)
from ratings.subjects import case_url

PAGE_SIZE = 25


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def refused(error: RatingError, form) -> None:
    if isinstance(error, RatingNotAllowed):
        raise PermissionDenied(error.message)
    show_errors(form, error.message, error.errors)


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


def _rater_only(request) -> None:
    require(
        is_rater_user(request.user), _("Only the enterprises (and, for compensation claims, the banks) rate.")
    )


# --- The rater's lists -------------------------------------------------------------------------------------


@login_required
@require_GET
def to_give(request):
    _rater_only(request)
    page = _page(request, invitations_to_give(user=request.user))
    return render(request, "ratings/to_give.html", {"page": page})


@login_required
@require_GET
def given(request):
    _rater_only(request)
    page = _page(request, invitations_given(user=request.user))
    return render(request, "ratings/given.html", {"page": page})


# --- One invitation ----------------------------------------------------------------------------------------


def _any_party(request) -> None:
    user = request.user
    require(
        is_rater_user(user) or is_follow_up_user(user) or is_oversight(user),
        _("Your role has no part in satisfaction ratings."),
    )


ACTIONS = {
    "invited": gettext_lazy("Invited to rate"),
    "overdue": gettext_lazy("Overdue: the responsible organisation was reminded"),
    "follow_up_opened": gettext_lazy("Opened"),
    "follow_up_done": gettext_lazy("Done"),
}


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def event_rows(invitation) -> list[dict]:
    rows = []
    for event in invitation.events.select_related("actor", "follow_up").order_by("at", "pk"):
        choices = FollowUpStatus if event.follow_up_id else InvitationStatus
        to_label = (
            _label(choices, event.to_status)
            if event.action == "transition"
            else ACTIONS.get(event.action, event.action)
        )
        rows.append(
            {
                "event": event,
                "from_label": _label(choices, event.from_status) if event.from_status else "",
                "to_label": to_label,
            }
        )
    return rows


def _detail(request, invitation, *, rating_form=None, decline_form=None, status=200):
    user = request.user
    party = party_of(user, invitation)
    may_rate, _reason = can_rate_invitation(user, invitation)
    context = {
        "invitation": invitation,
        "party": party,
        "is_rater": party == RATER,
        "is_responsible": party == RESPONSIBLE,
        "may_rate": may_rate,
        "form": rating_form or RatingForm(),
        "decline_form": decline_form or DeclineForm(),
        "ratings": list(invitation.ratings.select_related("submitted_by").order_by("attempt")),
        "follow_ups": list(invitation.follow_ups.select_related("done_by").order_by("pk")),
        "events": event_rows(invitation),
        "following_up": invitation.status in FOLLOWING_UP,
        "case_url": case_url(invitation),
    }
    return render(request, "ratings/detail.html", context, status=status)


@login_required
@require_GET
def invitation_detail(request, pk: int):
    _any_party(request)
    return _detail(request, invitation_get_for_user(user=request.user, pk=pk))


@login_required
@require_POST
def invitation_rate(request, pk: int):
    _rater_only(request)
    invitation = invitation_get_for_user(user=request.user, pk=pk)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            rating = services.rating_submit(
                invitation=invitation, actor=request.user, values=form.cleaned_data
            )
        except RatingError as error:
            refused(error, form)
        else:
            if rating.is_bad:
                messages.success(
                    request,
                    _(
                        "Thank you. We are sorry the service fell short: the responsible party will call you back."
                    ),
                )
            else:
                messages.success(request, _("Thank you for your rating."))
            return redirect("ratings:invitation-detail", pk=invitation.pk)
    invitation.refresh_from_db()
    return _detail(request, invitation, rating_form=form, status=400)


@login_required
@require_POST
def invitation_decline(request, pk: int):
    _rater_only(request)
    invitation = invitation_get_for_user(user=request.user, pk=pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.invitation_decline(
                invitation=invitation, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except RatingError as error:
            refused(error, form)
        else:
            messages.success(request, _("The invitation is closed without a rating."))
            return redirect("ratings:to-give")
    return _detail(request, invitation, decline_form=form, status=400)


# --- Follow-ups --------------------------------------------------------------------------------------------


def _responsible_only(request) -> None:
    require(
        is_follow_up_user(request.user),
        _("Only the registration office, the banks and the IP bureau follow up bad ratings."),
    )


@login_required
@require_GET
def follow_ups(request):
    _responsible_only(request)
    data = request.GET.copy()
    data.setdefault("status", "open")  # the queue opens on the open tasks
    form = FollowUpFilterForm(data)
    valid = form.is_valid()
    page = _page(request, follow_up_list(user=request.user, filters=form.cleaned_data if valid else {}))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "ratings/follow_ups.html",
        {"page": page, "filter_form": form, "query": query.urlencode()},
        status=200 if valid else 400,
    )


def _follow_up_page(request, follow_up, form, status=200):
    invitation = follow_up.invitation
    context = {
        "follow_up": follow_up,
        "invitation": invitation,
        "rating": follow_up.rating,
        "siblings": list(invitation.follow_ups.exclude(pk=follow_up.pk).order_by("pk")),
        "form": form,
        "case_url": case_url(invitation),
    }
    return render(request, "ratings/follow_up.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def follow_up_detail(request, pk: int):
    _responsible_only(request)
    follow_up = follow_up_get_for_user(user=request.user, pk=pk)
    if request.method == "GET":
        return _follow_up_page(request, follow_up, FollowUpForm(kind=follow_up.kind))
    form = FollowUpForm(request.POST, kind=follow_up.kind)
    if form.is_valid():
        try:
            services.follow_up_complete(
                follow_up=follow_up, actor=request.user, note=form.cleaned_data["note"]
            )
        except RatingError as error:
            refused(error, form)
        else:
            messages.success(request, _("Recorded."))
            return redirect("ratings:follow-ups")
    follow_up.refresh_from_db()
    return _follow_up_page(request, follow_up, form, status=400)


# --- Report ------------------------------------------------------------------------------------------------


@login_required
@require_GET
def report(request):
    user = request.user
    require(
        can_see_report(user),
        _(
            "Only the promotion centre, the joint-meeting office, registration supervisors and bank managers "
            "see the satisfaction report."
        ),
    )
    cuts = cuts_for(user)
    choices = [(cut, CUTS[cut][0]) for cut in cuts]
    data = request.GET if request.GET else ReportFilterForm.defaults(cuts[0])
    form = ReportFilterForm(data, cuts=choices)
    result = None
    status = 200
    if form.is_valid():
        result = satisfaction_report(
            user=user,
            cut=form.cleaned_data["cut"],
            date_from=form.cleaned_data["date_from"],
            date_to=form.cleaned_data["date_to"],
        )
    else:
        status = 400
    return render(request, "ratings/report.html", {"form": form, "report": result}, status=status)
