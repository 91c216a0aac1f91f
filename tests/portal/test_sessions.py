"""The idle timeout slides without a session write per request (portal.accounts.sessions)."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from portal.accounts.sessions import REFRESHED_KEY


def _stored_expiry(client):
    return Session.objects.get(pk=client.session.session_key).expire_date


def _age_refresh(client, seconds):
    """Pretend the session's last refresh was ``seconds`` earlier than it was."""
    session = client.session
    session[REFRESHED_KEY] -= seconds
    session.save()


def test_a_request_soon_after_the_last_refresh_writes_nothing(client, enterprise_user):
    client.force_login(enterprise_user)
    client.get(reverse("home"))  # the refresh stamp is written with the first save
    expiry = _stored_expiry(client)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("home"))
    assert response.status_code == 200
    assert not [q for q in captured.captured_queries if "django_session" in q["sql"] and "UPDATE" in q["sql"]]
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert _stored_expiry(client) == expiry


def test_a_request_after_the_refresh_interval_pushes_the_expiry_and_the_cookie_forward(
    client, enterprise_user
):
    client.force_login(enterprise_user)
    client.get(reverse("home"))
    _age_refresh(client, settings.SESSION_REFRESH_SECONDS)
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() + timedelta(minutes=5)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 200
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == settings.SESSION_COOKIE_AGE
    remaining = _stored_expiry(client) - timezone.now()
    assert remaining > timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)


def test_a_session_idle_past_the_timeout_is_signed_out(client, enterprise_user):
    client.force_login(enterprise_user)
    client.get(reverse("home"))
    Session.objects.filter(pk=client.session.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_a_changed_session_is_saved_at_once(client, bank_a_officer, bank_b):
    from portal.accounts.services import membership_grant

    second = membership_grant(user=bank_a_officer, organisation=bank_b, role="bank_officer")
    client.force_login(bank_a_officer)
    client.get(reverse("home"))
    client.post(reverse("switch_acting"), {"membership": second.pk})
    assert client.get(reverse("home")).context["membership"].organisation == bank_b


def test_anonymous_requests_create_no_session(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert settings.SESSION_COOKIE_NAME not in response.cookies
    assert not Session.objects.exists()


def test_the_refresh_interval_is_a_small_part_of_the_idle_timeout():
    assert 0 < settings.SESSION_REFRESH_SECONDS <= settings.SESSION_COOKIE_AGE // 10
