"""In Chromium, the joint-meeting office's dashboard (issue 8): open it, see the charts drawn by the vendored
Chart.js, filter by bank, open a figure's definition, drill down to the cases behind it, and export them
to Excel through the background export with its progress."""

import io
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from stats import rollup
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.stats.page_world import disbursed_loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_dashboard_filter_drill_down_and_export(
    browse, enterprise, other_enterprise, bank_a, bank_a_branch, bank_b, bank_a_officer, joint_office_viewer
):
    year = date.today().year
    disbursed_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        amount="1000000.00",
        on=date(year, 1, 31),
        actor=bank_a_officer,
    )
    disbursed_loan(
        bank=bank_a, enterprise=enterprise, amount="500000.00", on=date(year, 2, 1), actor=bank_a_officer
    )
    disbursed_loan(
        bank=bank_b,
        enterprise=other_enterprise,
        amount="300000.00",
        on=date(year, 1, 5),
        actor=bank_a_officer,
    )
    rollup.refresh(trigger="test")

    def scenario(page):
        sign_in(page, joint_office_viewer.username, PASSWORD)
        page.goto("/stats/")
        page.wait_for_selector("[data-testid=figure-amount_disbursed]:has-text('1,800,000.00')")
        # Chart.js (served by the portal) drew the trend: the canvas has a chart attached.
        assert page.evaluate("() => typeof Chart !== 'undefined' && !!Chart.getChart('chart-loans')")
        page.select_option("select[name=bank]", str(bank_a.pk))
        page.click("[data-testid=stats-filters] button[type=submit]")
        page.wait_for_selector("[data-testid=figure-amount_disbursed]:has-text('1,500,000.00')")
        page.click("[data-testid=figure-loans_disbursed] a.def")
        page.wait_for_selector("#loans_disbursed")
        page.go_back()
        page.click("[data-testid=drill-loans_disbursed]")
        page.wait_for_selector("[data-testid=case-row]")
        assert page.locator("[data-testid=case-row]").count() == 2
        page.click("[data-testid=cases-export]")
        page.wait_for_selector("[data-testid=export-download]", timeout=30_000)
        with page.expect_download() as info:
            page.click("[data-testid=export-download]")
        return Path(info.value.path()).read_bytes()  # read before the browser closes and removes it

    workbook = openpyxl.load_workbook(io.BytesIO(browse(scenario, locale="en-US")))
    rows = list(workbook.active.values)
    assert len(rows) == 3 and {row[1] for row in rows[1:]} == {enterprise.name}
