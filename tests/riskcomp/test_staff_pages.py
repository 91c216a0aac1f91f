"""The IP bureau's review pages, the finance bureau's payment page and the banks' NPL-ratio page for risk
compensation (issue 7), with each persona: every button changes the state and writes its event row; the
wrong role gets 403, an object out of scope 404, a bad form 400 with the input kept; four eyes on the page
and the budget refusal showing what remains."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from riskcomp import review
from riskcomp.models import (
    BankNplRatio,
    ClaimEvent,
    ClaimStatus,
    ClawbackStatus,
    FundYear,
    Recovery,
)
from riskcomp.npl_ratios import npl_ratio_report
from tests.riskcomp.factories import approved, fund, proposed, refreshed, submitted

pytestmark = pytest.mark.django_db
D = Decimal
S = ClaimStatus


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture(autouse=True)
def _pages_in_english(client):
    """The pages speak the browser's language; these tests read them in English."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def url(name, *args):
    return reverse(f"riskcomp:{name}", args=args)


def last_quarter_end(today: date | None = None) -> date:
    today = today or timezone.localdate()
    month = ((today.month - 1) // 3) * 3  # the last month of the previous quarter (0 = December before)
    first_of_quarter = date(today.year, month + 1, 1)
    return first_of_quarter - timedelta(days=1)


@pytest.fixture
def claim(npl_loan, bank_a_officer, guarantor_officer, funded):
    """E8, submitted and confirmed by the guarantor: bank 120,000.00 + guarantor 240,000.00."""
    return submitted(npl_loan, bank_a_officer, [guarantor_officer])


@pytest.fixture
def under_review(claim, reviewer):
    return review.review_start(claim=claim, actor=reviewer)


@pytest.fixture
def proposal(npl_loan, bank_a_officer, guarantor_officer, reviewer, funded):
    return proposed(npl_loan, bank_a_officer, reviewer, confirmers=[guarantor_officer])


@pytest.fixture
def approved_claim(npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, funded):
    return approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])


def events(claim, to=None, action=None):
    rows = ClaimEvent.objects.filter(claim=claim)
    if to:
        rows = rows.filter(to_status=to)
    if action:
        rows = rows.filter(action=action)
    return rows


# --- The queue ----------------------------------------------------------------------------------------


def test_the_queue_lists_claims_waiting_for_review_with_their_figures(client, claim, reviewer):
    client.force_login(reviewer)
    response = client.get(url("review-queue"))
    assert response.status_code == 200 and url("review-queue") == "/riskcomp/review/"
    body = response.content.decode()
    assert claim.reference in body and claim.loan.reference in body and claim.bank.name in body
    assert "360,000.00" in body
    assert [row["days"] for row in response.context["rows"]] == [0]
    assert url("review-detail", claim.pk) in body
    review.review_start(claim=claim, actor=reviewer)
    body = client.get(url("review-queue")).content.decode()
    assert str(reviewer) in body  # who holds it


def test_the_queue_filters_by_status_and_year(client, claim, reviewer):
    client.force_login(reviewer)
    assert client.get(url("review-queue"), {"status": "paid"}).context["rows"] == []
    assert client.get(url("review-queue"), {"year": claim.year + 1}).context["rows"] == []
    rows = client.get(url("review-queue"), {"year": claim.year, "status": "submitted"}).context["rows"]
    assert [row["claim"].pk for row in rows] == [claim.pk]


def test_only_reviewers_open_the_review_pages(
    client, claim, bank_a_officer, finance_officer, joint_office_viewer, promotion_officer, outsider
):
    for user in (bank_a_officer, finance_officer, joint_office_viewer, promotion_officer, outsider):
        client.force_login(user)
        assert client.get(url("review-queue")).status_code == 403
        assert client.get(url("review-detail", claim.pk)).status_code == 403
        assert client.post(url("review-start", claim.pk)).status_code == 403
    assert refreshed(claim).status == S.SUBMITTED


def test_an_anonymous_visitor_is_sent_to_sign_in(client, claim):
    response = client.get(url("review-detail", claim.pk))
    assert response.status_code == 302 and "login" in response["Location"]


def test_an_unknown_claim_is_404(client, reviewer, finance_officer, claim):
    client.force_login(reviewer)
    assert client.get(url("review-detail", claim.pk + 999)).status_code == 404
    assert client.post(url("review-start", claim.pk + 999)).status_code == 404
    client.force_login(finance_officer)
    assert client.post(url("claim-mark-paid", claim.pk + 999)).status_code == 404
    assert client.post(url("clawback-settle", 999999)).status_code == 404


# --- The review page ------------------------------------------------------------------------------------


def test_the_review_page_shows_sheet_evidence_confirmations_fund_caps_and_history(
    client, claim, reviewer, guarantor_officer
):
    fund(budget="5000000.00", institution_cap="1000000.00")
    client.force_login(reviewer)
    response = client.get(url("review-detail", claim.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="calculation-sheet"' in body and 'data-testid="claim-history"' in body
    assert len(response.context["evidence_rows"]) == 3
    for row in response.context["evidence_rows"]:
        assert row["evidence"].file_name in body
        if row["url"]:  # the claim-file download page (another helper's) once it exists
            assert row["url"] in body
    assert "钱担保" in body  # the guarantor's confirmation, by whom
    fund_figures = response.context["fund"]
    assert fund_figures["budget"] == D("5000000.00") and fund_figures["reserved"] == D("0.00")
    assert fund_figures["remaining"] == D("5000000.00")
    assert "5,000,000.00" in body
    caps = response.context["institutions"]
    assert {row["participant"].name: (row["cap"], row["reserved"], row["this_claim"]) for row in caps} == {
        claim.bank.name: (D("1000000.00"), D("0.00"), D("120000.00")),
        guarantor_officer.organisation.name: (D("1000000.00"), D("0.00"), D("240000.00")),
    }
    assert 'data-testid="review-start"' in body and 'data-testid="propose"' not in body


def test_the_fund_shows_what_approvals_reserved(client, approved_claim, reviewer, npl_loan):
    client.force_login(reviewer)
    response = client.get(url("review-detail", approved_claim.pk))
    assert response.context["fund"]["reserved"] == D("360000.00")
    assert response.context["fund"]["remaining"] == D("4640000.00")
    assert "4,640,000.00" in response.content.decode()
    guarantor_row = [
        row for row in response.context["institutions"] if row["participant"].kind == "guarantor"
    ]
    assert guarantor_row[0]["reserved"] == D("240000.00") and guarantor_row[0]["cap"] is None


def test_start_takes_the_claim(client, claim, reviewer):
    client.force_login(reviewer)
    response = client.post(url("review-start", claim.pk))
    assert response.status_code == 302 and response["Location"] == url("review-detail", claim.pk)
    claim = refreshed(claim)
    assert claim.status == S.UNDER_REVIEW and claim.first_reviewer == reviewer
    assert events(claim, to=S.UNDER_REVIEW).get().actor == reviewer
    page = client.get(url("review-detail", claim.pk)).content.decode()
    assert 'data-testid="propose"' in page and 'data-testid="correction"' in page


def test_start_twice_is_refused_with_a_message(client, under_review, second_reviewer):
    client.force_login(second_reviewer)
    response = client.post(url("review-start", under_review.pk))
    assert response.status_code == 400
    assert "cannot move" in response.content.decode()
    assert refreshed(under_review).first_reviewer_id != second_reviewer.pk
    assert 'data-testid="held-by-other"' in response.content.decode()


def test_a_correction_needs_a_message_and_the_first_reviewer(client, under_review, reviewer, second_reviewer):
    client.force_login(second_reviewer)
    assert client.post(url("review-correction", under_review.pk), {"message": "x"}).status_code == 403
    client.force_login(reviewer)
    response = client.post(url("review-correction", under_review.pk), {"message": "  "})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(url("review-correction", under_review.pk), {"message": "分类证明缺少盖章"})
    assert response.status_code == 302
    claim = refreshed(under_review)
    assert claim.status == S.CORRECTION
    assert events(claim, to=S.CORRECTION).get().reason == "分类证明缺少盖章"


def test_the_proposal_form_is_prefilled_with_the_calculated_payouts(client, under_review, reviewer):
    client.force_login(reviewer)
    response = client.get(url("review-detail", under_review.pk))
    form = response.context["propose_form"]
    payouts = {name: field.initial for name, field in form.fields.items() if name.startswith("payout_")}
    assert sorted(payouts.values()) == [D("120000.00"), D("240000.00")]
    assert 'value="120000.00"' in response.content.decode()


def test_propose_the_calculation(client, under_review, reviewer):
    client.force_login(reviewer)
    participants = list(under_review.participants.order_by("pk"))
    data = {"outcome": "approve", **{f"payout_{p.pk}": str(p.payout) for p in participants}, "reason": ""}
    response = client.post(url("review-propose", under_review.pk), data)
    assert response.status_code == 302
    claim = refreshed(under_review)
    assert claim.status == S.PROPOSED and claim.proposed_outcome == "approve"
    assert [p.proposed_payout for p in claim.participants.order_by("pk")] == [D("120000.00"), D("240000.00")]
    assert events(claim, to=S.PROPOSED).get().details["amount"] == "360000.00"


def test_a_lower_payout_needs_a_reason_and_keeps_the_input(client, under_review, reviewer):
    client.force_login(reviewer)
    bank, guarantor = under_review.participants.order_by("pk")
    data = {"outcome": "approve", f"payout_{bank.pk}": "100000.00", f"payout_{guarantor.pk}": "240000.00"}
    response = client.post(url("review-propose", under_review.pk), data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body and 'value="100000.00"' in body
    assert refreshed(under_review).status == S.UNDER_REVIEW
    response = client.post(url("review-propose", under_review.pk), {**data, "reason": "未尽催收义务"})
    assert response.status_code == 302
    claim = refreshed(under_review)
    assert claim.adjustment_reason == "未尽催收义务"
    assert claim.participants.get(pk=bank.pk).proposed_payout == D("100000.00")


def test_a_payout_above_the_calculation_is_refused_on_its_field(client, under_review, reviewer):
    client.force_login(reviewer)
    bank = under_review.participants.order_by("pk").first()
    response = client.post(
        url("review-propose", under_review.pk),
        {"outcome": "approve", f"payout_{bank.pk}": "130000.00", "reason": "x"},
    )
    assert response.status_code == 400
    assert response.context["propose_form"].errors[f"payout_{bank.pk}"] == ["At most 120000.00."]


def test_a_rejection_needs_a_reason(client, under_review, reviewer):
    client.force_login(reviewer)
    response = client.post(url("review-propose", under_review.pk), {"outcome": "reject", "reason": ""})
    assert response.status_code == 400
    response = client.post(
        url("review-propose", under_review.pk), {"outcome": "reject", "reason": "材料虚假"}
    )
    assert response.status_code == 302
    claim = refreshed(under_review)
    assert claim.status == S.PROPOSED and claim.proposed_outcome == "reject"


def test_only_the_first_reviewer_proposes(client, under_review, second_reviewer):
    client.force_login(second_reviewer)
    response = client.post(url("review-propose", under_review.pk), {"outcome": "reject", "reason": "x"})
    assert response.status_code == 403


def test_four_eyes_on_the_page(client, proposal, reviewer, second_reviewer):
    client.force_login(reviewer)
    page = client.get(url("review-detail", proposal.pk)).content.decode()
    assert 'data-testid="four-eyes"' in page and 'data-testid="decide-submit"' not in page
    assert client.post(url("review-decide", proposal.pk), {"decision": "approve"}).status_code == 403
    assert refreshed(proposal).status == S.PROPOSED
    client.force_login(second_reviewer)
    page = client.get(url("review-detail", proposal.pk)).content.decode()
    assert 'data-testid="decide-submit"' in page and 'data-testid="four-eyes"' not in page
    response = client.post(url("review-decide", proposal.pk), {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    claim = refreshed(proposal)
    assert claim.status == S.APPROVED and claim.second_reviewer == second_reviewer
    assert claim.approved_total == D("360000.00")
    assert events(claim, to=S.APPROVED).get().actor == second_reviewer
    assert FundYear.objects.get(year=claim.year).reserved == D("360000.00")


def test_a_return_needs_a_reason(client, proposal, second_reviewer):
    client.force_login(second_reviewer)
    response = client.post(url("review-decide", proposal.pk), {"decision": "return", "reason": ""})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    response = client.post(
        url("review-decide", proposal.pk), {"decision": "return", "reason": "核对代偿比例"}
    )
    assert response.status_code == 302
    claim = refreshed(proposal)
    assert claim.status == S.UNDER_REVIEW
    assert events(claim, to=S.UNDER_REVIEW).last().reason == "核对代偿比例"


def test_a_bad_decision_value_is_400(client, proposal, second_reviewer):
    client.force_login(second_reviewer)
    assert client.post(url("review-decide", proposal.pk), {"decision": "maybe"}).status_code == 400


def test_an_approval_beyond_the_budget_shows_what_remains(client, proposal, second_reviewer):
    fund(budget="300000.00")
    client.force_login(second_reviewer)
    response = client.post(url("review-decide", proposal.pk), {"decision": "approve", "reason": ""})
    assert response.status_code == 400
    body = response.content.decode()
    assert f"300,000.00 yuan of the {proposal.year} fund remain" in body
    assert "360,000.00" in body
    assert refreshed(proposal).status == S.PROPOSED
    assert not FundYear.objects.filter(reserved__gt=0).exists()


def test_an_institution_cap_refusal_shows_what_remains(client, proposal, second_reviewer):
    fund(budget="5000000.00", institution_cap="200000.00")
    client.force_login(second_reviewer)
    response = client.post(url("review-decide", proposal.pk), {"decision": "approve"})
    assert response.status_code == 400
    assert "200,000.00 yuan of it remain" in response.content.decode()


# --- Finance -----------------------------------------------------------------------------------------------


def test_finance_marks_an_approved_claim_paid(client, approved_claim, finance_officer):
    client.force_login(finance_officer)
    response = client.get(url("payment-queue"))
    assert response.status_code == 200 and url("payment-queue") == "/riskcomp/payments/"
    assert approved_claim.reference in response.content.decode()
    assert "360,000.00" in response.content.decode()
    today = timezone.localdate()
    response = client.post(
        url("claim-mark-paid", approved_claim.pk), {f"c{approved_claim.pk}-paid_on": str(today)}
    )
    assert response.status_code == 302 and response["Location"] == url("payment-queue")
    claim = refreshed(approved_claim)
    assert claim.status == S.PAID and claim.paid_on == today
    assert events(claim, to=S.PAID).get().actor == finance_officer
    assert FundYear.objects.get(year=claim.year).paid == D("360000.00")
    assert client.get(url("payment-queue")).context["claim_rows"] == []


def test_a_payment_date_in_the_future_or_missing_is_400_with_the_input_kept(
    client, approved_claim, finance_officer
):
    client.force_login(finance_officer)
    future = str(timezone.localdate() + timedelta(days=3))
    response = client.post(
        url("claim-mark-paid", approved_claim.pk), {f"c{approved_claim.pk}-paid_on": future}
    )
    assert response.status_code == 400
    assert (
        f'value="{future}"' in response.content.decode() and "Not in the future." in response.content.decode()
    )
    response = client.post(url("claim-mark-paid", approved_claim.pk), {})
    assert response.status_code == 400
    assert refreshed(approved_claim).status == S.APPROVED


def test_a_claim_not_approved_cannot_be_marked_paid(client, proposal, finance_officer):
    client.force_login(finance_officer)
    response = client.post(
        url("claim-mark-paid", proposal.pk), {f"c{proposal.pk}-paid_on": str(timezone.localdate())}
    )
    assert response.status_code == 400 and "cannot move" in response.content.decode()
    assert refreshed(proposal).status == S.PROPOSED


def test_only_finance_opens_the_payment_page(
    client, approved_claim, reviewer, second_reviewer, bank_a_officer, joint_office_viewer, outsider
):
    for user in (reviewer, bank_a_officer, joint_office_viewer, outsider):
        client.force_login(user)
        assert client.get(url("payment-queue")).status_code == 403
        response = client.post(
            url("claim-mark-paid", approved_claim.pk),
            {f"c{approved_claim.pk}-paid_on": str(timezone.localdate())},
        )
        assert response.status_code == 403
    assert refreshed(approved_claim).status == S.APPROVED


def test_a_clawback_waits_on_participants_then_finance_settles_it(
    client, approved_claim, finance_officer, bank_a_officer, guarantor_officer
):
    today = timezone.localdate()
    claim = review.claim_mark_paid(claim=approved_claim, actor=finance_officer, paid_on=today)
    recovery = review.recovery_report(
        claim=claim, actor=bank_a_officer, amount="500000.00", received_on=today, source="disposal"
    )
    client.force_login(finance_officer)
    response = client.get(url("payment-queue"))
    assert [row.pk for row in response.context["waiting"]] == [recovery.pk]
    assert [share.participant.name for share in response.context["waiting"][0].pending] == [
        guarantor_officer.organisation.name
    ]
    assert response.context["settle_rows"] == []
    # Settling before every participant confirmed is refused.
    response = client.post(url("clawback-settle", recovery.pk), {f"r{recovery.pk}-settled_on": str(today)})
    assert response.status_code == 400 and "every participant has confirmed" in response.content.decode()
    review.clawback_confirm(share=recovery.shares.get(participant__kind="guarantor"), actor=guarantor_officer)
    response = client.get(url("payment-queue"))
    assert [row["recovery"].pk for row in response.context["settle_rows"]] == [recovery.pk]
    assert "90,000.00" in response.content.decode()
    future = str(today + timedelta(days=1))
    response = client.post(url("clawback-settle", recovery.pk), {f"r{recovery.pk}-settled_on": future})
    assert response.status_code == 400 and f'value="{future}"' in response.content.decode()
    response = client.post(url("clawback-settle", recovery.pk), {f"r{recovery.pk}-settled_on": str(today)})
    assert response.status_code == 302
    recovery = Recovery.objects.get(pk=recovery.pk)
    assert recovery.status == ClawbackStatus.SETTLED and recovery.settled_on == today
    assert refreshed(claim).clawed_back == D("90000.00")
    assert events(claim, action="clawback_settled").get().actor == finance_officer
    assert FundYear.objects.get(year=claim.year).recovered == D("90000.00")


def test_only_finance_settles(client, approved_claim, finance_officer, bank_a_officer, reviewer):
    today = timezone.localdate()
    claim = review.claim_mark_paid(claim=approved_claim, actor=finance_officer, paid_on=today)
    recovery = review.recovery_report(
        claim=claim, actor=bank_a_officer, amount="500000.00", received_on=today, source="other"
    )
    for user in (reviewer, bank_a_officer):
        client.force_login(user)
        response = client.post(
            url("clawback-settle", recovery.pk), {f"r{recovery.pk}-settled_on": str(today)}
        )
        assert response.status_code == 403


# --- The banks' NPL ratios ------------------------------------------------------------------------------


@pytest.fixture
def bank_a_branch_manager(make_user, bank_a_branch):
    return make_user("branch_manager", bank_a_branch, Role.BANK_MANAGER, full_name="钱支行长")


def test_a_head_office_manager_reports_and_corrects_the_ratio(client, bank_a_manager, bank_a):
    quarter = last_quarter_end()
    client.force_login(bank_a_manager)
    response = client.get(url("npl-ratios"))
    assert response.status_code == 200 and url("npl-ratios") == "/riskcomp/npl-ratios/"
    assert 'data-testid="npl-submit"' in response.content.decode()
    response = client.post(url("npl-ratios"), {"period_end": str(quarter), "ratio_pct": "1.52"})
    assert response.status_code == 302
    row = BankNplRatio.objects.get(bank=bank_a, period_end=quarter)
    assert row.ratio_pct == D("1.52") and row.reported_by == bank_a_manager
    response = client.post(url("npl-ratios"), {"period_end": str(quarter), "ratio_pct": "1.61"})
    assert response.status_code == 302
    assert BankNplRatio.objects.get(bank=bank_a, period_end=quarter).ratio_pct == D("1.61")
    audits = AuditEvent.objects.filter(action="riskcomp.npl_ratio.report").order_by("pk")
    assert [(a.details["before"], a.details["after"]) for a in audits] == [(None, "1.52"), ("1.52", "1.61")]
    page = client.get(url("npl-ratios"))
    assert [row.ratio_pct for row in page.context["history"]] == [D("1.61")]
    assert "1.61" in page.content.decode()


def test_a_bad_quarter_or_ratio_is_400_with_the_input_kept(client, bank_a_manager):
    client.force_login(bank_a_manager)
    quarter = last_quarter_end()
    response = client.post(
        url("npl-ratios"), {"period_end": str(quarter - timedelta(days=1)), "ratio_pct": "2"}
    )
    assert response.status_code == 400
    assert "quarter's last day" in response.content.decode()
    assert f'value="{quarter - timedelta(days=1)}"' in response.content.decode()
    response = client.post(url("npl-ratios"), {"period_end": str(quarter), "ratio_pct": "101"})
    assert response.status_code == 400 and "from 0 to 100" in response.content.decode()
    assert 'value="101"' in response.content.decode()
    assert not BankNplRatio.objects.exists()


def test_a_branch_sees_its_head_office_history_but_does_not_report(
    client, bank_a_manager, bank_a_officer, bank_a_branch_manager, bank_a
):
    npl_ratio_report(bank=bank_a, period_end=last_quarter_end(), ratio_pct="1.20", actor=bank_a_manager)
    for user in (bank_a_officer, bank_a_branch_manager):
        client.force_login(user)
        response = client.get(url("npl-ratios"))
        assert response.status_code == 200
        body = response.content.decode()
        assert 'data-testid="npl-read-only"' in body and 'data-testid="npl-submit"' not in body
        assert [row.ratio_pct for row in response.context["history"]] == [D("1.20")]
        response = client.post(url("npl-ratios"), {"period_end": str(last_quarter_end()), "ratio_pct": "9"})
        assert response.status_code == 403
    assert BankNplRatio.objects.get().ratio_pct == D("1.20")


def test_oversight_sees_every_banks_latest_and_others_nothing(
    client, bank_a_manager, bank_a, bank_b, joint_office_viewer, reviewer, outsider, guarantor_officer
):
    quarter = last_quarter_end()
    npl_ratio_report(
        bank=bank_a, period_end=last_quarter_end(quarter), ratio_pct="1.10", actor=bank_a_manager
    )
    npl_ratio_report(bank=bank_a, period_end=quarter, ratio_pct="1.30", actor=bank_a_manager)
    for user in (joint_office_viewer, reviewer):
        client.force_login(user)
        response = client.get(url("npl-ratios"))
        assert response.status_code == 200
        latest = {bank.name: bank.latest_ratio for bank in response.context["banks"]}
        assert latest[bank_a.name] == D("1.30") and latest[bank_b.name] is None
        assert (
            client.post(url("npl-ratios"), {"period_end": str(quarter), "ratio_pct": "2"}).status_code == 403
        )
    for user in (outsider, guarantor_officer):
        client.force_login(user)
        assert client.get(url("npl-ratios")).status_code == 403
