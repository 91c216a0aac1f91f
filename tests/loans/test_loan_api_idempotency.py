"""Idempotency-Key on the loans API's writes, through HTTP (security.md check 31; IETF idempotency draft).

Same key and body: the stored response again, nothing created. Same key, other body: 422. No key: 400.
A twin while the first runs: 409 (or, once it is done, the stored response). Keys are per client.
"""

import json
import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils.timezone import localdate

from loans import apis as loan_apis
from loans.models import Loan, LoanFact
from portal.idempotency import api as idempotency_api
from portal.idempotency.models import IdempotencyKey, KeyState
from portal.idempotency.services import (
    PROCEED,
    STALE_AFTER,
    client_scope,
    idempotency_claim,
    request_fingerprint,
)
from tests.loans.test_loan_api import EN, LIST_URL, contract_body, facts_url, make_loan, post_json

pytestmark = pytest.mark.django_db

KEY = "3f1b2a8e-6c0d-4e59-9a7b-2d4c6e8f0a11"


def test_same_key_and_body_returns_the_stored_response_and_creates_one_loan(
    client, bank_a_officer, enterprise
):
    client.force_login(bank_a_officer)
    first = post_json(client, LIST_URL, contract_body(enterprise), key=KEY)
    second = post_json(client, LIST_URL, contract_body(enterprise), key=KEY)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert Loan.objects.count() == 1


def test_whitespace_and_key_order_do_not_make_a_different_request(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    body = contract_body(enterprise)
    assert post_json(client, LIST_URL, body, key=KEY).status_code == 201
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=4, ensure_ascii=False)
    retry = client.post(
        LIST_URL, reordered, content_type="application/json", headers={**EN, "Idempotency-Key": KEY}
    )
    assert retry.status_code == 201
    assert retry.headers["Idempotent-Replayed"] == "true"
    assert Loan.objects.count() == 1


def test_same_key_with_another_body_is_a_422(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    assert post_json(client, LIST_URL, contract_body(enterprise), key=KEY).status_code == 201
    response = post_json(client, LIST_URL, contract_body(enterprise, principal="2000000.00"), key=KEY)
    assert response.status_code == 422
    assert set(response.json()) == {"message", "errors"}
    assert "Idempotency-Key" in response.json()["errors"]
    assert Loan.objects.get().principal == 3000000


def test_same_key_on_another_route_is_a_422(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    loan = make_loan(bank_a_officer, enterprise, ref="OTHER")
    assert post_json(client, LIST_URL, contract_body(enterprise), key=KEY).status_code == 201
    fact = {"kind": "disbursement", "occurred_on": localdate().isoformat(), "amount": "1.00"}
    assert post_json(client, facts_url(loan), fact, key=KEY).status_code == 422
    assert not LoanFact.objects.exists()


@pytest.mark.parametrize("key", [None, "", "键", "a" * 256, "bad\nkey", "tab\tkey"])
def test_a_missing_or_malformed_key_is_a_400(client, bank_a_officer, enterprise, key):
    client.force_login(bank_a_officer)
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    response = client.post(
        LIST_URL, contract_body(enterprise), content_type="application/json", headers=EN, **headers
    )
    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Loan.objects.exists()
    assert not IdempotencyKey.objects.exists()


def test_the_longest_key_allowed_is_255_printable_characters(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    assert post_json(client, LIST_URL, contract_body(enterprise), key="~ " * 127 + "!").status_code == 201


def test_a_fact_with_no_key_is_refused(client, bank_a_officer, enterprise):
    loan = make_loan(bank_a_officer, enterprise)
    client.force_login(bank_a_officer)
    fact = {"kind": "disbursement", "occurred_on": localdate().isoformat(), "amount": "1.00"}
    assert post_json(client, facts_url(loan), fact, key=None).status_code == 400
    assert not LoanFact.objects.exists()


def test_a_retried_fact_is_recorded_once(client, bank_a_officer, enterprise):
    loan = make_loan(bank_a_officer, enterprise)
    client.force_login(bank_a_officer)
    fact = {
        "kind": "disbursement",
        "occurred_on": (localdate() - timedelta(days=3)).isoformat(),
        "amount": "500.00",
    }
    first = post_json(client, facts_url(loan), fact, key=KEY)
    second = post_json(client, facts_url(loan), fact, key=KEY)
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert LoanFact.objects.count() == 1
    loan.refresh_from_db()
    assert loan.disbursed_amount == 500


def test_keys_belong_to_the_client_organisation(client, bank_a_officer, bank_b_officer, enterprise):
    client.force_login(bank_a_officer)
    assert post_json(client, LIST_URL, contract_body(enterprise), key=KEY).status_code == 201
    client.force_login(bank_b_officer)
    # Bank B happens to pick the same key: its own request, not bank A's stored answer.
    response = post_json(client, LIST_URL, contract_body(enterprise, principal="5000000.00"), key=KEY)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response.headers
    assert response.json()["principal"] == "5000000.00"
    assert Loan.objects.count() == 2
    assert IdempotencyKey.objects.filter(key=KEY).count() == 2


def test_a_refusal_is_stored_and_replayed_too(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    bad = contract_body(enterprise, enterprise_uscc="91110108MA01234567")
    first = post_json(client, LIST_URL, bad, key=KEY)
    assert first.status_code == 400
    second = post_json(client, LIST_URL, bad, key=KEY)
    assert (second.status_code, second.json()) == (400, first.json())
    assert second.headers["Idempotent-Replayed"] == "true"
    # The mistake fixed: a new request, so a new key.
    assert post_json(client, LIST_URL, contract_body(enterprise), key=KEY).status_code == 422
    assert post_json(client, LIST_URL, contract_body(enterprise)).status_code == 201


def test_a_duplicate_reference_conflict_is_replayed_with_its_key(client, bank_a_officer, enterprise):
    client.force_login(bank_a_officer)
    assert post_json(client, LIST_URL, contract_body(enterprise)).status_code == 201
    first = post_json(client, LIST_URL, contract_body(enterprise), key=KEY)
    second = post_json(client, LIST_URL, contract_body(enterprise), key=KEY)
    assert first.status_code == second.status_code == 409
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Loan.objects.count() == 1


def test_a_crash_frees_the_key_for_a_retry(client, bank_a_officer, enterprise, monkeypatch):
    client.force_login(bank_a_officer)

    def crash(**kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(loan_apis, "loan_create", crash)
    with pytest.raises(RuntimeError):
        post_json(client, LIST_URL, contract_body(enterprise), key=KEY)
    assert IdempotencyKey.objects.get().state == KeyState.FAILED
    monkeypatch.undo()
    retry = post_json(client, LIST_URL, contract_body(enterprise), key=KEY)
    assert retry.status_code == 201
    assert "Idempotent-Replayed" not in retry.headers
    assert Loan.objects.count() == 1


def _claim_in_flight(user, body, *, now=None):
    return idempotency_claim(
        scope=client_scope(user),
        key=KEY,
        method="POST",
        path=LIST_URL,
        fingerprint=request_fingerprint(body=json.dumps(body).encode()),
        now=now,
    )


def test_a_twin_of_a_request_still_running_is_a_409(client, bank_a_officer, enterprise):
    body = contract_body(enterprise)
    _claim_in_flight(bank_a_officer, body)  # the first request is still working
    client.force_login(bank_a_officer)
    response = post_json(client, LIST_URL, body, key=KEY)
    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["errors"]
    assert not Loan.objects.exists()


def test_a_key_left_in_flight_by_a_dead_worker_is_taken_over(client, bank_a_officer, enterprise):
    from django.utils import timezone

    body = contract_body(enterprise)
    _claim_in_flight(bank_a_officer, body, now=timezone.now() - STALE_AFTER - timedelta(seconds=1))
    client.force_login(bank_a_officer)
    response = post_json(client, LIST_URL, body, key=KEY)
    assert response.status_code == 201
    assert IdempotencyKey.objects.get().state == KeyState.COMPLETED


# --- Concurrency (PostgreSQL: real threads, each with its own connection) ----------------------------


def _post_in_threads(users_and_bodies, *, key=KEY):
    """POST each body at once from its own thread and client; returns the responses in order."""
    start = threading.Barrier(len(users_and_bodies))
    responses: list = [None] * len(users_and_bodies)
    errors: list[BaseException] = []
    clients = []
    for user, _body in users_and_bodies:
        thread_client = Client()
        thread_client.force_login(user)
        clients.append(thread_client)

    def run(index):
        try:
            start.wait()
            responses[index] = post_json(clients[index], LIST_URL, users_and_bodies[index][1], key=key)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(users_and_bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    return responses


def _is_twin_answer(response, stored) -> bool:
    if response.status_code == 409:
        return "Idempotency-Key" in response.json()["errors"]
    return response.headers.get("Idempotent-Replayed") == "true" and response.json() == stored.json()


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_concurrent_twin_gets_a_409_while_the_first_runs(bank_a_officer, enterprise, monkeypatch):
    """Deterministic: the twin is sent once the first request holds the key, and the first waits inside
    its write until the twin has its answer."""
    first_holds_key, twin_answered = threading.Event(), threading.Event()
    real_claim, real_create = idempotency_api.idempotency_claim, loan_apis.loan_create

    def claim(**kwargs):
        result = real_claim(**kwargs)
        if result.outcome == PROCEED:
            first_holds_key.set()
        return result

    def create_after_the_twin(**kwargs):
        twin_answered.wait(timeout=10)
        return real_create(**kwargs)

    monkeypatch.setattr(idempotency_api, "idempotency_claim", claim)
    monkeypatch.setattr(loan_apis, "loan_create", create_after_the_twin)
    body = contract_body(enterprise)
    clients = [Client(), Client()]
    for thread_client in clients:
        thread_client.force_login(bank_a_officer)
    results: dict[str, object] = {}

    def first():
        try:
            results["first"] = post_json(clients[0], LIST_URL, body, key=KEY)
        finally:
            connection.close()

    def twin():
        try:
            first_holds_key.wait(timeout=10)
            results["twin"] = post_json(clients[1], LIST_URL, body, key=KEY)
        finally:
            twin_answered.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=twin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["first"].status_code == 201
    assert results["twin"].status_code == 409
    assert "Idempotency-Key" in results["twin"].json()["errors"]
    assert Loan.objects.count() == 1
    assert IdempotencyKey.objects.get().state == KeyState.COMPLETED


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_duplicates_create_exactly_one_loan(bank_a_officer, enterprise):
    body = contract_body(enterprise)
    responses = _post_in_threads([(bank_a_officer, body)] * 4)
    created = [
        response
        for response in responses
        if response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    ]
    assert len(created) == 1
    assert all(_is_twin_answer(response, created[0]) for response in responses if response is not created[0])
    assert Loan.objects.count() == 1
    assert IdempotencyKey.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_banks_with_the_same_key_at_once_both_succeed(bank_a_officer, bank_b_officer, enterprise):
    responses = _post_in_threads(
        [(bank_a_officer, contract_body(enterprise)), (bank_b_officer, contract_body(enterprise))]
    )
    assert [response.status_code for response in responses] == [201, 201]
    assert Loan.objects.count() == 2
