"""Opening a case and the non-auction methods: who may open one, over which assets, and each method's path."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from disposal import auction, services
from disposal.errors import DisposalInvalid, DisposalNotAllowed
from disposal.models import CaseStatus, DisposalEvent, Method
from disposal.selectors import disposable_assets, openable_loans
from loans.models import Classification
from tests.disposal.factories import npl_loan_with_assets, open_case, terms

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = timezone.localdate


def test_the_pledgee_opens_a_draft_over_the_loans_pledged_assets(npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    assert case.status == CaseStatus.DRAFT and case.pledgee == npl_loan.bank
    assert case.reference.startswith(f"CZ-{TODAY().year}-")
    assert case.assets.count() == 2
    assert DisposalEvent.objects.get(case=case).action == "opened"
    # The assets are taken: no second case over them, and the loan leaves the list to open from.
    assert not disposable_assets(loan=npl_loan, user=bank_a_officer).exists()
    assert not openable_loans(user=bank_a_officer).exists()


def test_the_head_office_manager_opens_for_its_branch(npl_loan, bank_a_manager):
    assert list(openable_loans(user=bank_a_manager)) == [npl_loan]
    assert open_case(npl_loan, bank_a_manager).pledgee == npl_loan.bank


def test_a_guarantor_named_as_pledgee_opens_the_case(npl_loan, guarantor_officer, bank_a_officer):
    npl_loan.registrations.update(pledgee=guarantor_officer.organisation)
    assert not openable_loans(user=bank_a_officer).exists()
    case = open_case(npl_loan, guarantor_officer)
    assert case.pledgee == guarantor_officer.organisation


def test_another_bank_and_other_roles_cannot_open(npl_loan, bank_b_officer, enterprise_user, reviewer):
    assert not openable_loans(user=bank_b_officer).exists()
    with pytest.raises(DisposalInvalid):  # bank B holds none of its assets
        open_case(npl_loan, bank_b_officer)
    for user in (enterprise_user, reviewer):
        with pytest.raises(DisposalNotAllowed):
            services.case_open(loan=npl_loan, actor=user, assets=[], data=terms())


def test_a_performing_loan_is_not_disposed_of(npl_loan, bank_a_officer):
    npl_loan.classification = Classification.SPECIAL_MENTION
    npl_loan.save()
    assert not openable_loans(user=bank_a_officer).exists()
    with pytest.raises(DisposalInvalid, match="non-performing"):
        open_case(npl_loan, bank_a_officer)


def test_bad_terms_are_refused_field_by_field(npl_loan, bank_a_officer):
    assets = list(disposable_assets(loan=npl_loan, user=bank_a_officer))
    bad = terms(method="transfer_to_pledgee", valuation="0", reserve_price="1.234", valuer=" ")
    bad["valued_on"] = TODAY() + timedelta(days=1)
    with pytest.raises(DisposalInvalid) as refused:
        services.case_open(loan=npl_loan, actor=bank_a_officer, assets=assets, data=bad)
    assert set(refused.value.errors) == {"method", "valuation", "reserve_price", "valuer", "valued_on"}
    with pytest.raises(DisposalInvalid) as refused:
        services.case_open(loan=npl_loan, actor=bank_a_officer, assets=[], data=terms())
    assert "assets" in refused.value.errors


def test_an_asset_of_another_loan_cannot_be_added(npl_loan, bank_a_officer, bank_a_branch, enterprise):
    other = npl_loan_with_assets(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    foreign = disposable_assets(loan=other, user=bank_a_officer).first()
    with pytest.raises(DisposalInvalid):
        services.case_open(loan=npl_loan, actor=bank_a_officer, assets=[foreign], data=terms())


def test_a_withdrawn_case_frees_its_assets(npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    with pytest.raises(DisposalInvalid):
        services.case_withdraw(case=case, actor=bank_a_officer, reason=" ")
    services.case_withdraw(case=case, actor=bank_a_officer, reason="借款人已清偿")
    assert disposable_assets(loan=npl_loan, user=bank_a_officer).count() == 2


def test_a_draft_is_edited_and_only_a_draft(npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    services.case_update(case=case, actor=bank_a_officer, data=terms(reserve="90000.00"))
    case.refresh_from_db()
    assert case.reserve_price == D("90000.00")
    assert DisposalEvent.objects.filter(case=case, action="updated").exists()
    auction.auction_start(case=case, actor=bank_a_officer, round_hours=24)
    with pytest.raises(DisposalInvalid):
        services.case_update(case=case, actor=bank_a_officer, data=terms())


def test_an_agreed_price_records_the_price_and_the_counterparty(npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer, method=Method.AGREED_PRICE)
    with pytest.raises(DisposalInvalid) as refused:
        services.deal_record(case=case, actor=bank_a_officer, price="0", counterparty="", deal_on=TODAY())
    assert set(refused.value.errors) == {"price", "counterparty"}
    services.deal_record(
        case=case,
        actor=bank_a_officer,
        price="120000.00",
        counterparty="北京知产运营有限公司",
        deal_on=TODAY(),
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.SOLD and case.deal_price == D("120000.00")
    assert case.counterparty == "北京知产运营有限公司"


def test_a_listing_method_goes_on_the_listing_then_sells_or_ends_unsold(npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer, method=Method.SALE_LISTING)
    with pytest.raises(DisposalInvalid):  # a listed method is not concluded from a draft
        services.deal_record(case=case, actor=bank_a_officer, price="1.00", counterparty="x", deal_on=TODAY())
    with pytest.raises(DisposalInvalid):  # nor does it start auction rounds
        auction.auction_start(case=case, actor=bank_a_officer, round_hours=24)
    services.case_list_publicly(case=case, actor=bank_a_officer)
    services.case_mark_unsold(case=case, actor=bank_a_officer, reason="挂牌期满无人摘牌")
    case.refresh_from_db()
    assert case.status == CaseStatus.UNSOLD
    services.case_reopen(case=case, actor=bank_a_officer, method=Method.AUCTION)
    case.refresh_from_db()
    assert (case.status, case.method) == (CaseStatus.DRAFT, Method.AUCTION)


def test_an_auction_is_not_concluded_by_hand_nor_started_twice(npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    with pytest.raises(DisposalInvalid):
        auction.auction_start(case=case, actor=bank_a_officer, round_hours=0)
    auction.auction_start(case=case, actor=bank_a_officer, round_hours=24)
    with pytest.raises(DisposalInvalid):
        auction.auction_start(case=case, actor=bank_a_officer, round_hours=24)
    with pytest.raises(DisposalInvalid):
        services.deal_record(case=case, actor=bank_a_officer, price="1.00", counterparty="x", deal_on=TODAY())


def test_an_auction_needs_the_years_policy_parameters(npl_loan, bank_a_officer):
    from freezegun import freeze_time

    from portal.policy.models import PolicyParameterSet

    case = open_case(npl_loan, bank_a_officer)
    year = max(PolicyParameterSet.objects.values_list("year", flat=True)) + 1
    with freeze_time(f"{year}-03-02 10:00:00"), pytest.raises(DisposalInvalid, match="policy parameters"):
        auction.auction_start(case=case, actor=bank_a_officer, round_hours=24)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
