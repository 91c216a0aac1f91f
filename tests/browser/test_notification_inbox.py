"""In Chromium: the inbox's htmx buttons update the row and the header badge without a page load."""

import pytest
from playwright.sync_api import expect

from portal.notifications.models import Notification
from portal.notifications.services import notify
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _notice(user, subject):
    return notify(
        recipients=[user],
        kind="test.notice",
        template="notice",
        context={"subject": subject, "body": "请登录平台查看。"},
        link="/",
        email=False,
    )[0]


def test_marking_read_in_the_inbox_updates_row_and_badge_in_place(browse, enterprise_user):
    first = _notice(enterprise_user, "贷款申请已提交")
    _notice(enterprise_user, "补贴申请待补正")
    _notice(enterprise_user, "风险补偿已受理")

    def scenario(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.click("[data-testid=inbox-link]")
        page.wait_for_url("**/notifications/")
        assert page.inner_text("[data-testid=inbox-count]") == "3"
        page.evaluate("window.__noReload = true")

        page.click(f"#notification-{first.pk} [data-testid=mark-read]")
        expect(page.locator("[data-testid=inbox-count]")).to_have_text("2")
        assert page.locator(f"#notification-{first.pk} [data-testid=mark-read]").count() == 0
        assert page.locator(f"#notification-{first.pk}").get_attribute("data-unread") is None

        page.click("[data-testid=mark-all-read]")
        expect(page.locator("[data-testid=inbox-count]")).to_have_text("0")
        assert page.locator("[data-unread=true]").count() == 0
        # Both swaps happened in place: the page was never reloaded.
        assert page.evaluate("window.__noReload") is True

    browse(scenario)
    assert not Notification.objects.filter(recipient=enterprise_user, read_at=None).exists()
