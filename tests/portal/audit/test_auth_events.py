import json

import pytest
from django.urls import reverse

from portal.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Wrong-pass-9876!"


def test_login_success_writes_one_row_with_actor_org_role_ip_and_request_id(
    client, bank_a_officer, bank_a_branch
):
    response = client.post(
        reverse("login"),
        {"username": "bank_a_officer", "password": PASSWORD},
        headers={"X-Request-ID": "req-abc-123"},
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get()
    assert event.action == "login.success"
    assert event.outcome == "success"
    assert event.actor_id == bank_a_officer.pk
    assert event.actor_username == "bank_a_officer"
    assert event.organisation_id == bank_a_branch.pk
    assert event.role == "bank_officer"
    assert event.source_ip == "127.0.0.1"
    assert event.request_id == "req-abc-123"
    assert event.at is not None


def test_login_failure_writes_one_row_with_the_attempted_name_sanitised(client, enterprise_user):
    response = client.post(
        reverse("login"), {"username": "ent_user\r\nFAKE ENTRY", "password": WRONG_PASSWORD}
    )
    assert response.status_code == 200
    event = AuditEvent.objects.get()
    assert event.action == "login.failure"
    assert event.outcome == "failure"
    assert event.actor_id is None
    assert event.organisation_id is None
    assert "\r" not in event.actor_username
    assert "\n" not in event.actor_username
    assert event.actor_username == "ent_user\\r\\nFAKE ENTRY"
    assert event.source_ip == "127.0.0.1"
    assert len(event.request_id) == 32


def test_login_failure_for_an_unknown_user_is_recorded_the_same_way(client):
    client.post(reverse("login"), {"username": "nobody", "password": WRONG_PASSWORD})
    event = AuditEvent.objects.get()
    assert (event.action, event.outcome, event.actor_username, event.actor_id) == (
        "login.failure",
        "failure",
        "nobody",
        None,
    )


def test_logout_writes_one_row(client, enterprise_user, enterprise):
    client.force_login(enterprise_user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    event = AuditEvent.objects.exclude(action="login.success").get()
    assert event.action == "logout"
    assert event.actor_id == enterprise_user.pk
    assert event.organisation_id == enterprise.pk
    assert event.role == "enterprise_user"


def test_logout_without_a_session_writes_nothing(client):
    client.post(reverse("logout"))
    assert not AuditEvent.objects.exists()


def test_no_password_appears_in_any_audit_row_or_audit_log_line(client, enterprise_user, caplog):
    caplog.set_level("INFO", logger="portal.audit")
    client.post(reverse("login"), {"username": "ent_user", "password": WRONG_PASSWORD})
    client.post(reverse("login"), {"username": WRONG_PASSWORD, "password": PASSWORD})
    client.post(reverse("login"), {"username": "ent_user", "password": PASSWORD})
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2027",
            "new_password2": "Another-pass-2027",
        },
    )
    client.post(reverse("logout"))
    rows = list(AuditEvent.objects.values())
    assert [row["action"] for row in sorted(rows, key=lambda row: row["id"])] == [
        "login.failure",
        "login.failure",
        "login.success",
        "session.revoked",  # the change ends the user's sessions (portal.accounts.sessions)
        "password.change",
        "logout",
    ]
    dumped = json.dumps(rows, default=str) + caplog.text
    assert PASSWORD not in dumped
    assert "Another-pass-2027" not in dumped
    # A password typed into the username box is kept as the attempted name: that is what was sent.
    assert dumped.count(WRONG_PASSWORD) == 2
    assert "pbkdf2" not in dumped
    assert "md5$" not in dumped


def test_audit_log_lines_carry_no_raw_line_breaks(client, caplog):
    caplog.set_level("INFO", logger="portal.audit")
    client.post(reverse("login"), {"username": "a\r\nFAKE ENTRY", "password": WRONG_PASSWORD})
    lines = [record.getMessage() for record in caplog.records if record.name == "portal.audit"]
    assert len(lines) == 1
    assert "\r" not in lines[0]
    assert "\n" not in lines[0]
    assert json.loads(lines[0])["actor"] == "a\\r\\nFAKE ENTRY"
