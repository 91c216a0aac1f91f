"""Lockout after failed sign-ins, per account name and per source address (security.md check 10)."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from portal.accounts import lockout
from portal.accounts.models import SignInFailures
from portal.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
WRONG = "Wrong-pass-9876!"


def _post(client, username, password, ip="10.0.0.1"):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **EN)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


@override_settings(SIGNIN_LOCKOUT_FAILURES=3)
def test_three_failures_lock_the_account_even_against_the_right_password(client, enterprise_user):
    for _ in range(3):
        _post(client, "ent_user", WRONG)
    response = _post(client, "ent_user", PASSWORD)
    assert response.status_code == 200
    assert "Too many failed sign-ins" in response.content.decode()
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="login.locked").count() == 1


@override_settings(SIGNIN_LOCKOUT_FAILURES=3)
def test_an_unknown_name_gets_the_same_answers_as_a_wrong_password(client, enterprise_user):
    wrong_password = _post(client, "ent_user", WRONG).content.decode()
    unknown_name = _post(client, "nobody", WRONG).content.decode()
    message = "Please enter a correct username and password"
    assert message in wrong_password and message in unknown_name
    for _ in range(2):
        _post(client, "nobody", WRONG)
    assert "Too many failed sign-ins" in _post(client, "nobody", WRONG).content.decode()


@override_settings(SIGNIN_LOCKOUT_FAILURES=3)
def test_the_lock_ends_after_its_period_and_a_success_resets_the_count(client, enterprise_user):
    for _ in range(3):
        _post(client, "ent_user", WRONG)
    SignInFailures.objects.filter(kind="account").update(locked_until=timezone.now() - timedelta(seconds=1))
    _post(client, "ent_user", PASSWORD)
    assert _signed_in(client)
    assert not SignInFailures.objects.filter(kind="account").exists()


@override_settings(SIGNIN_LOCKOUT_FAILURES=3)
def test_failures_outside_the_window_do_not_add_up(client, enterprise_user):
    for _ in range(2):
        _post(client, "ent_user", WRONG)
    SignInFailures.objects.filter(kind="account").update(
        window_started_at=timezone.now() - timedelta(hours=1)
    )
    _post(client, "ent_user", WRONG)
    assert SignInFailures.objects.get(kind="account").failures == 1
    _post(client, "ent_user", PASSWORD)
    assert _signed_in(client)


@override_settings(SIGNIN_LOCKOUT_FAILURES=50, SIGNIN_LOCKOUT_IP_FAILURES=4)
def test_an_address_guessing_across_names_is_blocked_without_locking_those_accounts(
    client, enterprise_user, bank_a_officer
):
    for name in ("ent_user", "bank_a_officer", "x1", "x2"):
        _post(client, name, WRONG, ip="203.0.113.9")
    assert (
        "Too many failed sign-ins" in _post(client, "ent_user", PASSWORD, ip="203.0.113.9").content.decode()
    )
    _post(client, "ent_user", PASSWORD, ip="198.51.100.7")  # the owner, from elsewhere
    assert _signed_in(client)


@override_settings(SIGNIN_LOCKOUT_FAILURES=2)
def test_staff_unlock_in_the_admin_is_audited(client, enterprise_user, staff_admin):
    for _ in range(2):
        _post(client, "ent_user", WRONG)
    assert lockout.locked_until(username="ent_user", ip=None) is not None
    client.force_login(staff_admin)
    response = client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "unlock_sign_in", "_selected_action": [enterprise_user.pk]},
    )
    assert response.status_code == 302
    assert lockout.locked_until(username="ent_user", ip=None) is None
    event = AuditEvent.objects.get(action="login.unlocked")
    assert event.actor_id == staff_admin.pk
