"""In Chromium, long operations show their progress without an inline script (the CSP forbids one): the
subsidy batch's recomputation card and the statistics refresh card poll through htmx and change by
themselves when the work ends; the legal-status import, checked in the request itself, shows its busy
note and cannot be sent twice while it waits (issue 11)."""

import time
from decimal import Decimal

import pytest
from django.db import connection

from stats import rollup
from stats.models import Snapshot
from subsidies.batches import current_parameters
from subsidies.models import BatchParameters
from subsidies.tasks import batch_recompute_task
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.subsidies.factories import make_batch, make_settled_loan, refreshed, submitted_application

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_the_recomputation_card_follows_the_task_to_its_end(
    browse, enterprise, enterprise_user, bank_a_branch, bank_a_officer, reviewer
):
    batch = make_batch(reviewer)
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    application = submitted_application(batch, enterprise_user, loan)
    first = current_parameters(batch)
    # A corrected version whose recomputation no worker has taken yet.
    BatchParameters.objects.create(
        batch=batch,
        version=2,
        values={**first.values, "interest_ratio": "0.4000"},
        reason="勘误",
        created_by=reviewer,
    )

    def scenario(page):
        try:
            sign_in(page, reviewer.username, PASSWORD)
            page.goto(f"/subsidies/batches/{batch.pk}/")
            page.wait_for_selector("[data-testid=recompute-status]:has-text('Recomputing')")
            assert page.locator("[data-testid=recompute-progress-bar]").get_attribute("value") == "0"
            batch_recompute_task.apply(args=[batch.pk])  # the worker's turn
            page.wait_for_selector("[data-testid=recompute-status]:has-text('Done')", timeout=10_000)
            assert page.locator("[data-testid=recompute-progress-bar]").get_attribute("value") == "1"
        finally:
            connection.close()  # this thread's own connection

    browse(scenario, locale="en")
    assert refreshed(application).calculated == Decimal("70000.00")


def test_the_statistics_card_announces_the_new_figures(browse, joint_office_viewer):
    first = rollup.refresh(trigger="test")
    running = Snapshot.objects.create(trigger="schedule")

    def scenario(page):
        try:
            sign_in(page, joint_office_viewer.username, PASSWORD)
            page.goto("/stats/")
            page.wait_for_selector("[data-testid=refresh-running]")
            running.delete()
            rollup.refresh(trigger="test")
            page.wait_for_selector("[data-testid=refresh-done]", timeout=10_000)
            page.click("[data-testid=refresh-reload]")
            page.wait_for_selector("[data-testid=as-of]")
            assert page.locator("[data-testid=refresh-running]").count() == 0
        finally:
            connection.close()

    browse(scenario)
    assert rollup.current().pk != first.pk


def test_the_legal_status_import_shows_it_is_busy_and_is_not_sent_twice(browse, commissioner, tmp_path):
    feed = tmp_path / "feed.csv"
    feed.write_text("number,status,occurred_on\nCN000,bogus,2026-01-01\n", encoding="utf-8")
    # What the form looked like while the server worked, read in the browser a moment after the submit
    # and kept in sessionStorage across the navigation to the answer.
    record = """() => document.addEventListener("submit", () => setTimeout(() => {
        const form = document.querySelector("[data-testid=legal-status-import-form]");
        sessionStorage.setItem("busy", JSON.stringify({
            note: !form.querySelector("[data-testid=import-busy]").hidden,
            disabled: form.querySelector("button[type=submit]").disabled,
        }));
    }, 100))"""

    def slow_server(route):
        time.sleep(1.5)  # the browser's timer runs meanwhile
        route.continue_()

    def scenario(page):
        sign_in(page, commissioner.username, PASSWORD)
        page.goto("/pledges/legal-status/import/")
        assert not page.is_visible("[data-testid=import-busy]")
        page.route("**/pledges/legal-status/import/", slow_server)
        page.evaluate(record)
        page.set_input_files("input[type=file]", str(feed))
        page.click("[data-testid=legal-status-import-form] button[type=submit]")
        page.wait_for_selector("[data-testid=import-errors]")
        assert page.evaluate("() => JSON.parse(sessionStorage.getItem('busy'))") == {
            "note": True,
            "disabled": True,
        }
        # The answer's page is usable again.
        assert not page.is_visible("[data-testid=import-busy]")
        assert page.locator("[data-testid=legal-status-import-form] button[type=submit]").is_enabled()

    browse(scenario)
