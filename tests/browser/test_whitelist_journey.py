"""In Chromium, the whitelist from screening to a bank's feedback (issue 5): the enterprise consents, a
reviewer screens every enterprise and builds a batch, includes the candidate and submits; the promotion
officer (another member of staff) publishes; bank A's branch officer finds the delivery, acknowledges it
and reports that the enterprise was contacted; the funnel shows it."""

from datetime import date

import pytest

from pledges.models import IpAsset, LegalStatus
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from tests.browser.conftest import sign_in
from tests.conftest import PASSWORD
from whitelist.models import Batch, BatchStatus, Delivery, Feedback, FeedbackKind
from whitelist.services import rule_set_activate, rule_set_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_screening_to_a_banks_feedback(
    browse, make_enterprise, make_user, reviewer, promotion_officer, bank_a, bank_a_officer, bank_b
):
    from portal.accounts.models import Role

    rule_set_activate(
        rule_set=rule_set_create(
            actor=reviewer, values={"explanation": "北京注册、有效发明专利或注册商标。"}
        ),
        actor=reviewer,
    )
    enterprise = make_enterprise("北京白名单科技有限公司", flags={"is_high_tech": True})
    make_user("wl_enterprise", enterprise, Role.ENTERPRISE_USER)
    IpAsset.objects.create(
        owner=enterprise,
        kind=IpKind.PATENT,
        number="201910123456.7",
        title="一种数据压缩方法",
        patent_type=PatentType.INVENTION,
        filing_date=date(2019, 3, 1),
        legal_status=LegalStatus.IN_FORCE,
    )

    def enterprise_consents(page):
        sign_in(page, "wl_enterprise", PASSWORD)
        page.goto("/whitelist/consent/")
        page.click("[data-testid=consent-give]")
        page.wait_for_selector("[data-testid=consent-withdraw]")

    def reviewer_screens_and_submits(page):
        sign_in(page, reviewer.username, PASSWORD)
        page.goto("/whitelist/screening/")
        page.click("[data-testid=run-create-form] button")
        page.wait_for_selector("[data-testid=candidate-passed]")  # the page reloads once the run is done
        page.goto("/whitelist/batches/")
        page.click("[data-testid=batch-create] button[type=submit]")
        page.wait_for_selector("[data-testid=decide-form]")
        page.check(f"input[name=entries][aria-label='{enterprise.name}']")
        page.select_option("select[name=decision]", "included")
        page.click("[data-testid=decide-form] button[type=submit]")
        page.wait_for_selector("[data-testid=count-included]:has-text('1')")
        page.click("[data-testid=batch-submit]")
        page.wait_for_selector("[data-testid=four-eyes]")  # the submitter cannot approve

    def officer_publishes(page):
        sign_in(page, promotion_officer.username, PASSWORD)
        page.goto(f"/whitelist/batches/{Batch.objects.get().pk}/")
        page.click("[data-testid=batch-publish]")
        page.wait_for_selector("[data-testid=published-count]:has-text('1')")

    def bank_answers(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        delivery = Delivery.objects.get(bank=bank_a)
        page.goto("/whitelist/deliveries/")
        page.click(f"[data-testid=ack-{delivery.pk}]")
        page.wait_for_selector(
            f"[data-testid=delivery-{delivery.pk}] [data-testid=ack-status]:not(:has-text('未'))"
        )
        page.goto(f"/whitelist/deliveries/{delivery.pk}/")
        page.click(f"text={enterprise.name}")  # the IP profile
        page.wait_for_selector("[data-testid=profile-score]")
        page.go_back()
        page.click("[data-testid=delivery-entries] td a[href*='/whitelist/feedback/']")
        page.select_option("select[name=kind]", FeedbackKind.CONTACTED)
        page.fill("input[name=occurred_on]", date.today().isoformat())
        page.fill("textarea[name=note]", "已电话联系企业财务负责人")
        page.click("[data-testid=feedback-form] button[type=submit]")
        page.wait_for_selector("[data-testid=feedback-row]")

    def reviewer_reads_the_funnel(page):
        sign_in(page, reviewer.username, PASSWORD)
        page.goto("/whitelist/reports/funnel/")
        return [
            cell.inner_text()
            for cell in page.query_selector_all("[data-testid=funnel-total] tbody tr:first-child td")
        ]

    browse(enterprise_consents)
    browse(reviewer_screens_and_submits)
    batch = Batch.objects.get()
    assert batch.status == BatchStatus.SUBMITTED
    browse(officer_publishes)
    batch.refresh_from_db()
    assert (batch.status, batch.published_count) == (BatchStatus.PUBLISHED, 1)
    assert Delivery.objects.filter(batch=batch).count() == 2  # banks A and B
    browse(bank_answers)
    assert Delivery.objects.get(bank=bank_a).acknowledged_at is not None
    assert Feedback.objects.get().kind == FeedbackKind.CONTACTED
    published, contacted, granted, disbursed = browse(reviewer_reads_the_funnel)[:4]
    assert (published, contacted, granted, disbursed) == ("1", "1", "0", "0")
