"""Pages of the financing demand pool: an enterprise's needs and posting one, a park's collection, the banks'
pool and claims, one need with its claims, contacts, outcome and history, and the funnel. Each view checks
the user's kind first (403), then the scope (404), then the form (400, input kept), then calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from matchmaking import forms as f
from matchmaking.errors import MatchmakingError, MatchmakingNotAllowed
from matchmaking.funnel import COLUMNS, can_view_funnel, funnel
from matchmaking.models import Demand, DemandStatus
from matchmaking.permissions import (
    claim_bank_ids,
    in_enterprise,
    is_bank_user,
    is_enterprise_user,
    is_oversight,
    is_park_admin,
    park_district,
)
from matchmaking.selectors import (
    claim_list,
    claim_scope,
    contacts_visible,
    demand_get_for_user,
    demand_list,
    demand_pool,
)
from matchmaking.services import demands as services
from pledges.models import IpAsset
from portal.accounts.models import Organisation, OrgKind
from portal.forms import show_errors

PAGE_SIZE = 25


def _forbid(error: MatchmakingError) -> None:
    if isinstance(error, MatchmakingNotAllowed):
        raise PermissionDenied(error.message) from error


def _query(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _page(request, queryset):
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))


# --- Lists --------------------------------------------------------------------------------------------------


@login_required
@require_GET
def need_list(request):
    user = request.user
    if not (is_enterprise_user(user) or is_park_admin(user) or is_oversight(user)):
        raise PermissionDenied(_("Banks find needs in the demand pool."))
    form = f.NeedFilterForm(request.GET or None)
    status = 200
    needs = demand_list(user=user)
    if form.is_bound and not form.is_valid():
        needs, status = needs.none(), 400
    elif form.is_bound:
        needs = demand_list(user=user, filters=form.cleaned_data)
    context = {
        "form": form,
        "page": _page(request, needs),
        "query": _query(request),
        "enterprise": is_enterprise_user(user),
        "park": is_park_admin(user),
    }
    return render(request, "matchmaking/needs/list.html", context, status=status)


@login_required
@require_GET
def pool(request):
    user = request.user
    if not is_bank_user(user):
        raise PermissionDenied(_("The demand pool is for bank officers and managers."))
    form = f.PoolFilterForm(request.GET or None)
    status = 200
    needs = demand_pool(user=user)
    if form.is_bound and not form.is_valid():
        needs, status = needs.none(), 400
    elif form.is_bound:
        needs = demand_pool(user=user, filters=form.cleaned_data)
    needs = needs.prefetch_related("ip_assets", "preferred_banks")
    context = {"form": form, "page": _page(request, needs), "query": _query(request)}
    return render(request, "matchmaking/needs/pool.html", context, status=status)


@login_required
@require_GET
def claims(request):
    user = request.user
    if not is_bank_user(user):
        raise PermissionDenied(_("Claims are for bank officers and managers."))
    context = {
        "live": claim_list(user=user, live=True)[:200],
        "page": _page(request, claim_list(user=user, live=False)),
        "query": _query(request),
    }
    return render(request, "matchmaking/needs/claims.html", context)


# --- Posting and collecting ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def need_new(request):
    user = request.user
    if not is_enterprise_user(user):
        raise PermissionDenied(_("Only an enterprise's users post its financing needs."))
    assets = IpAsset.objects.filter(owner=user.organisation).order_by("kind", "number")
    form = f.DemandForm(request.POST or None, assets=assets)
    if request.method == "POST":
        if form.is_valid():
            try:
                demand = services.demand_post(actor=user, values=form.cleaned_data)
            except MatchmakingError as error:
                _forbid(error)
                show_errors(form, error.message, error.errors)
            else:
                messages.success(request, _("Need %(ref)s posted.") % {"ref": demand.reference})
                return redirect("matchmaking:demand-detail", pk=demand.pk)
        return render(request, "matchmaking/needs/form.html", {"form": form, "collect": False}, status=400)
    return render(request, "matchmaking/needs/form.html", {"form": form, "collect": False})


def _park_enterprises(user):
    district = park_district(user)
    if not district:
        return Organisation.objects.none()
    return (
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True)
        .filter(Q(district=district) | Q(enterprise_profile__park__district=district))
        .distinct()
        .order_by("name")
    )


@login_required
@require_http_methods(["GET", "POST"])
def need_collect(request):
    user = request.user
    if not is_park_admin(user):
        raise PermissionDenied(_("Only park administrators collect needs on an enterprise's behalf."))
    enterprises = _park_enterprises(user)
    assets = (
        IpAsset.objects.filter(owner__in=enterprises)
        .select_related("owner")
        .order_by("owner__name", "number")
    )
    form = f.CollectForm(request.POST or None, assets=assets, enterprises=enterprises)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                demand = services.demand_collect(actor=user, enterprise=data["enterprise"], values=data)
            except MatchmakingError as error:
                _forbid(error)
                show_errors(form, error.message, error.errors)
            else:
                messages.success(
                    request,
                    _("Need %(ref)s collected; it waits for the enterprise's confirmation.")
                    % {"ref": demand.reference},
                )
                return redirect("matchmaking:demand-detail", pk=demand.pk)
        return render(request, "matchmaking/needs/form.html", {"form": form, "collect": True}, status=400)
    return render(request, "matchmaking/needs/form.html", {"form": form, "collect": True})


# --- One need ---------------------------------------------------------------------------------------------


def _detail(request, demand: Demand, *, status: int = 200, **forms):
    user = request.user
    own_claims = set(claim_bank_ids(user))
    claims_seen = list(
        claim_scope(user)
        .filter(demand=demand)
        .select_related("bank", "claimed_by", "via_event")
        .prefetch_related("contacts__recorded_by")
        .order_by("-pk")
    )
    live = next((claim for claim in claims_seen if not claim.ended), None)
    mine = live is not None and live.bank_id in own_claims
    served = (
        demand.status == DemandStatus.CREDIT_GRANTED and claims_seen and claims_seen[0].bank_id in own_claims
    )
    enterprise = in_enterprise(user, demand.enterprise)
    today = timezone.localdate()
    loans = services.loans_for_outcome(demand, user) if (mine or served) else None
    context = {
        "demand": demand,
        "claims": claims_seen,
        "live": live,
        "mine": mine,
        "contacts_visible": contacts_visible(user),
        # Another bank's claim is not this bank's business (it sees only that the need is taken).
        "show_bank": not is_bank_user(user) or demand.bank_id in own_claims,
        "enterprise": enterprise,
        "can_confirm": enterprise and demand.status == DemandStatus.AWAITING_CONFIRMATION,
        "can_share": enterprise
        and demand.status in (DemandStatus.OPEN, DemandStatus.CLAIMED)
        and not demand.consent,
        "can_withdraw": enterprise and demand.status in (DemandStatus.OPEN, DemandStatus.CLAIMED),
        "can_claim": is_bank_user(user)
        and demand.status == DemandStatus.OPEN
        and demand.consent
        and not (demand.expires_on and demand.expires_on < today),
        "can_outcome": mine or served,
        "confirm_form": forms.get("confirm_form") or f.ConfirmForm(),
        "contact_form": forms.get("contact_form") or f.ContactForm(initial={"contacted_on": today}),
        "outcome_form": forms.get("outcome_form") or f.OutcomeForm(loans=loans),
        "reason_form": forms.get("reason_form") or f.ReasonForm(),
        "refusal": forms.get("refusal"),
        "events": demand.events.select_related("actor").order_by("at", "pk"),
        "ip_assets": demand.ip_assets.all(),
        "preferred_banks": demand.preferred_banks.all(),
        "matches": demand.matches.select_related("event"),
    }
    return render(request, "matchmaking/needs/detail.html", context, status=status)


@login_required
@require_GET
def need_detail(request, pk: int):
    return _detail(request, demand_get_for_user(user=request.user, pk=pk))


def _done(request, demand, message: str):
    messages.success(request, message)
    return redirect("matchmaking:demand-detail", pk=demand.pk)


def _refused(request, demand, error: MatchmakingError, form_name: str | None = None, form=None):
    _forbid(error)
    if form is not None:
        show_errors(form, error.message, error.errors)
        return _detail(request, demand, status=400, **{form_name: form})
    return _detail(request, demand, status=400, refusal=error.message)


@login_required
@require_POST
def need_confirm(request, pk: int):
    if not is_enterprise_user(request.user):
        raise PermissionDenied(_("Only the enterprise's own users confirm its needs."))
    demand = demand_get_for_user(user=request.user, pk=pk)
    form = f.ConfirmForm(request.POST)
    if not form.is_valid():
        return _detail(request, demand, status=400, confirm_form=form)
    data = form.cleaned_data
    try:
        services.demand_confirm(
            demand=demand,
            actor=request.user,
            confirmed=data["decision"] == "confirm",
            consent=data["consent"],
            reason=data["reason"],
        )
    except MatchmakingError as error:
        return _refused(request, demand, error, "confirm_form", form)
    return _done(request, demand, _("Your answer is recorded."))


@login_required
@require_POST
def need_share(request, pk: int):
    if not is_enterprise_user(request.user):
        raise PermissionDenied(_("Only the enterprise's own users share its needs."))
    demand = demand_get_for_user(user=request.user, pk=pk)
    try:
        services.demand_share(demand=demand, actor=request.user)
    except MatchmakingError as error:
        return _refused(request, demand, error)
    return _done(request, demand, _("The need is now visible to banks."))


@login_required
@require_POST
def need_withdraw(request, pk: int):
    if not is_enterprise_user(request.user):
        raise PermissionDenied(_("Only the enterprise's own users withdraw its needs."))
    demand = demand_get_for_user(user=request.user, pk=pk)
    form = f.ReasonForm(request.POST)
    form.is_valid()
    try:
        services.demand_withdraw(
            demand=demand, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except MatchmakingError as error:
        return _refused(request, demand, error)
    return _done(request, demand, _("The need is withdrawn."))


def _bank_only(user) -> None:
    if not is_bank_user(user):
        raise PermissionDenied(_("Only bank officers and managers work needs."))


@login_required
@require_POST
def need_claim(request, pk: int):
    _bank_only(request.user)
    demand = demand_get_for_user(user=request.user, pk=pk)
    try:
        claim = services.demand_claim(demand=demand, actor=request.user)
    except MatchmakingError as error:
        return _refused(request, demand, error)
    return _done(
        request,
        demand,
        _("Claimed: your bank has it to itself until %(until)s. Log a contact before then or it is released.")
        % {"until": claim.claim_until.isoformat()},
    )


@login_required
@require_POST
def need_contact(request, pk: int):
    _bank_only(request.user)
    demand = demand_get_for_user(user=request.user, pk=pk)
    form = f.ContactForm(request.POST)
    if not form.is_valid():
        return _detail(request, demand, status=400, contact_form=form)
    try:
        services.contact_log(demand=demand, actor=request.user, values=form.cleaned_data)
    except MatchmakingError as error:
        return _refused(request, demand, error, "contact_form", form)
    return _done(request, demand, _("Contact logged."))


@login_required
@require_POST
def need_outcome(request, pk: int):
    _bank_only(request.user)
    demand = demand_get_for_user(user=request.user, pk=pk)
    form = f.OutcomeForm(request.POST, loans=services.loans_for_outcome(demand, request.user))
    if not form.is_valid():
        return _detail(request, demand, status=400, outcome_form=form)
    data = form.cleaned_data
    try:
        services.demand_outcome(demand=demand, actor=request.user, outcome=data["outcome"], values=data)
    except MatchmakingError as error:
        return _refused(request, demand, error, "outcome_form", form)
    return _done(request, demand, _("Outcome recorded."))


@login_required
@require_POST
def need_hand_back(request, pk: int):
    _bank_only(request.user)
    demand = demand_get_for_user(user=request.user, pk=pk)
    form = f.ReasonForm(request.POST)
    form.is_valid()
    try:
        services.demand_hand_back(
            demand=demand, actor=request.user, reason=form.cleaned_data.get("reason", "")
        )
    except MatchmakingError as error:
        return _refused(request, demand, error)
    return _done(request, demand, _("The need is back in the pool."))


# --- The funnel -----------------------------------------------------------------------------------------------


@login_required
@require_GET
def funnel_view(request):
    user = request.user
    if not can_view_funnel(user):
        raise PermissionDenied(
            _(
                "The funnel is for the promotion centre, the joint office, park administrators and bank managers."
            )
        )
    form = f.FunnelForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        return render(request, "matchmaking/needs/funnel.html", {"form": form, "funnel": None}, status=400)
    data = form.cleaned_data if form.is_bound else {}
    result = funnel(user=user, start=data.get("start"), end=data.get("end"), source=data.get("source") or "")
    return render(
        request,
        "matchmaking/needs/funnel.html",
        {"form": form, "funnel": result, "columns": COLUMNS, "list_url": reverse("matchmaking:demand-list")},
    )
