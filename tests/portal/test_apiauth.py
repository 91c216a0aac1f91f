"""Partner systems: OAuth 2 client credentials for an hour's bearer token, bound to one organisation
(security.md checks 14 and 16)."""

import base64
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loans.models import Loan
from portal.accounts.models import Role
from portal.apiauth.models import AccessToken, ApiClient
from portal.apiauth.services import (
    api_client_create,
    api_client_deactivate,
    api_client_rotate_secret,
    tokens_prune,
)
from portal.audit.models import AuditEvent
from tests.loans.test_loan_api import contract_body, make_loan, post_json

pytestmark = pytest.mark.django_db

TOKEN_URL = "/api/v1/oauth/token/"
LIST_URL = "/api/v1/loans/"
EN = {"accept-language": "en"}


@pytest.fixture
def bank_a_client(bank_a_branch, bank_a_manager):
    return api_client_create(
        organisation=bank_a_branch, role=Role.BANK_OFFICER, name="Bank A core gateway", actor=bank_a_manager
    )


def basic(client_id: str, secret: str) -> dict:
    return {"authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def get_token(client, api_client, secret) -> str:
    response = client.post(
        TOKEN_URL, {"grant_type": "client_credentials"}, headers=basic(api_client.client_id, secret)
    )
    assert response.status_code == 200, response.content
    return response.json()["access_token"]


def bearer(token: str) -> dict:
    return {**EN, "authorization": f"Bearer {token}"}


def test_a_client_gets_an_hours_bearer_token_with_basic_authentication(client, bank_a_client):
    api_client, secret = bank_a_client
    response = client.post(
        TOKEN_URL, {"grant_type": "client_credentials"}, headers=basic(api_client.client_id, secret)
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert response["Cache-Control"] == "no-store"
    token = AccessToken.objects.get(client=api_client)
    assert token.digest != body["access_token"]  # only its digest is kept
    assert token.expires_at - token.issued_at == timedelta(hours=1)
    event = AuditEvent.objects.get(action="apitoken.issue")
    assert event.actor_username == f"api.{api_client.client_id}"
    assert body["access_token"] not in str(event.details)


def test_credentials_in_the_form_body_work_too(client, bank_a_client):
    api_client, secret = bank_a_client
    response = client.post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("data", "status", "error"),
    [
        ({}, 400, "invalid_request"),
        ({"grant_type": "password"}, 400, "unsupported_grant_type"),
        ({"grant_type": "client_credentials"}, 401, "invalid_client"),
        (
            {"grant_type": "client_credentials", "client_id": "ipf_nobody", "client_secret": "x"},
            401,
            "invalid_client",
        ),
    ],
)
def test_malformed_or_unknown_requests_get_rfc_6749_errors(client, db, data, status, error):
    response = client.post(TOKEN_URL, data, headers=EN)
    assert response.status_code == status
    assert response.json()["error"] == error
    assert response.json()["error_description"]


def test_a_wrong_secret_is_refused_and_recorded(client, bank_a_client):
    api_client, _secret = bank_a_client
    response = client.post(
        TOKEN_URL, {"grant_type": "client_credentials"}, headers=basic(api_client.client_id, "wrong")
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["WWW-Authenticate"].startswith("Basic")
    assert not AccessToken.objects.exists()
    failure = AuditEvent.objects.get(action="apitoken.failure")
    assert failure.outcome == "failure"
    assert "wrong" not in str(failure.details)


def test_credentials_sent_twice_are_a_bad_request(client, bank_a_client):
    api_client, secret = bank_a_client
    response = client.post(
        TOKEN_URL,
        {"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret},
        headers=basic(api_client.client_id, secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_a_token_acts_as_its_bank_and_sees_only_its_loans(
    client, bank_a_client, bank_a_officer, bank_b_officer, enterprise
):
    own = make_loan(bank_a_officer, enterprise, ref="A-1")
    foreign = make_loan(bank_b_officer, enterprise, ref="B-1")
    token = get_token(client, *bank_a_client)
    response = client.get(LIST_URL, headers=bearer(token))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [own.pk]
    assert client.get(f"{LIST_URL}{foreign.pk}/", headers=bearer(token)).status_code == 404
    assert (
        client.get(f"{LIST_URL}?bank={bank_b_officer.organisation.pk}", headers=bearer(token)).json()[
            "results"
        ]
        == []
    )


def test_a_token_reports_a_loan_as_its_bank_whatever_the_body_says(
    client, bank_a_client, bank_a_branch, bank_b, enterprise
):
    token = get_token(client, *bank_a_client)
    response = post_json(
        client, LIST_URL, contract_body(enterprise, bank=bank_b.pk, bank_id=bank_b.pk), headers=bearer(token)
    )
    assert response.status_code == 201, response.content
    loan = Loan.objects.get(pk=response.json()["id"])
    assert loan.bank == bank_a_branch
    assert loan.created_by == bank_a_client[0].membership.user


def test_a_token_needs_no_csrf_token_but_a_session_does(client, bank_a_client, enterprise):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    token = get_token(strict, *bank_a_client)
    response = post_json(strict, LIST_URL, contract_body(enterprise), headers=bearer(token))
    assert response.status_code == 201


def test_calls_without_credentials_or_with_a_bad_token_are_401(client, bank_a_client):
    assert client.get(LIST_URL, headers=EN).status_code == 401
    for header in ("Bearer", "Bearer not-a-token", "Bearer a b"):
        response = client.get(LIST_URL, headers={**EN, "authorization": header})
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"] == 'Bearer realm="api"'
        assert response.json()["message"]


def test_an_expired_token_is_401(client, bank_a_client):
    token = get_token(client, *bank_a_client)
    AccessToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get(LIST_URL, headers=bearer(token)).status_code == 401


@pytest.mark.parametrize("switch_off", ["rotate", "deactivate", "user", "membership", "organisation"])
def test_switching_off_a_client_or_what_it_acts_as_stops_its_live_tokens(
    client, bank_a_client, bank_a_manager, switch_off
):
    api_client, secret = bank_a_client
    token = get_token(client, api_client, secret)
    assert client.get(LIST_URL, headers=bearer(token)).status_code == 200
    membership = api_client.membership
    if switch_off == "rotate":
        new_secret = api_client_rotate_secret(client=api_client, actor=bank_a_manager)
        assert new_secret != secret
        assert get_token(client, api_client, new_secret)
    elif switch_off == "deactivate":
        api_client_deactivate(client=api_client, actor=bank_a_manager)
    elif switch_off == "user":
        membership.user.is_active = False
        membership.user.save()
    elif switch_off == "membership":
        membership.is_active = False
        membership.save()
    else:
        membership.organisation.is_active = False
        membership.organisation.save()
    assert client.get(LIST_URL, headers=bearer(token)).status_code == 401
    if switch_off != "rotate":
        refused = client.post(
            TOKEN_URL, {"grant_type": "client_credentials"}, headers=basic(api_client.client_id, secret)
        )
        assert refused.status_code == 401


def test_the_old_secret_stops_working_after_rotation(client, bank_a_client, bank_a_manager):
    api_client, secret = bank_a_client
    api_client_rotate_secret(client=api_client, actor=bank_a_manager)
    response = client.post(
        TOKEN_URL, {"grant_type": "client_credentials"}, headers=basic(api_client.client_id, secret)
    )
    assert response.status_code == 401
    assert AuditEvent.objects.filter(action="apiclient.rotate_secret").count() == 1


def test_a_token_costs_one_query_where_a_session_costs_three(
    client, bank_a_client, bank_a_officer, enterprise
):
    make_loan(bank_a_officer, enterprise, ref="A-1")
    token = get_token(client, *bank_a_client)
    client.get(LIST_URL, headers=bearer(token))
    with CaptureQueriesContext(connection) as by_token:
        assert client.get(LIST_URL, headers=bearer(token)).status_code == 200
    client.force_login(bank_a_officer)
    client.get(LIST_URL)
    with CaptureQueriesContext(connection) as by_session:
        assert client.get(LIST_URL).status_code == 200
    assert len(by_session) - len(by_token) == 2  # the session, the user and the membership; the token


def test_expired_tokens_are_pruned_a_day_later(client, bank_a_client):
    token = get_token(client, *bank_a_client)
    get_token(client, *bank_a_client)
    AccessToken.objects.filter(pk=AccessToken.objects.order_by("pk").first().pk).update(
        expires_at=timezone.now() - timedelta(days=2)
    )
    assert tokens_prune() == 1
    assert AccessToken.objects.count() == 1
    assert client.get(LIST_URL, headers=bearer(token)).status_code == 401


def test_the_command_registers_a_client_and_prints_its_secret_once(client, bank_a, capsys):
    call_command(
        "api_client_create",
        "--organisation",
        str(bank_a.pk),
        "--role",
        "bank_manager",
        "--name",
        "Head office ETL",
    )
    lines = dict(line.split("=", 1) for line in capsys.readouterr().out.split())
    api_client = ApiClient.objects.get(client_id=lines["client_id"])
    assert api_client.membership.organisation == bank_a
    assert api_client.membership.role == "bank_manager"
    assert get_token(client, api_client, lines["client_secret"])


def test_a_role_the_organisation_cannot_give_is_refused(bank_a):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command(
            "api_client_create", "--organisation", str(bank_a.pk), "--role", "reviewer", "--name", "X"
        )


def test_staff_add_a_client_in_the_admin_and_see_its_secret_once(client, bank_a, django_user_model):
    admin = django_user_model.objects.create_superuser("root", "root@example.com", "Root-pass-2026!")
    client.force_login(admin)
    response = client.post(
        "/admin/apiauth/apiclient/add/",
        {"name": "Core gateway", "organisation": bank_a.pk, "role": "bank_officer"},
        follow=True,
    )
    assert response.status_code == 200
    api_client = ApiClient.objects.get(name="Core gateway")
    shown = [str(m) for m in response.context["messages"] if api_client.client_id in str(m)]
    assert len(shown) == 1
    secret = re.search(r"[A-Za-z0-9_-]{40,}", shown[0].replace(api_client.client_id, "")).group()
    assert get_token(client, api_client, secret)
    refused = client.post(
        "/admin/apiauth/apiclient/add/", {"name": "Bad", "organisation": bank_a.pk, "role": "reviewer"}
    )
    assert refused.status_code == 200
    assert not ApiClient.objects.filter(name="Bad").exists()
