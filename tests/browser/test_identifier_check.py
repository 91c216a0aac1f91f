"""The live identifier check in a real browser: identifier-check.js against the running API, no CDN."""

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_checker_card_shows_the_verdict_while_typing(browse):
    def scenario(page):
        page.goto("/identifiers/check/")
        result = page.locator("#id-check-result")
        page.fill("#id-check-value", "91110108551385082q")
        expect(result).to_have_class("result valid")
        expect(result).to_contain_text("91110108551385082Q")

        page.fill("#id-check-value", "91350100M0001TGQXM")
        expect(result).to_have_class("result invalid")
        expect(result).to_contain_text("should be 1")

        page.select_option("#id-check-kind", "patent")
        page.fill("#id-check-value", "CN 2010 8 0063196.9")
        expect(result).to_contain_text("201080063196.9")
        assert page.get_attribute("#id-check-value", "aria-invalid") == "false"

        page.fill("#id-check-value", "")
        expect(result).to_be_hidden()

    browse(scenario, locale="en-US")


def test_any_input_with_data_identifier_gets_a_message_after_it(browse):
    def scenario(page):
        page.goto("/identifiers/check/")
        page.evaluate(
            """() => {
                const input = document.createElement("input");
                input.id = "pledge-patent";
                input.dataset.identifier = "patent";
                document.querySelector("main").append(input);
            }"""
        )
        page.fill("#pledge-patent", "ZL201310699744.3")
        status = page.locator("#pledge-patent + small")
        expect(status).to_contain_text("should be 2")
        expect(status).to_have_class("identifier-status error")
        assert page.get_attribute("#pledge-patent", "aria-invalid") == "true"
        assert page.get_attribute("#pledge-patent", "aria-describedby") == "pledge-patent-check"
        page.fill("#pledge-patent", "ZL201310699744.2")
        expect(status).to_contain_text("✓")
        expect(status).to_contain_text("201310699744.2")

    browse(scenario, locale="en-US")
