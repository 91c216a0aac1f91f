"""In Chromium, an interest subsidy from the public calculator to payment (issue 6): a visitor estimates
E4 of domain.md §5; the enterprise applies with its settled loan from the portal's loan facts, completes
its details and materials and submits; a reviewer checks the materials and proposes the calculated
amount; a second reviewer approves it (the first cannot); the notice goes public; after the notice
period the finance bureau makes the payment list and marks it paid; the enterprise sees it paid."""

from datetime import timedelta

import pytest
from django.utils import timezone

from subsidies.models import Application, ApplicationStatus, Batch, Publicity
from subsidies.payments import publicity_close_due
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.subsidies.factories import PDF, make_batch, make_settled_loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_calculator_to_payment(
    browse,
    tmp_path,
    enterprise,
    enterprise_user,
    bank_a_branch,
    bank_a_officer,
    reviewer,
    second_reviewer,
    finance_officer,
):
    batch = make_batch(reviewer)
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    scan = tmp_path / "盖章扫描件.pdf"
    scan.write_bytes(PDF)

    def visitor_estimates(page):
        page.goto("/subsidies/calculator/")
        page.fill("input[name=batch_year]", "2026")
        page.fill("input[name=loan-0-interest_paid]", "175000.00")
        page.fill("input[name=loan-0-annual_rate_pct]", "3.50")
        page.fill("input[name=loan-0-ip_share]", "1")
        page.fill("input[name=loan-0-disbursed_on]", "2025-01-15")
        page.fill("input[name=loan-0-settled_on]", "2025-11-30")
        page.fill("input[name=loan-0-pledge_registered_on]", "2025-01-10")
        page.click("[data-testid=calculator-form] button[type=submit]")
        page.wait_for_selector("[data-testid=interest-total]:has-text('87,500.00')")

    def enterprise_applies(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto("/subsidies/applications/")
        page.click(f"[data-testid=apply-{batch.pk}]")
        page.click(f"[data-testid=add-portal-{loan.pk}]")
        page.wait_for_selector("[data-testid=calculated]:has-text('87,500.00')")
        form = page.locator("[data-testid=details-form]")
        form.locator("input[name=bank_account_bank]").fill("中国银行北京海淀支行")
        form.locator("input[name=bank_account_number]").fill("6216610000012345678")
        form.locator("input[name=contact_phone]").fill("13800138000")
        form.locator("button[type=submit]").click()
        uploads = page.locator("[data-testid=materials] form")
        for index in range(uploads.count()):
            upload = page.locator("[data-testid=materials] form").nth(index)
            upload.locator("input[type=file]").set_input_files(str(scan))
            upload.locator("button[type=submit]").click()
            page.wait_for_load_state()
        page.click("[data-testid=submit]")
        page.wait_for_selector("[data-testid=submit]", state="detached")  # no longer editable

    def first_reviewer_proposes(page):
        application = Application.objects.get()
        sign_in(page, reviewer.username, PASSWORD)
        page.goto("/subsidies/review/")
        page.click(f"[data-testid=queue-row] a[href$='/review/{application.pk}/']")
        page.click("[data-testid=review-start]")
        page.wait_for_selector("[data-testid=material-row] form")
        rows = page.locator("[data-testid=material-row] form")
        for index in range(rows.count()):
            row = page.locator("[data-testid=material-row] form").nth(index)
            row.locator("select").select_option("ok")
            row.locator("button[type=submit]").click()
            page.wait_for_load_state()
        page.click("[data-testid=propose-submit]")
        page.wait_for_selector("[data-testid=four-eyes]")  # the proposer cannot decide

    def second_reviewer_approves(page):
        application = Application.objects.get()
        sign_in(page, second_reviewer.username, PASSWORD)
        page.goto(f"/subsidies/review/{application.pk}/")
        page.select_option("[data-testid=decide] select[name=decision]", "approve")
        page.click("[data-testid=decide-submit]")
        page.wait_for_selector("[data-testid=approved-amount]:has-text('87,500.00')")
        page.goto(f"/subsidies/batches/{batch.pk}/")
        page.click("[data-testid=publicity-start]")
        page.wait_for_selector("[data-testid=publicity-start]", state="detached")

    def anyone_sees_the_notice(page):
        page.goto("/subsidies/notice/")
        page.wait_for_selector(f"[data-testid=notice-row]:has-text('{enterprise.name}')")
        assert "87,500.00" in page.inner_text("[data-testid=notice]")

    def finance_pays(page):
        sign_in(page, finance_officer.username, PASSWORD)
        page.goto(f"/subsidies/batches/{batch.pk}/")
        page.click("[data-testid=payment-list-create]")
        page.wait_for_selector("[data-testid=payment-total]:has-text('87,500.00')")
        page.fill("input[name=paid_on]", timezone.localdate().isoformat())
        page.click("[data-testid=mark-paid] button[type=submit]")
        page.wait_for_selector("[data-testid=paid-badge]")

    def enterprise_sees_it_paid(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto(f"/subsidies/applications/{Application.objects.get().pk}/")
        page.wait_for_selector("[data-testid=approved-amount]:has-text('87,500.00')")
        return page.inner_text("[data-testid=application-status]")

    browse(visitor_estimates)
    browse(enterprise_applies)
    assert Application.objects.get().status == ApplicationStatus.SUBMITTED
    browse(first_reviewer_proposes)
    browse(second_reviewer_approves)
    assert Application.objects.get().status == ApplicationStatus.PUBLICITY
    browse(anyone_sees_the_notice)
    # The notice period passes (the daily beat job closes it).
    ends_on = Publicity.objects.get().ends_on
    assert publicity_close_due(ends_on + timedelta(days=1)) == 1
    browse(finance_pays)
    assert browse(enterprise_sees_it_paid) == str(ApplicationStatus.PAID.label)
    assert Batch.objects.get(pk=batch.pk).paid == Application.objects.get().approved_amount
