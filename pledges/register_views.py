"""Pages of the IP register: an enterprise's assets, one asset, adding one, and the staff feed import."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from pledges.calculations import (
    FeeStanding,
    annual_fee_grace_end,
    annual_fee_reminder_dates,
    annual_fee_standing,
    asset_term_end,
)
from pledges.models import LegalStatus
from pledges.permissions import can_add_asset, can_import_legal_status
from pledges.register_forms import ASSET_FORMS, LegalStatusImportForm
from pledges.selectors import asset_get_for_user, asset_list, asset_pledge_states
from pledges.services.register import asset_create, legal_status_import
from portal.policy.models import IpKind

PAGE_SIZE = 30


def _facts(asset, pledge_state: dict, today) -> dict:
    term_end = asset_term_end(asset)
    standing = None
    if asset.kind == IpKind.PATENT and asset.legal_status not in {LegalStatus.PENDING}:
        standing = FeeStanding(annual_fee_standing(asset.annual_fee_paid_through, today))
    return {
        "asset": asset,
        "term_end": term_end,
        "term_ended": term_end is not None and term_end < today,
        "fee_standing": standing,
        "pledge": pledge_state,
    }


@login_required
@require_GET
def asset_list_view(request):
    filters = {name: request.GET.get(name, "") for name in ("kind", "legal_status", "search")}
    page = Paginator(asset_list(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    states = asset_pledge_states(asset_ids=[asset.pk for asset in page])
    today = localdate()
    return render(
        request,
        "pledges/assets/list.html",
        {
            "page": page,
            "rows": [_facts(asset, states[asset.pk], today) for asset in page],
            "filters": filters,
            "kinds": IpKind.choices,
            "statuses": LegalStatus.choices,
            "can_add": can_add_asset(request.user)[0],
        },
    )


@login_required
@require_GET
def asset_detail_view(request, pk: int):
    asset = asset_get_for_user(user=request.user, pk=pk)
    today = localdate()
    facts = _facts(asset, asset_pledge_states(asset_ids=[asset.pk])[asset.pk], today)
    fee_dates = []
    if asset.kind == IpKind.PATENT and asset.annual_fee_paid_through:
        fee_dates = annual_fee_reminder_dates(asset.annual_fee_paid_through)
        facts["grace_end"] = annual_fee_grace_end(asset.annual_fee_paid_through)
    return render(
        request,
        "pledges/assets/detail.html",
        {
            **facts,
            "holders": asset.holders.all(),
            "events": asset.status_events.select_related("recorded_by"),
            "fee_dates": fee_dates,
            "today": today,
        },
    )


def _add_service_errors(form, error: ValidationError) -> None:
    # The service names fields by the model; a field this kind's form does not show goes on top.
    for name, field_errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, field_errors)


@login_required
@require_http_methods(["GET", "POST"])
def asset_create_view(request):
    allowed, reason = can_add_asset(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    kind = request.GET.get("kind", IpKind.PATENT)
    if kind not in ASSET_FORMS:
        kind = IpKind.PATENT
    form_class = ASSET_FORMS[kind]
    form = form_class(request.POST) if request.method == "POST" else form_class()
    if request.method == "POST" and form.is_valid():
        try:
            asset = asset_create(
                owner=request.user.organisation, kind=kind, actor=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _add_service_errors(form, error)
        else:
            messages.success(request, _("%(number)s is now in your register.") % {"number": asset.number})
            return redirect("pledges:asset_detail", pk=asset.pk)
    return render(
        request,
        "pledges/assets/form.html",
        {"form": form, "kind": kind, "kinds": IpKind.choices},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def legal_status_import_view(request):
    allowed, reason = can_import_legal_status(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    form = (
        LegalStatusImportForm(request.POST, request.FILES)
        if request.method == "POST"
        else LegalStatusImportForm()
    )
    result = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["file"]
            result = legal_status_import(content=upload.read(), filename=upload.name, actor=request.user)
            if not result.ok:
                status = 400
        else:
            status = 400
    return render(
        request, "pledges/assets/legal_status_import.html", {"form": form, "result": result}, status=status
    )
