"""A risk compensation claim from a non-performing loan to payment and a later clawback, through the services,
with E8 of domain.md §5 and the rules of issue 7 (eligibility, confirmations, four eyes, fund and caps)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from riskcomp import claims, review
from riskcomp.errors import BudgetExceeded, RiskcompInvalid, RiskcompNotAllowed
from riskcomp.models import ClaimStatus, ClawbackStatus, Confirmation, FundYear, InstitutionYear
from tests.riskcomp.factories import (
    approved,
    fund,
    make_npl_loan,
    proposed,
    refreshed,
    submitted,
    upload_evidence,
)

pytestmark = pytest.mark.django_db
D = Decimal
S = ClaimStatus


def test_a_claim_is_prefilled_from_the_loan_and_computed_e8(npl_loan, bank_a_officer, guarantor):
    claim = claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    assert claim.npl_on == npl_loan.non_performing_on and claim.npl_principal == D("2000000.00")
    assert claim.registration_reference and claim.eligible and claim.reasons == []
    rows = list(claim.participants.order_by("pk"))
    assert [(p.base, p.payout) for p in rows] == [
        (D("400000.00"), D("120000.00")),
        (D("800000.00"), D("240000.00")),
    ]
    assert [p.confirmation for p in rows] == [Confirmation.NOT_NEEDED, Confirmation.PENDING]
    assert claim.total == D("360000.00") and claim.parameters["riskcomp_rate"] == "0.3000"


def test_only_the_lending_bank_opens_a_claim_and_only_for_a_non_performing_loan(
    npl_loan, bank_b_officer, bank_a_officer, bank_a_branch, enterprise
):
    with pytest.raises(RiskcompNotAllowed):
        claims.claim_open(loan=npl_loan, actor=bank_b_officer)
    healthy = make_npl_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    healthy.status = "repaying"
    healthy.save()
    with pytest.raises(RiskcompInvalid, match="not classified non-performing"):
        claims.claim_open(loan=healthy, actor=bank_a_officer)
    claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    with pytest.raises(RiskcompInvalid, match="already has claim"):
        claims.claim_open(loan=npl_loan, actor=bank_a_officer)


def test_a_pledge_registered_after_non_performance_is_refused_with_its_reason(
    bank_a_branch, enterprise, bank_a_officer
):
    loan = make_npl_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    loan.registrations.update(registered_on=loan.non_performing_on + timedelta(days=1))
    claim = claims.claim_open(loan=loan, actor=bank_a_officer)
    assert not claim.eligible and claim.reasons == ["pledge_after_npl"] and claim.total == D("0.00")
    upload_evidence(claim, bank_a_officer)
    with pytest.raises(RiskcompInvalid) as refused:
        claims.claim_submit(claim=claim, actor=bank_a_officer)
    assert "eligibility" in refused.value.errors


def test_a_claim_outside_the_window_is_ineligible(bank_a_branch, enterprise, bank_a_officer):
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        npl_on=timezone.localdate() - timedelta(days=400),
    )
    claim = claims.claim_open(loan=loan, actor=bank_a_officer)
    assert claim.reasons == ["outside_claim_window"]


def test_participants_confirm_and_a_dispute_returns_the_claim(npl_loan, bank_a_officer, guarantor_officer):
    claim = claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    upload_evidence(claim, bank_a_officer)
    claim = claims.claim_submit(claim=claim, actor=bank_a_officer)
    assert claim.status == S.CONFIRMING
    share = claim.participants.get(organisation=guarantor_officer.organisation)
    claims.participant_confirm(
        participant=share, actor=guarantor_officer, confirmed=False, note_text="再担保比例为40%"
    )
    assert refreshed(claim).status == S.CORRECTION
    rows = [
        {
            "kind": p.kind,
            "organisation": p.organisation,
            "name": p.name,
            "share": p.share,
            "dispersed": "0.40" if p.kind == "guarantor" else p.dispersed,
        }
        for p in claim.participants.order_by("pk")
    ]
    claims.participants_set(claim=refreshed(claim), actor=bank_a_officer, rows=rows)
    claim = claims.claim_submit(claim=refreshed(claim), actor=bank_a_officer)
    share = claim.participants.get(organisation=guarantor_officer.organisation)
    claims.participant_confirm(participant=share, actor=guarantor_officer, confirmed=True)
    claim = refreshed(claim)
    assert claim.status == S.SUBMITTED and claim.total == D("408000.00")  # 0.3 x (400,000 + 960,000)


def test_shares_must_add_up_to_one(npl_loan, bank_a_officer):
    claim = claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    with pytest.raises(RiskcompInvalid) as refused:
        claims.participants_set(
            claim=claim,
            actor=bank_a_officer,
            rows=[{"kind": "bank", "organisation": None, "name": "A", "share": "0.5", "dispersed": "0"}],
        )
    assert "participants" in refused.value.errors


def test_four_eyes_fund_and_payment(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, finance_officer, funded
):
    claim = proposed(npl_loan, bank_a_officer, reviewer, confirmers=[guarantor_officer])
    with pytest.raises(RiskcompNotAllowed):
        review.review_decide(claim=claim, actor=reviewer, approve=True)
    claim = review.review_decide(claim=claim, actor=second_reviewer, approve=True)
    assert claim.status == S.APPROVED and claim.approved_total == D("360000.00")
    fund_year = FundYear.objects.get(year=claim.year)
    assert fund_year.reserved == D("360000.00")
    assert InstitutionYear.objects.get(organisation=guarantor_officer.organisation).reserved == D("240000.00")
    claim = review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())
    assert claim.status == S.PAID and FundYear.objects.get(year=claim.year).paid == D("360000.00")


def test_no_fund_budget_means_no_approval(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer
):
    fund(budget=None)
    claim = proposed(npl_loan, bank_a_officer, reviewer, confirmers=[guarantor_officer])
    with pytest.raises(RiskcompInvalid, match="No fund budget"):
        review.review_decide(claim=claim, actor=second_reviewer, approve=True)


def test_an_approval_beyond_the_fund_or_an_institution_cap_is_refused_showing_what_remains(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer
):
    fund(budget="300000.00")
    claim = proposed(npl_loan, bank_a_officer, reviewer, confirmers=[guarantor_officer])
    with pytest.raises(BudgetExceeded) as refused:
        review.review_decide(claim=claim, actor=second_reviewer, approve=True)
    assert refused.value.remaining == D("300000.00") and refreshed(claim).status == S.PROPOSED
    fund(budget="5000000.00", institution_cap="200000.00")
    with pytest.raises(BudgetExceeded, match="annual cap") as refused:
        review.review_decide(claim=claim, actor=second_reviewer, approve=True)
    assert refused.value.remaining == D("200000.00")
    assert not FundYear.objects.filter(reserved__gt=0).exists()  # the refusal undid the fund's part


def test_lower_payouts_need_a_reason_and_cannot_exceed_the_calculation(
    npl_loan, bank_a_officer, guarantor_officer, reviewer
):
    claim = submitted(npl_loan, bank_a_officer, [guarantor_officer])
    review.review_start(claim=claim, actor=reviewer)
    bank_row = claim.participants.get(kind="bank")
    with pytest.raises(RiskcompInvalid):
        review.review_propose(
            claim=claim, actor=reviewer, outcome=review.APPROVE, payouts={bank_row.pk: "100000"}
        )
    with pytest.raises(RiskcompInvalid):
        review.review_propose(
            claim=claim, actor=reviewer, outcome=review.APPROVE, payouts={bank_row.pk: "130000"}, reason="x"
        )
    claim = review.review_propose(
        claim=claim,
        actor=reviewer,
        outcome=review.APPROVE,
        payouts={bank_row.pk: "100000"},
        reason="未尽催收义务",
    )
    assert claim.adjustment_reason and claim.participants.get(kind="bank").proposed_payout == D("100000.00")


def test_recovery_clawback_confirmed_and_settled(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, finance_officer, funded
):
    claim = approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    claim = review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())
    recovery = review.recovery_report(
        claim=claim,
        actor=bank_a_officer,
        amount="500000.00",
        received_on=timezone.localdate(),
        source="disposal",
    )
    assert recovery.fund_share == D("90000.00") and recovery.status == ClawbackStatus.CONFIRMING
    shares = {share.participant.kind: share for share in recovery.shares.select_related("participant")}
    assert shares["bank"].amount == D("30000.00") and shares["guarantor"].amount == D("60000.00")
    with pytest.raises(RiskcompInvalid):
        review.clawback_settle(recovery=recovery, actor=finance_officer, settled_on=timezone.localdate())
    review.clawback_confirm(share=shares["guarantor"], actor=guarantor_officer)
    recovery.refresh_from_db()
    assert recovery.status == ClawbackStatus.CONFIRMED
    review.clawback_settle(recovery=recovery, actor=finance_officer, settled_on=timezone.localdate())
    assert refreshed(claim).clawed_back == D("90000.00")
    assert FundYear.objects.get(year=claim.year).recovered == D("90000.00")
    # A later, larger recovery never takes back more than the fund paid.
    big = review.recovery_report(
        claim=claim,
        actor=bank_a_officer,
        amount="1500000.00",
        received_on=timezone.localdate(),
        source="other",
    )
    assert big.fund_share == D("270000.00")
    last = review.recovery_report(
        claim=claim,
        actor=bank_a_officer,
        amount="100000.00",
        received_on=timezone.localdate(),
        source="other",
    )
    assert last.fund_share == D("0.00") and last.status == ClawbackStatus.SETTLED
