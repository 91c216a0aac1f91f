"""The loan pages: the list every reader sees in its own scope, the loan's page, and the bank's forms."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localdate

from loans import loan_views
from loans.models import (
    AlertKind,
    Classification,
    FactKind,
    Loan,
    LoanAlert,
    LoanFact,
    LoanParticipant,
    LoanStatus,
    ParticipantKind,
)
from loans.services.facts import loan_fact_record
from pledges.models import PledgeRegistration, RegistrationAsset, RegistrationKind, Status
from portal.accounts.models import OrgKind
from portal.accounts.services import organisation_create
from portal.policy.models import Channel, IpKind
from tests.conftest import make_uscc
from tests.loans.test_loan_pages_support import make_awaiting_loan, make_loan, make_running_loan

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}
D = Decimal


@pytest.fixture
def loan_a(bank_a_branch, enterprise, bank_a_officer):
    return make_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)


@pytest.fixture
def loan_b(bank_b, other_enterprise, bank_b_officer):
    return make_loan(bank=bank_b, enterprise=other_enterprise, actor=bank_b_officer, bank_loan_ref="BJ-77")


def _listed(response) -> set[str]:
    return {loan.reference for loan in response.context["loans"]}


def _detail(loan) -> str:
    return reverse("loans:loan_detail", args=[loan.pk])


# --- the list --------------------------------------------------------------------------------------------


def test_bank_a_officer_lists_only_bank_a_loans(client, loan_a, loan_b, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.get(reverse("loans:loan_list"))
    assert response.status_code == 200
    assert _listed(response) == {loan_a.reference}
    assert loan_b.reference not in response.content.decode()


def test_bank_b_cannot_find_bank_a_loan_by_search_or_filter(client, loan_a, loan_b, bank_b_officer):
    client.force_login(bank_b_officer)
    for query in ({"search": loan_a.reference}, {"search": loan_a.bank_loan_ref}, {"status": "contracted"}):
        response = client.get(reverse("loans:loan_list"), query)
        assert loan_a.reference not in _listed(response)


def test_enterprise_lists_its_own_loans_and_the_outsider_none(
    client, loan_a, loan_b, enterprise_user, outsider
):
    client.force_login(enterprise_user)
    assert _listed(client.get(reverse("loans:loan_list"))) == {loan_a.reference}
    client.force_login(outsider)
    assert _listed(client.get(reverse("loans:loan_list"))) == {loan_b.reference}


def test_promotion_officer_lists_every_bank_loan(client, loan_a, loan_b, promotion_officer):
    client.force_login(promotion_officer)
    assert _listed(client.get(reverse("loans:loan_list"))) == {loan_a.reference, loan_b.reference}


def test_a_role_without_loans_gets_a_403(client, loan_a, commissioner, guarantor_officer):
    for user in (commissioner, guarantor_officer):
        client.force_login(user)
        assert client.get(reverse("loans:loan_list")).status_code == 403


def test_anonymous_visitors_are_sent_to_login(client, loan_a):
    for url in (reverse("loans:loan_list"), _detail(loan_a)):
        response = client.get(url)
        assert response.status_code == 302
        assert "login" in response.url


def test_list_filters_by_status_classification_and_search(
    client, bank_a_branch, enterprise, other_enterprise, bank_a_officer, bank_a_manager
):
    contracted = make_loan(
        bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, bank_loan_ref="R-1"
    )
    running = make_running_loan(
        bank=bank_a_branch, enterprise=other_enterprise, actor=bank_a_officer, bank_loan_ref="R-2"
    )
    loan_fact_record(
        loan=running,
        kind=FactKind.CLASSIFICATION,
        occurred_on=localdate(),
        classification=Classification.SPECIAL_MENTION,
        actor=bank_a_officer,
    )
    client.force_login(bank_a_manager)  # the head office sees its branch's loans
    url = reverse("loans:loan_list")
    assert _listed(client.get(url)) == {contracted.reference, running.reference}
    assert _listed(client.get(url, {"status": "disbursed"})) == {running.reference}
    assert _listed(client.get(url, {"classification": "special_mention"})) == {running.reference}
    assert _listed(client.get(url, {"search": "R-1"})) == {contracted.reference}
    assert _listed(client.get(url, {"search": running.reference})) == {running.reference}
    assert _listed(client.get(url, {"search": "远望"})) == {running.reference}


def test_bad_filter_is_a_400_that_lists_nothing(client, loan_a, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.get(reverse("loans:loan_list"), {"status": "lost", "after": "x"})
    assert response.status_code == 400
    assert {"status", "after"} <= set(response.context["form"].errors)
    assert response.context["loans"] == []


def test_list_pages_by_keyset_without_counting(
    client, monkeypatch, bank_a_branch, enterprise, bank_a_officer
):
    monkeypatch.setattr(loan_views, "PAGE_SIZE", 2)
    loans = [
        make_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, bank_loan_ref=f"K-{n}")
        for n in range(5)
    ]
    newest_first = [loan.pk for loan in reversed(loans)]
    client.force_login(bank_a_officer)
    seen: list[int] = []
    after = None
    with CaptureQueriesContext(connection) as queries:
        for _page in range(3):
            response = client.get(
                reverse("loans:loan_list"), {"status": "contracted", **({"after": after} if after else {})}
            )
            seen += [loan.pk for loan in response.context["loans"]]
            after = response.context["next_after"]
            if after is None:
                break
            assert f"after={after}" in response.content.decode()
            assert "status=contracted" in response.content.decode()
    assert seen == newest_first
    assert after is None
    loan_counts = [
        q["sql"]
        for q in queries.captured_queries
        if "COUNT(" in q["sql"].upper() and "loans_loan" in q["sql"]
    ]
    assert loan_counts == []


def test_alerts_section_lists_alerts_in_scope_only(client, loan_a, loan_b, bank_a_officer, promotion_officer):
    for loan in (loan_a, loan_b):
        LoanAlert.objects.create(
            loan=loan,
            kind=AlertKind.OVERDUE,
            key="2026-01-01",
            message=f"alert of {loan.reference}",
            raised_on=localdate(),
        )
    client.force_login(bank_a_officer)
    alerts = client.get(reverse("loans:loan_list")).context["alerts"]
    assert [alert.loan_id for alert in alerts] == [loan_a.pk]
    client.force_login(promotion_officer)
    assert {alert.loan_id for alert in client.get(reverse("loans:loan_list")).context["alerts"]} == {
        loan_a.pk,
        loan_b.pk,
    }


# --- the loan's page ----------------------------------------------------------------------------------------


def test_lending_bank_sees_the_loan_with_its_forms(client, loan_a, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.get(_detail(loan_a), headers=EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert loan_a.reference in page and "1,000,000.00" in page and "3.45%" in page
    for name in ("participant_formset", "fact_form", "cancel_form"):
        assert response.context.get(name) is not None, name
    assert response.context.get("contract_form") is None  # already contracted


def test_bank_b_gets_404_on_bank_a_loan_and_its_forms(client, loan_a, bank_b_officer):
    client.force_login(bank_b_officer)
    assert client.get(_detail(loan_a)).status_code == 404
    for name in ("loan_contract", "loan_participants", "loan_fact", "loan_cancel"):
        assert client.post(reverse(f"loans:{name}", args=[loan_a.pk]), {"reason": "x"}).status_code == 404
    loan_a.refresh_from_db()
    assert loan_a.status == LoanStatus.CONTRACTED


def test_outsider_gets_404(client, loan_a, outsider):
    client.force_login(outsider)
    assert client.get(_detail(loan_a)).status_code == 404
    assert client.post(reverse("loans:loan_cancel", args=[loan_a.pk]), {"reason": "x"}).status_code == 404


def test_enterprise_reads_its_loan_without_forms_and_cannot_write(client, loan_a, enterprise_user):
    client.force_login(enterprise_user)
    response = client.get(_detail(loan_a))
    assert response.status_code == 200
    assert not response.context["can_write"]
    assert b'data-testid="fact-form"' not in response.content
    response = client.post(
        reverse("loans:loan_fact", args=[loan_a.pk]),
        {"kind": "disbursement", "occurred_on": localdate().isoformat(), "amount": "1000"},
    )
    assert response.status_code == 403
    assert not LoanFact.objects.exists()


def test_promotion_officer_reads_any_loan_read_only(client, loan_a, loan_b, promotion_officer):
    client.force_login(promotion_officer)
    for loan in (loan_a, loan_b):
        response = client.get(_detail(loan))
        assert response.status_code == 200
        assert response.context.get("fact_form") is None
    assert client.post(reverse("loans:loan_cancel", args=[loan_a.pk]), {"reason": "x"}).status_code == 403


def test_page_shows_participants_combination_share_ledger_and_history(
    client, bank_a_branch, enterprise, bank_a_officer, english
):
    loan = make_running_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        is_combination=True,
        ip_share=D("0.6"),
        ip_share_certified_by="中关村科技担保",
        participants=[
            {"kind": ParticipantKind.BANK, "name": "中关村银行海淀支行", "risk_share": D("0.4")},
            {
                "kind": ParticipantKind.GUARANTOR,
                "name": "某担保公司",
                "risk_share": D("0.6"),
                "dispersed": D("0.25"),
            },
        ],
    )
    client.force_login(bank_a_officer)
    page = client.get(_detail(loan), headers=EN).content.decode()
    assert "IP share 60%, certified by 中关村科技担保" in page
    assert "某担保公司" in page and "25%" in page and "40%" in page
    assert "Disbursement" in page and "李信贷" in page
    assert "Disbursed" in page  # the status history


def test_page_links_the_pledge_registrations(
    client, loan_a, bank_a_branch, enterprise, enterprise_user, bank_a_officer
):
    registration = PledgeRegistration.objects.create(
        reference="T00000042",
        kind=RegistrationKind.PLEDGE,
        ip_kind=IpKind.PATENT,
        channel=Channel.ONLINE,
        status=Status.DRAFT,
        pledgor=enterprise,
        pledgee=bank_a_branch,
        debt_amount=D("1000000.00"),
        debt_start=localdate(),
        debt_end=localdate() + timedelta(days=365),
        created_by=enterprise_user,
    )
    loan_a.registrations.add(registration)
    client.force_login(bank_a_officer)
    page = client.get(_detail(loan_a)).content.decode()
    assert reverse("pledges:registration_detail", args=[registration.pk]) in page
    assert "T00000042" in page
    assert not RegistrationAsset.objects.exists()


# --- the contract form -----------------------------------------------------------------------------------------


def _contract_data(**overrides) -> dict:
    data = {
        "bank_loan_ref": "ZGC-HT-5",
        "contract_number": "HT-5",
        "contract_signed_on": (localdate() - timedelta(days=2)).isoformat(),
        "principal": "800000.00",
        "annual_rate_pct": "3.80",
        "term_months": "24",
        "maturity_date": "",
        "ip_share": "1",
        "ip_share_certified_by": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def awaiting(bank_a_branch, enterprise, bank_a_officer):
    return make_awaiting_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)


def test_officer_records_the_contract_through_the_form(client, awaiting, bank_a_officer):
    client.force_login(bank_a_officer)
    assert client.get(_detail(awaiting)).context["contract_form"] is not None
    response = client.post(reverse("loans:loan_contract", args=[awaiting.pk]), _contract_data())
    assert response.status_code == 302
    assert response.url == _detail(awaiting)
    awaiting.refresh_from_db()
    assert (awaiting.status, awaiting.bank_loan_ref, awaiting.contract_number) == (
        LoanStatus.CONTRACTED,
        "ZGC-HT-5",
        "HT-5",
    )


def test_contract_form_keeps_the_participants_already_set(client, awaiting, bank_a_officer):
    LoanParticipant.objects.create(
        loan=awaiting, kind=ParticipantKind.BANK, name="中关村银行", risk_share=D("1")
    )
    client.force_login(bank_a_officer)
    client.post(reverse("loans:loan_contract", args=[awaiting.pk]), _contract_data())
    assert list(awaiting.participants.values_list("name", flat=True)) == ["中关村银行"]


def test_contract_form_with_bad_input_is_a_400_keeping_the_input(client, awaiting, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(
        reverse("loans:loan_contract", args=[awaiting.pk]),
        _contract_data(contract_number="", principal="abc", is_combination="on", ip_share="0.6"),
        headers=EN,
    )
    assert response.status_code == 400
    assert {"contract_number", "principal"} <= set(response.context["contract_form"].errors)
    assert 'value="ZGC-HT-5"' in response.content.decode()
    # Form-valid but refused by the service: the combination loan names no certifier.
    response = client.post(
        reverse("loans:loan_contract", args=[awaiting.pk]),
        _contract_data(is_combination="on", ip_share="0.6"),
        headers=EN,
    )
    assert response.status_code == 400
    assert "ip_share_certified_by" in response.context["contract_form"].errors
    awaiting.refresh_from_db()
    assert awaiting.status == LoanStatus.AWAITING_CONTRACT


def test_contract_with_a_reference_already_used_is_a_409_on_the_field(
    client, loan_a, awaiting, bank_a_officer
):
    client.force_login(bank_a_officer)
    response = client.post(
        reverse("loans:loan_contract", args=[awaiting.pk]), _contract_data(bank_loan_ref=loan_a.bank_loan_ref)
    )
    assert response.status_code == 409
    assert "bank_loan_ref" in response.context["contract_form"].errors
    awaiting.refresh_from_db()
    assert awaiting.status == LoanStatus.AWAITING_CONTRACT


def test_enterprise_cannot_record_the_contract(client, awaiting, enterprise_user):
    client.force_login(enterprise_user)
    assert (
        client.post(reverse("loans:loan_contract", args=[awaiting.pk]), _contract_data()).status_code == 403
    )


# --- the participants formset ------------------------------------------------------------------------------------


def _participants_data(rows, *, initial=0) -> dict:
    data = {
        "participants-TOTAL_FORMS": str(len(rows)),
        "participants-INITIAL_FORMS": str(initial),
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "10",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"participants-{index}-{name}"] = value
    return data


@pytest.fixture
def guarantor(db):
    return organisation_create(
        name="北京中关村科技融资担保有限公司", kind=OrgKind.GUARANTOR, uscc=make_uscc()
    )


def test_officer_sets_participants_through_the_formset(client, loan_a, bank_a_officer, guarantor):
    client.force_login(bank_a_officer)
    data = _participants_data(
        [
            {
                "kind": "bank",
                "organisation": "",
                "name": "中关村银行海淀支行",
                "risk_share": "0.4",
                "dispersed": "0",
            },
            {
                "kind": "guarantor",
                "organisation": str(guarantor.pk),
                "name": "",
                "risk_share": "0.6",
                "dispersed": "0.3",
            },
            {
                "kind": "",
                "organisation": "",
                "name": "",
                "risk_share": "",
                "dispersed": "0",
            },  # a blank extra row
        ]
    )
    response = client.post(reverse("loans:loan_participants", args=[loan_a.pk]), data)
    assert response.status_code == 302
    rows = list(
        loan_a.participants.order_by("pk").values_list("name", "organisation", "risk_share", "dispersed")
    )
    assert rows == [
        ("中关村银行海淀支行", None, D("0.4000"), D("0.0000")),
        (guarantor.name, guarantor.pk, D("0.6000"), D("0.3000")),
    ]
    # The page offers them again for editing, and a ticked row is removed.
    formset = client.get(_detail(loan_a)).context["participant_formset"]
    assert len(formset.initial_forms) == 2
    data = _participants_data(
        [
            {
                "kind": "bank",
                "organisation": "",
                "name": "中关村银行海淀支行",
                "risk_share": "1",
                "dispersed": "0",
            },
            {
                "kind": "guarantor",
                "organisation": str(guarantor.pk),
                "name": "",
                "risk_share": "0.6",
                "dispersed": "0.3",
                "DELETE": "on",
            },
        ],
        initial=2,
    )
    assert client.post(reverse("loans:loan_participants", args=[loan_a.pk]), data).status_code == 302
    assert list(loan_a.participants.values_list("name", flat=True)) == ["中关村银行海淀支行"]


def test_participant_shares_not_adding_up_is_a_400_and_saves_nothing(client, loan_a, bank_a_officer, english):
    client.force_login(bank_a_officer)
    data = _participants_data(
        [
            {
                "kind": "bank",
                "organisation": "",
                "name": "中关村银行海淀支行",
                "risk_share": "0.5",
                "dispersed": "0",
            },
            {"kind": "insurer", "organisation": "", "name": "某保险", "risk_share": "0.3", "dispersed": "0"},
        ]
    )
    response = client.post(reverse("loans:loan_participants", args=[loan_a.pk]), data, headers=EN)
    assert response.status_code == 400
    assert "The participants&#x27; risk shares must add up to 1." in response.content.decode()
    assert 'value="某保险"' in response.content.decode()
    assert not LoanParticipant.objects.exists()


def test_participant_row_errors_land_on_their_row(client, loan_a, bank_a_officer, guarantor):
    client.force_login(bank_a_officer)
    data = _participants_data(
        [
            {
                "kind": "",
                "organisation": "",
                "name": "",
                "risk_share": "",
                "dispersed": "0",
            },  # blank, skipped
            {
                "kind": "insurer",
                "organisation": str(guarantor.pk),
                "name": "",
                "risk_share": "1",
                "dispersed": "0",
            },
            {"kind": "bank", "organisation": "", "name": "X", "risk_share": "2", "dispersed": "0"},
        ]
    )
    response = client.post(reverse("loans:loan_participants", args=[loan_a.pk]), data)
    assert response.status_code == 400
    forms = response.context["participant_formset"].forms
    assert "risk_share" in forms[2].errors  # the form refuses a share above 1
    data["participants-2-risk_share"] = "0"
    data["participants-1-risk_share"] = "1"
    response = client.post(reverse("loans:loan_participants", args=[loan_a.pk]), data)
    assert response.status_code == 400
    forms = response.context["participant_formset"].forms
    assert "organisation" in forms[1].errors  # a guarantor is not an insurer (the service's check)
    assert "risk_share" in forms[2].errors
    assert not LoanParticipant.objects.exists()


# --- the fact form --------------------------------------------------------------------------------------------------


def test_officer_reports_a_disbursement_through_the_form(client, loan_a, bank_a_officer):
    client.force_login(bank_a_officer)
    day = localdate() - timedelta(days=1)
    response = client.post(
        reverse("loans:loan_fact", args=[loan_a.pk]),
        {
            "kind": "disbursement",
            "occurred_on": day.isoformat(),
            "amount": "400000.00",
            "note": "first tranche",
        },
    )
    assert response.status_code == 302
    fact = LoanFact.objects.get()
    assert (fact.kind, fact.amount, fact.note, fact.source) == (
        FactKind.DISBURSEMENT,
        D("400000.00"),
        "first tranche",
        "portal",
    )
    loan_a.refresh_from_db()
    assert loan_a.status == LoanStatus.DISBURSED


def test_fact_form_offers_only_the_facts_the_loan_can_take(client, loan_a, bank_a_officer):
    client.force_login(bank_a_officer)
    kinds = [
        value for value, _label in client.get(_detail(loan_a)).context["fact_form"].fields["kind"].choices
    ]
    assert kinds == ["", FactKind.DISBURSEMENT]


def test_fact_form_with_bad_input_is_a_400_keeping_the_input(client, loan_a, bank_a_officer, english):
    client.force_login(bank_a_officer)
    url = reverse("loans:loan_fact", args=[loan_a.pk])
    response = client.post(url, {"kind": "disbursement", "occurred_on": "", "amount": "12.345"})
    assert response.status_code == 400
    assert {"occurred_on", "amount"} <= set(response.context["fact_form"].errors)
    # Form-valid but refused by the ledger: more than the principal.
    response = client.post(
        url,
        {"kind": "disbursement", "occurred_on": localdate().isoformat(), "amount": "1000000.01"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "amount" in response.context["fact_form"].errors
    assert 'value="1000000.01"' in response.content.decode()
    assert not LoanFact.objects.exists()


def test_fact_form_refuses_a_fact_the_loan_cannot_take(client, loan_a, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(
        reverse("loans:loan_fact", args=[loan_a.pk]),
        {"kind": "repayment", "occurred_on": localdate().isoformat(), "amount": "10"},
    )
    assert response.status_code == 400
    assert "kind" in response.context["fact_form"].errors
    assert not LoanFact.objects.exists()


def test_settled_loan_shows_no_forms(client, bank_a_branch, enterprise, bank_a_officer):
    loan = make_running_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    loan_fact_record(
        loan=loan,
        kind=FactKind.SETTLEMENT,
        occurred_on=localdate(),
        amount=loan.principal,
        actor=bank_a_officer,
    )
    client.force_login(bank_a_officer)
    context = client.get(_detail(loan)).context
    assert context.get("fact_form") is None and context.get("participant_formset") is None
    assert context.get("cancel_form") is None


# --- cancel ----------------------------------------------------------------------------------------------------------


def test_officer_cancels_an_undisbursed_loan(client, loan_a, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(reverse("loans:loan_cancel", args=[loan_a.pk]), {"reason": "Contract not signed"})
    assert response.status_code == 302
    loan_a.refresh_from_db()
    assert loan_a.status == LoanStatus.CANCELLED


def test_cancel_without_a_reason_is_a_400(client, loan_a, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(reverse("loans:loan_cancel", args=[loan_a.pk]), {"reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["cancel_form"].errors
    loan_a.refresh_from_db()
    assert loan_a.status == LoanStatus.CONTRACTED


def test_cancelling_a_disbursed_loan_is_a_409(client, bank_a_branch, enterprise, bank_a_officer):
    loan = make_running_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    client.force_login(bank_a_officer)
    response = client.post(reverse("loans:loan_cancel", args=[loan.pk]), {"reason": "no"})
    assert response.status_code == 409
    loan.refresh_from_db()
    assert loan.status == LoanStatus.DISBURSED
    assert Loan.objects.filter(status=LoanStatus.CANCELLED).count() == 0
