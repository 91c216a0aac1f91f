import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditEvent

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.audit.urls")]


def _events():
    # force_login() fires user_logged_in, which rightly writes its own login.success row.
    return AuditEvent.objects.exclude(action="login.success")


def test_a_403_response_writes_authz_denied(client, bank_b_officer, bank_b):
    client.force_login(bank_b_officer)
    response = client.get("/test/forbidden/?token=secret-in-query")
    assert response.status_code == 403
    event = _events().get()
    assert event.action == "authz.denied"
    assert event.outcome == "denied"
    assert event.actor_id == bank_b_officer.pk
    assert event.organisation_id == bank_b.pk
    assert event.role == "bank_officer"
    assert event.source_ip == "127.0.0.1"
    assert event.details == {"path": "/test/forbidden/", "method": "GET"}


def test_an_anonymous_403_is_recorded_without_an_actor(client):
    assert client.post("/test/forbidden/").status_code == 403
    event = _events().get()
    assert (event.action, event.actor_id, event.actor_username) == ("authz.denied", None, "")
    assert event.details["method"] == "POST"


def test_a_csrf_failure_is_recorded_as_a_denial(enterprise_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(enterprise_user)
    response = client.post(reverse("notifications:mark_all_read"))
    assert response.status_code == 403
    event = _events().get()
    assert event.action == "authz.denied"
    assert event.actor_id == enterprise_user.pk


def test_an_api_call_without_credentials_is_recorded_as_a_denial(client):
    assert client.get(reverse("notifications-api:list")).status_code == 401
    event = _events().get()
    assert event.action == "authz.denied"
    assert event.details == {"path": "/api/v1/notifications/", "method": "GET", "status": 401}


def test_an_api_refusal_is_recorded_as_a_denial(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.post(reverse("loans-api:list"), {}, content_type="application/json").status_code == 403
    assert _events().get().action == "authz.denied"


def test_a_denial_recorded_by_the_view_is_not_recorded_twice(client, bank_b_officer):
    client.force_login(bank_b_officer)
    assert client.get("/test/forbidden-recorded/").status_code == 403
    event = _events().get()
    assert (event.object_type, event.object_id, event.outcome) == ("loan", "42", "denied")


def test_a_404_is_not_recorded_by_the_middleware(client, bank_b_officer):
    client.force_login(bank_b_officer)
    assert client.get("/test/missing/").status_code == 404
    assert client.get("/no-such-page/").status_code == 404
    assert not _events().exists()
