import re

import pytest
from django.test import RequestFactory
from django.urls import reverse

from portal.notifications.context_processors import inbox
from portal.notifications.models import Notification

pytestmark = pytest.mark.django_db

INBOX = reverse("notifications:inbox")


def _badge(content: bytes) -> str:
    match = re.search(r'data-testid="inbox-count"[^>]*>(\d+)<', content.decode())
    assert match, "the header shows no unread badge"
    return match.group(1)


def test_inbox_needs_login(client):
    response = client.get(INBOX)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_inbox_shows_only_the_users_own_notifications(client, enterprise_user, outsider, make_notification):
    own = make_notification(enterprise_user, subject="Your loan was approved")
    make_notification(outsider, subject="Someone else's secret")
    client.force_login(enterprise_user)
    response = client.get(INBOX)
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [own]
    assert "Your loan was approved" in response.content.decode()
    assert "Someone else&#x27;s secret" not in response.content.decode()


def test_inbox_lists_unread_first_then_newest(client, enterprise_user, make_notification):
    old_unread = make_notification(enterprise_user, subject="old unread")
    read = make_notification(enterprise_user, subject="newer but read")
    new_unread = make_notification(enterprise_user, subject="new unread")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    client.force_login(enterprise_user)
    response = client.get(INBOX)
    assert list(response.context["page"].object_list) == [new_unread, old_unread, read]


def test_unread_filter_hides_read_notifications(client, enterprise_user, make_notification):
    unread = make_notification(enterprise_user, subject="unread")
    read = make_notification(enterprise_user, subject="read")
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    client.force_login(enterprise_user)
    response = client.get(INBOX, {"unread": "1"})
    assert list(response.context["page"].object_list) == [unread]


def test_a_bad_page_number_still_shows_the_inbox(client, enterprise_user, make_notification):
    make_notification(enterprise_user)
    client.force_login(enterprise_user)
    for page in ["abc", "-1", "99999", "1e9"]:
        assert client.get(INBOX, {"page": page}).status_code == 200


def test_header_shows_the_unread_count(client, enterprise_user, make_notification):
    make_notification(enterprise_user)
    make_notification(enterprise_user)
    read = make_notification(enterprise_user)
    Notification.objects.filter(pk=read.pk).update(read_at=read.created_at)
    client.force_login(enterprise_user)
    response = client.get(reverse("home"))
    content = response.content.decode()
    assert 'data-testid="inbox-link"' in content
    assert f'href="{INBOX}"' in content
    assert _badge(response.content) == "2"


def test_mark_read_marks_only_that_notification(client, enterprise_user, make_notification):
    first = make_notification(enterprise_user)
    second = make_notification(enterprise_user)
    client.force_login(enterprise_user)
    response = client.post(reverse("notifications:mark_read", args=[first.pk]))
    assert response.status_code == 302
    assert response["Location"] == INBOX
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.read_at is not None
    assert second.read_at is None
    assert _badge(client.get(reverse("home")).content) == "1"


def test_marking_read_twice_keeps_the_first_read_time(client, enterprise_user, make_notification):
    notification = make_notification(enterprise_user)
    client.force_login(enterprise_user)
    client.post(reverse("notifications:mark_read", args=[notification.pk]))
    notification.refresh_from_db()
    first_read = notification.read_at
    client.post(reverse("notifications:mark_read", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.read_at == first_read


def test_another_users_notification_is_404_on_mark_read(client, enterprise_user, outsider, make_notification):
    others = make_notification(outsider)
    client.force_login(enterprise_user)
    response = client.post(reverse("notifications:mark_read", args=[others.pk]))
    assert response.status_code == 404
    others.refresh_from_db()
    assert others.read_at is None


def test_mark_read_refuses_get(client, enterprise_user, make_notification):
    notification = make_notification(enterprise_user)
    client.force_login(enterprise_user)
    assert client.get(reverse("notifications:mark_read", args=[notification.pk])).status_code == 405
    notification.refresh_from_db()
    assert notification.read_at is None


def test_mark_all_read_marks_only_the_users_own(client, enterprise_user, outsider, make_notification):
    make_notification(enterprise_user)
    make_notification(enterprise_user)
    others = make_notification(outsider)
    client.force_login(enterprise_user)
    response = client.post(reverse("notifications:mark_all_read"), follow=True)
    assert response.status_code == 200
    assert not Notification.objects.filter(recipient=enterprise_user, read_at=None).exists()
    others.refresh_from_db()
    assert others.read_at is None
    assert _badge(response.content) == "0"


def test_htmx_requests_get_partials_with_the_new_count(client, enterprise_user, make_notification):
    first = make_notification(enterprise_user, subject="first")
    make_notification(enterprise_user, subject="second")
    client.force_login(enterprise_user)

    listing = client.get(INBOX, headers={"HX-Request": "true"})
    assert listing.templates[0].name == "notifications/_list.html"
    assert "<html" not in listing.content.decode()
    assert "HX-Request" in listing["Vary"]

    row = client.post(reverse("notifications:mark_read", args=[first.pk]), headers={"HX-Request": "true"})
    assert row.status_code == 200
    content = row.content.decode()
    assert content.lstrip().startswith(f'<tr id="notification-{first.pk}"')
    assert 'hx-swap-oob="true"' in content
    assert _badge(row.content) == "1"

    listing = client.post(reverse("notifications:mark_all_read"), headers={"HX-Request": "true"})
    assert listing.status_code == 200
    assert _badge(listing.content) == "0"


def test_htmx_history_restore_gets_the_whole_page(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.get(INBOX, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert "<html" in response.content.decode()


def test_unread_count_is_not_queried_unless_rendered(
    enterprise_user, make_notification, django_assert_num_queries
):
    make_notification(enterprise_user)
    request = RequestFactory().get("/")
    request.user = enterprise_user
    with django_assert_num_queries(0):
        context = inbox(request)
    with django_assert_num_queries(1):
        assert context["unread_notifications"] == 1
        assert str(context["unread_notifications"]) == "1"


def test_anonymous_visitors_get_no_unread_count(django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert inbox(request) == {}


def test_staff_can_read_but_not_add_or_change_notifications_in_admin(client, staff_admin, make_notification):
    notification = make_notification(staff_admin)
    client.force_login(staff_admin)
    assert client.get(reverse("admin:notifications_notification_changelist")).status_code == 200
    assert (
        client.get(reverse("admin:notifications_notification_change", args=[notification.pk])).status_code
        == 200
    )
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    response = client.post(
        reverse("admin:notifications_notification_change", args=[notification.pk]), {"subject": "changed"}
    )
    assert response.status_code == 403
    notification.refresh_from_db()
    assert notification.subject != "changed"
