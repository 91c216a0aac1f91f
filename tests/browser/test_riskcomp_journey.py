"""In Chromium, risk compensation from a non-performing loan to payment and a later clawback (issue 7), E8 of
domain.md §5: the bank opens the claim from its non-performing loan and files the evidence; the guarantor
confirms its share; a reviewer proposes the calculated payouts and a second reviewer approves them (the
first cannot); finance pays; the bank reports a recovery from the disposal of the pledged patent; the
guarantor confirms its part of the clawback and finance records it settled."""

import pytest
from django.utils import timezone

from riskcomp.models import Claim, ClaimStatus, ClawbackShare, ClawbackStatus, FundYear, Recovery
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from tests.riskcomp.factories import PDF, fund, make_npl_loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_non_performing_loan_to_payment_and_clawback(
    browse,
    tmp_path,
    enterprise,
    bank_a_branch,
    bank_a_officer,
    guarantor_officer,
    reviewer,
    second_reviewer,
    finance_officer,
):
    fund()
    guarantor = guarantor_officer.organisation
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[
            ("bank", bank_a_branch, bank_a_branch.name, "0.20", "0"),
            ("guarantor", guarantor, guarantor.name, "0.80", "0.50"),
        ],
    )
    scan = tmp_path / "不良认定材料.pdf"
    scan.write_bytes(PDF)
    today = timezone.localdate().isoformat()

    def bank_files_the_claim(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto("/riskcomp/claims/")
        page.click(f"[data-testid=open-{loan.pk}]")
        page.wait_for_selector("[data-testid=total]:has-text('360,000.00')")
        for item in ("loan_contract", "registration", "classification"):
            row = page.locator(f"[data-testid=evidence-{item}]")
            row.locator("input[type=file]").set_input_files(str(scan))
            row.locator(f"[data-testid=upload-{item}]").click()
            page.wait_for_selector(f"[data-testid=evidence-{item}] a")
        page.click("[data-testid=submit]")
        page.wait_for_selector("[data-testid=submit]", state="detached")

    def guarantor_confirms_its_share(page):
        share = Claim.objects.get().participants.get(organisation=guarantor)
        sign_in(page, guarantor_officer.username, PASSWORD)
        page.goto("/riskcomp/confirmations/")
        page.click(f"[data-testid=confirm-{share.pk}]")
        page.wait_for_selector(f"[data-testid=confirm-{share.pk}]", state="detached")

    def first_reviewer_proposes(page):
        claim = Claim.objects.get()
        sign_in(page, reviewer.username, PASSWORD)
        page.goto("/riskcomp/review/")
        page.click(f"[data-testid=queue-row] a[href$='/review/{claim.pk}/']")
        page.click("[data-testid=review-start]")
        page.click("[data-testid=propose-submit]")
        page.wait_for_selector("[data-testid=four-eyes]")  # the proposer cannot decide

    def second_reviewer_approves(page):
        sign_in(page, second_reviewer.username, PASSWORD)
        page.goto(f"/riskcomp/review/{Claim.objects.get().pk}/")
        page.select_option("[data-testid=decide] select[name=decision]", "approve")
        page.click("[data-testid=decide-submit]")
        page.wait_for_selector("[data-testid=approved-total]:has-text('360,000.00')")

    def finance_pays(page):
        sign_in(page, finance_officer.username, PASSWORD)
        page.goto("/riskcomp/payments/")
        row = page.locator("[data-testid=pay-row]")
        row.locator("input[name$=paid_on]").fill(today)
        row.locator("[data-testid=mark-paid]").click()
        page.wait_for_selector("[data-testid=pay-row]", state="detached")

    def bank_reports_a_recovery(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto(f"/riskcomp/claims/{Claim.objects.get().pk}/")
        form = page.locator("[data-testid=recovery-form]")
        form.locator("input[name=amount]").fill("500000.00")
        form.locator("input[name=received_on]").fill(today)
        form.locator("select[name=source]").select_option("disposal")
        form.locator("[data-testid=report-recovery]").click()
        page.wait_for_selector("[data-testid=fund-share]:has-text('90,000.00')")

    def guarantor_confirms_its_clawback(page):
        share = ClawbackShare.objects.get(participant__organisation=guarantor)
        sign_in(page, guarantor_officer.username, PASSWORD)
        page.goto("/riskcomp/confirmations/")
        page.click(f"[data-testid=clawback-confirm-{share.pk}]")
        page.wait_for_selector(f"[data-testid=clawback-confirm-{share.pk}]", state="detached")

    def finance_settles(page):
        sign_in(page, finance_officer.username, PASSWORD)
        page.goto("/riskcomp/payments/")
        row = page.locator("[data-testid=settle-row]")
        row.locator("input[name$=settled_on]").fill(today)
        row.locator("[data-testid=settle]").click()
        page.wait_for_selector("[data-testid=settle-row]", state="detached")

    browse(bank_files_the_claim)
    assert Claim.objects.get().status == ClaimStatus.CONFIRMING
    browse(guarantor_confirms_its_share)
    assert Claim.objects.get().status == ClaimStatus.SUBMITTED
    browse(first_reviewer_proposes)
    browse(second_reviewer_approves)
    browse(finance_pays)
    claim = Claim.objects.get()
    assert (
        claim.status == ClaimStatus.PAID
        and FundYear.objects.get(year=claim.year).paid == claim.approved_total
    )
    browse(bank_reports_a_recovery)
    browse(guarantor_confirms_its_clawback)
    assert Recovery.objects.get().status == ClawbackStatus.CONFIRMED
    browse(finance_settles)
    assert Claim.objects.get().clawed_back == Recovery.objects.get().fund_share
