"""Password policy: Django's validators, character classes, the organisation's name, rotation (check 11)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_configured_policy():
    names = [validator["NAME"].rsplit(".", 1)[1] for validator in settings.AUTH_PASSWORD_VALIDATORS]
    assert names == [
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
        "CharacterClassesValidator",
        "OrganisationNameValidator",
    ]
    assert settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"] >= 8
    assert settings.AUTH_PASSWORD_VALIDATORS[4]["OPTIONS"]["min_classes"] == 3
    assert settings.PASSWORD_MAX_AGE_DAYS in (0, 90)  # tests run with rotation off unless they turn it on


@pytest.mark.parametrize(
    "password",
    ["Short-1a", "password123", "alllowercaseletters", "abcdefgh1234", "1234567890123"],
)
def test_weak_passwords_are_refused(enterprise_user, password):
    with pytest.raises(ValidationError):
        validate_password(password, user=enterprise_user)


def test_the_organisation_name_is_refused_and_a_long_passphrase_accepted(make_user, make_enterprise, english):
    company = make_enterprise("Zhongxin Tech")
    user = make_user("zx_user", company, "enterprise_user")
    with pytest.raises(ValidationError, match="organisation"):
        validate_password("ZhongxinTech-2026!", user=user)
    passphrase = "Correct horse battery staple, 7 quiet rivers run under Beijing!!"[:64]
    assert len(passphrase) == 64
    validate_password(passphrase, user=user)


def test_setting_a_password_stamps_its_date(enterprise_user):
    enterprise_user.password_changed_at = None
    enterprise_user.set_password("Another-pass-2027")
    assert timezone.now() - enterprise_user.password_changed_at < timedelta(seconds=5)


def test_an_old_password_forces_the_change_page_until_changed(client, enterprise_user, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    type(enterprise_user).objects.filter(pk=enterprise_user.pk).update(
        password_changed_at=timezone.now() - timedelta(days=91)
    )
    client.post(reverse("login"), {"username": "ent_user", "password": PASSWORD})
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")
    assert client.get("/api/v1/loans/", **EN).status_code == 403
    page = client.get(reverse("password_change"), **EN)
    assert page.status_code == 200 and "days old" in page.content.decode()
    client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2027",
            "new_password2": "Another-pass-2027",
        },
    )
    assert client.get(reverse("home")).status_code == 200  # the current session survived the change


def test_a_fresh_password_is_not_forced(client, enterprise_user, settings):
    settings.PASSWORD_MAX_AGE_DAYS = 90
    client.force_login(enterprise_user)
    assert client.get(reverse("home")).status_code == 200
