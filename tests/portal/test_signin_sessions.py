"""Session fixation, logout, absolute lifetime and revocation (security.md checks 12, 13, 14)."""

import time

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.urls import reverse

from portal.accounts.models import Role
from portal.accounts.sessions import LOGIN_AT_KEY
from portal.apiauth.services import api_client_create
from portal.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
COOKIE = settings.SESSION_COOKIE_NAME
LOANS_API = "/api/v1/loans/"


def _login(client, username="ent_user"):
    response = client.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client.cookies[COOKIE].value


def test_the_session_id_changes_at_login_and_logout_deletes_it(client, enterprise_user):
    session = client.session  # an anonymous session with a known id, as an attacker would plant
    session["planted"] = True
    session.save()
    client.cookies[COOKIE] = session.session_key
    after = _login(client)
    assert after != session.session_key
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=after).exists()
    client.cookies[COOKIE] = after  # replaying the old cookie
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert client.get(LOANS_API).status_code == 401


def test_a_session_past_its_absolute_lifetime_ends_even_if_active(client, enterprise_user):
    _login(client)
    assert client.get(reverse("home")).status_code == 200
    session = client.session
    session[LOGIN_AT_KEY] = int(time.time()) - settings.SESSION_ABSOLUTE_SECONDS - 1
    session.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and reverse("login") in response["Location"]
    assert not Session.objects.filter(session_key=session.session_key).exists()
    assert AuditEvent.objects.filter(action="session.expired", actor_id=enterprise_user.pk).count() == 1


def test_the_absolute_lifetime_is_twelve_hours_by_default():
    assert settings.SESSION_ABSOLUTE_SECONDS == 12 * 60 * 60
    assert settings.SESSION_COOKIE_AGE == 30 * 60


def test_a_password_change_ends_the_other_sessions_but_keeps_this_one(client, enterprise_user):
    from django.test import Client

    other = Client()
    _login(other)
    _login(client)
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2027",
            "new_password2": "Another-pass-2027",
        },
    )
    assert client.get(reverse("home")).status_code == 200
    assert other.get(reverse("home")).status_code == 302
    assert Session.objects.count() == 1


def test_deactivating_a_user_ends_their_sessions(client, enterprise_user):
    _login(client)
    enterprise_user.is_active = False
    enterprise_user.save()
    assert not Session.objects.exists()
    assert client.get(reverse("home")).status_code == 302
    assert AuditEvent.objects.get(action="session.revoked").details["reason"] == "deactivated"


def test_a_service_users_password_change_revokes_its_clients_tokens(client, bank_a_branch, bank_a_manager):
    api_client, secret = api_client_create(
        organisation=bank_a_branch, role=Role.BANK_OFFICER, name="Gateway", actor=bank_a_manager
    )
    token = client.post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret},
    ).json()["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    assert client.get(LOANS_API, **bearer).status_code == 200
    service_user = api_client.membership.user
    service_user.set_password("Service-pass-2027!")
    service_user.save()
    assert client.get(LOANS_API, **bearer).status_code == 401


def test_a_sign_in_forgets_the_users_sessions_that_timed_out(client, enterprise_user):
    from django.test import Client

    from portal.accounts.models import UserSession

    old = Client()
    _login(old)
    Session.objects.filter(session_key=old.session.session_key).delete()  # as clearsessions does
    _login(client)
    assert list(UserSession.objects.values_list("session_key", flat=True)) == [client.session.session_key]
