"""In Chromium: the Content-Security-Policy (portal/security.py) blocks nothing the portal itself needs.

The browser reports every blocked script, style or connection as a console error naming the policy; the
pages below (htmx, the language switch wired by static/js/portal.js, the API docs' Swagger UI) must
produce none, and must still work.
"""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_pages_work_under_the_policy_without_violations(browse, enterprise_user):
    def scenario(page):
        violations = []
        page.on(
            "console",
            lambda message: (
                violations.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        sign_in(page, enterprise_user.username, PASSWORD)
        assert page.evaluate("typeof htmx") == "object"  # htmx loaded from our static files
        # The language switch submits on change (data-autosubmit, no inline handler).
        page.select_option("#lang-select", "en")
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.goto("/notifications/")
        page.goto("/api/docs/")
        page.wait_for_selector(".swagger-ui .opblock", timeout=30_000)
        return violations

    assert browse(scenario) == []
