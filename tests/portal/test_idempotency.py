"""The idempotency kernel (portal.idempotency): keys, fingerprints, claims, take-over and pruning.

The HTTP behaviour on a real endpoint is tested with the loans API (tests/loans/test_loan_api_idempotency.py).
"""

import json
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from portal.idempotency.models import IdempotencyKey, KeyState
from portal.idempotency.services import (
    IN_FLIGHT,
    MISMATCH,
    PROCEED,
    REPLAY,
    STALE_AFTER,
    InvalidKey,
    client_scope,
    idempotency_claim,
    idempotency_complete,
    idempotency_prune,
    idempotency_release,
    key_validate,
    request_fingerprint,
)
from portal.idempotency.tasks import prune_idempotency_keys
from tests.portal.test_settings import run_manage

KEY = "9b2e4c1a-7d3f-4a8b-b6e5-0c1d2e3f4a5b"


def fingerprint(data) -> str:
    return request_fingerprint(body=json.dumps(data).encode())


def claim(key=KEY, *, scope="org:1", path="/api/v1/loans/", data=None, now=None):
    return idempotency_claim(
        scope=scope, key=key, method="POST", path=path, fingerprint=fingerprint(data or {"a": 1}), now=now
    )


# --- Keys and fingerprints --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value", ["a", "x" * 255, "3f1b2a8e-6c0d-4e59-9a7b-2d4c6e8f0a11", "key with spaces ~!"]
)
def test_printable_ascii_keys_up_to_255_characters_are_accepted(value):
    assert key_validate(value) == value


@pytest.mark.parametrize(
    ("value", "missing"),
    [(None, True), ("", True), ("x" * 256, False), ("键", False), ("a\x00", False), ("a\x7f", False)],
)
def test_missing_long_or_non_printable_keys_are_refused(value, missing):
    with pytest.raises(InvalidKey) as caught:
        key_validate(value)
    assert caught.value.missing is missing


def test_the_fingerprint_ignores_whitespace_and_key_order():
    compact = b'{"principal":"100.00","term_months":12,"participants":[{"kind":"bank","share":1}]}'
    spaced = b'{\n  "term_months" : 12,\n  "participants": [ {"share": 1, "kind": "bank"} ],\n  "principal": "100.00"\n}'
    assert request_fingerprint(body=compact) == request_fingerprint(body=spaced)


def test_the_fingerprint_compares_numbers_by_value_and_keeps_types_apart():
    assert request_fingerprint(body=b"[0, -0.0, 0e5]") == request_fingerprint(body=b"[0, 0, 0]")
    assert request_fingerprint(body=b"[1.0000000000000000000000000000001]") != request_fingerprint(
        body=b"[1]"
    )
    assert request_fingerprint(body=b'{"a": 1.50}') == request_fingerprint(body=b'{"a": 1.5}')
    assert request_fingerprint(body=b'{"a": 100}') == request_fingerprint(body=b'{"a": 1e2}')
    assert request_fingerprint(body=b'{"a": 1.5}') != request_fingerprint(body=b'{"a": "1.5"}')
    assert request_fingerprint(body=b'{"a": 1}') != request_fingerprint(body=b'{"a": true}')
    assert request_fingerprint(body=b'{"a": [1, 2]}') != request_fingerprint(body=b'{"a": [2, 1]}')
    assert request_fingerprint(body=b'{"a": "x"}') != request_fingerprint(body=b'{"a": "y"}')


def test_a_huge_exponent_is_fingerprinted_without_expanding_it():
    assert len(request_fingerprint(body=b'{"a": 1e999999999}')) == 64


def test_bodies_that_are_not_json_are_compared_byte_for_byte():
    assert request_fingerprint(body=b"a=1&b=2", content_type="application/x-www-form-urlencoded") != (
        request_fingerprint(body=b"b=2&a=1", content_type="application/x-www-form-urlencoded")
    )
    assert request_fingerprint(body=b"{not json") == request_fingerprint(body=b"{not json")
    assert request_fingerprint(body=b'{"a":1}', content_type="application/problem+json; charset=utf-8") == (
        request_fingerprint(body=b'{ "a" : 1 }')
    )


def test_the_client_scope_is_the_acting_organisation(bank_a_officer, bank_a_branch, bank_b_officer, bank_b):
    assert client_scope(bank_a_officer) == f"org:{bank_a_branch.pk}"
    assert client_scope(bank_b_officer) == f"org:{bank_b.pk}"


# --- Claims -----------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_first_request_takes_the_key_in_flight():
    result = claim()
    assert result.outcome == PROCEED
    row = IdempotencyKey.objects.get()
    assert (row.scope, row.key, row.method, row.path, row.state) == (
        "org:1",
        KEY,
        "POST",
        "/api/v1/loans/",
        KeyState.IN_FLIGHT,
    )
    assert len(row.fingerprint) == 64


@pytest.mark.django_db
def test_a_twin_while_the_first_runs_is_told_in_flight():
    claim()
    assert claim().outcome == IN_FLIGHT


@pytest.mark.django_db
def test_a_completed_key_is_replayed_with_its_response():
    first = claim()
    assert idempotency_complete(record=first.record, status=201, body={"id": 7})
    again = claim()
    assert again.outcome == REPLAY
    assert (again.record.response_status, again.record.response_body) == (201, {"id": 7})


@pytest.mark.django_db
@pytest.mark.parametrize("change", [{"data": {"a": 2}}, {"path": "/api/v1/loans/1/facts/"}])
def test_the_same_key_for_another_request_is_a_mismatch(change):
    idempotency_complete(record=claim().record, status=201, body={})
    assert claim(**change).outcome == MISMATCH


@pytest.mark.django_db
def test_a_mismatch_is_reported_even_while_the_first_is_in_flight():
    claim()
    assert claim(data={"a": 2}).outcome == MISMATCH


@pytest.mark.django_db
def test_keys_of_different_clients_do_not_meet():
    assert claim(scope="org:1").outcome == PROCEED
    assert claim(scope="org:2", data={"other": True}).outcome == PROCEED
    assert IdempotencyKey.objects.count() == 2


@pytest.mark.django_db
def test_a_stale_in_flight_key_is_taken_over_once():
    long_ago = timezone.now() - STALE_AFTER - timedelta(seconds=1)
    dead = claim(now=long_ago)
    retry = claim()
    assert retry.outcome == PROCEED
    assert claim().outcome == IN_FLIGHT  # the retry now holds it
    # The dead worker's late answer is not stored over the retry's (its write is rolled back).
    assert not idempotency_complete(record=dead.record, status=201, body={"id": 1})
    assert idempotency_complete(record=retry.record, status=201, body={"id": 2})
    assert IdempotencyKey.objects.get().response_body == {"id": 2}


@pytest.mark.django_db
def test_a_fresh_in_flight_key_is_not_taken_over():
    claim(now=timezone.now() - STALE_AFTER + timedelta(seconds=30))
    assert claim().outcome == IN_FLIGHT


@pytest.mark.django_db
def test_a_released_key_runs_again_on_retry():
    first = claim()
    idempotency_release(record=first.record)
    assert IdempotencyKey.objects.get().state == KeyState.FAILED
    retry = claim()
    assert retry.outcome == PROCEED
    assert IdempotencyKey.objects.get().state == KeyState.IN_FLIGHT


@pytest.mark.django_db
def test_a_key_pruned_between_insert_and_read_is_claimed_afresh(monkeypatch):
    claim()
    from portal.idempotency import services

    real_filter = IdempotencyKey.objects.filter
    calls = {"n": 0}

    def filter_after_prune(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            IdempotencyKey.objects.all().delete()  # the prune task ran just now
        return real_filter(*args, **kwargs)

    monkeypatch.setattr(services.IdempotencyKey.objects, "filter", filter_after_prune)
    assert claim().outcome == PROCEED


# --- Pruning ----------------------------------------------------------------------------------------


def _aged(key: str, hours: float) -> None:
    claim(key)
    IdempotencyKey.objects.filter(key=key).update(created_at=timezone.now() - timedelta(hours=hours))


@pytest.mark.django_db
def test_keys_are_kept_for_the_ttl_and_pruned_after():
    assert settings.IDEMPOTENCY_KEY_TTL_HOURS == 48
    _aged("fresh", 1)
    _aged("a-day-old", 25)
    _aged("just-inside", 47.9)
    _aged("expired", 48.1)
    _aged("ancient", 24 * 30)
    assert idempotency_prune() == 2
    assert set(IdempotencyKey.objects.values_list("key", flat=True)) == {"fresh", "a-day-old", "just-inside"}


@pytest.mark.django_db
@override_settings(IDEMPOTENCY_KEY_TTL_HOURS=24)
def test_the_beat_task_prunes_in_batches_with_the_configured_ttl():
    for index in range(7):
        _aged(f"old-{index}", 24.5)
    _aged("kept", 23)
    assert prune_idempotency_keys.delay().get() == 7
    assert idempotency_prune(batch_size=2) == 0
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["kept"]


@pytest.mark.django_db
def test_pruning_in_small_batches_deletes_everything_due():
    for index in range(5):
        _aged(f"old-{index}", 100)
    assert idempotency_prune(batch_size=2) == 5


def test_the_prune_task_is_scheduled():
    entry = settings.CELERY_BEAT_SCHEDULE["idempotency-keys-prune"]
    assert entry["task"] == prune_idempotency_keys.name


def test_a_ttl_below_24_hours_stops_start_up():
    result = run_manage("check", env={"IDEMPOTENCY_KEY_TTL_HOURS": "12"})
    assert result.returncode != 0
    assert "IDEMPOTENCY_KEY_TTL_HOURS" in result.stderr
