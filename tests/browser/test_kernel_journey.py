"""In Chromium: sign in, switch the language, use the due-date calculator on the home page, sign out."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_commissioner_signs_in_switches_language_and_computes_a_due_date(browse, commissioner):
    def scenario(page):
        sign_in(page, "commissioner", PASSWORD)
        # Chinese is the default language.
        assert "北京知识产权质押登记窗口" in page.inner_text("[data-testid=acting-org]")
        assert "欢迎" in page.inner_text("h1")

        page.select_option("#lang-select", "en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        assert "Welcome" in page.inner_text("h1")

        # E3 (domain.md §5): window filing accepted Wed 2026-09-30, 3 working days -> Sat 2026-10-10.
        page.fill("#due-start", "2026-09-30")
        page.fill("#due-n", "3")
        page.select_option("#due-mode", "working_days")
        page.click("#due-date-form button[type=submit]")
        result = page.locator("#due-result")
        result.get_by_text("2026-10-10").wait_for()
        assert "National Day" in result.inner_text()

        page.click("text=Log out")
        page.wait_for_url(re.compile(r"/accounts/login/"))

    browse(scenario)
