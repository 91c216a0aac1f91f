"""Rate limits on sign-in, the second step and bank API calls: 429 with Retry-After (security.md check 39)."""

import pyotp
import pytest
from django.urls import reverse

from portal.accounts import mfa
from portal.accounts.models import Role
from portal.apiauth.services import api_client_create
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_login_post_over_the_rate_is_a_429_page(client, db, settings):
    settings.SIGNIN_THROTTLE = "3/min"
    settings.SIGNIN_LOCKOUT_IP_FAILURES = 100
    for _ in range(3):
        assert client.post(reverse("login"), {"username": "a", "password": "b"}).status_code == 200
    response = client.post(reverse("login"), {"username": "a", "password": "b"}, **EN)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 61
    assert "Too many attempts" in response.content.decode()
    assert "<html" in response.content.decode()  # the portal's page, not a bare text


def test_the_second_step_is_limited_per_account(client, enterprise_user, settings):
    settings.OTP_ACCOUNT_THROTTLE = "2/min"
    device = mfa.device_start(user=enterprise_user)
    mfa.device_confirm(user=enterprise_user, code=pyotp.TOTP(device.secret).now())
    for ip in ("10.0.0.1", "10.0.0.2", "10.0.0.3"):
        client.post(reverse("login"), {"username": "ent_user", "password": PASSWORD}, REMOTE_ADDR=ip)
        response = client.post(reverse("mfa_verify"), {"code": "000000"}, REMOTE_ADDR=ip)
    assert response.status_code == 429 and "Retry-After" in response


def test_bank_api_calls_are_limited_per_client(client, bank_a_branch, bank_a_manager, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "bank": "2/min"},
    }
    api_client, secret = api_client_create(
        organisation=bank_a_branch, role=Role.BANK_OFFICER, name="Gateway", actor=bank_a_manager
    )
    token = client.post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret},
    ).json()["access_token"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}", **EN}
    assert [client.get("/api/v1/loans/", **bearer).status_code for _ in range(2)] == [200, 200]
    response = client.get("/api/v1/loans/", **bearer)
    assert response.status_code == 429 and int(response["Retry-After"]) >= 1
    client.force_login(bank_a_manager)  # a browser session is not counted against the bank's client
    assert client.get("/api/v1/loans/").status_code == 200
