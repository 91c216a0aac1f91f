"""The loan services (loans.services.facts): contracts, participants, facts and who may report them."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils.timezone import localdate

from loans.errors import LoanConflict, LoanNotAllowed, LoanValidationError
from loans.models import (
    Classification,
    FactKind,
    Loan,
    LoanEvent,
    LoanFact,
    LoanParticipant,
    LoanStatus,
    ParticipantKind,
)
from loans.services.facts import (
    loan_cancel,
    loan_contract_record,
    loan_create,
    loan_fact_record,
    loan_participants_set,
)
from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from portal.audit.models import AuditEvent
from tests.conftest import make_uscc
from tests.loans.test_loan_pages_support import (
    loan_fields,
    make_awaiting_loan,
    make_loan,
    make_running_loan,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def guarantor(db):
    return organisation_create(
        name="北京中关村科技融资担保有限公司", kind=OrgKind.GUARANTOR, uscc=make_uscc()
    )


@pytest.fixture
def other_branch_officer(make_user, bank_a):
    branch = organisation_create(
        name="中关村银行朝阳支行", kind=OrgKind.BANK, parent=bank_a, uscc=make_uscc()
    )
    return make_user("bank_a_other_branch", branch, Role.BANK_OFFICER)


@pytest.fixture
def loan(bank_a_branch, enterprise, bank_a_officer):
    return make_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)


# --- loan_create --------------------------------------------------------------------------------------


def test_bank_officer_reports_a_contract_and_the_loan_starts_contracted(
    bank_a_branch, enterprise, bank_a_officer
):
    loan = make_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    assert loan.status == LoanStatus.CONTRACTED
    assert loan.reference.startswith("DK-")
    signed = loan_fields()["contract_signed_on"]
    assert loan.maturity_date is not None and loan.maturity_date > signed
    event = LoanEvent.objects.get(loan=loan)
    assert (event.from_status, event.to_status, event.actor) == ("", LoanStatus.CONTRACTED, bank_a_officer)
    assert AuditEvent.objects.filter(action="loans.loan.create", object_id=str(loan.pk)).exists()


def test_loan_create_refuses_bad_input_with_field_errors_and_saves_nothing(
    bank_a_branch, enterprise, bank_a_officer, english
):
    with pytest.raises(LoanValidationError) as caught:
        loan_create(
            bank=bank_a_branch,
            enterprise=enterprise,
            actor=bank_a_officer,
            **loan_fields(
                bank_loan_ref=" ",
                contract_signed_on=localdate() + timedelta(days=1),
                principal=D("-1"),
                annual_rate_pct=D("3.456"),
                term_months=0,
            ),
        )
    assert caught.value.http_status == 400
    assert {"bank_loan_ref", "contract_signed_on", "principal", "annual_rate_pct", "term_months"} <= set(
        caught.value.errors
    )
    assert not Loan.objects.exists()


def test_loan_create_needs_an_enterprise_borrower(bank_a_branch, bank_b, bank_a_officer):
    with pytest.raises(LoanValidationError) as caught:
        make_loan(bank=bank_a_branch, enterprise=bank_b, actor=bank_a_officer)
    assert "enterprise" in caught.value.errors


def test_combination_loan_needs_its_ip_share_certified(bank_a_branch, enterprise, bank_a_officer):
    with pytest.raises(LoanValidationError) as caught:
        make_loan(
            bank=bank_a_branch,
            enterprise=enterprise,
            actor=bank_a_officer,
            is_combination=True,
            ip_share=D("0.6"),
        )
    assert "ip_share_certified_by" in caught.value.errors
    loan = make_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        is_combination=True,
        ip_share=D("0.6"),
        ip_share_certified_by="中关村银行海淀支行",
    )
    assert (loan.is_combination, loan.ip_share, loan.ip_share_certified_by) == (
        True,
        D("0.6"),
        "中关村银行海淀支行",
    )


def test_a_loan_secured_by_ip_alone_has_an_ip_share_of_one(bank_a_branch, enterprise, bank_a_officer):
    with pytest.raises(LoanValidationError) as caught:
        make_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, ip_share=D("0.5"))
    assert "ip_share" in caught.value.errors


def test_the_same_bank_reference_twice_at_one_bank_is_a_409(loan, bank_a_branch, enterprise, bank_a_officer):
    with pytest.raises(LoanConflict) as caught:
        make_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    assert caught.value.http_status == 409
    assert caught.value.code == "duplicate_bank_loan_ref"
    assert Loan.objects.count() == 1


def test_two_banks_may_use_the_same_reference(loan, bank_b, enterprise, bank_b_officer):
    other = make_loan(bank=bank_b, enterprise=enterprise, actor=bank_b_officer)
    assert other.bank_loan_ref == loan.bank_loan_ref
    assert Loan.objects.count() == 2


# --- who may report -------------------------------------------------------------------------------------


def test_bank_b_cannot_report_a_loan_for_bank_a(bank_a_branch, enterprise, bank_b_officer):
    with pytest.raises(LoanNotAllowed) as caught:
        make_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_b_officer)
    assert caught.value.http_status == 403
    assert not Loan.objects.exists()


def test_bank_b_cannot_record_facts_on_bank_a_loan(loan, bank_b_officer):
    with pytest.raises(LoanNotAllowed):
        loan_fact_record(
            loan=loan,
            kind=FactKind.DISBURSEMENT,
            occurred_on=localdate(),
            amount=D("1000.00"),
            actor=bank_b_officer,
        )
    assert not LoanFact.objects.exists()


def test_another_branch_of_the_same_bank_cannot_record_facts(loan, other_branch_officer):
    with pytest.raises(LoanNotAllowed):
        loan_fact_record(
            loan=loan,
            kind=FactKind.DISBURSEMENT,
            occurred_on=localdate(),
            amount=D("1000.00"),
            actor=other_branch_officer,
        )


def test_head_office_manager_records_facts_on_a_branch_loan(loan, bank_a_manager):
    fact = loan_fact_record(
        loan=loan,
        kind=FactKind.DISBURSEMENT,
        occurred_on=localdate(),
        amount=D("1000.00"),
        actor=bank_a_manager,
    )
    assert fact.reported_by == bank_a_manager


@pytest.mark.parametrize("persona", ["enterprise_user", "promotion_officer", "guarantor_officer"])
def test_only_the_lending_bank_reports_loan_facts(loan, persona, request):
    user = request.getfixturevalue(persona)
    with pytest.raises(LoanNotAllowed):
        loan_fact_record(
            loan=loan, kind=FactKind.DISBURSEMENT, occurred_on=localdate(), amount=D("1.00"), actor=user
        )
    with pytest.raises(LoanNotAllowed):
        loan_cancel(loan=loan, reason="x", actor=user)
    with pytest.raises(LoanNotAllowed):
        loan_participants_set(loan=loan, participants=[], actor=user)


def test_bank_org_admin_cannot_report_loans(make_user, bank_a_branch, enterprise):
    admin = make_user("bank_admin", bank_a_branch, Role.ORG_ADMIN)
    with pytest.raises(LoanNotAllowed):
        make_loan(bank=bank_a_branch, enterprise=enterprise, actor=admin)


# --- the contract of a loan born from an accepted offer ------------------------------------------------


def test_recording_the_contract_moves_awaiting_to_contracted_and_keeps_the_offer(
    bank_a_branch, enterprise, bank_a_officer
):
    loan = make_awaiting_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    signed = localdate() - timedelta(days=3)
    loan = loan_contract_record(
        loan=loan,
        bank_loan_ref="ZGC-9",
        contract_number="HT-9",
        contract_signed_on=signed,
        actor=bank_a_officer,
    )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CONTRACTED
    assert (loan.principal, loan.annual_rate_pct, loan.term_months) == (D("800000.00"), D("3.80"), 24)
    assert loan.contract_signed_on == signed
    event = loan.events.order_by("pk").last()
    assert (event.from_status, event.to_status) == (LoanStatus.AWAITING_CONTRACT, LoanStatus.CONTRACTED)


def test_the_contract_is_recorded_once(bank_a_branch, enterprise, bank_a_officer):
    loan = make_awaiting_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    args = {"bank_loan_ref": "ZGC-9", "contract_number": "HT-9", "contract_signed_on": localdate()}
    loan_contract_record(loan=loan, actor=bank_a_officer, **args)
    with pytest.raises(LoanConflict) as caught:
        loan_contract_record(loan=loan, actor=bank_a_officer, **args)
    assert caught.value.code == "status"


def test_the_contract_cannot_take_a_reference_the_bank_already_used(
    loan, bank_a_branch, enterprise, bank_a_officer
):
    awaiting = make_awaiting_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    with pytest.raises(LoanConflict):
        loan_contract_record(
            loan=awaiting,
            bank_loan_ref=loan.bank_loan_ref,
            contract_number="HT-9",
            contract_signed_on=localdate(),
            actor=bank_a_officer,
        )
    awaiting.refresh_from_db()
    assert awaiting.status == LoanStatus.AWAITING_CONTRACT


def test_bank_b_cannot_record_bank_a_contract(bank_a_branch, enterprise, bank_a_officer, bank_b_officer):
    loan = make_awaiting_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    with pytest.raises(LoanNotAllowed):
        loan_contract_record(
            loan=loan,
            bank_loan_ref="X",
            contract_number="Y",
            contract_signed_on=localdate(),
            actor=bank_b_officer,
        )


# --- participants ------------------------------------------------------------------------------------------


def test_participants_shares_must_add_up_to_one(loan, bank_a_officer, guarantor):
    with pytest.raises(LoanValidationError) as caught:
        loan_participants_set(
            loan=loan,
            participants=[
                {"kind": ParticipantKind.BANK, "name": "中关村银行海淀支行", "risk_share": D("0.5")},
                {"kind": ParticipantKind.GUARANTOR, "organisation": guarantor, "risk_share": D("0.3")},
            ],
            actor=bank_a_officer,
        )
    assert "participants" in caught.value.errors
    assert not LoanParticipant.objects.exists()


def test_participants_are_replaced_with_their_shares_and_parts_passed_on(loan, bank_a_officer, guarantor):
    loan_participants_set(
        loan=loan,
        participants=[{"kind": ParticipantKind.BANK, "name": "中关村银行海淀支行", "risk_share": D("1")}],
        actor=bank_a_officer,
    )
    loan_participants_set(
        loan=loan,
        participants=[
            {"kind": ParticipantKind.BANK, "name": "中关村银行海淀支行", "risk_share": D("0.4")},
            {
                "kind": ParticipantKind.GUARANTOR,
                "organisation": guarantor,
                "risk_share": D("0.6"),
                "dispersed": D("0.5"),
            },
        ],
        actor=bank_a_officer,
    )
    rows = list(loan.participants.order_by("pk").values_list("kind", "name", "risk_share", "dispersed"))
    assert rows == [
        (ParticipantKind.BANK, "中关村银行海淀支行", D("0.4000"), D("0.0000")),
        (ParticipantKind.GUARANTOR, guarantor.name, D("0.6000"), D("0.5000")),
    ]


def test_participant_of_the_wrong_kind_or_passing_on_everything_is_refused(loan, bank_a_officer, guarantor):
    with pytest.raises(LoanValidationError) as caught:
        loan_participants_set(
            loan=loan,
            participants=[
                {"kind": ParticipantKind.INSURER, "organisation": guarantor, "risk_share": D("0.5")},
                {
                    "kind": ParticipantKind.BANK,
                    "name": "中关村银行",
                    "risk_share": D("0.5"),
                    "dispersed": D("1"),
                },
            ],
            actor=bank_a_officer,
        )
    assert {"participants[0].organisation", "participants[1].dispersed"} <= set(caught.value.errors)


# --- facts ----------------------------------------------------------------------------------------------------


def test_disbursement_writes_the_fact_and_an_event_naming_it(loan, bank_a_officer):
    day = localdate() - timedelta(days=10)
    fact = loan_fact_record(
        loan=loan, kind=FactKind.DISBURSEMENT, occurred_on=day, amount=D("600000.00"), actor=bank_a_officer
    )
    loan.refresh_from_db()
    assert (loan.status, loan.disbursed_amount, loan.disbursed_on) == (
        LoanStatus.DISBURSED,
        D("600000.00"),
        day,
    )
    assert (fact.kind, fact.amount, fact.reported_by) == (
        FactKind.DISBURSEMENT,
        D("600000.00"),
        bank_a_officer,
    )
    event = loan.events.order_by("pk").last()
    assert (event.from_status, event.to_status, event.fact) == (
        LoanStatus.CONTRACTED,
        LoanStatus.DISBURSED,
        fact,
    )


def test_a_fact_that_moves_no_status_writes_no_event(bank_a_branch, enterprise, bank_a_officer):
    loan = make_running_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    events = loan.events.count()
    loan_fact_record(
        loan=loan, kind=FactKind.INTEREST, occurred_on=localdate(), amount=D("2875.00"), actor=bank_a_officer
    )
    loan.refresh_from_db()
    assert loan.interest_paid == D("2875.00")
    assert loan.events.count() == events
    assert loan.facts.filter(kind=FactKind.INTEREST).count() == 1


def test_overdue_then_non_performing_moves_the_loan_and_keeps_the_dates(
    bank_a_branch, enterprise, bank_a_officer
):
    loan = make_running_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    today = localdate()
    loan_fact_record(
        loan=loan, kind=FactKind.OVERDUE, occurred_on=today, overdue_days=30, actor=bank_a_officer
    )
    loan.refresh_from_db()
    assert (loan.status, loan.overdue_days, loan.overdue_since) == (
        LoanStatus.OVERDUE,
        30,
        today - timedelta(days=29),
    )
    loan_fact_record(
        loan=loan,
        kind=FactKind.CLASSIFICATION,
        occurred_on=today,
        classification=Classification.SUBSTANDARD,
        actor=bank_a_officer,
    )
    loan.refresh_from_db()
    assert (loan.status, loan.classification, loan.non_performing_on) == (
        LoanStatus.NON_PERFORMING,
        Classification.SUBSTANDARD,
        today,
    )
    assert list(loan.events.order_by("pk").values_list("to_status", flat=True))[-2:] == [
        LoanStatus.OVERDUE,
        LoanStatus.NON_PERFORMING,
    ]


def test_a_refused_fact_names_the_field_and_saves_nothing(loan, bank_a_officer):
    with pytest.raises(LoanValidationError) as caught:
        loan_fact_record(
            loan=loan,
            kind=FactKind.DISBURSEMENT,
            occurred_on=localdate(),
            amount=D("1000000.01"),
            actor=bank_a_officer,
        )
    assert list(caught.value.errors) == ["amount"]
    with pytest.raises(LoanValidationError) as caught:
        loan_fact_record(
            loan=loan,
            kind=FactKind.REPAYMENT,
            occurred_on=localdate(),
            amount=D("1.00"),
            actor=bank_a_officer,
        )
    assert list(caught.value.errors) == ["kind"]
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CONTRACTED
    assert not LoanFact.objects.exists()


# --- cancel ----------------------------------------------------------------------------------------------------


def test_an_undisbursed_loan_is_cancelled_with_a_reason(loan, bank_a_officer):
    with pytest.raises(LoanValidationError):
        loan_cancel(loan=loan, reason="  ", actor=bank_a_officer)
    loan_cancel(loan=loan, reason="The enterprise declined the contract", actor=bank_a_officer)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.CANCELLED
    event = loan.events.order_by("pk").last()
    assert (event.to_status, event.reason) == (LoanStatus.CANCELLED, "The enterprise declined the contract")


def test_a_disbursed_loan_cannot_be_cancelled(bank_a_branch, enterprise, bank_a_officer):
    loan = make_running_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    with pytest.raises(LoanConflict):
        loan_cancel(loan=loan, reason="changed our mind", actor=bank_a_officer)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DISBURSED
