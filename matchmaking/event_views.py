"""Pages of park events (入园惠企): the public calendar, one event (register, cancel), the organiser's list,
form and moves, the check-in list with a button per attendee, and matches recorded there."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from matchmaking import forms as f
from matchmaking.errors import MatchmakingError, MatchmakingNotAllowed
from matchmaking.models import EventStatus, Registration, RegistrationStatus
from matchmaking.permissions import can_register, is_event_organiser, is_organiser, is_oversight
from matchmaking.selectors import (
    attendees,
    event_calendar,
    event_get_for_user,
    event_manage_list,
    registration_for,
    registration_list_for_user,
)
from matchmaking.services import events as services
from portal.forms import show_errors

PAGE_SIZE = 25


def _forbid(error: MatchmakingError) -> None:
    if isinstance(error, MatchmakingNotAllowed):
        raise PermissionDenied(error.message) from error


@require_GET
def calendar(request):
    """Published upcoming events, for anyone (registering needs a login)."""
    form = f.EventFilterForm(request.GET or None)
    status = 200
    events = event_calendar(user=request.user)
    if form.is_bound and not form.is_valid():
        events, status = events.none(), 400
    elif form.is_bound:
        events = event_calendar(user=request.user, filters=form.cleaned_data)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "form": form,
        "page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": params.urlencode(),
        "mine": list(registration_list_for_user(user=request.user)[:50])
        if request.user.is_authenticated
        else [],
        "organiser": request.user.is_authenticated and is_organiser(request.user),
    }
    return render(request, "matchmaking/events/calendar.html", context, status=status)


def _detail(request, event, *, status: int = 200, refusal: str = ""):
    user = request.user
    registration = registration_for(user=user, event=event)
    registered = registration is not None and registration.status == RegistrationStatus.REGISTERED
    context = {
        "event": event,
        "banks": event.banks.all().order_by("name"),
        "products": event.products.select_related("bank").order_by("bank__name", "name"),
        "registration": registration if registered else None,
        "registration_refusal": services.registration_refusal(event, user) if user.is_authenticated else "",
        "can_register": user.is_authenticated and can_register(user),
        "can_cancel": registered and timezone.now() < event.starts_at and not registration.checked_in_at,
        "organiser": user.is_authenticated and is_event_organiser(user, event),
        "transitions": services.available_event_transitions(event, user) if user.is_authenticated else [],
        "can_match": user.is_authenticated and services.can_record_match(user, event),
        "refusal": refusal,
        "log": event.log.select_related("actor")
        if user.is_authenticated and is_event_organiser(user, event)
        else [],
    }
    return render(request, "matchmaking/events/detail.html", context, status=status)


@require_GET
def event_detail(request, pk: int):
    return _detail(request, event_get_for_user(user=request.user, pk=pk))


@require_POST
def event_register(request, pk: int):
    if not request.user.is_authenticated:
        return redirect_to_login(reverse("matchmaking:event-detail", args=[pk]))
    if not can_register(request.user):
        raise PermissionDenied(_("Enterprise users and bank staff register for events."))
    event = event_get_for_user(user=request.user, pk=pk)
    try:
        services.registration_create(event=event, actor=request.user)
    except MatchmakingError as error:
        _forbid(error)
        return _detail(request, event, status=400, refusal=error.message)
    messages.success(request, _("You are registered."))
    return redirect("matchmaking:event-detail", pk=event.pk)


@login_required
@require_POST
def event_unregister(request, pk: int):
    if not can_register(request.user):
        raise PermissionDenied(_("Enterprise users and bank staff register for events."))
    event = event_get_for_user(user=request.user, pk=pk)
    try:
        services.registration_cancel(event=event, actor=request.user)
    except MatchmakingError as error:
        _forbid(error)
        return _detail(request, event, status=400, refusal=error.message)
    messages.success(request, _("Your registration is cancelled."))
    return redirect("matchmaking:event-detail", pk=event.pk)


# --- The organiser ----------------------------------------------------------------------------------------


def _organiser_only(user) -> None:
    if not (is_organiser(user) or is_oversight(user)):
        raise PermissionDenied(_("Only park administrators and the promotion centre organise events."))


@login_required
@require_GET
def event_manage(request):
    _organiser_only(request.user)
    events = event_manage_list(user=request.user)
    context = {
        "page": Paginator(events, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_create": is_organiser(request.user),
    }
    return render(request, "matchmaking/events/manage.html", context)


def _values(form) -> dict:
    return dict(form.cleaned_data)


@login_required
@require_http_methods(["GET", "POST"])
def event_new(request):
    if not is_organiser(request.user):
        raise PermissionDenied(_("Only park administrators and the promotion centre organise events."))
    form = f.EventForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                event = services.event_create(actor=request.user, values=_values(form))
            except MatchmakingError as error:
                _forbid(error)
                show_errors(form, error.message, error.errors)
            else:
                messages.success(request, _("Event saved as a draft; publish it to open registration."))
                return redirect("matchmaking:event-detail", pk=event.pk)
        return render(request, "matchmaking/events/form.html", {"form": form}, status=400)
    return render(request, "matchmaking/events/form.html", {"form": form})


def _own_event(request, pk: int):
    if not is_organiser(request.user):
        raise PermissionDenied(_("Only park administrators and the promotion centre organise events."))
    event = event_get_for_user(user=request.user, pk=pk)
    if not is_event_organiser(request.user, event):
        # Another organiser's event: its existence is public, its management is not theirs.
        raise PermissionDenied(_("Only the organiser manages its event."))
    return event


@login_required
@require_http_methods(["GET", "POST"])
def event_edit(request, pk: int):
    event = _own_event(request, pk)
    initial = {
        **{name: getattr(event, name) for name in services.FIELDS},
        "starts_at": timezone.localtime(event.starts_at),
        "ends_at": timezone.localtime(event.ends_at),
        "registration_deadline": timezone.localtime(event.registration_deadline),
        "banks": event.banks.all(),
        "products": event.products.all(),
    }
    form = f.EventForm(request.POST or None, initial=initial)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.event_update(event=event, actor=request.user, values=_values(form))
            except MatchmakingError as error:
                _forbid(error)
                show_errors(form, error.message, error.errors)
            else:
                messages.success(request, _("Event saved."))
                return redirect("matchmaking:event-detail", pk=event.pk)
        return render(request, "matchmaking/events/form.html", {"form": form, "event": event}, status=400)
    return render(request, "matchmaking/events/form.html", {"form": form, "event": event})


@login_required
@require_POST
def event_move(request, pk: int):
    event = _own_event(request, pk)
    to = request.POST.get("to", "")
    try:
        services.event_transition(
            event=event, actor=request.user, to=to, reason=request.POST.get("reason", "")
        )
    except MatchmakingError as error:
        _forbid(error)
        return _detail(request, event, status=400, refusal=error.message)
    messages.success(request, _("The event is now “%(status)s”.") % {"status": EventStatus(to).label})
    return redirect("matchmaking:event-detail", pk=event.pk)


def _checkin_page(request, event, *, status: int = 200, match_form=None, refusal: str = ""):
    user = request.user
    organiser = is_event_organiser(user, event)
    context = {
        "event": event,
        "organiser": organiser,
        "attendees": attendees(event) if organiser else [],
        "can_match": services.can_record_match(user, event),
        "match_form": match_form
        or f.MatchForm(
            enterprises=services.attending_enterprises(event), banks=services.match_banks(event, user)
        ),
        "matches": event.matches.select_related("enterprise", "bank", "demand", "recorded_by"),
        "refusal": refusal,
    }
    return render(request, "matchmaking/events/checkin.html", context, status=status)


def _checkin_event(request, pk: int):
    event = event_get_for_user(user=request.user, pk=pk)
    if not services.can_record_match(request.user, event):
        raise PermissionDenied(_("Only the organiser checks attendees in and records matches."))
    return event


@login_required
@require_GET
def event_checkin(request, pk: int):
    return _checkin_page(request, _checkin_event(request, pk))


@login_required
@require_POST
def event_checkin_one(request, pk: int, registration_pk: int):
    event = _own_event(request, pk)
    registration = get_object_or_404(Registration, pk=registration_pk, event=event)
    try:
        services.registration_check_in(registration=registration, actor=request.user)
    except MatchmakingError as error:
        _forbid(error)
        return _checkin_page(request, event, status=400, refusal=error.message)
    messages.success(request, _("%(name)s is checked in.") % {"name": registration.user})
    return redirect("matchmaking:event-checkin", pk=event.pk)


@login_required
@require_POST
def event_match(request, pk: int):
    event = _checkin_event(request, pk)
    form = f.MatchForm(
        request.POST,
        enterprises=services.attending_enterprises(event),
        banks=services.match_banks(event, request.user),
    )
    if not form.is_valid():
        return _checkin_page(request, event, status=400, match_form=form)
    data = form.cleaned_data
    try:
        match = services.match_record(
            event=event, actor=request.user, enterprise=data["enterprise"], bank=data["bank"], values=data
        )
    except MatchmakingError as error:
        _forbid(error)
        show_errors(form, error.message, error.errors)
        return _checkin_page(request, event, status=400, match_form=form)
    messages.success(
        request,
        _("Match recorded: need %(ref)s is claimed by %(bank)s.")
        % {"ref": match.demand.reference, "bank": match.bank.name},
    )
    return redirect("matchmaking:event-checkin", pk=event.pk)
