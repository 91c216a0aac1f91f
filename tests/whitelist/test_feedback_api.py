"""The feedback API for banks' systems (OAuth 2 bearer tokens): report and read feedback on a whitelist
entry, with an Idempotency-Key on every write; another bank's feedback stays hidden, an entry of a batch
the bank never received is a 404."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from portal.apiauth.services import api_client_create
from portal.audit.models import AuditEvent
from tests.conftest import make_uscc
from tests.loans.test_loan_api import make_loan
from tests.portal.test_apiauth import bearer, get_token
from tests.whitelist.test_feedback import publish, record
from whitelist.models import BatchEntry, Feedback

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
KEY = "7c4a1d2e-0b9f-4e3a-8d6c-5f1e2a3b4c5d"


@pytest.fixture
def published(run, reviewer, promotion_officer, bank_a, bank_a_branch, bank_b):
    return publish(run, reviewer, promotion_officer)


@pytest.fixture
def entry(published):
    return BatchEntry.objects.filter(batch=published, published=True).order_by("enterprise__name").first()


@pytest.fixture
def late_bank_officer(published, make_user):
    """An officer of a bank that joined after the publication: it has no delivery of the batch."""
    bank = organisation_create(name="新设银行", kind=OrgKind.BANK, uscc=make_uscc())
    return make_user("late_bank_officer", bank, Role.BANK_OFFICER)


def feedback_url(entry) -> str:
    return f"/api/v1/whitelist/entries/{entry.pk if hasattr(entry, 'pk') else entry}/feedback/"


@pytest.fixture
def token_a(client, bank_a_branch, bank_a_manager):
    """A bearer token of bank A's core system (a client of its Haidian branch)."""
    api_client, secret = api_client_create(
        organisation=bank_a_branch, role=Role.BANK_OFFICER, name="Bank A core", actor=bank_a_manager
    )
    return get_token(client, api_client, secret)


def post(client, url, body, token=None, key: str | None = KEY):
    headers = bearer(token) if token else {"accept-language": "en"}
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, body, content_type="application/json", headers=headers)


def contacted(**extra) -> dict:
    return {"kind": "contacted", "occurred_on": TODAY.isoformat(), **extra}


def test_a_banks_system_reports_feedback_with_a_bearer_token(client, entry, bank_a, token_a):
    response = post(client, feedback_url(entry), contacted(note="已联系"), token_a)
    assert response.status_code == 201, response.json()
    body = response.json()
    feedback = Feedback.objects.get()
    assert body["id"] == feedback.pk and body["entry"] == entry.pk
    assert body["bank"] == {"id": bank_a.pk, "name": bank_a.name}
    assert (body["kind"], body["note"], body["amount"], body["loan"]) == ("contacted", "已联系", None, None)
    assert feedback.bank == bank_a


def test_the_same_key_replays_the_stored_answer_and_records_nothing_new(client, entry, token_a):
    first = post(client, feedback_url(entry), contacted(), token_a)
    again = post(client, feedback_url(entry), contacted(), token_a)
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert Feedback.objects.count() == 1
    other_body = post(client, feedback_url(entry), contacted(note="另一份"), token_a)
    assert other_body.status_code == 422
    assert Feedback.objects.count() == 1


def test_a_write_without_an_idempotency_key_is_a_400(client, entry, token_a):
    response = post(client, feedback_url(entry), contacted(), token_a, key=None)
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Feedback.objects.exists()


def test_a_grant_without_an_amount_is_a_400_on_its_field(client, entry, token_a):
    response = post(client, feedback_url(entry), {**contacted(), "kind": "credit_granted"}, token_a)
    assert response.status_code == 400
    assert set(response.json()) == {"message", "errors"}
    assert "amount" in response.json()["errors"]
    assert not Feedback.objects.exists()


def test_a_future_date_is_a_400(client, entry, token_a):
    body = contacted(occurred_on=(TODAY + timedelta(days=2)).isoformat())
    response = post(client, feedback_url(entry), body, token_a)
    assert response.status_code == 400
    assert response.json()["errors"]["occurred_on"] == ["The date cannot be in the future."]


def test_a_disbursal_with_another_banks_loan_is_refused(
    client, entry, token_a, bank_b_officer, bank_a_officer
):
    bank_b_loan = make_loan(bank_b_officer, entry.enterprise, ref="B-LOAN")
    body = {**contacted(), "kind": "loan_disbursed", "loan": bank_b_loan.pk}
    response = post(client, feedback_url(entry), body, token_a)
    assert response.status_code == 400
    assert "loan" in response.json()["errors"]
    own = make_loan(bank_a_officer, entry.enterprise, ref="A-LOAN")
    body = {**contacted(), "kind": "loan_disbursed", "loan": own.pk, "amount": "800000.00"}
    response = post(client, feedback_url(entry), body, token_a, key=str(uuid.uuid4()))
    assert response.status_code == 201
    assert (response.json()["loan"], response.json()["amount"]) == (own.pk, "800000.00")


def test_a_bank_reads_only_its_own_groups_feedback(client, entry, token_a, bank_a_officer, bank_b_officer):
    mine = record(entry, bank_a_officer)
    record(entry, bank_b_officer, note="B 的反馈")
    response = client.get(feedback_url(entry), headers=bearer(token_a))
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [mine.pk]


def test_staff_read_every_banks_feedback(client, entry, bank_a_officer, bank_b_officer, reviewer):
    record(entry, bank_a_officer)
    record(entry, bank_b_officer)
    client.force_login(reviewer)
    assert len(client.get(feedback_url(entry)).json()["results"]) == 2


def test_a_bank_without_a_delivery_of_the_batch_gets_404_and_the_denial_is_recorded(
    client, entry, late_bank_officer, bank_a_officer
):
    record(entry, bank_a_officer)
    client.force_login(late_bank_officer)
    assert client.get(feedback_url(entry)).status_code == 404
    assert post(client, feedback_url(entry), contacted()).status_code == 404
    assert Feedback.objects.count() == 1
    assert AuditEvent.objects.filter(action="authz.denied", actor_id=late_bank_officer.pk).count() == 2


def test_an_unpublished_entry_or_an_unknown_id_is_a_404(client, published, token_a):
    unpublished = BatchEntry.objects.get(batch=published, published=False)
    assert post(client, feedback_url(unpublished), contacted(), token_a).status_code == 404
    assert client.get(feedback_url(999999), headers=bearer(token_a)).status_code == 404


@pytest.mark.parametrize("persona", ["reviewer", "enterprise_user"])
def test_a_role_that_may_not_report_gets_403_whatever_the_entry(client, entry, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert post(client, feedback_url(entry), contacted()).status_code == 403
    assert post(client, feedback_url(999999), contacted()).status_code == 403
    assert not Feedback.objects.exists()


def test_an_enterprise_cannot_read_feedback_on_its_entry(client, entry, enterprise_user, bank_a_officer):
    record(entry, bank_a_officer)
    client.force_login(enterprise_user)
    assert client.get(feedback_url(entry)).status_code == 404


def test_no_credentials_is_a_401(client, entry):
    assert client.get(feedback_url(entry)).status_code == 401


def test_the_schema_documents_the_feedback_api_and_its_idempotency_header(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/whitelist/entries/{entry_id}/feedback/"])
    assert {"get", "post"} <= set(paths["/api/v1/whitelist/recommendations/"])
    for path in ("/api/v1/whitelist/entries/{entry_id}/feedback/", "/api/v1/whitelist/recommendations/"):
        operation = paths[path]["post"]
        header = next(p for p in operation["parameters"] if p["in"] == "header")
        assert (header["name"], header["required"]) == ("Idempotency-Key", True)
        assert {"400", "403", "409", "422"} <= set(operation["responses"])
