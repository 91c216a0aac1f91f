"""The 403, 404 and CSRF-failure pages are the portal's pages (its header and menu) with the reference id
the audit row and the log carry, so a user can quote it; the 500 page is tested in test_server_error.py."""

import pytest
from django.test import Client
from django.urls import reverse

from portal.audit.models import AuditAction, AuditEvent

pytestmark = pytest.mark.django_db

BRAND = "Beijing IP Pledge Financing One-Stop Portal"


def _signed_in(user, **client_options) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en", **client_options)
    client.force_login(user)
    return client


def test_a_refused_page_shows_the_portal_page_with_the_reference_of_its_audit_row(enterprise_user):
    response = _signed_in(enterprise_user).get(reverse("whitelist:import_list"))
    assert response.status_code == 403
    body = response.content.decode()
    reference = response["X-Request-ID"]
    assert BRAND in body and "Not allowed" in body and 'data-testid="error-reference"' in body
    assert reference in body
    denial = AuditEvent.objects.get(action=AuditAction.AUTHZ_DENIED, actor_id=enterprise_user.pk)
    assert denial.request_id == reference


def test_a_missing_page_shows_the_portal_page_with_a_reference(enterprise_user):
    response = _signed_in(enterprise_user).get("/no-such-page/")
    assert response.status_code == 404
    body = response.content.decode()
    assert BRAND in body and "Page not found" in body
    assert response["X-Request-ID"] in body


def test_another_organisations_object_is_the_same_404_page(enterprise_user):
    response = _signed_in(enterprise_user).get(reverse("stats:export", args=[999999]))
    assert response.status_code == 404
    assert "Page not found" in response.content.decode() and response["X-Request-ID"]


def test_an_expired_form_says_what_to_do_with_a_reference(joint_office_viewer):
    client = _signed_in(joint_office_viewer, enforce_csrf_checks=True)
    response = client.post(reverse("stats:refresh"))
    assert response.status_code == 403
    body = response.content.decode()
    reference = response["X-Request-ID"]
    assert BRAND in body and "The form has expired" in body and "reload the page" in body
    assert reference in body
    assert "cookie not set" not in body  # the reason is for the log, not the user


def test_the_api_keeps_its_json_envelope_for_a_missing_route(client):
    response = client.get("/api/v1/no-such-route/")
    assert response.status_code == 404 and response["Content-Type"].startswith("application/json")
