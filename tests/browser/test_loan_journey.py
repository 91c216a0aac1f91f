"""In Chromium, a loan's whole life (issue 4): the enterprise checks its eligibility, compares two banks'
products and applies to both; bank B declines, bank A's officer approves above the second-approval
threshold and its manager approves as the second person; the enterprise accepts, the pledge registration
started from the loan is filed and confirmed by the bank; the bank records the contract, the
disbursement and finally the settlement."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from loans.models import (
    ApplicationStatus,
    DeclineReason,
    Loan,
    LoanApplication,
    LoanStatus,
    ProductStatus,
)
from pledges.models import AssetHolder, IpAsset, LegalStatus
from pledges.models import Status as RegistrationStatus
from portal.accounts.models import Role
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind, PolicyParameterSet
from tests.browser.conftest import sign_in
from tests.browser.journey_steps import upload_pledge_materials
from tests.conftest import PASSWORD
from tests.loans.products_factory import make_product

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_eligibility_to_settlement_across_two_banks(
    browse,
    settings,
    tmp_path,
    make_user,
    enterprise,
    enterprise_user,
    bank_a_officer,
    bank_a_manager,
    bank_b,
    bank_b_officer,
):
    settings.MEDIA_ROOT = tmp_path / "media"
    today = timezone.localdate()
    # Approvals above one million need a second person at the bank (the policy parameter, not a constant).
    PolicyParameterSet.objects.filter(year=today.year).update(
        loan_second_approval_above=Decimal("1000000.00")
    )
    bank_b_manager = make_user("bank_b_manager", bank_b, Role.BANK_MANAGER)
    product_a = make_product(
        author=bank_a_officer,
        manager=bank_a_manager,
        status=ProductStatus.PUBLISHED,
        name="中关村智权贷",
        ip_kinds=[IpKind.PATENT],
    )
    product_b = make_product(
        author=bank_b_officer, manager=bank_b_manager, status=ProductStatus.PUBLISHED, name="专利快贷"
    )
    patent = IpAsset.objects.create(
        owner=enterprise,
        kind=IpKind.PATENT,
        number="201310699744.2",
        title="一种芯片散热装置",
        patent_type=PatentType.INVENTION,
        filing_date=date(2013, 12, 18),
        grant_date=date(2016, 3, 2),
        annual_fee_paid_through=today + timedelta(days=200),
        legal_status=LegalStatus.IN_FORCE,
    )
    AssetHolder.objects.create(asset=patent, name=enterprise.name, organisation=enterprise, is_primary=True)

    def enterprise_checks_compares_and_applies(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto("/loans/check/")
        page.check("[data-testid=eligibility-form] [name=for_beijing_operations][value=yes]")
        page.check("[data-testid=eligibility-form] [name=guarantor_available][value=no]")
        page.check("[data-testid=eligibility-form] [name=combination_acceptable][value=yes]")
        page.fill("[data-testid=eligibility-form] [name=amount]", "2000000")
        page.fill("[data-testid=eligibility-form] [name=term_months]", "12")
        page.click("[data-testid=eligibility-form] button[type=submit]")
        outcome = page.get_attribute("[data-testid=eligibility-result]", "data-outcome")

        page.goto("/loans/products/")
        page.check(f"#cmp-{product_a.pk}")
        page.check(f"#cmp-{product_b.pk}")
        page.click("form[action='/loans/products/compare/'] button[type=submit]")
        page.wait_for_selector("[data-testid=compare-table]")
        page.click("[data-testid=compare-apply]")
        page.wait_for_selector("[data-testid=apply-form]")
        assert page.is_checked(f"input[name=products][value='{product_a.pk}']")
        assert page.is_checked(f"input[name=products][value='{product_b.pk}']")
        page.check(f"input[name=assets][value='{patent.pk}']")
        page.fill("[data-testid=apply-form] [name=amount]", "2000000")
        page.fill("[data-testid=apply-form] [name=term_months]", "12")
        page.fill("[data-testid=apply-form] [name=purpose]", "流片材料采购和研发投入")
        page.click("[data-testid=apply-submit]")
        page.wait_for_selector("[data-testid=applications]")
        return outcome, page.url

    outcome, request_url = browse(enterprise_checks_compares_and_applies)
    assert outcome == "yes"
    application_a = LoanApplication.objects.get(product=product_a)
    application_b = LoanApplication.objects.get(product=product_b)
    assert {application_a.status, application_b.status} == {ApplicationStatus.SUBMITTED}

    def bank_b_declines(page):
        sign_in(page, bank_b_officer.username, PASSWORD)
        page.goto("/loans/applications/queue/")
        page.click(f"[data-testid=application-queue] a[href='/loans/applications/{application_b.pk}/']")
        page.click("[data-testid=assign-me]")
        page.wait_for_selector("[data-testid=decline-form]")
        page.select_option("[data-testid=decline-form] [name=reason_code]", DeclineReason.OUTSIDE_PRODUCT)
        page.fill("[data-testid=decline-form] [name=note]", "本行该产品暂不受理集成电路行业。")
        page.click("[data-testid=decline-form] button[type=submit]")
        page.wait_for_selector(".msg-success")

    browse(bank_b_declines)
    application_b.refresh_from_db()
    assert application_b.status == ApplicationStatus.DECLINED

    def bank_a_officer_proposes(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto(f"/loans/applications/{application_a.pk}/")
        page.click("[data-testid=assign-me]")
        page.wait_for_selector("[data-testid=approve-form]")
        page.fill("[data-testid=approve-form] [name=amount]", "2000000")
        page.fill("[data-testid=approve-form] [name=rate_pct]", "3.45")
        page.fill("[data-testid=approve-form] [name=term_months]", "12")
        page.fill("[data-testid=approve-form] [name=conditions]", "以发明专利质押，按月付息，到期还本。")
        page.click("[data-testid=approve-form] button[type=submit]")
        page.wait_for_selector("[data-testid=maker-note]")
        # The maker is never offered the second approval.
        return page.locator("[data-testid=second-approve]").count()

    assert browse(bank_a_officer_proposes) == 0
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.AWAITING_SECOND_APPROVAL

    def bank_a_manager_approves(page):
        sign_in(page, bank_a_manager.username, PASSWORD)
        page.goto("/loans/applications/queue/")
        page.click(f"[data-testid=application-queue] a[href='/loans/applications/{application_a.pk}/']")
        page.click("[data-testid=second-approve]")
        page.wait_for_selector(".msg-success")

    browse(bank_a_manager_approves)
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.APPROVED
    assert (application_a.proposed_by, application_a.approved_by) == (bank_a_officer, bank_a_manager)

    def enterprise_accepts_and_files(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto(request_url)
        declined = page.inner_text(f"[data-testid=status-{application_b.pk}]")
        page.click(f"[data-testid=accept-{application_a.pk}]")
        page.wait_for_selector("[data-testid=acceptance-registrations] a")
        page.click("[data-testid=acceptance-registrations] a")
        page.wait_for_selector("[data-testid=checklist]")
        upload_pledge_materials(page)
        page.click("[data-testid=submit]")
        page.wait_for_selector(".msg-success")
        return declined

    declined_label = browse(enterprise_accepts_and_files)
    with translation.override("zh-hans"):
        assert declined_label == str(ApplicationStatus.DECLINED.label)
    loan = Loan.objects.get(application=application_a)
    registration = loan.registrations.get()
    assert registration.status == RegistrationStatus.AWAITING_PLEDGEE
    assert registration.pledgee_id == application_a.bank_id
    application_a.refresh_from_db()
    assert application_a.status == ApplicationStatus.ACCEPTED

    signed = today - timedelta(days=20)
    disbursed = today - timedelta(days=15)

    def bank_confirms_records_disburses_and_settles(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto("/pledges/to-confirm/")
        page.click(f"[data-testid=to-confirm] a:text('{registration.reference}')")
        page.click("[data-testid=confirm]")
        page.wait_for_selector(".msg-success")

        page.goto("/loans/")
        page.click(f"[data-testid=loan-list] a:text('{loan.reference}')")
        form = "[data-testid=contract-form]"
        page.fill(f"{form} [name=bank_loan_ref]", "ZGC-2026-7788")
        page.fill(f"{form} [name=contract_number]", "京银质字2026第7788号")
        page.fill(f"{form} [name=contract_signed_on]", signed.isoformat())
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector(".msg-success")

        form = "[data-testid=fact-form]"
        page.click("details:has([data-testid=fact-form]) > summary")
        page.select_option(f"{form} [name=kind]", "disbursement")
        page.fill(f"{form} [name=occurred_on]", disbursed.isoformat())
        page.fill(f"{form} [name=amount]", "2000000")
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector(".msg-success")
        page.click("details:has([data-testid=fact-form]) > summary")
        page.select_option(f"{form} [name=kind]", "settlement")
        page.fill(f"{form} [name=occurred_on]", today.isoformat())
        page.fill(f"{form} [name=amount]", "2000000")
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector(".msg-success")
        return page.inner_text("[data-testid=loan-status]"), page.inner_text("[data-testid=loan-outstanding]")

    status_label, outstanding = browse(bank_confirms_records_disburses_and_settles)
    with translation.override("zh-hans"):
        assert status_label == str(LoanStatus.SETTLED.label)
    assert outstanding.replace(",", "").startswith("0.00")
    registration.refresh_from_db()
    assert registration.status == RegistrationStatus.SUBMITTED
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SETTLED
    assert (loan.disbursed_amount, loan.principal_repaid, loan.settled_on) == (
        Decimal("2000000.00"),
        Decimal("2000000.00"),
        today,
    )
    assert loan.bank_loan_ref == "ZGC-2026-7788"
    assert list(loan.events.values_list("to_status", flat=True)) == [
        LoanStatus.AWAITING_CONTRACT,
        LoanStatus.CONTRACTED,
        LoanStatus.DISBURSED,
        LoanStatus.SETTLED,
    ]
