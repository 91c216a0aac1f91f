"""The whitelist deliveries API for banks (/api/v1/whitelist/deliveries/): list, summary, entries, acknowledge.

- A bank's system calls with an OAuth 2 bearer token (portal.apiauth); the portal's pages may call with the
  browser session. A bank (head office or branch) sees its head office's deliveries; the IP bureau's
  whitelist staff and the joint-meeting office see all; anyone else gets 403. Another bank's delivery is a
  404 on every route (and an ``authz.denied`` audit row), through ``whitelist.deliveries.delivery_scope``.
- Lists are keysets with a cursor (no COUNT, no OFFSET: docs/performance.md §1). The entries of a delivery
  (up to 100,000) are read as plain rows, a page at a time, with their IP fetched in one query per page, so
  a page of 2,000 costs the queries of a page of 10 and memory does not grow with the batch.
- "Changes since": a published batch never changes, so what is new for a bank is new deliveries. Poll
  ``GET deliveries/?since=<created_at of the newest delivery seen>`` (or ``?acknowledged=false``), pull
  each new delivery's entries, then acknowledge it.
"""

import re

from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import query_serializer_or_400
from whitelist.deliveries import (
    CATEGORIES,
    delivery_acknowledge,
    delivery_entries,
    delivery_entries_url,
    delivery_get_for_user,
    delivery_list,
    entry_assets,
)
from whitelist.errors import WhitelistError, WhitelistNotAllowed
from whitelist.models import CreditRating, Delivery, RevenueBand
from whitelist.permissions import (
    can_acknowledge_delivery,
    is_bank_user,
    is_report_viewer,
)

ENTRY_PAGE_SIZE = 500
ENTRY_MAX_PAGE_SIZE = 2000


# --- Permissions ---------------------------------------------------------------------------------------


class CanReadDeliveries(BasePermission):
    message = gettext_lazy(
        "Only banks, the IP bureau's whitelist staff and the joint-meeting office read whitelist deliveries."
    )

    def has_permission(self, request, view) -> bool:
        return is_bank_user(request.user) or is_report_viewer(request.user)


class CanAcknowledge(BasePermission):
    message = gettext_lazy("Only the receiving bank's users acknowledge a whitelist delivery.")

    def has_permission(self, request, view) -> bool:
        return can_acknowledge_delivery(request.user)[0]


# --- Input ---------------------------------------------------------------------------------------------

_OFFSET_AFTER_SPACE = re.compile(r" (\d{2}(:?\d{2})?)$")


class SinceField(serializers.DateTimeField):
    """An ISO 8601 moment; a "+08:00" sent without URL encoding arrives as " 08:00" and is read as meant.
    Without an offset it is Beijing time."""

    def to_internal_value(self, value):
        if isinstance(value, str):
            value = _OFFSET_AFTER_SPACE.sub(r"+\1", value.strip())
        return super().to_internal_value(value)


class DeliveryListQuerySerializer(serializers.Serializer):
    since = SinceField(
        required=False,
        help_text=gettext_lazy(
            "Only deliveries made after this moment (ISO 8601, e.g. 2026-03-02T09:30:00+08:00): pass the "
            "`delivered_at` of the newest delivery you have seen to get only new ones."
        ),
    )
    acknowledged = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("true or false: only deliveries you have (not yet) acknowledged."),
    )
    cursor = serializers.CharField(required=False, help_text=gettext_lazy("From the previous page's links."))
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


class EntryQuerySerializer(serializers.Serializer):
    since = serializers.CharField(
        required=False,
        help_text=gettext_lazy(
            "An ISO 8601 moment: the delivery's entries if it was made after it, else an empty page (a "
            "published batch never changes). Any other value is read as a cursor, as `cursor` is."
        ),
    )
    cursor = serializers.CharField(required=False, help_text=gettext_lazy("From the previous page's links."))
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=ENTRY_MAX_PAGE_SIZE)


# --- Output --------------------------------------------------------------------------------------------


class BankRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField(allow_null=True)


_moment = serializers.DateTimeField()


def _when(value) -> str | None:
    return _moment.to_representation(value) if value is not None else None


def _day(value) -> str | None:
    return value.isoformat() if value is not None else None


# The columns a delivery is written from, fetched as plain rows.
DELIVERY_COLUMNS = (
    "id",
    "batch__number",
    "bank_id",
    "bank__name",
    "bank__uscc",
    "created_at",
    "batch__published_at",
    "batch__valid_until",
    "batch__published_count",
    "batch__feedback_due_on",
    "acknowledged_at",
)


def delivery_summary(row: dict) -> dict:
    return {
        "id": row["id"],
        "batch_number": row["batch__number"],
        "bank": {"id": row["bank_id"], "name": row["bank__name"], "uscc": row["bank__uscc"]},
        "delivered_at": _when(row["created_at"]),
        "published_at": _when(row["batch__published_at"]),
        "valid_until": _day(row["batch__valid_until"]),
        "entries": row["batch__published_count"],
        "feedback_due_on": _day(row["batch__feedback_due_on"]),
        "acknowledged": row["acknowledged_at"] is not None,
        "acknowledged_at": _when(row["acknowledged_at"]),
        "entries_url": delivery_entries_url(row["id"]),
    }


class DeliveryListSerializer(serializers.ListSerializer):
    """A page of deliveries written from plain rows; the declared fields below stay the schema."""

    def to_representation(self, data):
        return [delivery_summary(row) for row in data]


class DeliverySerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = DeliveryListSerializer

    id = serializers.IntegerField()
    batch_number = serializers.IntegerField()
    bank = BankRefSerializer(
        help_text=gettext_lazy("The receiving bank's head office (for its whole group).")
    )
    delivered_at = serializers.DateTimeField(help_text=gettext_lazy("When the batch was delivered."))
    published_at = serializers.DateTimeField(allow_null=True)
    valid_until = serializers.DateField(help_text=gettext_lazy("The batch is valid until this day."))
    entries = serializers.IntegerField(help_text=gettext_lazy("How many enterprises the batch holds."))
    feedback_due_on = serializers.DateField(
        allow_null=True, help_text=gettext_lazy("The bank's feedback on each enterprise is due on this day.")
    )
    acknowledged = serializers.BooleanField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    entries_url = serializers.URLField(help_text=gettext_lazy("Where to pull the entries."))


class AssetSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text=gettext_lazy("patent, trademark, copyright, ..."))
    number = serializers.CharField()
    title = serializers.CharField()
    patent_type = serializers.CharField(help_text=gettext_lazy("For a patent: its type; else empty."))


class IndicatorSerializer(serializers.Serializer):
    invention_patents = serializers.IntegerField()
    utility_patents = serializers.IntegerField()
    design_patents = serializers.IntegerField()
    trademarks = serializers.IntegerField()
    rd_ratio_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, allow_null=True, help_text=gettext_lazy("R&D spending, % of revenue.")
    )
    revenue_band = serializers.ChoiceField(choices=RevenueBand.choices, allow_blank=True)
    credit_rating = serializers.ChoiceField(choices=CreditRating.choices, allow_blank=True)


def entry_out(row: dict, assets: list[dict], valid_until: str | None) -> dict:
    rd = row["candidate__rd_ratio_pct"]
    return {
        "id": row["id"],
        "uscc": row["enterprise__uscc"],
        "name": row["enterprise__name"],
        "categories": [code for flag, code in CATEGORIES if row[f"candidate__{flag}"]],
        "indicators": {
            "invention_patents": row["candidate__invention_patents"],
            "utility_patents": row["candidate__utility_patents"],
            "design_patents": row["candidate__design_patents"],
            "trademarks": row["candidate__trademarks"],
            "rd_ratio_pct": None if rd is None else f"{rd:.2f}",
            "revenue_band": row["candidate__revenue_band"],
            "credit_rating": row["candidate__credit_rating"],
        },
        "valid_until": valid_until,
        "assets": assets,
    }


class EntrySerializer(serializers.Serializer):
    """The documented shape of an entry (written by ``entry_out``; a test checks the keys match)."""

    id = serializers.IntegerField(help_text=gettext_lazy("The entry's id (feedback names it)."))
    uscc = serializers.CharField(help_text=gettext_lazy("The enterprise's unified social credit code."))
    name = serializers.CharField()
    categories = serializers.ListField(
        child=serializers.ChoiceField(choices=[code for _f, code in CATEGORIES])
    )
    indicators = IndicatorSerializer(help_text=gettext_lazy("The indicators it was screened on."))
    valid_until = serializers.DateField()
    assets = AssetSerializer(many=True, help_text=gettext_lazy("Its pledgeable IP when published."))


_ERROR = inline_serializer(
    name="WhitelistApiError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)
_NOT_FOUND = OpenApiResponse(_ERROR, description="No such delivery among those the caller may see.")
_FORBIDDEN = OpenApiResponse(
    _ERROR, description="Not signed in, or neither a bank, whitelist staff nor the joint-meeting office."
)


# --- Views ---------------------------------------------------------------------------------------------


class DeliveryCursorPagination(CursorPagination):
    ordering = "-id"  # deliveries are created in publication order: newest first
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class EntryCursorPagination(CursorPagination):
    ordering = "id"  # the keyset over (batch, entry id): the batch is fixed by the delivery
    page_size = ENTRY_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = ENTRY_MAX_PAGE_SIZE


class DeliveryListApi(APIView):
    permission_classes = [IsAuthenticated, CanReadDeliveries]

    @extend_schema(
        operation_id="whitelist_deliveries_list",
        summary="Whitelist deliveries the caller may see, newest first",
        description=(
            "A page at a time: follow `next` (a cursor; there is no page count). A bank sees its head "
            "office's deliveries (one per published batch, for the whole group); whitelist staff and the "
            "joint-meeting office see every bank's.\n\n"
            "**Changes since.** A published batch never changes, so the only news is a new delivery. Poll "
            "with `since` set to the `delivered_at` of the newest delivery you have already seen: only "
            "deliveries made after it are listed. Or poll `acknowledged=false` and acknowledge each delivery "
            "once pulled: that list is then exactly what is left to do."
        ),
        tags=["whitelist"],
        parameters=[DeliveryListQuerySerializer],
        responses={
            200: inline_serializer(
                name="WhitelistDeliveryPage",
                fields={
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": DeliverySerializer(many=True),
                },
            ),
            400: OpenApiResponse(_ERROR, description="A filter is malformed."),
            403: _FORBIDDEN,
            404: OpenApiResponse(_ERROR, description="The cursor is malformed."),
        },
    )
    def get(self, request):
        query = query_serializer_or_400(DeliveryListQuerySerializer, request)
        filters = {"since": query.get("since"), "acknowledged": query.get("acknowledged")}
        rows = delivery_list(user=request.user, filters=filters).values(*DELIVERY_COLUMNS)
        paginator = DeliveryCursorPagination()
        page = paginator.paginate_queryset(rows, request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)


class _DeliveryObjectApi(APIView):
    """Routes on one delivery: the role is checked first (403 whatever the id), then the delivery is looked
    up in the caller's scope (404 for another bank's), both before the handler runs."""

    permission_classes = [IsAuthenticated, CanReadDeliveries]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.delivery = delivery_get_for_user(user=request.user, pk=kwargs["pk"])


def _summary(delivery: Delivery) -> dict:
    return delivery_summary(Delivery.objects.filter(pk=delivery.pk).values(*DELIVERY_COLUMNS).get())


class DeliveryDetailApi(_DeliveryObjectApi):
    @extend_schema(
        operation_id="whitelist_deliveries_detail",
        summary="One delivery: its batch, size, validity, feedback due date and acknowledgement",
        tags=["whitelist"],
        responses={200: DeliverySerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def get(self, request, pk: int):
        return Response(_summary(self.delivery))


class DeliveryEntriesApi(_DeliveryObjectApi):
    @extend_schema(
        operation_id="whitelist_deliveries_entries",
        summary="The enterprises of a delivery, by entry id, a page at a time",
        description=(
            "Each entry: the enterprise's credit code and name, its categories, the indicators it was "
            "screened on, the batch's validity and its pledgeable IP when published. Follow `next` until it "
            "is null (a cursor over entry ids; `page_size` up to 2000, 500 by default).\n\n"
            "**Changes since.** `since` as an ISO 8601 moment gives the entries if the delivery was made "
            "after it and an empty page otherwise: a published batch never changes, so nothing in an older "
            "delivery is new. Any other `since` is read as a cursor (the value of `cursor` in a `next` "
            "link), so a client that keeps one position per delivery can resume where it stopped."
        ),
        tags=["whitelist"],
        parameters=[EntryQuerySerializer],
        responses={
            200: inline_serializer(
                name="WhitelistEntryPage",
                fields={
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": EntrySerializer(many=True),
                },
            ),
            400: OpenApiResponse(_ERROR, description="A parameter is malformed."),
            403: _FORBIDDEN,
            404: OpenApiResponse(
                _ERROR, description="No such delivery in your scope, or a malformed cursor."
            ),
        },
    )
    def get(self, request, pk: int):
        query = query_serializer_or_400(EntryQuerySerializer, request)
        paginator = EntryCursorPagination()
        if since := query.get("since"):
            try:
                moment = SinceField().to_internal_value(since)
            except serializers.ValidationError:
                if "cursor" not in request.query_params:
                    paginator.cursor_query_param = "since"  # the next links keep using `since`
            else:
                if self.delivery.created_at <= moment:
                    return Response({"next": None, "previous": None, "results": []})
        page = paginator.paginate_queryset(delivery_entries(self.delivery), request, view=self)
        assets = entry_assets([row["id"] for row in page])
        valid_until = _day(self.delivery.batch.valid_until)
        return paginator.get_paginated_response(
            [entry_out(row, assets[row["id"]], valid_until) for row in page]
        )


class DeliveryAcknowledgeApi(_DeliveryObjectApi):
    permission_classes = [IsAuthenticated, CanAcknowledge]

    @extend_schema(
        operation_id="whitelist_deliveries_acknowledge",
        summary="Acknowledge receipt of a delivery",
        description=(
            "The bank confirms it has the delivery; it is no longer chased. Idempotent: acknowledging again "
            "changes nothing and keeps the first time (no Idempotency-Key needed)."
        ),
        tags=["whitelist"],
        request=None,
        responses={
            200: DeliverySerializer,
            403: OpenApiResponse(_ERROR, description="Not signed in, or not a user of a bank."),
            404: _NOT_FOUND,
        },
    )
    def post(self, request, pk: int):
        try:
            delivery_acknowledge(self.delivery, request.user)
        except WhitelistNotAllowed as error:
            raise exceptions.PermissionDenied(error.message) from error
        except WhitelistError as error:
            raise serializers.ValidationError({"non_field_errors": [error.message]}) from error
        return Response(_summary(self.delivery))
