"""In Chromium: a bank officer must enrol an authenticator app at first sign-in, then signs in with a code."""

import re
import time

import pyotp
import pytest

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _password_step(page):
    page.goto("/accounts/login/")
    page.fill("input[name=username]", "bank_a_officer")
    page.fill("input[name=password]", PASSWORD)
    page.click("main button[type=submit]")


def test_bank_officer_enrols_totp_and_signs_in_with_a_code(browse, bank_a_officer, settings):
    settings.MFA_REQUIRED = True

    def scenario(page):
        _password_step(page)
        page.wait_for_url(re.compile(r"/accounts/login/enrol/"))
        assert page.locator("[data-testid=mfa-qr] svg").count() == 1
        totp = pyotp.TOTP(page.inner_text("[data-testid=mfa-secret]").strip())
        page.fill("input[name=code]", totp.now())
        page.click("main button[type=submit]")
        assert page.locator("[data-testid=recovery-codes] li").count() == 10
        page.click("[data-testid=mfa-continue]")
        page.wait_for_selector("[data-testid=acting-org]")

        page.click("form[action='/accounts/logout/'] button")
        page.wait_for_url(re.compile(r"/accounts/login/"))
        _password_step(page)
        page.wait_for_url(re.compile(r"/accounts/login/verify/"))
        # The enrolment used this step's code; the next step's is accepted (clock drift allowance).
        page.fill("input[name=code]", totp.at(time.time() + 30))
        page.click("main button[type=submit]")
        page.wait_for_selector("[data-testid=acting-org]")

    browse(scenario)
