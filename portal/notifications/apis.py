"""JSON API for the signed-in user's own inbox (session authentication, scoped by the selectors)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import query_serializer_or_400
from portal.notifications.selectors import notification_get_for_user, notification_list, unread_count
from portal.notifications.services import notification_mark_all_read, notification_mark_read

_ERROR = inline_serializer(
    name="NotificationApiError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class NotificationOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    subject = serializers.CharField()
    body = serializers.CharField()
    link = serializers.CharField()
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class NotificationListApi(APIView):
    # Every signed-in user has an inbox; the selectors keep it to the caller's own notices.
    permission_classes = [IsAuthenticated]

    class QuerySerializer(serializers.Serializer):
        unread = serializers.BooleanField(required=False, default=False)
        limit = serializers.IntegerField(required=False, default=50, min_value=1, max_value=200)

    class OutputSerializer(serializers.Serializer):
        unread_count = serializers.IntegerField()
        results = NotificationOutputSerializer(many=True)

    @extend_schema(
        parameters=[QuerySerializer],
        responses={200: OutputSerializer, 400: OpenApiResponse(_ERROR, description="A filter is malformed.")},
    )
    def get(self, request):
        query = query_serializer_or_400(self.QuerySerializer, request)
        notifications = notification_list(user=request.user, filters={"unread": query["unread"]})
        data = {"unread_count": unread_count(request.user), "results": notifications[: query["limit"]]}
        return Response(self.OutputSerializer(data).data)


class NotificationMarkReadApi(APIView):
    # Every signed-in user has an inbox; the selectors keep it to the caller's own notices.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={
            200: NotificationOutputSerializer,
            404: OpenApiResponse(_ERROR, description="No such notification in your inbox."),
        },
    )
    def post(self, request, pk: int):
        notification = notification_get_for_user(user=request.user, pk=pk)
        notification = notification_mark_read(notification=notification, actor=request.user)
        return Response(NotificationOutputSerializer(notification).data)


class NotificationMarkAllReadApi(APIView):
    # Every signed-in user has an inbox; the selectors keep it to the caller's own notices.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses=inline_serializer("NotificationMarkAllReadOutput", {"updated": serializers.IntegerField()}),
    )
    def post(self, request):
        return Response({"updated": notification_mark_all_read(actor=request.user)})
