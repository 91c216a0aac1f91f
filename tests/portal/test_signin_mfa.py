"""Second factor (TOTP) for staff; optional for enterprises; recovery codes (security.md check 15)."""

import re

import pyotp
import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts import mfa
from portal.accounts.models import RecoveryCode, TotpDevice
from portal.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
PROTECTED = ["/", "/loans/", "/accounts/security/", "/accounts/password/"]


@pytest.fixture
def mfa_on(settings):
    settings.MFA_REQUIRED = True


def _enrolled(user) -> str:
    """A confirmed device for ``user``; returns its secret. Confirmed with the previous step's code, so the
    current one is still unused."""
    device = mfa.device_start(user=user)
    assert mfa.device_confirm(user=user, code=_code(device.secret, -1))
    return device.secret


def _code(secret: str, steps_ahead: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.generate_otp(totp.timecode(timezone.now()) + steps_ahead)


def _password_step(client, username):
    return client.post(reverse("login"), {"username": username, "password": PASSWORD}, **EN)


def _signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_staff_password_alone_gives_no_session_anywhere(client, bank_a_officer, mfa_on):
    _enrolled(bank_a_officer)
    response = _password_step(client, "bank_a_officer")
    assert response["Location"] == reverse("mfa_verify")
    assert not _signed_in(client)
    for url in PROTECTED:
        answer = client.get(url)
        assert answer.status_code == 302 and reverse("login") in answer["Location"], url
    assert client.get("/api/v1/loans/").status_code == 401


def test_a_code_signs_in_once_and_cannot_be_replayed(client, bank_a_officer, mfa_on):
    secret = _enrolled(bank_a_officer)
    _password_step(client, "bank_a_officer")
    pending_id = client.session.session_key
    code = _code(secret)
    assert client.post(reverse("mfa_verify"), {"code": "000000"}, **EN).status_code == 200
    assert not _signed_in(client)
    response = client.post(reverse("mfa_verify"), {"code": code}, **EN)
    assert response.status_code == 302 and _signed_in(client)
    assert client.session.session_key != pending_id
    assert client.get("/").status_code == 200
    client.post(reverse("logout"))
    _password_step(client, "bank_a_officer")
    replay = client.post(reverse("mfa_verify"), {"code": code}, **EN)
    assert "can be used only once" in replay.content.decode()
    assert not _signed_in(client)
    actions = list(AuditEvent.objects.filter(action__startswith="mfa.").values_list("action", flat=True))
    assert sorted(actions) == sorted(["mfa.enrolled", "mfa.failed", "mfa.verified", "mfa.failed"])


def test_a_recovery_code_works_once(client, enterprise_user):
    _enrolled(enterprise_user)  # an enterprise user who chose the second factor
    recovery = "abcde-fghjk"
    RecoveryCode.objects.filter(user=enterprise_user).delete()
    RecoveryCode.objects.create(user=enterprise_user, digest=mfa._digest(recovery))
    _password_step(client, "ent_user")
    assert not _signed_in(client)
    client.post(reverse("mfa_verify"), {"code": "ABCDE-FGHJK"})
    assert _signed_in(client)
    client.post(reverse("logout"))
    _password_step(client, "ent_user")
    client.post(reverse("mfa_verify"), {"code": recovery})
    assert not _signed_in(client)
    assert AuditEvent.objects.filter(action="mfa.recovery_used").count() == 1


def test_a_staff_user_without_a_device_must_enrol_before_getting_a_session(client, reviewer, mfa_on):
    response = _password_step(client, "reviewer")
    assert response["Location"] == reverse("mfa_enrol")
    page = client.get(reverse("mfa_enrol"), **EN)
    assert "<svg" in page.content.decode()
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    assert client.get("/").status_code == 302
    assert client.post(reverse("mfa_enrol"), {"code": "123456"}, **EN).status_code == 200
    assert not _signed_in(client)
    done = client.post(reverse("mfa_enrol"), {"code": _code(secret)}, **EN)
    assert _signed_in(client)
    assert len(re.findall(r"<li><code>[a-z2-9]{5}-[a-z2-9]{5}</code></li>", done.content.decode())) == 10
    assert RecoveryCode.objects.filter(user=reviewer).count() == 10
    assert not RecoveryCode.objects.filter(digest__contains="-").exists()


def test_the_pending_step_expires(client, bank_a_officer, mfa_on, settings):
    secret = _enrolled(bank_a_officer)
    _password_step(client, "bank_a_officer")
    session = client.session
    session["_mfa_pending"]["at"] -= settings.MFA_PENDING_SECONDS + 1
    session.save()
    response = client.post(reverse("mfa_verify"), {"code": _code(secret)})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert not _signed_in(client)


def test_without_mfa_required_staff_sign_in_with_the_password(client, bank_a_officer):
    _password_step(client, "bank_a_officer")
    assert _signed_in(client)


def test_an_enterprise_turns_it_on_and_off_with_password_and_code(client, enterprise_user, mfa_on):
    client.force_login(enterprise_user)
    assert 'data-testid="mfa-status">Off.' in client.get(reverse("account_security"), **EN).content.decode()
    page = client.get(reverse("mfa_setup"))
    secret = re.search(r'data-testid="mfa-secret">([A-Z2-7]+)<', page.content.decode()).group(1)
    client.post(reverse("mfa_setup"), {"code": _code(secret, -1)})
    assert mfa.confirmed_device(enterprise_user) is not None
    assert "10 recovery codes left" in client.get(reverse("account_security"), **EN).content.decode()
    client.post(reverse("mfa_disable"), {"password": "wrong", "code": _code(secret)})
    assert mfa.confirmed_device(enterprise_user) is not None
    client.post(reverse("mfa_disable"), {"password": PASSWORD, "code": _code(secret)})
    assert not TotpDevice.objects.filter(user=enterprise_user).exists()
    assert AuditEvent.objects.filter(action="mfa.disabled", actor_id=enterprise_user.pk).count() == 1


def test_staff_cannot_turn_it_off_but_an_admin_can_reset_it(client, bank_a_officer, staff_admin, mfa_on):
    secret = _enrolled(bank_a_officer)
    client.force_login(bank_a_officer)
    client.post(reverse("mfa_disable"), {"password": PASSWORD, "code": _code(secret)})
    assert mfa.confirmed_device(bank_a_officer) is not None
    client.force_login(staff_admin)
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "reset_second_factor", "_selected_action": [bank_a_officer.pk]},
    )
    assert mfa.confirmed_device(bank_a_officer) is None
    assert AuditEvent.objects.get(action="mfa.reset").actor_id == staff_admin.pk


def test_the_admin_signs_in_through_the_portal_page(client, db):
    response = client.get(reverse("admin:login"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_an_empty_code_is_a_form_error_at_every_step(client, bank_a_officer, enterprise_user, mfa_on):
    """An empty POST to the second step, the required set-up or the optional set-up shows the form again
    (it once crashed on an unbound form), and signs nobody in."""
    _password_step(client, "bank_a_officer")  # no device yet: the required set-up
    response = client.post(reverse("mfa_enrol"), {}, **EN)
    assert response.status_code == 200 and not _signed_in(client)
    _enrolled(bank_a_officer)
    response = client.post(reverse("mfa_verify"), {}, **EN)
    assert response.status_code == 200 and not _signed_in(client)
    client.force_login(enterprise_user)
    response = client.post(reverse("mfa_setup"), {}, **EN)
    assert response.status_code == 200 and b"This field is required" in response.content
