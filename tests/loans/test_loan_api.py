"""The loans API (/api/v1/loans/): banks report contracts and facts, every reader lists its own scope.

Idempotency-Key behaviour has its own module (test_loan_api_idempotency.py); here every write sends a
fresh key.
"""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.forms.models import model_to_dict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localdate

from loans.models import Classification, FactKind, Loan, LoanFact, LoanSource, LoanStatus
from loans.services.facts import loan_create, loan_fact_record
from portal.accounts.models import OrgKind
from portal.accounts.services import organisation_create
from portal.audit.models import AuditEvent
from tests.conftest import make_uscc

pytestmark = pytest.mark.django_db

LIST_URL = "/api/v1/loans/"
EN = {"accept-language": "en"}


def detail_url(loan) -> str:
    return reverse("loans-api:detail", args=[loan.pk])


def facts_url(loan) -> str:
    return reverse("loans-api:facts", args=[loan.pk])


def contract_url(loan) -> str:
    return reverse("loans-api:contract", args=[loan.pk])


def contract_body(enterprise, **overrides) -> dict:
    """A valid report of a signed contract for ``enterprise``, as a bank's system would send it."""
    body = {
        "enterprise_uscc": enterprise.uscc,
        "bank_loan_ref": "ZGC-2026-0001",
        "contract_number": "HT-2026-0001",
        "contract_signed_on": (localdate() - timedelta(days=30)).isoformat(),
        "principal": "3000000.00",
        "annual_rate_pct": "3.45",
        "term_months": 12,
        "is_combination": False,
        "ip_share": "1",
        "participants": [
            {"kind": "bank", "name": "中关村银行", "risk_share": "0.4"},
            {"kind": "guarantor", "name": "中关村担保", "risk_share": "0.6", "dispersed": "0.5"},
        ],
    }
    body.update(overrides)
    return body


def post_json(client, url, body, *, key: str | None = "new", headers: dict | None = None):
    """POST ``body`` as JSON with an Idempotency-Key (a fresh UUID unless given; None sends none)."""
    all_headers = {**EN, **(headers or {})}
    if key == "new":
        key = str(uuid.uuid4())
    if key is not None:
        all_headers["Idempotency-Key"] = key
    return client.post(url, body, content_type="application/json", headers=all_headers)


def make_loan(bank_officer, enterprise, *, ref="ZGC-2026-0001", **extra) -> Loan:
    """A contracted loan of the officer's bank, through the service."""
    fields = {
        "bank_loan_ref": ref,
        "contract_number": f"HT-{ref}",
        "contract_signed_on": localdate() - timedelta(days=30),
        "principal": Decimal("1000000.00"),
        "annual_rate_pct": Decimal("3.45"),
        "term_months": 12,
    }
    fields.update(extra)
    return loan_create(bank=bank_officer.organisation, enterprise=enterprise, actor=bank_officer, **fields)


@pytest.fixture
def loan_a(bank_a_officer, enterprise):
    """Bank A's loan (booked at its Haidian branch) to the persona enterprise."""
    return make_loan(bank_a_officer, enterprise)


def snapshot(loan) -> dict:
    loan.refresh_from_db()
    return {
        "loan": model_to_dict(loan),
        "facts": list(LoanFact.objects.filter(loan=loan).values()),
        "participants": list(loan.participants.values()),
    }


# --- Reporting a contract ---------------------------------------------------------------------------


def test_bank_officer_reports_a_loan_contract(client, bank_a_officer, bank_a_branch, enterprise):
    client.force_login(bank_a_officer)
    response = post_json(client, LIST_URL, contract_body(enterprise))
    assert response.status_code == 201, response.json()
    data = response.json()
    loan = Loan.objects.get()
    assert data["id"] == loan.pk
    assert data["reference"] == loan.reference
    assert data["bank"] == {"id": bank_a_branch.pk, "name": bank_a_branch.name, "uscc": bank_a_branch.uscc}
    assert data["enterprise"]["uscc"] == enterprise.uscc
    assert data["status"] == LoanStatus.CONTRACTED
    assert data["source"] == LoanSource.API
    assert data["principal"] == "3000000.00"
    assert data["annual_rate_pct"] == "3.45"
    assert data["disbursed_amount"] == "0.00"
    assert (
        data["maturity_date"]
        == (loan.contract_signed_on.replace(year=loan.contract_signed_on.year + 1)).isoformat()
    )
    assert [(p["kind"], p["risk_share"], p["dispersed"]) for p in data["participants"]] == [
        ("bank", "0.4000", "0.0000"),
        ("guarantor", "0.6000", "0.5000"),
    ]
    assert data["facts"] == []
    assert [(event["from_status"], event["to_status"]) for event in data["history"]] == [("", "contracted")]
    assert (loan.bank, loan.enterprise, loan.created_by) == (bank_a_branch, enterprise, bank_a_officer)


def test_a_participant_named_by_credit_code_is_linked_to_the_institution(client, bank_a_officer, enterprise):
    guarantor = organisation_create(name="北京首创担保", kind=OrgKind.GUARANTOR, uscc=make_uscc())
    client.force_login(bank_a_officer)
    participants = [
        {"kind": "bank", "name": "中关村银行", "risk_share": "0.5"},
        {"kind": "guarantor", "organisation_uscc": guarantor.uscc.lower(), "risk_share": "0.5"},
    ]
    response = post_json(client, LIST_URL, contract_body(enterprise, participants=participants))
    assert response.status_code == 201, response.json()
    linked = Loan.objects.get().participants.get(kind="guarantor")
    assert (linked.organisation, linked.name) == (guarantor, guarantor.name)
    assert response.json()["participants"][1]["organisation_uscc"] == guarantor.uscc


def test_status_bank_reference_and_figures_sent_by_the_client_are_ignored(
    client, bank_a_officer, bank_a_branch, bank_b, enterprise
):
    client.force_login(bank_a_officer)
    body = contract_body(
        enterprise,
        status=LoanStatus.SETTLED,
        bank=bank_b.pk,
        bank_id=bank_b.pk,
        reference="DK-1999-0000001",
        disbursed_amount="3000000.00",
        principal_repaid="100.00",
        classification=Classification.LOSS,
        source=LoanSource.IMPORT,
        created_by=1,
        is_staff=True,
    )
    response = post_json(client, LIST_URL, body)
    assert response.status_code == 201, response.json()
    loan = Loan.objects.get()
    assert loan.bank == bank_a_branch
    assert loan.status == LoanStatus.CONTRACTED
    assert loan.reference != "DK-1999-0000001"
    assert (loan.disbursed_amount, loan.principal_repaid) == (Decimal("0.00"), Decimal("0.00"))
    assert loan.classification == Classification.NORMAL
    assert loan.source == LoanSource.API
    assert loan.created_by == bank_a_officer


def test_an_enterprise_not_registered_here_is_a_400_on_its_field(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    response = post_json(client, LIST_URL, contract_body(enterprise, enterprise_uscc=make_uscc()))
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"enterprise_uscc"}
    assert not Loan.objects.exists()


def test_a_bank_is_not_a_borrower(client, bank_a_officer, bank_b):
    client.force_login(bank_a_officer)
    response = post_json(client, LIST_URL, contract_body(bank_b))
    assert response.status_code == 400
    assert "enterprise_uscc" in response.json()["errors"]


@pytest.mark.parametrize(
    ("overrides", "fields"),
    [
        ({"principal": "-5"}, {"principal"}),
        ({"principal": "12.345"}, {"principal"}),
        ({"principal": 1.5e300}, {"principal"}),
        ({"annual_rate_pct": "abc"}, {"annual_rate_pct"}),
        ({"term_months": 0}, {"term_months"}),
        ({"contract_signed_on": "2026-13-01"}, {"contract_signed_on"}),
        ({"enterprise_uscc": "91110108MA0000000X"}, {"enterprise_uscc"}),
        ({"bank_loan_ref": ""}, {"bank_loan_ref"}),
        ({"ip_share": "0.6"}, {"ip_share"}),  # a pure IP loan's share is 1
        ({"is_combination": True, "ip_share": "0.6"}, {"ip_share_certified_by"}),
        ({"participants": [{"kind": "bank", "name": "A", "risk_share": "0.5"}]}, {"participants"}),
        ({"participants": [{"kind": "bank", "risk_share": "1"}]}, {"participants[0].name"}),
        ({"participants": [{"kind": "pawnshop", "name": "A", "risk_share": "1"}]}, {"participants[0].kind"}),
        (
            {"participants": [{"kind": "bank", "organisation_uscc": make_uscc(), "risk_share": "1"}]},
            {"participants[0].organisation_uscc"},
        ),
    ],
)
def test_bad_input_is_a_400_with_field_errors(client, bank_a_officer, enterprise, overrides, fields):
    client.force_login(bank_a_officer)
    response = post_json(client, LIST_URL, contract_body(enterprise, **overrides))
    assert response.status_code == 400, response.json()
    body = response.json()
    assert body["message"]
    assert fields <= set(body["errors"]), body
    assert not Loan.objects.exists()


def test_missing_fields_are_listed(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = post_json(client, LIST_URL, {})
    assert response.status_code == 400
    assert {
        "enterprise_uscc",
        "bank_loan_ref",
        "contract_number",
        "contract_signed_on",
        "principal",
        "annual_rate_pct",
        "term_months",
    } <= set(response.json()["errors"])


def test_a_future_signing_date_is_refused_by_the_ledger_rules(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    tomorrow = (localdate() + timedelta(days=1)).isoformat()
    response = post_json(client, LIST_URL, contract_body(enterprise, contract_signed_on=tomorrow))
    assert response.status_code == 400
    assert "contract_signed_on" in response.json()["errors"]


def test_the_same_bank_reference_twice_is_a_409(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    assert post_json(client, LIST_URL, contract_body(enterprise)).status_code == 201
    # Another key (a replay that lost its key, or a second system): the unique reference stops it.
    response = post_json(client, LIST_URL, contract_body(enterprise, contract_number="HT-other"))
    assert response.status_code == 409
    assert "bank_loan_ref" in response.json()["errors"]
    assert Loan.objects.count() == 1


def test_two_banks_may_use_the_same_reference(client, bank_a_officer, bank_b_officer, enterprise):
    for officer in (bank_a_officer, bank_b_officer):
        client.force_login(officer)
        assert post_json(client, LIST_URL, contract_body(enterprise)).status_code == 201
    assert Loan.objects.filter(bank_loan_ref="ZGC-2026-0001").count() == 2


@pytest.mark.parametrize(
    "persona",
    [
        "enterprise_user",
        "enterprise_admin",
        "reviewer",
        "promotion_officer",
        "joint_office_viewer",
        "finance_officer",
        "guarantor_officer",
        "commissioner",
        "outsider",
    ],
)
def test_only_bank_lenders_may_report_a_loan(client, request, enterprise, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = post_json(client, LIST_URL, contract_body(enterprise))
    assert response.status_code == 403
    assert not Loan.objects.exists()
    assert AuditEvent.objects.filter(action="authz.denied", actor_id=user.pk).count() == 1


def test_a_bank_org_admin_may_not_report_a_loan(client, make_user, bank_a, enterprise):
    from portal.accounts.models import Role

    admin = make_user("bank_admin", bank_a, Role.ORG_ADMIN)
    client.force_login(admin)
    assert post_json(client, LIST_URL, contract_body(enterprise)).status_code == 403


def test_anonymous_callers_are_refused(client, enterprise):
    # 401 with a Bearer challenge: the API's callers are partner systems (portal.apiauth).
    assert client.get(LIST_URL).status_code == 401
    assert post_json(client, LIST_URL, contract_body(enterprise)).status_code == 401


# --- Listing ----------------------------------------------------------------------------------------


@pytest.fixture
def two_banks_loans(bank_a_officer, bank_b_officer, enterprise, other_enterprise):
    """Three loans of bank A's branch, two of bank B, over two borrowers."""
    a = [make_loan(bank_a_officer, enterprise, ref=f"A-{n}") for n in range(2)]
    a.append(make_loan(bank_a_officer, other_enterprise, ref="A-2"))
    b = [make_loan(bank_b_officer, enterprise, ref=f"B-{n}") for n in range(2)]
    return a, b


def _ids(response) -> list[int]:
    assert response.status_code == 200, response.json()
    return [row["id"] for row in response.json()["results"]]


def test_bank_officer_lists_only_its_banks_loans_newest_first(client, bank_a_officer, two_banks_loans):
    a, _b = two_banks_loans
    client.force_login(bank_a_officer)
    assert _ids(client.get(LIST_URL)) == [loan.pk for loan in reversed(a)]


def test_head_office_manager_sees_its_branches_loans(client, bank_a_manager, two_banks_loans):
    a, _b = two_banks_loans
    client.force_login(bank_a_manager)
    assert sorted(_ids(client.get(LIST_URL))) == sorted(loan.pk for loan in a)


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"page_size": 200},
        {"status": LoanStatus.CONTRACTED},
        {"classification": Classification.NORMAL},
        {"bank_loan_ref": "B-0"},
    ],
)
def test_bank_b_never_lists_bank_a_loans_whatever_the_filter(
    client, bank_b_officer, bank_a, two_banks_loans, query
):
    a, b = two_banks_loans
    client.force_login(bank_b_officer)
    ids = _ids(client.get(LIST_URL, query))
    assert set(ids) <= {loan.pk for loan in b}
    assert not set(ids) & {loan.pk for loan in a}


def test_filtering_by_another_bank_finds_nothing(
    client, bank_b_officer, bank_a, bank_a_branch, two_banks_loans
):
    client.force_login(bank_b_officer)
    assert _ids(client.get(LIST_URL, {"bank": bank_a.pk})) == []
    assert _ids(client.get(LIST_URL, {"bank": bank_a_branch.pk})) == []
    assert _ids(client.get(LIST_URL, {"bank_loan_ref": "A-0"})) == []


def test_enterprise_lists_its_own_borrowing(client, enterprise_user, two_banks_loans):
    a, b = two_banks_loans
    client.force_login(enterprise_user)
    assert sorted(_ids(client.get(LIST_URL))) == sorted([a[0].pk, a[1].pk, b[0].pk, b[1].pk])


def test_outsider_sees_an_empty_list(client, make_enterprise, make_user, two_banks_loans):
    from portal.accounts.models import Role

    stranger = make_user("stranger", make_enterprise("北京无关科技有限公司"), Role.ENTERPRISE_USER)
    client.force_login(stranger)
    assert _ids(client.get(LIST_URL)) == []


@pytest.mark.parametrize("persona", ["commissioner", "guarantor_officer", "park_admin", "staff_admin"])
def test_roles_without_a_loan_scope_see_an_empty_list(client, request, two_banks_loans, persona):
    client.force_login(request.getfixturevalue(persona))
    assert _ids(client.get(LIST_URL)) == []


@pytest.mark.parametrize(
    "persona", ["promotion_officer", "reviewer", "joint_office_viewer", "finance_officer"]
)
def test_oversight_roles_list_every_loan(client, request, two_banks_loans, persona):
    a, b = two_banks_loans
    client.force_login(request.getfixturevalue(persona))
    assert sorted(_ids(client.get(LIST_URL))) == sorted(loan.pk for loan in a + b)


def test_promotion_centre_filters_inside_its_scope(
    client, promotion_officer, bank_a, bank_b, other_enterprise, two_banks_loans, bank_a_officer
):
    a, b = two_banks_loans
    loan_fact_record(
        loan=a[0],
        kind=FactKind.DISBURSEMENT,
        occurred_on=localdate() - timedelta(days=20),
        amount=Decimal("1000000.00"),
        actor=bank_a_officer,
    )
    client.force_login(promotion_officer)
    assert sorted(_ids(client.get(LIST_URL, {"bank": bank_a.pk}))) == sorted(loan.pk for loan in a)
    assert sorted(_ids(client.get(LIST_URL, {"bank": bank_b.pk}))) == sorted(loan.pk for loan in b)
    assert _ids(client.get(LIST_URL, {"enterprise": other_enterprise.uscc})) == [a[2].pk]
    assert _ids(client.get(LIST_URL, {"status": LoanStatus.DISBURSED})) == [a[0].pk]
    assert sorted(_ids(client.get(LIST_URL, {"bank_loan_ref": "A-0"}))) == [a[0].pk]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "bogus"}, "status"),
        ({"classification": "bogus"}, "classification"),
        ({"enterprise": "not-a-code"}, "enterprise"),
        ({"bank": "abc"}, "bank"),
        ({"page_size": 0}, "page_size"),
        ({"page_size": 201}, "page_size"),
    ],
)
def test_a_malformed_filter_is_a_400(client, promotion_officer, query, field):
    client.force_login(promotion_officer)
    response = client.get(LIST_URL, query, headers=EN)
    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_malformed_cursor_is_a_404(client, promotion_officer):
    client.force_login(promotion_officer)
    assert client.get(LIST_URL, {"cursor": "garbage"}).status_code == 404


def test_the_list_has_no_count_and_no_page_numbers(client, promotion_officer, two_banks_loans):
    client.force_login(promotion_officer)
    assert set(client.get(LIST_URL).json()) == {"next", "previous", "results"}


def test_cursor_pagination_walks_every_loan_exactly_once(
    client, promotion_officer, bank_a_officer, bank_b_officer, enterprise
):
    loans = [
        make_loan(bank_a_officer if n % 2 else bank_b_officer, enterprise, ref=f"R-{n}") for n in range(7)
    ]
    client.force_login(promotion_officer)
    seen: list[int] = []
    url = f"{LIST_URL}?page_size=2"
    pages = 0
    while url:
        response = client.get(url)
        assert response.status_code == 200
        seen += [row["id"] for row in response.json()["results"]]
        url = response.json()["next"]
        pages += 1
    assert pages == 4
    assert seen == sorted((loan.pk for loan in loans), reverse=True)


def test_query_count_does_not_grow_with_page_size(
    client,
    promotion_officer,
    bank_a_officer,
    bank_b_officer,
    bank_a_manager,
    make_enterprise,
    django_assert_num_queries,
):
    # Loans of three banks' offices and twelve borrowers, so a lazy relation would cost a query per row.
    borrowers = [make_enterprise(f"北京测试{n}科技有限公司") for n in range(12)]
    officers = [bank_a_officer, bank_b_officer, bank_a_manager]
    for n in range(24):
        make_loan(officers[n % 3], borrowers[n % 12], ref=f"Q-{n}")
    client.force_login(promotion_officer)
    client.get(LIST_URL)  # the session and acting membership are warm for both counts
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(LIST_URL, {"page_size": 10}).json()["results"]) == 10
    with django_assert_num_queries(len(small)):
        assert len(client.get(LIST_URL, {"page_size": 200}).json()["results"]) == 24


# --- One loan ---------------------------------------------------------------------------------------


def test_bank_officer_reads_its_loan_with_participants_and_facts(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    loan_id = post_json(client, LIST_URL, contract_body(enterprise)).json()["id"]
    loan = Loan.objects.get(pk=loan_id)
    loan_fact_record(
        loan=loan,
        kind=FactKind.DISBURSEMENT,
        occurred_on=localdate() - timedelta(days=20),
        amount=Decimal("3000000.00"),
        actor=bank_a_officer,
    )
    response = client.get(detail_url(loan))
    assert response.status_code == 200
    data = response.json()
    assert data["status"] == LoanStatus.DISBURSED
    assert data["disbursed_amount"] == data["outstanding"] == "3000000.00"
    assert [fact["kind"] for fact in data["facts"]] == [FactKind.DISBURSEMENT]
    assert len(data["participants"]) == 2
    assert [event["to_status"] for event in data["history"]] == [LoanStatus.CONTRACTED, LoanStatus.DISBURSED]


@pytest.mark.parametrize(
    "persona", ["bank_a_manager", "enterprise_user", "promotion_officer", "reviewer", "joint_office_viewer"]
)
def test_readers_in_scope_see_the_loan(client, request, loan_a, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(detail_url(loan_a)).status_code == 200
    assert client.get(facts_url(loan_a)).status_code == 200


def test_bank_b_cannot_see_bank_a_loan_and_the_denial_is_audited(client, bank_b_officer, bank_b, loan_a):
    client.force_login(bank_b_officer)
    response = client.get(detail_url(loan_a), headers=EN)
    assert response.status_code == 404
    assert set(response.json()) == {"message", "errors"}
    event = AuditEvent.objects.get(action="authz.denied")
    assert (event.actor_id, event.organisation_id, event.outcome) == (bank_b_officer.pk, bank_b.pk, "denied")
    assert (event.object_type, event.object_id) == ("loans.loan", str(loan_a.pk))


def test_a_loan_that_does_not_exist_is_a_plain_404(client, bank_b_officer, loan_a):
    client.force_login(bank_b_officer)
    assert client.get(reverse("loans-api:detail", args=[loan_a.pk + 1000])).status_code == 404
    assert not AuditEvent.objects.filter(action="authz.denied").exists()


@pytest.mark.parametrize("persona", ["outsider", "commissioner", "guarantor_officer"])
def test_others_get_a_404_for_the_loan(client, request, loan_a, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(detail_url(loan_a)).status_code == 404
    assert client.get(facts_url(loan_a)).status_code == 404


def test_a_sibling_branch_cannot_see_the_branch_loan(client, make_user, bank_a, loan_a):
    from portal.accounts.models import Role

    sibling = organisation_create(
        name="中关村银行朝阳支行", kind=OrgKind.BANK, parent=bank_a, uscc=make_uscc()
    )
    client.force_login(make_user("sibling_officer", sibling, Role.BANK_OFFICER))
    assert client.get(detail_url(loan_a)).status_code == 404


def _loan_routes_with_an_id(client) -> list[tuple[str, str]]:
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    routes = []
    for path, operations in paths.items():
        if path.startswith("/api/v1/loans/") and "{id}" in path:
            routes += [
                (method, path) for method in operations if method in {"get", "post", "put", "patch", "delete"}
            ]
    return routes


def test_bank_b_gets_404_on_every_loan_route_and_the_loan_is_unchanged(
    client, bank_b_officer, loan_a, enterprise
):
    routes = _loan_routes_with_an_id(client)
    # New routes are covered as they appear in the schema; these are the ones known today.
    assert {
        ("get", "/api/v1/loans/{id}/"),
        ("post", "/api/v1/loans/{id}/facts/"),
        ("post", "/api/v1/loans/{id}/contract/"),
    } <= set(routes)
    bodies = {
        "/api/v1/loans/{id}/facts/": {
            "kind": "disbursement",
            "occurred_on": (localdate() - timedelta(days=10)).isoformat(),
            "amount": "1000000.00",
        },
        "/api/v1/loans/{id}/contract/": contract_body(enterprise, bank_loan_ref="B-TAKEOVER"),
    }
    before = snapshot(loan_a)
    client.force_login(bank_b_officer)
    for method, path in routes:
        url = path.replace("{id}", str(loan_a.pk))
        headers = {**EN, "Idempotency-Key": str(uuid.uuid4())}
        response = getattr(client, method)(
            url, bodies.get(path, {}), content_type="application/json", headers=headers
        )
        assert response.status_code == 404, (method, path, response.status_code)
    assert snapshot(loan_a) == before
    assert AuditEvent.objects.filter(action="authz.denied", actor_id=bank_b_officer.pk).count() == len(routes)


@pytest.mark.parametrize(
    "persona", ["enterprise_user", "reviewer", "promotion_officer", "joint_office_viewer"]
)
def test_readers_may_not_write_to_a_loan_they_see(client, request, loan_a, persona):
    before = snapshot(loan_a)
    client.force_login(request.getfixturevalue(persona))
    fact = {"kind": "disbursement", "occurred_on": localdate().isoformat(), "amount": "100.00"}
    assert post_json(client, facts_url(loan_a), fact).status_code == 403
    assert post_json(client, contract_url(loan_a), {"bank_loan_ref": "X"}).status_code == 403
    assert snapshot(loan_a) == before


# --- Facts ------------------------------------------------------------------------------------------


def test_bank_reports_a_disbursement_and_gets_the_new_figures(client, bank_a_officer, loan_a):
    client.force_login(bank_a_officer)
    day = (localdate() - timedelta(days=10)).isoformat()
    response = post_json(
        client,
        facts_url(loan_a),
        {"kind": "disbursement", "occurred_on": day, "amount": "400000.00", "note": "首笔"},
    )
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["fact"]["kind"] == "disbursement"
    assert data["fact"]["amount"] == "400000.00"
    assert data["fact"]["source"] == LoanSource.API
    assert data["loan"]["status"] == LoanStatus.DISBURSED
    assert data["loan"]["disbursed_amount"] == data["loan"]["outstanding"] == "400000.00"
    assert data["loan"]["disbursed_on"] == day
    fact = LoanFact.objects.get()
    assert (fact.loan, fact.reported_by, fact.note) == (loan_a, bank_a_officer, "首笔")
    listed = client.get(facts_url(loan_a)).json()["results"]
    assert [row["id"] for row in listed] == [fact.pk]


def test_the_head_office_reports_facts_on_its_branch_loan(client, bank_a_manager, loan_a):
    client.force_login(bank_a_manager)
    day = (localdate() - timedelta(days=10)).isoformat()
    response = post_json(
        client, facts_url(loan_a), {"kind": "disbursement", "occurred_on": day, "amount": "1.00"}
    )
    assert response.status_code == 201


def test_a_classification_fact_makes_the_loan_non_performing(client, bank_a_officer, loan_a):
    client.force_login(bank_a_officer)
    day = localdate() - timedelta(days=10)
    post_json(
        client,
        facts_url(loan_a),
        {"kind": "disbursement", "occurred_on": day.isoformat(), "amount": "1000000.00"},
    )
    response = post_json(
        client,
        facts_url(loan_a),
        {"kind": "classification", "occurred_on": localdate().isoformat(), "classification": "substandard"},
    )
    assert response.status_code == 201, response.json()
    assert response.json()["loan"]["status"] == LoanStatus.NON_PERFORMING
    assert response.json()["loan"]["classification"] == Classification.SUBSTANDARD


@pytest.mark.parametrize(
    ("fact", "field"),
    [
        ({"kind": "disbursement", "amount": "1000000.01"}, "amount"),  # beyond the principal
        ({"kind": "disbursement"}, "amount"),
        ({"kind": "interest", "amount": "10.00"}, "kind"),  # not disbursed yet
        ({"kind": "disbursement", "amount": "-1"}, "amount"),
        ({"kind": "disbursement", "amount": "1.001"}, "amount"),
        ({"kind": "payday", "amount": "1.00"}, "kind"),
        ({"kind": "disbursement", "amount": "1.00", "occurred_on": "yesterday"}, "occurred_on"),
    ],
)
def test_a_fact_the_ledger_refuses_is_a_400_naming_the_field(client, bank_a_officer, loan_a, fact, field):
    before = snapshot(loan_a)
    client.force_login(bank_a_officer)
    body = {"occurred_on": (localdate() - timedelta(days=5)).isoformat(), **fact}
    response = post_json(client, facts_url(loan_a), body)
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"] or response.json()["errors"].get("non_field_errors"), (
        response.json()
    )
    assert snapshot(loan_a) == before


def test_figures_sent_with_a_fact_are_ignored(client, bank_a_officer, loan_a):
    client.force_login(bank_a_officer)
    body = {
        "kind": "disbursement",
        "occurred_on": (localdate() - timedelta(days=5)).isoformat(),
        "amount": "100.00",
        "status": LoanStatus.SETTLED,
        "principal_repaid": "100.00",
        "source": LoanSource.IMPORT,
        "reported_by": 1,
    }
    assert post_json(client, facts_url(loan_a), body).status_code == 201
    loan_a.refresh_from_db()
    assert (loan_a.status, loan_a.principal_repaid) == (LoanStatus.DISBURSED, Decimal("0.00"))
    assert LoanFact.objects.get().source == LoanSource.API


# --- Contract of a loan born from an accepted offer -------------------------------------------------


@pytest.fixture
def awaiting_contract(bank_a_branch, bank_a_officer, enterprise):
    # Loans are born in this status when an enterprise accepts an offer (the applications feature); made
    # directly here so these tests do not depend on that flow.
    return Loan.objects.create(
        reference="DK-2026-9000001",
        bank=bank_a_branch,
        enterprise=enterprise,
        source=LoanSource.PORTAL,
        status=LoanStatus.AWAITING_CONTRACT,
        principal=Decimal("2000000.00"),
        annual_rate_pct=Decimal("3.30"),
        term_months=24,
        created_by=bank_a_officer,
    )


def test_bank_records_the_contract_of_an_accepted_offer(
    client, bank_a_officer, awaiting_contract, enterprise
):
    client.force_login(bank_a_officer)
    body = {
        "bank_loan_ref": "ZGC-OFFER-1",
        "contract_number": "HT-OFFER-1",
        "contract_signed_on": (localdate() - timedelta(days=3)).isoformat(),
        "participants": [{"kind": "bank", "name": "中关村银行", "risk_share": "1"}],
        "status": LoanStatus.SETTLED,  # ignored
    }
    response = post_json(client, contract_url(awaiting_contract), body)
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["status"] == LoanStatus.CONTRACTED
    assert (data["principal"], data["annual_rate_pct"], data["term_months"]) == ("2000000.00", "3.30", 24)
    assert data["bank_loan_ref"] == "ZGC-OFFER-1"
    # Recorded once: a second contract (a new key, so not a replay) is refused.
    again = post_json(client, contract_url(awaiting_contract), {**body, "bank_loan_ref": "ZGC-OFFER-2"})
    assert again.status_code == 409
    awaiting_contract.refresh_from_db()
    assert awaiting_contract.bank_loan_ref == "ZGC-OFFER-1"


def test_a_contract_with_bad_input_is_a_400(client, bank_a_officer, awaiting_contract):
    client.force_login(bank_a_officer)
    response = post_json(client, contract_url(awaiting_contract), {"bank_loan_ref": "X", "principal": "0"})
    assert response.status_code == 400
    assert {"contract_number", "contract_signed_on", "principal"} <= set(response.json()["errors"])
    awaiting_contract.refresh_from_db()
    assert awaiting_contract.status == LoanStatus.AWAITING_CONTRACT


def test_a_contract_reusing_another_loans_reference_is_a_409(
    client, bank_a_officer, awaiting_contract, loan_a
):
    client.force_login(bank_a_officer)
    body = {
        "bank_loan_ref": loan_a.bank_loan_ref,
        "contract_number": "HT-OFFER-1",
        "contract_signed_on": (localdate() - timedelta(days=3)).isoformat(),
    }
    response = post_json(client, contract_url(awaiting_contract), body)
    assert response.status_code == 409
    assert "bank_loan_ref" in response.json()["errors"]


# --- Schema -----------------------------------------------------------------------------------------


def test_the_schema_documents_the_loans_api_and_its_idempotency_header(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/loans/"])
    assert "get" in paths["/api/v1/loans/{id}/"]
    assert "post" in paths["/api/v1/loans/{id}/contract/"]
    assert {"get", "post"} <= set(paths["/api/v1/loans/{id}/facts/"])
    for path in ("/api/v1/loans/", "/api/v1/loans/{id}/contract/", "/api/v1/loans/{id}/facts/"):
        operation = paths[path]["post"]
        header = next(p for p in operation["parameters"] if p["in"] == "header")
        assert (header["name"], header["required"]) == ("Idempotency-Key", True)
        assert {"400", "403", "409", "422"} <= set(operation["responses"])
    create = response.json()["components"]["schemas"]["LoanCreateInputRequest"]["properties"]
    assert not {"status", "bank", "reference", "disbursed_amount"} & set(create)


def test_the_fast_list_writes_exactly_what_the_declared_fields_would(bank_a_officer, enterprise, english):
    from loans.apis import LoanSummarySerializer, loan_list_page

    running = make_loan(
        bank_a_officer,
        enterprise,
        ref="FAST-1",
        is_combination=True,
        ip_share=Decimal("0.65"),
        ip_share_certified_by="中关村担保",
    )
    loan_fact_record(
        loan=running,
        kind=FactKind.DISBURSEMENT,
        occurred_on=localdate() - timedelta(days=20),
        amount=Decimal("999999.99"),
        actor=bank_a_officer,
    )
    make_loan(bank_a_officer, enterprise, ref="FAST-2")
    loans = list(Loan.objects.select_related("bank", "enterprise").order_by("-id"))
    generic = [LoanSummarySerializer().to_representation(loan) for loan in loans]
    rows = list(loan_list_page(user=bank_a_officer, filters={}))
    assert [row.id for row in rows] == [loan.pk for loan in loans]
    fast = LoanSummarySerializer(rows, many=True).data
    assert [dict(row) for row in fast] == [dict(row) for row in generic]
    assert list(fast[0]) == list(generic[0])  # same keys, same order
