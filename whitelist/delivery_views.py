"""Pages of the banks' whitelist deliveries.

- ``delivery_list``: a bank's users see their head office's deliveries, acknowledge them and download them;
  whitelist staff (and the joint-meeting office, read only) see every delivery with its webhook
  notification's status, failed ones first, and staff resend a failed one.
- ``delivery_detail``: a delivery's enterprises, 50 a page; ``delivery_excel`` the whole delivery as .xlsx,
  written row by row in openpyxl's write-only mode so memory stays flat whatever the batch's size.
- ``webhook_settings``: a head office's managers set the URL the portal notifies, see the signing secret
  once, and the recent notifications with their answers.

Every read goes through ``whitelist.deliveries.delivery_scope`` (another bank's delivery is a 404); a user
who may not see deliveries at all gets 403.
"""

import tempfile

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Exists, IntegerField, OuterRef, Subquery, Value, When
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from portal.audit.services import audit_export
from whitelist.deliveries import (
    CATEGORIES,
    delivery_acknowledge,
    delivery_entries,
    delivery_entry_chunks,
    delivery_get_for_user,
    delivery_list,
    delivery_resend,
    entry_assets,
    entry_categories,
    webhook_disable,
    webhook_notification_list,
    webhook_set,
)
from whitelist.errors import WhitelistError, WhitelistNotAllowed
from whitelist.models import (
    Candidate,
    CreditRating,
    NotificationStatus,
    RevenueBand,
    WebhookEndpoint,
    WebhookNotification,
)
from whitelist.permissions import (
    can_acknowledge_delivery,
    can_resend_notification,
    can_set_webhook,
    is_bank_user,
    is_report_viewer,
)

DELIVERIES_PER_PAGE = 20
ENTRIES_PER_PAGE = 50
RECENT_NOTIFICATIONS = 20
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class WebhookForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("URL to notify"),
        max_length=500,
        help_text=gettext_lazy(
            "An https address of your bank's system. The portal POSTs a signed notice there for every new "
            "delivery (see the verification guide in docs/whitelist-webhooks.md)."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://api.example-bank.cn/whitelist/notify"}),
    )


def _require_reader(user) -> None:
    if not (is_bank_user(user) or is_report_viewer(user)):
        raise PermissionDenied(
            _(
                "Only banks, the IP bureau's whitelist staff and the joint-meeting office see whitelist deliveries."
            )
        )


def _refusal(error: WhitelistError) -> None:
    if isinstance(error, WhitelistNotAllowed):
        raise PermissionDenied(error.message)


# --- The list ------------------------------------------------------------------------------------------


def _staff_deliveries(user):
    latest = WebhookNotification.objects.filter(delivery=OuterRef("pk")).order_by("-created_at", "-pk")
    return (
        delivery_list(user=user)
        .select_related("batch", "bank", "acknowledged_by")
        .annotate(
            notification_status=Subquery(latest.values("status")[:1]),
            notification_attempts=Subquery(latest.values("attempts")[:1]),
            notification_error=Subquery(latest.values("last_error")[:1]),
            notification_at=Subquery(latest.values("last_attempt_at")[:1]),
            has_webhook=Exists(WebhookEndpoint.objects.filter(bank_id=OuterRef("bank_id"), is_active=True)),
            failed_first=Case(
                When(notification_status=NotificationStatus.FAILED, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            ),
        )
        .order_by("failed_first", "-id")
    )


def _list(request, status: int = 200):
    user = request.user
    staff_view = is_report_viewer(user)
    if staff_view:
        deliveries = _staff_deliveries(user)
    else:
        deliveries = delivery_list(user=user).select_related("batch", "acknowledged_by")
    page = Paginator(deliveries, DELIVERIES_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "staff_view": staff_view,
        "can_resend": can_resend_notification(user)[0],
        "can_acknowledge": can_acknowledge_delivery(user)[0],
        "can_set_webhook": can_set_webhook(user)[0],
        "statuses": NotificationStatus,
    }
    return render(request, "whitelist/deliveries/list.html", context, status=status)


@login_required
@require_GET
def delivery_list_view(request):
    _require_reader(request.user)
    return _list(request)


@login_required
@require_POST
def delivery_ack(request, pk: int):
    _require_reader(request.user)
    allowed, reason = can_acknowledge_delivery(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    delivery = delivery_get_for_user(user=request.user, pk=pk)
    try:
        delivery_acknowledge(delivery, request.user)
    except WhitelistError as error:
        _refusal(error)
        messages.error(request, error.message)
        return _list(request, status=400)
    messages.success(
        request, _("Receipt of batch %(number)s acknowledged.") % {"number": delivery.batch.number}
    )
    if request.POST.get("back") == "detail":
        return redirect("whitelist:delivery_detail", delivery.pk)
    return redirect("whitelist:delivery_list")


@login_required
@require_POST
def delivery_resend_view(request, pk: int):
    _require_reader(request.user)
    allowed, reason = can_resend_notification(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    delivery = delivery_get_for_user(user=request.user, pk=pk)
    try:
        delivery_resend(delivery, request.user)
    except WhitelistError as error:
        _refusal(error)
        messages.error(request, error.message)
        return _list(request, status=400)
    messages.success(
        request,
        _("The notification of batch %(number)s to %(bank)s is being sent again.")
        % {"number": delivery.batch.number, "bank": delivery.bank.name},
    )
    return redirect("whitelist:delivery_list")


# --- One delivery --------------------------------------------------------------------------------------


class _CountedPaginator(Paginator):
    # The batch already says how many enterprises it published: no COUNT(*) over 100,000 entries.
    def __init__(self, object_list, per_page, count: int):
        super().__init__(object_list, per_page)
        self._known_count = count

    @cached_property
    def count(self) -> int:
        return self._known_count


_FLAG_LABELS = {flag: Candidate._meta.get_field(flag).verbose_name for flag, _code in CATEGORIES}
_CODE_LABELS = {code: _FLAG_LABELS[flag] for flag, code in CATEGORIES}
_REVENUE = dict(RevenueBand.choices)
_RATING = dict(CreditRating.choices)


@login_required
@require_GET
def delivery_detail(request, pk: int):
    _require_reader(request.user)
    delivery = delivery_get_for_user(user=request.user, pk=pk)
    paginator = _CountedPaginator(
        delivery_entries(delivery), ENTRIES_PER_PAGE, delivery.batch.published_count
    )
    page = paginator.get_page(request.GET.get("page"))
    rows = list(page.object_list)
    assets = entry_assets([row["id"] for row in rows])
    entries = [
        {
            "row": row,
            "categories": [_CODE_LABELS[code] for code in entry_categories(row)],
            "revenue_band": _REVENUE.get(row["candidate__revenue_band"], ""),
            "assets": assets[row["id"]],
        }
        for row in rows
    ]
    context = {
        "delivery": delivery,
        "page": page,
        "entries": entries,
        "can_acknowledge": can_acknowledge_delivery(request.user)[0],
    }
    return render(request, "whitelist/deliveries/detail.html", context)


def _cell(sheet, value):
    # openpyxl writes a string starting with "=" as a formula; names and titles are data, never formulas.
    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"
        return cell
    return value


def _write_workbook(delivery, target) -> int:
    """The delivery as two sheets, its enterprises and their pledgeable IP, streamed from a keyset walk.
    Returns how many enterprises were written."""
    book = Workbook(write_only=True)
    enterprises = book.create_sheet(_("Enterprises"))
    ip_sheet = book.create_sheet(_("Pledgeable IP"))
    valid_until = delivery.batch.valid_until
    # Labels translated once, not once per row.
    categories = {code: str(label) for code, label in _CODE_LABELS.items()}
    revenue = {value: str(label) for value, label in _REVENUE.items()}
    enterprises.append(
        [
            _("Credit code"),
            _("Enterprise"),
            _("Categories"),
            _("Valid invention patents"),
            _("Valid utility models"),
            _("Valid designs"),
            _("Registered trademarks"),
            _("R&D spending (% of revenue)"),
            _("Revenue band"),
            _("Credit rating"),
            _("Valid until"),
            _("Pledgeable IP"),
        ]
    )
    ip_sheet.append(
        [_("Credit code"), _("Enterprise"), _("IP kind"), _("Number"), _("Title"), _("Patent type")]
    )
    written = 0
    for rows, assets in delivery_entry_chunks(delivery):
        for row in rows:
            uscc, name = row["enterprise__uscc"], row["enterprise__name"]
            own = assets[row["id"]]
            enterprises.append(
                [
                    uscc,
                    _cell(enterprises, name),
                    "、".join(categories[code] for code in entry_categories(row)),
                    row["candidate__invention_patents"],
                    row["candidate__utility_patents"],
                    row["candidate__design_patents"],
                    row["candidate__trademarks"],
                    row["candidate__rd_ratio_pct"],
                    revenue.get(row["candidate__revenue_band"], ""),
                    _RATING.get(row["candidate__credit_rating"], ""),
                    valid_until,
                    len(own),
                ]
            )
            for asset in own:
                ip_sheet.append(
                    [
                        uscc,
                        _cell(ip_sheet, name),
                        asset["kind"],
                        _cell(ip_sheet, asset["number"]),
                        _cell(ip_sheet, asset["title"]),
                        asset["patent_type"],
                    ]
                )
            written += 1
    book.save(target)
    return written


@login_required
@require_GET
def delivery_excel(request, pk: int):
    _require_reader(request.user)
    delivery = delivery_get_for_user(user=request.user, pk=pk)
    # A temporary file, not memory: the workbook of 100,000 enterprises is written and sent from disk.
    target = tempfile.TemporaryFile()  # noqa: SIM115 (FileResponse closes it, which deletes it)
    written = _write_workbook(delivery, target)
    target.seek(0)
    audit_export(
        request=request,
        object_type="whitelist.delivery",
        filters={"delivery": delivery.pk, "batch": delivery.batch.number},
        row_count=written,
    )
    response = FileResponse(
        target,
        as_attachment=True,
        filename=f"whitelist-batch-{delivery.batch.number}-{timezone.localdate():%Y%m%d}.xlsx",
        content_type=XLSX,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- The bank's webhook --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def webhook_settings(request):
    allowed, reason = can_set_webhook(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    bank = request.user.organisation
    form = WebhookForm(request.POST if request.method == "POST" and "disable" not in request.POST else None)
    secret = ""  # nosec B105 # empty until a new secret is generated and shown once
    status = 200
    if request.method == "POST":
        if "disable" in request.POST:
            try:
                webhook_disable(bank, request.user)
            except WhitelistError as error:
                _refusal(error)
            messages.success(request, _("The portal no longer notifies your bank's system."))
            return redirect("whitelist:webhook_settings")
        if form.is_valid():
            try:
                secret = webhook_set(bank, form.cleaned_data["url"], request.user)
            except WhitelistError as error:
                _refusal(error)
                for name, field_errors in error.errors.items():
                    form.add_error(name if name in form.fields else None, field_errors)
                if not error.errors:
                    form.add_error(None, error.message)
                status = 400
        else:
            status = 400
    endpoint = WebhookEndpoint.objects.filter(bank=bank).select_related("updated_by").first()
    if secret or (request.method == "GET" and endpoint is not None):
        form = WebhookForm(initial={"url": endpoint.url})
    context = {
        "form": form,
        "endpoint": endpoint,
        "secret": secret,
        "notifications": webhook_notification_list(bank_id=bank.pk)[:RECENT_NOTIFICATIONS],
    }
    response = render(request, "whitelist/deliveries/webhook.html", context, status=status)
    # The secret is on this page once: no cache (browser or proxy) may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response
