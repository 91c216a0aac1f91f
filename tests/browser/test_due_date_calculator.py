"""In Chromium: the due-date calculator answers from the API without reloading the page."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def submit(page, start, n, mode="working_days"):
    page.fill("#due-start", start)
    page.fill("#due-n", n)
    page.select_option("#due-mode", mode)
    page.click("#due-date-form button[type=submit]")


def test_e1_answer_appears_in_place_with_chinese_reasons(browse):
    def scenario(page):
        page.goto("/calendar/due-date/")
        page.evaluate("window.notReloaded = true")
        submit(page, "2026-02-12", "3")
        result = page.locator("#due-result")
        result.get_by_text("2026-02-24").wait_for()
        text = result.inner_text()
        assert "春节" in text
        assert "2026-02-14" not in text  # the makeup Saturday is a working day
        assert page.evaluate("window.notReloaded") is True
        assert "?" not in page.url

    browse(scenario)


def test_provisional_answer_shows_the_warning(browse):
    def scenario(page):
        page.goto("/calendar/due-date/")
        submit(page, "2026-12-30", "3")
        page.locator("#due-result").get_by_text("2027-01-05").wait_for()
        assert "2027" in page.locator("#due-result .warn").last.inner_text()

    browse(scenario)


def test_api_field_errors_appear_next_to_the_fields(browse):
    def scenario(page):
        page.goto("/calendar/due-date/")
        submit(page, "2026-09-30", "400", mode="calendar_days")
        expect(page.locator("#due-n-error")).to_have_text(re.compile(r"\S"))
        assert page.get_attribute("#due-n", "aria-invalid") == "true"
        assert page.locator("#due-result").is_hidden()

        submit(page, "", "3")
        expect(page.locator("#due-start-error")).to_have_text(re.compile(r"\S"))
        assert page.inner_text("#due-n-error").strip() == ""

    browse(scenario)
