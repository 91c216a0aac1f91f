"""In Chromium, the portal's whole story for two enterprises (issue 11), every role in its own browser
context and signed in through the login page, a full-page screenshot of every step under
``$PORTAL_VAR_DIR/artifacts/journey/``.

Enterprise A is new to the portal and onboards itself: it registers with its credit code (checked as it is
typed), district, park and contact; the promotion centre verifies it; its administrator signs in for the
first time, enrolling the second factor an administrator must use, invites a colleague by e-mail link and
enters the enterprise's patent in its IP register; the colleague accepts the invitation and signs in. Then,
with the colleague at the keyboard: eligibility check, product comparison, applications to two banks; bank B
declines, bank A's officer approves above the second-approval threshold and its manager approves as the
second person; the enterprise accepts and files the pledge registration online, the bank confirms it and the
commissioner registers it within its one working day; the bank reports the contract, the disbursement, the
interest and the settlement; the enterprise applies for the interest subsidy, two reviewers decide it, the
notice goes public, finance pays it; the enterprise rates the pledge registration service.

Enterprise B: its loan becomes non-performing (the bank reports the classification); the bank claims risk
compensation, the guarantor confirms its share, two reviewers decide, finance pays; the bank auctions the
pledged patent and records the proceeds, which become a recovery on the paid claim; the guarantor confirms
its part of the clawback and finance records it settled.

Dates: the bank reports the loan's contract and disbursement as past facts (a pledge is registered in
the browser today), as the loan journey does; periods that run for days (the subsidy notice, an auction
round) end the way production ends them, by running the beat's task for a later day or after the end.
"""

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.db import connections
from django.utils import timezone, translation
from playwright.sync_api import expect

from disposal.models import CaseStatus, DisposalCase
from loans.models import (
    ApplicationStatus,
    Classification,
    DeclineReason,
    Loan,
    LoanApplication,
    LoanStatus,
    ProductStatus,
)
from pledges.models import IpAsset, LegalStatus, PledgeRegistration
from pledges.models import Status as RegistrationStatus
from portal.accounts.models import District, Organisation, Park, Role, VerificationStatus
from portal.identifiers.uscc import CHARSET, check_character
from portal.policy.models import IpKind, PolicyParameterSet
from portal.policy.services import parameter_set_clone
from portal.workdays.services import add_working_days
from ratings.models import Invitation, InvitationStatus, SubjectKind
from riskcomp.models import Claim, ClaimStatus, ClawbackShare, ClawbackStatus, Recovery
from subsidies.models import Application, Publicity
from subsidies.models import ApplicationStatus as SubsidyStatus
from subsidies.payments import publicity_close_due
from tests.browser.conftest import ARTIFACTS, sign_in
from tests.browser.journey_steps import (
    PDF,
    Cast,
    answer_rating,
    end_open_round,
    invitation_link,
    sign_in_enrolling_totp,
    upload_pledge_materials,
)
from tests.disposal.factories import npl_loan_with_assets
from tests.loans.products_factory import make_product
from tests.riskcomp.factories import fund
from tests.subsidies.factories import make_batch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SHOTS = django_settings.VAR_DIR / "artifacts" / "journey"

# Enterprise A as it registers itself: a valid credit code (GB 32100-2015 check character) of a Haidian
# enterprise, its administrator's and its invited colleague's accounts.
NAME_A = "北京智芯科技有限公司"
USCC_A = "91110108MA01JQ8X7" + check_character("91110108MA01JQ8X7")
ADMIN, ADMIN_PASSWORD = "zhixin_admin", "Kf7#mQ2x-Lv9p"
COLLEAGUE, COLLEAGUE_PASSWORD = "zhixin_finance", "Rt4$wN8z-Hc3j"
COLLEAGUE_EMAIL = "finance@zhixin.example"


def money(value) -> str:
    return f"{Decimal(value):,.2f}"


def zh(label) -> str:
    with translation.override("zh-hans"):
        return str(label)


@pytest.fixture
def enterprise_a_world(
    make_user, bank_a_officer, bank_a_manager, bank_b, bank_b_officer, reviewer, staff_admin
):
    today = timezone.localdate()
    # Approvals above one million need a second person at the bank (the policy parameter, not a constant).
    PolicyParameterSet.objects.filter(year=today.year).update(
        loan_second_approval_above=Decimal("1000000.00")
    )
    # A loan settled this year is subsidised by next year's batch (its window is the year before): staff
    # copy this year's parameters to next year, as they do each autumn.
    if not PolicyParameterSet.objects.filter(year=today.year + 1).exists():
        parameter_set_clone(
            source=PolicyParameterSet.objects.get(year=today.year), year=today.year + 1, actor=staff_admin
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
    batch = make_batch(reviewer, year=today.year + 1, title=f"{today.year + 1}年度知识产权质押贷款贴息")
    return product_a, product_b, batch


def test_two_enterprises_from_onboarding_to_rating_and_from_default_to_clawback(
    browse,
    live_server,
    enterprise_a_world,
    make_enterprise,
    bank_a_branch,
    bank_a_officer,
    bank_a_manager,
    bank_b_officer,
    commissioner,
    promotion_officer,
    reviewer,
    second_reviewer,
    finance_officer,
    guarantor_officer,
    outsider,
):
    product_a, product_b, batch = enterprise_a_world
    today = timezone.localdate()
    park = Park.objects.filter(district=District.HAIDIAN, is_active=True).first()
    signed, disbursed = today - timedelta(days=20), today - timedelta(days=15)
    interest = Decimal("2875.00")  # 2,000,000 at 3.45 % for 15 days, as the bank reports it

    # Enterprise B: a loan from bank A, guaranteed (80 % of the risk, half of it dispersed), its pledge over
    # one patent registered long ago; performing until the bank reports otherwise in the browser below.
    fund()
    guarantor = guarantor_officer.organisation
    enterprise_b = make_enterprise("北京星图智能装备有限公司")
    loan_b = npl_loan_with_assets(
        bank=bank_a_branch,
        enterprise=enterprise_b,
        actor=bank_a_officer,
        assets=1,
        participants=[
            ("bank", bank_a_branch, bank_a_branch.name, "0.20", "0"),
            ("guarantor", guarantor, guarantor.name, "0.80", "0.50"),
        ],
    )
    Loan.objects.filter(pk=loan_b.pk).update(
        status=LoanStatus.DISBURSED,
        classification=Classification.NORMAL,
        classified_on=None,
        non_performing_on=None,
    )
    npl_on = today - timedelta(days=30)

    def journey(first_page):
        cast = Cast(first_page, base_url=live_server.url, shots=SHOTS)
        try:
            return walk(cast)
        except BaseException:
            cast.failure_shots(ARTIFACTS)
            raise
        finally:
            # This thread read the database too: its connection must not outlive the test (flush, teardown).
            connections.close_all()

    def walk(cast):
        # --- Enterprise A onboards itself ---------------------------------------------------------------
        # The person who registers becomes the administrator and signs in later in this same browser.
        admin = cast.newcomer(ADMIN)
        admin.goto("/accounts/login/")
        admin.click("[data-testid=register-link] a")
        # The live check listens once its deferred script has run: typing before the page's load is lost.
        admin.wait_for_url("**/accounts/register/")
        admin.wait_for_load_state("load")
        form = "[data-testid=register] form"
        # The credit code is checked as it is typed: a slip in the check character shows at once.
        uscc_status = admin.locator(f"{form} #id_uscc + small")
        admin.fill(f"{form} #id_uscc", USCC_A[:17] + next(c for c in CHARSET if c != USCC_A[17]))
        expect(uscc_status).to_have_class(re.compile(r"\berror\b"))
        admin.fill(f"{form} #id_uscc", USCC_A)
        expect(uscc_status).to_contain_text("✓")
        admin.fill(f"{form} [name=name]", NAME_A)
        admin.select_option(f"{form} [name=district]", District.HAIDIAN)
        admin.select_option(f"{form} [name=park]", str(park.pk))
        admin.fill(f"{form} [name=contact_name]", "李晓芯")
        admin.fill(f"{form} [name=contact_phone]", "13910001234")
        admin.fill(f"{form} [name=contact_email]", "admin@zhixin.example")
        admin.fill(f"{form} [name=username]", ADMIN)
        admin.fill(f"{form} [name=password]", ADMIN_PASSWORD)
        admin.fill(f"{form} [name=password_confirm]", ADMIN_PASSWORD)
        cast.shot(admin, "enterprise-registers")
        admin.click("[data-testid=register-submit]")
        expect(admin.locator(".msg-success")).to_contain_text(NAME_A)
        enterprise_a = Organisation.objects.get(uscc=USCC_A)
        assert enterprise_a.verification_status == VerificationStatus.PENDING

        centre = cast.page_for(promotion_officer)
        centre.goto("/accounts/verification/")
        centre.click(f"[data-testid=verification-queue] a:text('{NAME_A}')")
        detail_url = centre.url
        centre.check(f"[name=decision][value={VerificationStatus.VERIFIED}]")
        centre.click("[data-testid=verification-submit]")
        expect(centre.locator(".msg-success")).to_contain_text(NAME_A)
        centre.goto(detail_url)
        expect(centre.locator("[data-testid=verification-status]")).to_have_text(
            zh(VerificationStatus.VERIFIED.label)
        )
        cast.shot(centre, "promotion-centre-verifies")

        # An administrator uses a second factor: the first sign-in enrols an authenticator app.
        sign_in_enrolling_totp(admin, ADMIN, ADMIN_PASSWORD)
        expect(admin.locator("[data-testid=acting-org]")).to_contain_text(NAME_A)
        cast.shot(admin, "administrator-signs-in-with-second-factor")

        admin.goto("/accounts/organisation/members/")
        invite = "[data-testid=invite-form]"
        admin.fill(f"{invite} [name=email]", COLLEAGUE_EMAIL)
        admin.select_option(f"{invite} [name=role]", Role.ENTERPRISE_USER)
        admin.click("[data-testid=invite-submit]")
        expect(admin.locator(".msg-success")).to_contain_text(COLLEAGUE_EMAIL)
        expect(admin.locator("[data-testid=pending-invitations]")).to_contain_text(COLLEAGUE_EMAIL)
        cast.shot(admin, "administrator-invites-colleague")

        # The enterprise enters its patent in its IP register: the asset it will pledge.
        admin.goto("/pledges/assets/")
        admin.click("a[href='/pledges/assets/new/']")
        asset_form = "form[action='?kind=patent']"
        admin.fill(f"{asset_form} [name=number]", "ZL201310699744.2")
        admin.fill(f"{asset_form} [name=title]", "一种芯片散热装置")
        admin.fill(f"{asset_form} [name=filing_date]", "2013-12-18")
        admin.fill(f"{asset_form} [name=grant_date]", "2016-03-02")
        admin.fill(f"{asset_form} [name=annual_fee_paid_through]", (today + timedelta(days=200)).isoformat())
        admin.click(f"{asset_form} button[type=submit]")
        expect(admin.locator(".msg-success")).to_contain_text("201310699744.2")
        expect(admin.locator("[data-testid=legal-status]")).to_contain_text(zh(LegalStatus.IN_FORCE.label))
        cast.shot(admin, "enterprise-records-patent")
        patent = IpAsset.objects.get(owner=enterprise_a, kind=IpKind.PATENT, number="201310699744.2")

        # The colleague follows the link in the invitation mail, creates an account and signs in.
        ent = cast.newcomer(COLLEAGUE)
        ent.goto(invitation_link(COLLEAGUE_EMAIL))
        accept = "[data-testid=invitation-accept] form"
        ent.fill(f"{accept} [name=full_name]", "王财务")
        ent.fill(f"{accept} [name=username]", COLLEAGUE)
        ent.fill(f"{accept} [name=password]", COLLEAGUE_PASSWORD)
        ent.fill(f"{accept} [name=password_confirm]", COLLEAGUE_PASSWORD)
        cast.shot(ent, "colleague-accepts-invitation")
        ent.click("[data-testid=invitation-accept-submit]")
        expect(ent.locator(".msg-success")).to_contain_text(NAME_A)
        sign_in(ent, COLLEAGUE, COLLEAGUE_PASSWORD)
        expect(ent.locator("[data-testid=acting-org]")).to_contain_text(NAME_A)

        bank_a, manager_a, bank_b = (
            cast.page_for(bank_a_officer),
            cast.page_for(bank_a_manager),
            cast.page_for(bank_b_officer),
        )

        # --- Enterprise A's loan, pledge, subsidy and rating, with the colleague at the keyboard -----------
        ent.goto("/loans/check/")
        form = "[data-testid=eligibility-form]"
        ent.check(f"{form} [name=for_beijing_operations][value=yes]")
        ent.check(f"{form} [name=guarantor_available][value=no]")
        ent.check(f"{form} [name=combination_acceptable][value=yes]")
        ent.fill(f"{form} [name=amount]", "2000000")
        ent.fill(f"{form} [name=term_months]", "12")
        ent.click(f"{form} button[type=submit]")
        expect(ent.locator("[data-testid=eligibility-result]")).to_have_attribute("data-outcome", "yes")
        cast.shot(ent, "eligibility-check")

        ent.goto("/loans/products/")
        ent.check(f"#cmp-{product_a.pk}")
        ent.check(f"#cmp-{product_b.pk}")
        ent.click("form[action='/loans/products/compare/'] button[type=submit]")
        table = ent.locator("[data-testid=compare-table]")
        expect(table).to_contain_text("中关村智权贷")
        expect(table).to_contain_text("专利快贷")
        cast.shot(ent, "product-comparison")

        ent.click("[data-testid=compare-apply]")
        expect(ent.locator(f"input[name=products][value='{product_a.pk}']")).to_be_checked()
        expect(ent.locator(f"input[name=products][value='{product_b.pk}']")).to_be_checked()
        ent.check(f"input[name=assets][value='{patent.pk}']")
        ent.fill("[data-testid=apply-form] [name=amount]", "2000000")
        ent.fill("[data-testid=apply-form] [name=term_months]", "12")
        ent.fill("[data-testid=apply-form] [name=purpose]", "流片材料采购和研发投入")
        ent.click("[data-testid=apply-submit]")
        application_a = LoanApplication.objects.get(product=product_a)
        application_b = LoanApplication.objects.get(product=product_b)
        for application in (application_a, application_b):
            expect(ent.locator(f"[data-testid=status-{application.pk}]")).to_have_text(
                zh(ApplicationStatus.SUBMITTED.label)
            )
        request_url = ent.url
        cast.shot(ent, "applications-to-two-banks")

        bank_b.goto("/loans/applications/queue/")
        bank_b.click(f"[data-testid=application-queue] a[href='/loans/applications/{application_b.pk}/']")
        bank_b.click("[data-testid=assign-me]")
        bank_b.select_option("[data-testid=decline-form] [name=reason_code]", DeclineReason.OUTSIDE_PRODUCT)
        bank_b.fill("[data-testid=decline-form] [name=note]", "本行该产品暂不受理集成电路行业。")
        bank_b.click("[data-testid=decline-form] button[type=submit]")
        expect(bank_b.locator(".msg-success")).to_be_visible()
        cast.shot(bank_b, "bank-b-declines")

        bank_a.goto(f"/loans/applications/{application_a.pk}/")
        bank_a.click("[data-testid=assign-me]")
        form = "[data-testid=approve-form]"
        bank_a.fill(f"{form} [name=amount]", "2000000")
        bank_a.fill(f"{form} [name=rate_pct]", "3.45")
        bank_a.fill(f"{form} [name=term_months]", "12")
        bank_a.fill(f"{form} [name=conditions]", "以发明专利质押，按月付息，到期还本。")
        bank_a.click(f"{form} button[type=submit]")
        expect(bank_a.locator("[data-testid=maker-note]")).to_be_visible()
        # Two million is above the threshold: the maker is never offered the second approval.
        expect(bank_a.locator("[data-testid=second-approve]")).to_have_count(0)
        cast.shot(bank_a, "bank-a-officer-proposes")

        manager_a.goto("/loans/applications/queue/")
        manager_a.click(f"[data-testid=application-queue] a[href='/loans/applications/{application_a.pk}/']")
        manager_a.click("[data-testid=second-approve]")
        expect(manager_a.locator(".msg-success")).to_be_visible()
        cast.shot(manager_a, "bank-a-manager-second-approval")

        ent.goto(request_url)
        expect(ent.locator(f"[data-testid=status-{application_b.pk}]")).to_have_text(
            zh(ApplicationStatus.DECLINED.label)
        )
        expect(ent.locator(f"[data-testid=status-{application_a.pk}]")).to_have_text(
            zh(ApplicationStatus.APPROVED.label)
        )
        ent.click(f"[data-testid=accept-{application_a.pk}]")
        ent.click("[data-testid=acceptance-registrations] a")
        ent.wait_for_selector("[data-testid=checklist]")
        upload_pledge_materials(ent)
        ent.click("[data-testid=submit]")
        expect(ent.locator(".msg-success")).to_be_visible()
        case_url = ent.url
        cast.shot(ent, "enterprise-accepts-and-files-pledge-online")

        loan = Loan.objects.get(application=application_a)
        registration = loan.registrations.get()
        assert registration.channel == "online"
        bank_a.goto("/pledges/to-confirm/")
        bank_a.click(f"[data-testid=to-confirm] a:text('{registration.reference}')")
        bank_a.click("[data-testid=confirm]")
        expect(bank_a.locator(".msg-success")).to_be_visible()
        cast.shot(bank_a, "bank-confirms-pledge")

        clerk = cast.page_for(commissioner)
        clerk.goto("/pledges/workbench/")
        clerk.click(f"[data-testid=workbench-row][data-reference='{registration.reference}'] a")
        clerk.click("[data-testid=move-precheck] button")
        clerk.select_option("[data-testid=tick-request_form] select[name=accepted]", "1")
        clerk.click("[data-testid=tick-request_form] button")
        expect(clerk.locator("[data-testid=tick-request_form] .tag-ok")).to_be_visible()
        clerk.click("[data-testid=move-accepted] button")
        # An online patent pledge: registered within one working day of acceptance (the service target).
        due = add_working_days(today, 1).due_date
        expect(clerk.locator("[data-testid=due-date]")).to_contain_text(due.isoformat())
        clerk.click("[data-testid=move-under_review] button")
        clerk.fill("#notice-number", "ZL2026-ZY-000123")
        clerk.click("[data-testid=move-registered] button")
        expect(clerk.locator("[data-testid=notice-number]")).to_have_text("ZL2026-ZY-000123")
        cast.shot(clerk, "commissioner-registers-within-one-working-day")

        ent.goto(case_url)
        expect(ent.locator("[data-testid=notice-number]")).to_have_text("ZL2026-ZY-000123")
        expect(ent.locator("[data-testid=registered-on]")).to_have_text(today.isoformat())
        expect(ent.locator("[data-testid=due-date]")).to_contain_text(due.isoformat())
        cast.shot(ent, "enterprise-sees-registration")

        # The bank reports the loan's facts (contract and disbursement as they happened, days ago).
        bank_a.goto(f"/loans/{loan.pk}/")
        form = "[data-testid=contract-form]"
        bank_a.fill(f"{form} [name=bank_loan_ref]", "ZGC-2026-7788")
        bank_a.fill(f"{form} [name=contract_number]", "京银质字2026第7788号")
        bank_a.fill(f"{form} [name=contract_signed_on]", signed.isoformat())
        bank_a.click(f"{form} button[type=submit]")
        expect(bank_a.locator(".msg-success")).to_be_visible()

        def report(page, kind, day, *, amount=None, classification=None):
            facts = "[data-testid=fact-form]"
            page.click("details:has([data-testid=fact-form]) > summary")
            page.select_option(f"{facts} [name=kind]", kind)
            page.fill(f"{facts} [name=occurred_on]", day.isoformat())
            if amount is not None:
                page.fill(f"{facts} [name=amount]", str(amount))
            if classification is not None:
                page.select_option(f"{facts} [name=classification]", classification)
            page.click(f"{facts} button[type=submit]")
            expect(page.locator(".msg-success")).to_be_visible()

        report(bank_a, "disbursement", disbursed, amount="2000000")
        expect(bank_a.locator("[data-testid=loan-status]")).to_have_text(zh(LoanStatus.DISBURSED.label))
        expect(bank_a.locator("[data-testid=loan-outstanding]")).to_contain_text("2,000,000.00")
        cast.shot(bank_a, "disbursement")

        report(bank_a, "interest", today, amount=interest)
        report(bank_a, "settlement", today, amount="2000000")
        expect(bank_a.locator("[data-testid=loan-status]")).to_have_text(zh(LoanStatus.SETTLED.label))
        expect(bank_a.locator("[data-testid=loan-outstanding]")).to_contain_text("0.00")
        cast.shot(bank_a, "settlement")

        # The interest subsidy: the ratio of next year's parameters, no cap reached at 3.45 %.
        ratio = PolicyParameterSet.objects.get(year=batch.year).interest_ratio
        subsidy = money((interest * ratio).quantize(Decimal("0.01")))
        ent.goto("/subsidies/applications/")
        ent.click(f"[data-testid=apply-{batch.pk}]")
        ent.click(f"[data-testid=add-portal-{loan.pk}]")
        expect(ent.locator("[data-testid=calculated]")).to_contain_text(subsidy)
        form = ent.locator("[data-testid=details-form]")
        form.locator("input[name=bank_account_bank]").fill("中国银行北京海淀支行")
        form.locator("input[name=bank_account_number]").fill("6216610000012345678")
        form.locator("input[name=contact_phone]").fill("13800138000")
        form.locator("button[type=submit]").click()
        uploads = ent.locator("[data-testid=materials] form")
        for index in range(uploads.count()):
            upload = ent.locator("[data-testid=materials] form").nth(index)
            upload.locator("input[type=file]").set_input_files(
                {"name": "盖章扫描件.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )
            upload.locator("button[type=submit]").click()
            ent.wait_for_load_state()
        ent.click("[data-testid=submit]")
        expect(ent.locator("[data-testid=submit]")).to_have_count(0)
        expect(ent.locator("[data-testid=application-status]")).to_have_text(
            zh(SubsidyStatus.SUBMITTED.label)
        )
        application = Application.objects.get()
        cast.shot(ent, "subsidy-application")

        first = cast.page_for(reviewer)
        first.goto("/subsidies/review/")
        first.click(f"[data-testid=queue-row] a[href$='/review/{application.pk}/']")
        first.click("[data-testid=review-start]")
        first.wait_for_selector("[data-testid=material-row] form")
        rows = first.locator("[data-testid=material-row] form")
        for index in range(rows.count()):
            row = first.locator("[data-testid=material-row] form").nth(index)
            row.locator("select").select_option("ok")
            row.locator("button[type=submit]").click()
            first.wait_for_load_state()
        first.click("[data-testid=propose-submit]")
        expect(first.locator("[data-testid=four-eyes]")).to_be_visible()  # the proposer cannot decide
        cast.shot(first, "subsidy-first-reviewer-proposes")

        second = cast.page_for(second_reviewer)
        second.goto(f"/subsidies/review/{application.pk}/")
        second.select_option("[data-testid=decide] select[name=decision]", "approve")
        second.click("[data-testid=decide-submit]")
        expect(second.locator("[data-testid=approved-amount]")).to_contain_text(subsidy)
        cast.shot(second, "subsidy-second-reviewer-approves")
        second.goto(f"/subsidies/batches/{batch.pk}/")
        second.click("[data-testid=publicity-start]")
        expect(second.locator("[data-testid=publicity-start]")).to_have_count(0)

        public = cast.visitor()
        public.goto("/subsidies/notice/")
        row = public.locator(f"[data-testid=notice-row]:has-text('{NAME_A}')")
        expect(row).to_contain_text(subsidy)
        cast.shot(public, "subsidy-publicity")

        # The notice period runs for working days: the daily beat job closes it, run here for the day after.
        publicity = Publicity.objects.get()
        assert publicity_close_due(publicity.ends_on + timedelta(days=1)) == 1

        finance = cast.page_for(finance_officer)
        finance.goto(f"/subsidies/batches/{batch.pk}/")
        finance.click("[data-testid=payment-list-create]")
        expect(finance.locator("[data-testid=payment-total]")).to_contain_text(subsidy)
        finance.fill("input[name=paid_on]", today.isoformat())
        finance.click("[data-testid=mark-paid] button[type=submit]")
        expect(finance.locator("[data-testid=paid-badge]")).to_be_visible()
        cast.shot(finance, "subsidy-payment")

        ent.goto(f"/subsidies/applications/{application.pk}/")
        expect(ent.locator("[data-testid=application-status]")).to_have_text(zh(SubsidyStatus.PAID.label))
        expect(ent.locator("[data-testid=approved-amount]")).to_contain_text(subsidy)
        cast.shot(ent, "enterprise-sees-subsidy-paid")

        # The registration closed: the commit's signal invited the enterprise to rate the service.
        invitation = Invitation.objects.get(subject_kind=SubjectKind.REGISTRATION, subject_id=registration.pk)
        ent.goto("/ratings/")
        ent.click(f"[data-testid=rate-{invitation.pk}]")
        answer_rating(ent, 5)
        ent.fill("textarea[name=comment]", "线上办理，一个工作日完成登记")
        ent.click("[data-testid=rating-submit]")
        expect(ent.locator("[data-testid=invitation-status]")).to_have_text(zh(InvitationStatus.RATED.label))
        cast.shot(ent, "enterprise-rates-registration")

        # One case number follows it all: the home lists the case; its page shows every stage reached.
        ent.goto("/")
        ent.locator("[data-testid=work-financing-cases] li a").first.click()
        expect(ent.locator("h1")).to_contain_text(loan.case.reference)
        for stage in ("application", "loan", "registration", "subsidy"):
            expect(ent.locator(f"[data-testid=case-stage-{stage}]")).to_be_visible()
        expect(ent.locator("[data-testid=case-stage-subsidy]")).to_contain_text(application.reference)
        cast.shot(ent, "enterprise-follows-its-financing-case")

        # --- Enterprise B -------------------------------------------------------------------------------
        bank_a.goto(f"/loans/{loan_b.pk}/")
        report(bank_a, "classification", npl_on, classification=Classification.SUBSTANDARD)
        expect(bank_a.locator("[data-testid=loan-status]")).to_have_text(zh(LoanStatus.NON_PERFORMING.label))
        cast.shot(bank_a, "loan-b-non-performing")

        bank_a.goto("/riskcomp/claims/")
        bank_a.click(f"[data-testid=open-{loan_b.pk}]")
        expect(bank_a.locator("[data-testid=total]")).to_contain_text("360,000.00")
        for item in ("loan_contract", "registration", "classification"):
            row = bank_a.locator(f"[data-testid=evidence-{item}]")
            row.locator("input[type=file]").set_input_files(
                {"name": "不良认定材料.pdf", "mimeType": "application/pdf", "buffer": PDF}
            )
            row.locator(f"[data-testid=upload-{item}]").click()
            bank_a.wait_for_selector(f"[data-testid=evidence-{item}] a")
        bank_a.click("[data-testid=submit]")
        expect(bank_a.locator("[data-testid=submit]")).to_have_count(0)
        expect(bank_a.locator("[data-testid=claim-status]")).to_have_text(zh(ClaimStatus.CONFIRMING.label))
        claim = Claim.objects.get()
        cast.shot(bank_a, "risk-compensation-claim")

        share = claim.participants.get(organisation=guarantor)
        surety = cast.page_for(guarantor_officer)
        surety.goto("/riskcomp/confirmations/")
        surety.click(f"[data-testid=confirm-{share.pk}]")
        expect(surety.locator(f"[data-testid=confirm-{share.pk}]")).to_have_count(0)
        cast.shot(surety, "guarantor-confirms-share")

        first.goto("/riskcomp/review/")
        first.click(f"[data-testid=queue-row] a[href$='/review/{claim.pk}/']")
        first.click("[data-testid=review-start]")
        first.click("[data-testid=propose-submit]")
        expect(first.locator("[data-testid=four-eyes]")).to_be_visible()
        cast.shot(first, "compensation-first-reviewer-proposes")

        second.goto(f"/riskcomp/review/{claim.pk}/")
        second.select_option("[data-testid=decide] select[name=decision]", "approve")
        second.click("[data-testid=decide-submit]")
        expect(second.locator("[data-testid=approved-total]")).to_contain_text("360,000.00")
        cast.shot(second, "compensation-second-reviewer-approves")

        finance.goto("/riskcomp/payments/")
        row = finance.locator("[data-testid=pay-row]")
        expect(row).to_contain_text(claim.reference)
        row.locator("input[name$=paid_on]").fill(today.isoformat())
        row.locator("[data-testid=mark-paid]").click()
        expect(finance.locator("[data-testid=pay-row]")).to_have_count(0)
        bank_a.goto(f"/riskcomp/claims/{claim.pk}/")
        expect(bank_a.locator("[data-testid=claim-status]")).to_have_text(zh(ClaimStatus.PAID.label))
        cast.shot(bank_a, "compensation-paid")

        bank_a.goto("/disposal/")
        bank_a.click(f"[data-testid=open-{loan_b.pk}]")
        boxes = bank_a.locator("input[name=assets]")
        for index in range(boxes.count()):
            boxes.nth(index).check()
        bank_a.select_option("select[name=method]", "auction")
        bank_a.fill("input[name=valuation]", "150000.00")
        bank_a.fill("input[name=valuer]", "北京中金浩资产评估有限责任公司")
        bank_a.fill("input[name=valued_on]", today.isoformat())
        bank_a.fill("input[name=reserve_price]", "100000.00")
        bank_a.click("[data-testid=open-submit]")
        bank_a.fill("input[name=round_hours]", "48")
        bank_a.click("[data-testid=start-submit]")
        expect(bank_a.locator("[data-testid=round-1-reserve]")).to_contain_text("100,000.00")
        case = DisposalCase.objects.get()
        cast.shot(bank_a, "disposal-auction-opens")

        bidder = cast.page_for(outsider)
        bidder.goto("/disposal/listings/")
        bidder.click(f"[data-testid=listing-row][data-case='{case.reference}'] a")
        expect(bidder.locator("[data-testid=current-reserve]")).to_contain_text("100,000.00")
        bidder.click("[data-testid=register-submit]")
        expect(bidder.locator("[data-testid=bidder-number]")).to_be_visible()
        bidder.fill("[data-testid=bid-form] input[name=amount]", "120000.00")
        bidder.click("[data-testid=bid-submit]")
        expect(bidder.locator("[data-testid=highest-bid]")).to_contain_text("120,000.00")
        cast.shot(bidder, "disposal-bid")

        end_open_round()  # the round's 48 hours run out; the beat's sweep sells to the highest bid
        bank_a.goto(f"/disposal/cases/{case.pk}/")
        expect(bank_a.locator("[data-testid=case-status]")).to_have_text(zh(CaseStatus.SOLD.label))
        expect(bank_a.locator("[data-testid=deal-price]")).to_contain_text("120,000.00")
        bank_a.fill("[data-testid=proceeds-form] input[name=amount]", "120000.00")
        bank_a.fill("[data-testid=proceeds-form] input[name=received_on]", today.isoformat())
        bank_a.click("[data-testid=proceeds-submit]")
        expect(bank_a.locator("[data-testid=proceeds-total]")).to_contain_text("120,000.00")
        cast.shot(bank_a, "disposal-proceeds")

        # The proceeds on a paid claim became a recovery: the fund's share of it is clawed back.
        recovery = Recovery.objects.get()
        bank_a.goto(f"/riskcomp/claims/{claim.pk}/")
        expect(bank_a.locator("[data-testid=fund-share]")).to_contain_text(money(recovery.fund_share))
        cast.shot(bank_a, "clawback-recovery")

        clawback = ClawbackShare.objects.get(participant__organisation=guarantor)
        surety.goto("/riskcomp/confirmations/")
        surety.click(f"[data-testid=clawback-confirm-{clawback.pk}]")
        expect(surety.locator(f"[data-testid=clawback-confirm-{clawback.pk}]")).to_have_count(0)
        cast.shot(surety, "guarantor-confirms-clawback")

        finance.goto("/riskcomp/payments/")
        row = finance.locator("[data-testid=settle-row]")
        expect(row).to_contain_text(money(recovery.fund_share))
        row.locator("input[name$=settled_on]").fill(today.isoformat())
        row.locator("[data-testid=settle]").click()
        expect(finance.locator("[data-testid=settle-row]")).to_have_count(0)
        cast.shot(finance, "clawback-settled")

        assert cast.outside == [], f"a page tried to load from outside the portal: {cast.outside}"
        return cast.taken

    shots = browse(journey)

    assert all(path.is_file() and path.stat().st_size > 0 for path in shots)
    assert [path.name for path in shots][:2] == [
        "01-enterprise-registers.png",
        "02-promotion-centre-verifies.png",
    ]
    assert len(shots) == 38 and len({path.name for path in shots}) == 38

    enterprise_a = Organisation.objects.get(uscc=USCC_A)
    assert enterprise_a.verification_status == VerificationStatus.VERIFIED
    roles = dict(enterprise_a.memberships.values_list("user__username", "role"))
    assert roles == {ADMIN: Role.ORG_ADMIN, COLLEAGUE: Role.ENTERPRISE_USER}
    registration = PledgeRegistration.objects.get(loans__enterprise=enterprise_a)
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.registered_on <= registration.due_date == add_working_days(today, 1).due_date
    assert Application.objects.get().status == SubsidyStatus.PAID
    rated = Invitation.objects.get(subject_kind=SubjectKind.REGISTRATION, subject_id=registration.pk)
    assert rated.status == InvitationStatus.RATED
    claim = Claim.objects.get()
    assert claim.status == ClaimStatus.PAID and claim.clawed_back == Recovery.objects.get().fund_share
    assert Recovery.objects.get().status == ClawbackStatus.SETTLED
    assert DisposalCase.objects.get().status == CaseStatus.PROCEEDS_RECEIVED
