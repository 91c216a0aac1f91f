import uuid
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.urls import reverse

from portal.accounts.models import Role
from portal.accounts.services import membership_grant
from portal.audit.models import AuditEvent
from portal.audit.services import audit_export, audit_record, request_id_for
from portal.net import client_ip
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def _request(user=None, **meta):
    request = RequestFactory().get("/loans/", **meta)
    request.user = user or AnonymousUser()
    return request


def test_forged_forwarded_for_is_ignored_without_trusted_proxies(client, enterprise_user, settings):
    settings.NUM_PROXIES = 0
    client.post(
        reverse("login"),
        {"username": "ent_user", "password": PASSWORD},
        headers={"X-Forwarded-For": "6.6.6.6"},
        REMOTE_ADDR="198.51.100.20",
    )
    assert AuditEvent.objects.get().source_ip == "198.51.100.20"


def test_rightmost_hop_is_the_client_behind_one_trusted_proxy(client, enterprise_user, settings):
    settings.NUM_PROXIES = 1
    client.post(
        reverse("login"),
        {"username": "ent_user", "password": PASSWORD},
        # The client forged the first entry; our proxy appended the address it really saw.
        headers={"X-Forwarded-For": "6.6.6.6, 203.0.113.9"},
        REMOTE_ADDR="10.0.0.2",
    )
    assert AuditEvent.objects.get().source_ip == "203.0.113.9"


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "6.6.6.6", "10.0.0.2"),
        (1, "6.6.6.6,203.0.113.9", "203.0.113.9"),
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.3", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.2"),  # fewer hops than proxies: the proxies were bypassed
        (1, "", "10.0.0.2"),
        (1, "not-an-ip", "10.0.0.2"),
        (1, "2001:db8::1", "2001:db8::1"),
    ],
)
def test_client_ip_counts_trusted_hops_from_the_right(settings, proxies, forwarded_for, expected):
    settings.NUM_PROXIES = proxies
    request = _request(HTTP_X_FORWARDED_FOR=forwarded_for, REMOTE_ADDR="10.0.0.2")
    assert client_ip(request) == expected


def test_request_id_is_kept_for_the_whole_request_and_malformed_ones_are_replaced():
    request = _request(HTTP_X_REQUEST_ID="abc\r\nInjected: 1")
    first = request_id_for(request)
    assert uuid.UUID(hex=first)
    assert request_id_for(request) == first
    assert request_id_for(_request(HTTP_X_REQUEST_ID="edge-42.7")) == "edge-42.7"


def test_actor_organisation_and_role_come_from_the_acting_membership(bank_a_officer, bank_b):
    second = membership_grant(user=bank_a_officer, organisation=bank_b, role=Role.BANK_MANAGER)
    bank_a_officer.act_as(second)
    event = audit_record(action="role.grant", request=_request(bank_a_officer, REMOTE_ADDR="192.0.2.5"))
    assert (event.actor_id, event.organisation_id, event.role) == (
        bank_a_officer.pk,
        bank_b.pk,
        "bank_manager",
    )
    assert event.source_ip == "192.0.2.5"


def test_an_explicit_actor_wins_over_the_request_user(enterprise_user, reviewer):
    event = audit_record(action="role.grant", request=_request(enterprise_user), actor=reviewer)
    assert event.actor_id == reviewer.pk


def test_a_job_records_without_a_request():
    event = audit_record(action="calendar.sync", object_type="year", object_id=2027)
    assert (event.actor_id, event.source_ip, event.request_id, event.object_id) == (None, None, "", "2027")


def test_secrets_are_redacted_and_personal_numbers_masked_in_details():
    event = audit_record(
        action="enterprise.update",
        object_type="enterprise\r\nfake",
        object_id="911101085923662400",
        details={
            "password": "hunter2-secret",
            "nested": {"access_token": "tok-123", "csrfmiddlewaretoken": "c", "note": "line1\nline2"},
            "legal_rep_id": "110101199003077777",
            "mobile": "联系电话13812345678",
            "before": {"amount": Decimal("1000000.10")},
            "items": [{"new_password1": "x"}],
            "sms_otp": "123456",
            "footprint": "kept",
            "apiKey": "k",
        },
    )
    event.refresh_from_db()
    details = event.details
    assert details["password"] == "[redacted]"
    assert details["nested"]["access_token"] == "[redacted]"
    assert details["nested"]["csrfmiddlewaretoken"] == "[redacted]"
    assert details["nested"]["note"] == "line1\\nline2"
    assert details["legal_rep_id"] == "110101********7777"
    assert details["mobile"] == "联系电话138****5678"
    assert details["before"]["amount"] == "1000000.10"
    assert details["items"] == [{"new_password1": "[redacted]"}]
    assert (details["sms_otp"], details["apiKey"], details["footprint"]) == (
        "[redacted]",
        "[redacted]",
        "kept",
    )
    assert "hunter2-secret" not in str(details)
    assert event.object_type == "enterprise\\r\\nfake"
    # Identifiers are escaped but not masked: an all-digit credit code is not a personal number.
    assert event.object_id == "911101085923662400"


def test_overlong_user_input_is_cut_to_fit_instead_of_failing(client):
    client.post(reverse("login"), {"username": "x" * 150, "password": "p"})
    event = audit_record(action="loan.view", object_id="9" * 500, details={"q": "y" * 5000})
    assert len(event.object_id) == 64
    assert len(event.details["q"]) == 1000
    assert len(AuditEvent.objects.get(action="login.failure").actor_username) == 150


@pytest.mark.parametrize("action", ["", "Login", "login..success", "login success", "a" * 65, "x\r\ny"])
def test_a_malformed_action_is_refused(action):
    with pytest.raises(ValueError):
        audit_record(action=action)


def test_an_unknown_outcome_is_refused():
    with pytest.raises(ValueError):
        audit_record(action="login.success", outcome="maybe")


def test_audit_export_records_who_exported_what(reviewer):
    event = audit_export(
        request=_request(reviewer), object_type="loan", filters={"district": "110108"}, row_count=120
    )
    assert (event.action, event.actor_id, event.object_type) == ("data.export", reviewer.pk, "loan")
    assert event.details == {"filters": {"district": "110108"}, "row_count": 120}


def test_staff_can_read_but_not_add_change_or_delete_audit_events(client, staff_admin):
    client.force_login(staff_admin)
    event = AuditEvent.objects.get(action="login.success")
    assert client.get(reverse("admin:audit_auditevent_changelist")).status_code == 200
    changelist = client.get(
        reverse("admin:audit_auditevent_changelist"), {"action": "login.success", "q": "portal_admin"}
    )
    assert changelist.status_code == 200
    assert list(changelist.context["cl"].result_list) == [event]
    assert client.get(reverse("admin:audit_auditevent_change", args=[event.pk])).status_code == 200
    assert client.get(reverse("admin:audit_auditevent_add")).status_code == 403
    assert (
        client.post(reverse("admin:audit_auditevent_delete", args=[event.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()
