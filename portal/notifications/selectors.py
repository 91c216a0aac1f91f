"""Reads scoped to the user: a notification is only ever visible to its recipient."""

from django.db.models import Case, IntegerField, QuerySet, Value, When

from portal.audit.scope import get_in_scope
from portal.notifications.models import Notification


def notification_list(*, user, filters: dict | None = None) -> QuerySet[Notification]:
    """The user's own notifications, unread first, newest first within each group.

    ``filters``: ``unread`` (true: only unread ones).
    """
    if not user.is_authenticated:
        return Notification.objects.none()
    queryset = Notification.objects.filter(recipient=user)
    filters = filters or {}
    if filters.get("unread"):
        queryset = queryset.filter(read_at=None)
    return queryset.annotate(
        unread_first=Case(When(read_at=None, then=Value(0)), default=Value(1), output_field=IntegerField())
    ).order_by("unread_first", "-created_at", "-id")


def notification_get_for_user(*, user, pk: int) -> Notification:
    """The notification, or 404 when it belongs to someone else (never 403: no existence leak)."""
    return get_in_scope(notification_list(user=user), pk)


def unread_count(user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at=None).count()
