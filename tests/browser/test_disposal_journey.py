"""In Chromium, the disposal of pledged IP by auction (issue 9, domain.md §2.7): bank A opens a disposal case
for a non-performing loan's pledged patents and starts the auction; round 1 ends with no bid (its end is
moved into the past and the sweep task runs, instead of waiting); round 2 opens at the reserve lowered by
20 %; a registered bidder bids in the browser; round 2 ends and the case is sold to that bid; bank A
records the proceeds; the public listing shows the case sold."""

from decimal import Decimal

import pytest
from django.utils import timezone

from disposal.models import AuctionRound, CaseStatus, DisposalCase, RoundStatus
from tests.browser.conftest import sign_in
from tests.browser.journey_steps import end_open_round
from tests.conftest import PASSWORD
from tests.disposal.factories import npl_loan_with_assets

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_auction_fails_once_then_sells_and_the_proceeds_are_recorded(
    browse, enterprise, bank_a_branch, bank_a_officer, outsider
):
    loan = npl_loan_with_assets(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, assets=2)
    today = timezone.localdate().isoformat()

    def bank_opens_the_case_and_starts_the_auction(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto("/disposal/")
        page.click(f"[data-testid=open-{loan.pk}]")
        boxes = page.locator("input[name=assets]")
        for index in range(boxes.count()):
            boxes.nth(index).check()
        page.select_option("select[name=method]", "auction")
        page.fill("input[name=valuation]", "150000.00")
        page.fill("input[name=valuer]", "北京中金浩资产评估有限责任公司")
        page.fill("input[name=valued_on]", today)
        page.fill("input[name=reserve_price]", "100000.00")
        page.click("[data-testid=open-submit]")
        page.wait_for_selector("[data-testid=start-form]")
        page.fill("input[name=round_hours]", "48")
        page.click("[data-testid=start-submit]")
        page.wait_for_selector("[data-testid=round-1-reserve]:has-text('100,000.00')")

    def bidder_registers_and_bids(page):
        case = DisposalCase.objects.get()
        sign_in(page, outsider.username, PASSWORD)
        page.goto("/disposal/listings/")
        page.click(f"[data-testid=listing-row][data-case='{case.reference}'] a")
        page.wait_for_selector("[data-testid=current-reserve]:has-text('80,000.00')")
        page.click("[data-testid=register-submit]")
        page.wait_for_selector("[data-testid=bidder-number]")
        page.fill("[data-testid=bid-form] input[name=amount]", "85000.00")
        page.click("[data-testid=bid-submit]")
        page.wait_for_selector("[data-testid=highest-bid]:has-text('85,000.00')")

    def bank_records_the_proceeds(page):
        case = DisposalCase.objects.get()
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto(f"/disposal/cases/{case.pk}/")
        page.wait_for_selector("[data-testid=deal-price]:has-text('85,000.00')")
        page.fill("[data-testid=proceeds-form] input[name=amount]", "85000.00")
        page.fill("[data-testid=proceeds-form] input[name=received_on]", today)
        page.click("[data-testid=proceeds-submit]")
        page.wait_for_selector("[data-testid=proceeds-total]:has-text('85,000.00')")

    def anyone_sees_it_sold(page):
        case = DisposalCase.objects.get()
        page.goto("/disposal/listings/")
        row = page.locator(f"[data-testid=listing-row][data-case='{case.reference}']")
        assert row.locator("[data-testid=listing-status]").get_attribute("data-status") == "sold"
        page.goto(f"/disposal/listings/{case.pk}/")
        page.wait_for_selector("[data-testid=sold-price]:has-text('85,000.00')")

    browse(bank_opens_the_case_and_starts_the_auction)
    end_open_round()  # round 1: no bid
    second = AuctionRound.objects.get(status=RoundStatus.OPEN)
    assert second.number == 2 and second.reserve_price == Decimal("80000.00")

    browse(bidder_registers_and_bids)
    end_open_round()  # round 2: the bid reaches the reserve
    case = DisposalCase.objects.get()
    assert case.status == CaseStatus.SOLD and case.deal_price == Decimal("85000.00")
    assert case.counterparty == outsider.organisation.name

    browse(bank_records_the_proceeds)
    case.refresh_from_db()
    assert case.status == CaseStatus.PROCEEDS_RECEIVED and case.proceeds_total == Decimal("85000.00")
    browse(anyone_sees_it_sold)
