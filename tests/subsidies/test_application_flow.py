"""A subsidy application from opening to payment through the services, with the amounts of domain.md §5
(E4-E7) and the rules of issue 6: once per programme, bank confirmation of entered loans, the
correction loop, four eyes, budget, publicity with objections, payment."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from subsidies import applications as apps
from subsidies import payments, review
from subsidies.errors import BudgetExceeded, SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import ApplicationEvent, ApplicationStatus, Batch, Claim, Confirmation, Verdict
from tests.subsidies.factories import (
    complete_details,
    entered_values,
    fee_values,
    make_settled_loan,
    pdf,
    proposed_application,
    refreshed,
    submitted_application,
    upload_required,
)

pytestmark = pytest.mark.django_db
D = Decimal
S = ApplicationStatus


def test_a_portal_loan_is_computed_from_the_banks_facts_e4(batch, settled_loan, enterprise_user):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    line = apps.loan_line_add_from_portal(application=application, loan=settled_loan, actor=enterprise_user)
    line.refresh_from_db()
    application.refresh_from_db()
    assert (line.lpr_pct, line.cap_rate_pct) == (D("3.10"), D("4.34"))
    assert line.eligible_interest == D("175000.00") and line.subsidy == D("87500.00")
    assert line.confirmation == Confirmation.NOT_NEEDED
    assert application.calculated == D("87500.00") and application.parameters.version == 1


def test_an_entered_loan_waits_for_its_bank_and_counts_up_to_the_cap_rate_e5(
    batch, enterprise_user, bank_a_branch, bank_a_officer
):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    line = apps.loan_line_add_entered(
        application=application, actor=enterprise_user, values=entered_values(bank_a_branch), evidence=pdf()
    )
    line.refresh_from_db()
    assert line.cap_rate_pct == D("4.20") and line.eligible_interest == D("420000.00")
    assert line.subsidy == D("210000.00") and line.confirmation == Confirmation.PENDING
    complete_details(application, enterprise_user)
    upload_required(application, enterprise_user)
    application = apps.application_submit(application=application, actor=enterprise_user)
    assert application.status == S.AWAITING_BANK
    apps.line_confirm(line=line, actor=bank_a_officer, confirmed=True)
    application = refreshed(application)
    assert application.status == S.SUBMITTED and application.review_clock_started_at is not None
    assert application.events.filter(to_status=S.SUBMITTED, actor=None).exists()


def test_a_bank_dispute_sends_the_application_back_and_a_correction_goes_back_to_the_bank(
    batch, enterprise_user, bank_a_branch, bank_a_officer
):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    line = apps.loan_line_add_entered(
        application=application, actor=enterprise_user, values=entered_values(bank_a_branch), evidence=pdf()
    )
    complete_details(application, enterprise_user)
    upload_required(application, enterprise_user)
    apps.application_submit(application=application, actor=enterprise_user)
    with pytest.raises(SubsidyInvalid):
        apps.line_confirm(line=line, actor=bank_a_officer, confirmed=False)  # a dispute needs a note
    apps.line_confirm(line=line, actor=bank_a_officer, confirmed=False, note_text="利息实付 480,000.00")
    assert refreshed(application).status == S.CORRECTION
    apps.loan_line_correct(
        line=line, actor=enterprise_user, values=entered_values(bank_a_branch, interest_paid="480000.00")
    )
    line.refresh_from_db()
    assert line.confirmation == Confirmation.PENDING and line.subsidy == D("201600.00")
    assert (
        apps.application_submit(application=refreshed(application), actor=enterprise_user).status
        == S.AWAITING_BANK
    )


def test_another_bank_cannot_confirm(batch, enterprise_user, bank_a_branch, bank_b_officer):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    line = apps.loan_line_add_entered(
        application=application, actor=enterprise_user, values=entered_values(bank_a_branch), evidence=pdf()
    )
    with pytest.raises(SubsidyNotAllowed):
        apps.line_confirm(line=line, actor=bank_b_officer, confirmed=True)


def test_the_enterprise_cap_applies_across_loans_e6(batch, enterprise_user, bank_a_branch, bank_a_officer):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    apps.loan_line_add_entered(
        application=application,
        actor=enterprise_user,
        values=entered_values(
            bank_a_branch,
            contract="A",
            contract_number="A",
            ip_share="0.60",
            annual_rate_pct="4.00",
            interest_paid="800000",
            disbursed_on="2025-06-10",
        ),
        evidence=pdf(),
    )
    apps.loan_line_add_entered(
        application=application,
        actor=enterprise_user,
        values=entered_values(
            bank_a_branch,
            contract_number="B",
            annual_rate_pct="4.80",
            interest_paid="240000",
            disbursed_on="2025-06-10",
        ),
        evidence=pdf(),
    )
    application = refreshed(application)
    assert sorted(application.loan_lines.values_list("subsidy", flat=True)) == [
        D("105000.00"),
        D("240000.00"),
    ]
    assert application.interest_amount == D("300000.00") and application.interest_capped


def test_fees_are_capped_e7_and_an_invoice_is_claimed_once(
    batch, settled_loan, enterprise_user, other_enterprise, make_user, bank_a_branch, bank_a_officer
):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    apps.loan_line_add_from_portal(application=application, loan=settled_loan, actor=enterprise_user)
    apps.fee_line_add(application=application, actor=enterprise_user, values=fee_values(), invoice=pdf())
    apps.fee_line_add(
        application=application,
        actor=enterprise_user,
        values=fee_values(kind="guarantee", invoice_number="00012346", amount="75000.00"),
        invoice=pdf(),
    )
    application = refreshed(application)
    assert application.fee_amount == D("20000.00") and application.fee_capped
    assert application.calculated == D("107500.00")
    with pytest.raises(SubsidyInvalid, match="already in this application"):
        apps.fee_line_add(application=application, actor=enterprise_user, values=fee_values(), invoice=pdf())


def test_a_loan_is_subsidised_once_and_the_refusal_names_the_first_application(
    reviewer, settled_loan, enterprise_user, bank_a_branch
):
    from tests.subsidies.factories import make_batch

    first_batch = make_batch(reviewer)
    first = apps.application_open(batch=first_batch, actor=enterprise_user)
    apps.loan_line_add_from_portal(application=first, loan=settled_loan, actor=enterprise_user)
    second_batch = make_batch(reviewer, title="2026 second batch")
    second = apps.application_open(batch=second_batch, actor=enterprise_user)
    with pytest.raises(SubsidyInvalid, match=first.reference):
        apps.loan_line_add_from_portal(application=second, loan=settled_loan, actor=enterprise_user)
    # The same loan entered by hand under its contract number is the same loan.
    with pytest.raises(SubsidyInvalid, match=first.reference):
        apps.loan_line_add_entered(
            application=second,
            actor=enterprise_user,
            values=entered_values(bank_a_branch, contract_number="ht 2025 001"),
            evidence=pdf(),
        )
    apps.application_withdraw(application=first, actor=enterprise_user, reason="filed in the wrong batch")
    assert not Claim.objects.filter(application=first).exists()
    apps.loan_line_add_from_portal(application=second, loan=settled_loan, actor=enterprise_user)


def test_the_correction_loop_lists_only_the_failing_items_and_restarts_the_clock(
    batch, settled_loan, enterprise_user, reviewer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    review.review_start(application=application, actor=reviewer)
    materials = list(application.materials.select_related("item"))
    review.material_check(material=materials[0], actor=reviewer, verdict=Verdict.FAILING, note_text="未盖章")
    for material in materials[1:]:
        review.material_check(material=material, actor=reviewer, verdict=Verdict.OK)
    clock = refreshed(application).review_clock_started_at
    review.correction_request(application=application, actor=reviewer, message="请补充盖章")
    event = ApplicationEvent.objects.filter(application=application, to_status=S.CORRECTION).get()
    assert event.details["failing"] == [{"item": materials[0].item.title, "note": "未盖章"}]
    apps.material_upload(application=application, item=materials[0].item, actor=enterprise_user, upload=pdf())
    application = apps.application_submit(application=refreshed(application), actor=enterprise_user)
    assert application.status == S.SUBMITTED and application.review_clock_started_at > clock


def test_four_eyes_and_the_budget(batch, settled_loan, enterprise_user, reviewer, second_reviewer):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    assert application.proposed_amount == D("87500.00")
    with pytest.raises(SubsidyNotAllowed):
        review.review_decide(application=application, actor=reviewer, approve=True)
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    application = refreshed(application)
    assert application.status == S.APPROVED and application.approved_amount == D("87500.00")
    assert Batch.objects.get(pk=batch.pk).reserved == D("87500.00")


def test_an_adjustment_needs_a_reason_and_cannot_exceed_the_calculation(
    batch, settled_loan, enterprise_user, reviewer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    review.review_start(application=application, actor=reviewer)
    for material in application.materials.all():
        review.material_check(material=material, actor=reviewer, verdict=Verdict.OK)
    with pytest.raises(SubsidyInvalid):
        review.review_propose(application=application, actor=reviewer, outcome=review.APPROVE, amount="80000")
    with pytest.raises(SubsidyInvalid):
        review.review_propose(
            application=application, actor=reviewer, outcome=review.APPROVE, amount="90000", reason="x"
        )
    proposed = review.review_propose(
        application=application, actor=reviewer, outcome=review.APPROVE, amount="80000", reason="利息凭证不全"
    )
    assert proposed.proposed_amount == D("80000.00") and proposed.adjustment_reason == "利息凭证不全"


def test_an_approval_that_does_not_fit_is_refused_showing_what_remains(
    reviewer, second_reviewer, settled_loan, enterprise_user
):
    from tests.subsidies.factories import make_batch

    small = make_batch(reviewer, budget=D("50000.00"))
    application = proposed_application(small, enterprise_user, settled_loan, reviewer)
    with pytest.raises(BudgetExceeded) as refused:
        review.review_decide(application=application, actor=second_reviewer, approve=True)
    assert refused.value.remaining == D("50000.00") and "50,000.00" in refused.value.message
    assert refreshed(application).status == S.PROPOSED


def test_publicity_objection_and_payment(
    batch,
    settled_loan,
    enterprise_user,
    reviewer,
    second_reviewer,
    finance_officer,
    bank_a_branch,
    bank_a_officer,
    other_enterprise,
    make_user,
):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    assert refreshed(application).status == S.PUBLICITY and publicity.ends_on > publicity.starts_on
    objection = payments.objection_lodge(
        publicity=publicity,
        application=application,
        name="李某",
        contact="13900001111",
        text="该企业已迁出北京",
    )
    # The notice ends while the objection is open: the application waits.
    assert payments.publicity_close_due(publicity.ends_on + timedelta(days=1)) == 0
    payments.objection_resolve(
        objection=objection, actor=second_reviewer, upheld=False, resolution="经核实仍在京经营"
    )
    assert payments.publicity_close_due(publicity.ends_on + timedelta(days=1)) == 1
    assert refreshed(application).status == S.PUBLICISED
    payment = payments.payment_list_create(batch=batch, actor=finance_officer)
    assert payment.total == D("87500.00")
    rows = payments.payment_rows(payment)
    assert rows[0]["amount"] == D("87500.00") and rows[0]["account_number"]
    payments.payment_list_mark_paid(payment=payment, actor=finance_officer, paid_on=timezone.localdate())
    assert refreshed(application).status == S.PAID
    batch = Batch.objects.get(pk=batch.pk)
    assert batch.paid == batch.reserved == D("87500.00")


def test_an_upheld_objection_returns_the_money_and_the_case_to_review(
    batch, settled_loan, enterprise_user, reviewer, second_reviewer
):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    objection = payments.objection_lodge(
        publicity=publicity,
        application=application,
        name="王某",
        contact="wang@example.com",
        text="贷款未结清",
    )
    payments.objection_resolve(objection=objection, actor=second_reviewer, upheld=True, resolution="属实")
    application = refreshed(application)
    assert application.status == S.UNDER_REVIEW and application.approved_amount is None
    assert Batch.objects.get(pk=batch.pk).reserved == D("0.00")


def test_a_loan_settled_outside_the_window_is_shown_ineligible(
    batch, enterprise_user, bank_a_branch, bank_a_officer, enterprise
):
    loan = make_settled_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        contract="HT-2026-9",
        settled_on=date(2026, 2, 1),
    )
    application = apps.application_open(batch=batch, actor=enterprise_user)
    line = apps.loan_line_add_from_portal(application=application, loan=loan, actor=enterprise_user)
    line.refresh_from_db()
    assert line.reasons == ["settled_outside_window"] and line.subsidy == D("0.00")


def test_the_enterprise_is_told_at_each_step(
    batch, settled_loan, enterprise_user, reviewer, second_reviewer, finance_officer
):
    from portal.notifications.models import Notification

    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    payments.publicity_close_due(publicity.ends_on + timedelta(days=1))
    payment = payments.payment_list_create(batch=batch, actor=finance_officer)
    payments.payment_list_mark_paid(payment=payment, actor=finance_officer, paid_on=timezone.localdate())
    told = Notification.objects.filter(recipient=enterprise_user, kind="subsidies.application")
    # submitted, under review, approved, on notice, notice passed, paid
    assert told.count() == 6
    assert all(application.reference in notice.subject for notice in told)
