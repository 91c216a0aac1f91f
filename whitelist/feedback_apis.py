"""The whitelist feedback and recommendations API for banks (/api/v1/whitelist/), issue 5.

- Writes need an ``Idempotency-Key`` (portal.idempotency): the same key and body return the stored
  answer and record nothing new; another body is a 422; no key a 400.
- The bank is always the caller's head office: no input names a bank.
- An entry of a batch the caller's bank never received (or of another organisation, for a non-bank) is a
  404 on every route, recorded as an ``authz.denied`` audit row; a role that may not write is a 403
  whatever the id. A bank reads only its own group's feedback and recommendations.
- The recommendations list is a cursor over "-id" (no COUNT, no OFFSET: docs/performance.md §1).
"""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from loans.selectors import loan_scope
from portal.api import query_serializer_or_400
from portal.audit.scope import OutOfScope, record_hidden_denial
from portal.idempotency.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IDEMPOTENCY_RESPONSES,
    IdempotentAPIView,
    idempotent,
)
from whitelist.errors import WhitelistError, WhitelistNotAllowed
from whitelist.feedback import (
    TEXT_MAX,
    entry_get_for_user,
    feedback_for_entry,
    feedback_record,
    recommendation_create,
    recommendation_list,
)
from whitelist.models import BatchEntry, DeclineCode, FeedbackKind, RecommendationStatus
from whitelist.permissions import (
    can_report_feedback,
)

# --- Permissions and errors -------------------------------------------------------------------------


class IsBankReporter(BasePermission):
    message = gettext_lazy("Only a bank's officers and managers report feedback and recommend enterprises.")

    def has_permission(self, request, view) -> bool:
        return can_report_feedback(request.user)[0]


def _refused(error: WhitelistError):
    if isinstance(error, WhitelistNotAllowed):
        raise exceptions.PermissionDenied(error.message)
    raise serializers.ValidationError(error.errors or {"non_field_errors": [error.message]})


def _entry_in_scope(request, entry_id: int) -> BatchEntry:
    try:
        return entry_get_for_user(user=request.user, pk=entry_id)
    except OutOfScope as hidden:
        record_hidden_denial(request, hidden)  # raised as DRF's NotFound below, so recorded here
        raise exceptions.NotFound(_("No such whitelist entry among those delivered to you.")) from None


# --- Output -----------------------------------------------------------------------------------------


class FeedbackBankSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class FeedbackSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    entry = serializers.IntegerField(source="entry_id")
    bank = FeedbackBankSerializer(help_text=gettext_lazy("The reporting bank's head office."))
    kind = serializers.ChoiceField(choices=FeedbackKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    occurred_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    decline_code = serializers.CharField(help_text=gettext_lazy("A DeclineCode value, or empty."))
    decline_code_label = serializers.CharField(source="get_decline_code_display")
    loan = serializers.IntegerField(source="loan_id", allow_null=True)
    note = serializers.CharField()
    reported_by = serializers.StringRelatedField()
    reported_at = serializers.DateTimeField()


class RecommendationEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()


class RecommendationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    bank = FeedbackBankSerializer()
    enterprise_uscc = serializers.CharField()
    enterprise_name = serializers.CharField()
    enterprise_registered = serializers.SerializerMethodField()
    reason = serializers.CharField()
    ip_offered = serializers.CharField()
    status = serializers.ChoiceField(choices=RecommendationStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    decision_reason = serializers.CharField()
    history = RecommendationEventSerializer(many=True, source="events.all")

    def get_enterprise_registered(self, obj) -> bool:
        return obj.enterprise_id is not None


_ERROR = inline_serializer(
    name="WhitelistFeedbackError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)
_NOT_FOUND = OpenApiResponse(
    _ERROR, description="No such published entry in a batch delivered to the caller."
)
_FORBIDDEN = OpenApiResponse(_ERROR, description="Not signed in, or not an officer or manager of a bank.")
_BAD_INPUT = OpenApiResponse(
    _ERROR, description="Missing or invalid fields (listed in `errors`), or no Idempotency-Key header."
)


# --- Input ------------------------------------------------------------------------------------------


class FeedbackInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedbackKind.choices)
    occurred_on = serializers.DateField(help_text=gettext_lazy("The day it happened; not in the future."))
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Yuan: required for credit_granted, optional for loan_disbursed."),
    )
    decline_code = serializers.ChoiceField(
        choices=DeclineCode.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Required for declined; `other` needs a note."),
    )
    loan = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=1,
        help_text=gettext_lazy(
            "Required for loan_disbursed: the portal's id of your bank's loan to this enterprise "
            "(as /api/v1/loans/ returns it)."
        ),
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RecommendationInputSerializer(serializers.Serializer):
    enterprise_uscc = serializers.CharField(
        max_length=64, help_text=gettext_lazy("The enterprise's unified social credit code (18 characters).")
    )
    enterprise_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("May be empty when the enterprise is registered on the portal."),
    )
    reason = serializers.CharField(
        max_length=TEXT_MAX, help_text=gettext_lazy("Why your bank recommends it.")
    )
    ip_offered = serializers.CharField(
        max_length=TEXT_MAX,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The IP the enterprise offers as security."),
    )


class RecommendationListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=RecommendationStatus.choices, required=False)
    cursor = serializers.CharField(required=False, help_text=gettext_lazy("From the previous page's links."))
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


# --- Feedback on one entry --------------------------------------------------------------------------


class EntryFeedbackApi(IdempotentAPIView):
    """DRF's ``initial`` checks the role first (403 whatever the id), then the entry is looked up in the
    caller's scope (404), both before a handler runs and so before an idempotency key is taken."""

    def get_permissions(self):
        if self.request.method == "GET":
            return [IsAuthenticated()]
        return [IsAuthenticated(), IsBankReporter()]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.entry = _entry_in_scope(request, kwargs["entry_id"])

    @extend_schema(
        operation_id="whitelist_feedback_list",
        summary="Feedback on one whitelist entry, oldest first",
        description="A bank sees its own group's feedback only; the IP bureau sees every bank's.",
        tags=["whitelist"],
        responses={
            200: inline_serializer(
                name="WhitelistFeedbackList", fields={"results": FeedbackSerializer(many=True)}
            ),
            403: _FORBIDDEN,
            404: _NOT_FOUND,
        },
    )
    def get(self, request, entry_id: int):
        feedback = feedback_for_entry(user=request.user, entry=self.entry)
        return Response({"results": FeedbackSerializer(feedback, many=True).data})

    @extend_schema(
        operation_id="whitelist_feedback_report",
        summary="Report what your bank did with a whitelist entry",
        description=(
            "Contacted, credit granted (with the amount), declined (with a reason code; `other` needs a "
            "note) or loan disbursed (with your bank's loan to the enterprise). Report each step; all are "
            "kept. Due within the working days the policy sets after the batch's publication."
        ),
        tags=["whitelist"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=FeedbackInputSerializer,
        responses={
            201: FeedbackSerializer,
            400: _BAD_INPUT,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            **IDEMPOTENCY_RESPONSES,
        },
    )
    @idempotent
    def post(self, request, entry_id: int):
        serializer = FeedbackInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        loan = None
        if data["loan"] is not None:
            loan = loan_scope(user=request.user).filter(pk=data["loan"]).first()
            if loan is None:
                raise serializers.ValidationError({"loan": [_("Your bank has no loan with this id.")]})
        try:
            feedback = feedback_record(
                entry=self.entry,
                actor=request.user,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                amount=data["amount"],
                decline_code=data["decline_code"],
                loan=loan,
                note=data["note"],
            )
        except WhitelistError as error:
            _refused(error)
        feedback = feedback_for_entry(user=request.user, entry=self.entry).get(pk=feedback.pk)
        return Response(FeedbackSerializer(feedback).data, status=status.HTTP_201_CREATED)


# --- Recommendations --------------------------------------------------------------------------------


class RecommendationCursorPagination(CursorPagination):
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class RecommendationListCreateApi(IdempotentAPIView):
    def get_permissions(self):
        if self.request.method == "POST":
            return [IsAuthenticated(), IsBankReporter()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="whitelist_recommendations_list",
        summary="Your bank's recommendations, newest first",
        description="A page at a time: follow `next` (a cursor). The IP bureau sees every bank's.",
        tags=["whitelist"],
        parameters=[RecommendationListQuerySerializer],
        responses={
            200: inline_serializer(
                name="WhitelistRecommendationPage",
                fields={
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": RecommendationSerializer(many=True),
                },
            ),
            400: OpenApiResponse(_ERROR, description="A filter is malformed."),
            403: _FORBIDDEN,
            404: OpenApiResponse(_ERROR, description="The cursor is malformed."),
        },
    )
    def get(self, request):
        query = query_serializer_or_400(RecommendationListQuerySerializer, request)
        queryset = recommendation_list(user=request.user, filters={"status": query.get("status")})
        paginator = RecommendationCursorPagination()
        page = paginator.paginate_queryset(queryset.prefetch_related("events"), request, view=self)
        return paginator.get_paginated_response(RecommendationSerializer(page, many=True).data)

    @extend_schema(
        operation_id="whitelist_recommendations_create",
        summary="Recommend an enterprise for the whitelist",
        description=(
            "By its credit code, with the reason and the IP offered. The IP bureau accepts it into the next "
            "screening or declines it with a reason. One open recommendation per bank and enterprise."
        ),
        tags=["whitelist"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=RecommendationInputSerializer,
        responses={201: RecommendationSerializer, 400: _BAD_INPUT, 403: _FORBIDDEN, **IDEMPOTENCY_RESPONSES},
    )
    @idempotent
    def post(self, request):
        serializer = RecommendationInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            recommendation = recommendation_create(actor=request.user, **serializer.validated_data)
        except WhitelistError as error:
            _refused(error)
        recommendation = (
            recommendation_list(user=request.user).prefetch_related("events").get(pk=recommendation.pk)
        )
        return Response(RecommendationSerializer(recommendation).data, status=status.HTTP_201_CREATED)
