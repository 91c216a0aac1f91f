"""The promotion centre's commendation list: record people and teams, edit them while unpublished, publish
them on the public page /training/commended/ or take them back. Other roles 403; another centre's entry 404."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portal.forms import show_errors
from training import commendations as services
from training import selectors
from training.errors import TrainingError, TrainingNotAllowed
from training.forms import CommendationForm
from training.permissions import can_manage_commendations

PAGE_SIZE = 25


def _allowed(user) -> None:
    allowed, reason = can_manage_commendations(user)
    if not allowed:
        raise PermissionDenied(reason)


def _page(request, form, *, editing=None, error: str = "", status: int = 200):
    entries = (
        selectors.commendation_scope(request.user)
        .select_related("created_by")
        .order_by("-year", "kind", "pk")
    )
    context = {
        "form": form,
        "editing": editing,
        "error": error,
        "page": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "training/commendations.html", context, status=status)


def _save(request, commendation=None):
    form = CommendationForm(request.POST, instance=commendation)
    if not form.is_valid():
        return _page(request, form, editing=commendation, status=400)
    try:
        services.commendation_save(actor=request.user, values=form.cleaned_data, commendation=commendation)
    except TrainingNotAllowed as error:
        raise PermissionDenied(error.message) from error
    except TrainingError as error:
        show_errors(form, error.message, error.errors)
        return _page(request, form, editing=commendation, status=400)
    messages.success(request, _("The commendation is saved; publish it to show it on the public list."))
    return redirect("training:commendations")


@login_required
@require_http_methods(["GET", "POST"])
def commendation_admin(request):
    _allowed(request.user)
    if request.method == "POST":
        return _save(request)
    return _page(request, CommendationForm())


@login_required
@require_http_methods(["GET", "POST"])
def commendation_edit(request, pk: int):
    _allowed(request.user)
    commendation = selectors.get_in_scope(selectors.commendation_scope(request.user), pk)
    if request.method == "POST":
        return _save(request, commendation)
    return _page(request, CommendationForm(instance=commendation), editing=commendation)


@login_required
@require_POST
def commendation_publish(request, pk: int, action: str):
    _allowed(request.user)
    commendation = selectors.get_in_scope(selectors.commendation_scope(request.user), pk)
    try:
        services.commendation_transition(commendation=commendation, action=action, actor=request.user)
    except TrainingNotAllowed as error:
        raise PermissionDenied(error.message) from error
    except TrainingError as error:
        return _page(request, CommendationForm(), error=error.message, status=400)
    messages.success(
        request,
        _("The commendation is published.")
        if action == "publish"
        else _("The commendation is taken off the public list."),
    )
    return redirect("training:commendations")
