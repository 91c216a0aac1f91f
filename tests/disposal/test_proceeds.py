"""Proceeds received become recoveries on the loan's paid risk compensation claim (the fund's clawback), or
stay on the case when no claim was paid."""

from decimal import Decimal

import pytest
from django.utils import timezone

from disposal import services
from disposal.errors import DisposalInvalid, DisposalNotAllowed
from disposal.models import CaseStatus, Method, Proceeds
from riskcomp import review
from riskcomp.models import Recovery, RecoverySource
from tests.disposal.factories import npl_loan_with_assets, open_case
from tests.riskcomp.factories import approved, fund

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = timezone.localdate


@pytest.fixture
def sold_case(npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer, method=Method.AGREED_PRICE)
    return services.deal_record(
        case=case,
        actor=bank_a_officer,
        price="500000.00",
        counterparty="北京知产运营有限公司",
        deal_on=TODAY(),
    )


@pytest.fixture
def paid_loan(
    bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer, second_reviewer, finance_officer
):
    """E8 of domain.md §5: 2,000,000 lost, the fund paid 360,000.00 (bank 120,000, guarantor 240,000)."""
    fund()
    guarantor = guarantor_officer.organisation
    loan = npl_loan_with_assets(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[
            ("bank", bank_a_branch, bank_a_branch.name, "0.20", "0"),
            ("guarantor", guarantor, guarantor.name, "0.80", "0.50"),
        ],
    )
    claim = approved(loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=TODAY())
    return loan


def test_proceeds_reach_the_paid_claims_clawback(paid_loan, bank_a_officer):
    case = open_case(paid_loan, bank_a_officer, method=Method.AGREED_PRICE)
    services.deal_record(
        case=case, actor=bank_a_officer, price="500000.00", counterparty="买受人", deal_on=TODAY()
    )
    proceeds = services.proceeds_record(
        case=case, actor=bank_a_officer, amount="500000.00", received_on=TODAY(), note_text="价款到账"
    )
    recovery = Recovery.objects.get()
    assert proceeds.recovery == recovery
    assert recovery.source == RecoverySource.DISPOSAL and recovery.amount == D("500000.00")
    # The fund paid 360,000.00 of a 2,000,000.00 loss: it takes back 18 % of the recovery.
    assert recovery.fund_share == D("90000.00")
    assert sorted(recovery.shares.values_list("amount", flat=True)) == [D("30000.00"), D("60000.00")]
    assert case.reference in recovery.note
    case.refresh_from_db()
    assert case.status == CaseStatus.PROCEEDS_RECEIVED and case.proceeds_total == D("500000.00")


def test_without_a_paid_claim_the_proceeds_stay_on_the_case(sold_case, bank_a_officer):
    services.proceeds_record(case=sold_case, actor=bank_a_officer, amount="300000.00", received_on=TODAY())
    services.proceeds_record(case=sold_case, actor=bank_a_officer, amount="200000.00", received_on=TODAY())
    assert not Recovery.objects.exists()
    assert list(Proceeds.objects.values_list("recovery", flat=True)) == [None, None]
    sold_case.refresh_from_db()
    assert sold_case.proceeds_total == D("500000.00") and sold_case.status == CaseStatus.PROCEEDS_RECEIVED
    services.case_close(case=sold_case, actor=bank_a_officer)
    sold_case.refresh_from_db()
    assert sold_case.status == CaseStatus.CLOSED
    with pytest.raises(DisposalInvalid):
        services.proceeds_record(case=sold_case, actor=bank_a_officer, amount="1.00", received_on=TODAY())


def test_proceeds_need_a_sale_and_good_input(
    npl_loan, sold_case, bank_a_officer, bank_b_officer, bank_a_branch, enterprise
):
    from datetime import timedelta

    with pytest.raises(DisposalInvalid) as refused:
        services.proceeds_record(
            case=sold_case, actor=bank_a_officer, amount="-1", received_on=TODAY() + timedelta(days=1)
        )
    assert set(refused.value.errors) == {"amount", "received_on"}
    with pytest.raises(DisposalNotAllowed):
        services.proceeds_record(case=sold_case, actor=bank_b_officer, amount="1.00", received_on=TODAY())
    draft = open_case(
        npl_loan_with_assets(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer), bank_a_officer
    )
    with pytest.raises(DisposalInvalid, match="sold"):
        services.proceeds_record(case=draft, actor=bank_a_officer, amount="1.00", received_on=TODAY())
    assert not Proceeds.objects.exists()
