"""In Chromium: a signed-in user's browser cannot be made to change anything from another origin, nor by a
same-origin POST without the CSRF token; the session cookie is HttpOnly and SameSite (security.md check 17).
The Secure flag is set by the production settings (DJANGO_SECURE_COOKIES; tests/portal/test_settings.py):
the test server speaks plain HTTP."""

import pytest

from portal.notifications.models import Notification
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_forged_posts_change_nothing(browse, live_server, enterprise_user):
    notice = Notification.objects.create(recipient=enterprise_user, kind="test", subject="未读", body="未读")
    target = f"{live_server.url}/notifications/read-all/"

    def scenario(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
        session = cookies["sessionid"]
        flags = (session["httpOnly"], session["sameSite"])
        # Another origin (an attacker's page) posts the form to the portal.
        page.set_content(f'<form method="post" action="{target}"><button>win a prize</button></form>')
        with page.expect_response(target) as forged:
            page.click("button")
        # The same origin, but without the token (a script that skipped it).
        page.goto("/notifications/")
        tokenless = page.evaluate(
            "url => fetch(url, {method: 'POST', credentials: 'same-origin'}).then(r => r.status)", target
        )
        return flags, forged.value.status, tokenless

    flags, cross_origin, tokenless = browse(scenario)
    assert flags == (True, "Lax")
    assert cross_origin == 403 and tokenless == 403
    notice.refresh_from_db()
    assert notice.read_at is None
