import pytest
from django.urls import reverse

from portal.notifications.models import Notification

pytestmark = pytest.mark.django_db

LIST = reverse("notifications-api:list")


def test_api_lists_only_the_users_own_notifications(client, enterprise_user, outsider, make_notification):
    own = make_notification(enterprise_user, subject="Your loan was approved")
    make_notification(outsider)
    client.force_login(enterprise_user)
    response = client.get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["unread_count"] == 1
    assert [item["id"] for item in body["results"]] == [own.pk]
    assert body["results"][0]["subject"] == "Your loan was approved"
    assert body["results"][0]["link"] == "/loans/1/"
    assert body["results"][0]["read_at"] is None


def test_api_unread_filter_and_limit(client, enterprise_user, make_notification):
    read = make_notification(enterprise_user)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    unread = [make_notification(enterprise_user) for _ in range(3)]
    client.force_login(enterprise_user)
    body = client.get(LIST, {"unread": "true"}).json()
    assert {item["id"] for item in body["results"]} == {notification.pk for notification in unread}
    assert len(client.get(LIST, {"limit": "2"}).json()["results"]) == 2


@pytest.mark.parametrize(
    ("query", "field"),
    [({"unread": "maybe"}, "unread"), ({"limit": "0"}, "limit"), ({"limit": "x"}, "limit")],
)
def test_api_bad_query_is_400_with_the_field(client, enterprise_user, query, field):
    client.force_login(enterprise_user)
    response = client.get(LIST, query)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response.json()["message"]


def test_api_needs_login(client):
    assert client.get(LIST).status_code == 401


def test_api_mark_read(client, enterprise_user, make_notification):
    notification = make_notification(enterprise_user)
    client.force_login(enterprise_user)
    response = client.post(reverse("notifications-api:mark-read", args=[notification.pk]))
    assert response.status_code == 200
    assert response.json()["read_at"] is not None
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_api_another_users_notification_is_404(client, enterprise_user, outsider, make_notification):
    others = make_notification(outsider)
    client.force_login(enterprise_user)
    response = client.post(reverse("notifications-api:mark-read", args=[others.pk]))
    assert response.status_code == 404
    others.refresh_from_db()
    assert others.read_at is None


def test_api_mark_all_read(client, enterprise_user, outsider, make_notification):
    make_notification(enterprise_user)
    make_notification(enterprise_user)
    others = make_notification(outsider)
    client.force_login(enterprise_user)
    response = client.post(reverse("notifications-api:mark-all-read"))
    assert response.status_code == 200
    assert response.json() == {"updated": 2}
    others.refresh_from_db()
    assert others.read_at is None


def test_api_writes_need_login(client, enterprise_user, make_notification):
    notification = make_notification(enterprise_user)
    assert client.post(reverse("notifications-api:mark-read", args=[notification.pk])).status_code == 401
    assert client.post(reverse("notifications-api:mark-all-read")).status_code == 401
    notification.refresh_from_db()
    assert notification.read_at is None
