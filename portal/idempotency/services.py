"""Claiming, completing and pruning idempotency keys.

The order matters (IETF draft-ietf-httpapi-idempotency-key-header; Stripe "Idempotent requests"):

1. ``idempotency_claim`` inserts the key as *in flight* in its own, committed transaction before the
   write starts, so a concurrent twin finds it at once (the unique (client, key) constraint decides which
   of two simultaneous inserts wins) and is told 409 instead of doing the write a second time.
2. The write runs; ``idempotency_complete`` stores its status and body. The API layer calls it inside
   the write's own transaction, so the write and "this key is done" commit together: a crash in between
   leaves neither, and the key, still in flight, is taken over by a retry once it is stale.
3. ``idempotency_release`` marks a key whose request raised unexpectedly, so a retry runs again rather
   than replaying a 500 the portal never meant to give.
4. ``idempotency_prune`` (a beat task) deletes keys older than ``IDEMPOTENCY_KEY_TTL_HOURS`` (at least
   24 h, Stripe's floor).
"""

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.idempotency.models import IdempotencyKey, KeyState

MAX_KEY_LENGTH = 255
# An in-flight key this old belongs to a worker that died (gunicorn and Celery kill a request long before):
# a retry may take it over.
STALE_AFTER = timedelta(minutes=5)
PRUNE_BATCH = 5000

PROCEED = "proceed"
REPLAY = "replay"
IN_FLIGHT = "in_flight"
MISMATCH = "mismatch"


class InvalidKey(Exception):
    def __init__(self, message: str, *, missing: bool = False):
        super().__init__(message)
        self.message = message
        self.missing = missing


@dataclass(frozen=True)
class Claim:
    """What to do with a request: ``proceed`` (run it, this request owns ``record``), ``replay`` (answer
    with the stored response), ``in_flight`` (409) or ``mismatch`` (422: the key was used for another
    request)."""

    outcome: str
    record: IdempotencyKey


def key_validate(value: str | None) -> str:
    """The key as sent: 1 to 255 printable ASCII characters (a V4 UUID is the usual choice)."""
    if value is None or value == "":
        raise InvalidKey(_("Send an Idempotency-Key header (a new UUID for each new request)."), missing=True)
    if len(value) > MAX_KEY_LENGTH or any(not " " <= char <= "~" for char in value):
        raise InvalidKey(
            _("The Idempotency-Key must be 1 to %(max)d printable ASCII characters, such as a UUID.")
            % {"max": MAX_KEY_LENGTH}
        )
    return value


def client_scope(user) -> str:
    """Keys belong to the caller's acting organisation (one bank's keys never meet another's)."""
    organisation = getattr(user, "organisation", None)
    return f"org:{organisation.pk}" if organisation is not None else f"user:{user.pk}"


def _canonical(value) -> str:
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(f"{json.dumps(key)}:{_canonical(item)}" for key, item in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_canonical(item) for item in value) + "]"
    if isinstance(value, Decimal) and value.is_finite():
        # By value: 100, 100.0 and 1e2 are one number, written as digits without trailing zeros and an
        # exponent. Exact (Decimal.normalize would round to the context's precision) and short for a
        # huge exponent (a body like "1e999999999" must not become a billion digits).
        sign, digits, exponent = value.as_tuple()
        digits = list(digits)
        while len(digits) > 1 and digits[-1] == 0:
            digits.pop()
            exponent += 1
        if digits == [0]:
            sign, exponent = 0, 0
        return f"{'-' if sign else ''}{''.join(map(str, digits))}e{exponent}"
    if isinstance(value, float):  # NaN and Infinity, which json accepts as constants
        return repr(value)
    return json.dumps(value, ensure_ascii=False)


def request_fingerprint(*, body: bytes, content_type: str = "application/json") -> str:
    """SHA-256 of the request body in canonical form: for JSON, parsed with its keys sorted and numbers
    compared by value, so whitespace and key order do not make two equal requests differ. Any other body
    (or JSON that does not parse, which the view will refuse) is taken byte for byte."""
    canonical = body
    media_type = content_type.split(";", 1)[0].strip().lower()
    if media_type == "application/json" or media_type.endswith("+json"):
        try:
            data = json.loads(body or b"", parse_float=Decimal, parse_int=Decimal)
        except (ValueError, RecursionError):
            pass
        else:
            canonical = _canonical(data).encode()
    return hashlib.sha256(canonical).hexdigest()


def idempotency_claim(*, scope: str, key: str, method: str, path: str, fingerprint: str, now=None) -> Claim:
    """Take the key for this request, or say why not. Must run outside any transaction (the API layer
    exempts its views from ATOMIC_REQUESTS): the in-flight row has to be committed before the write
    starts, or a concurrent twin would not see it."""
    now = now or timezone.now()
    for _attempt in range(3):
        try:
            with transaction.atomic():
                record = IdempotencyKey.objects.create(
                    scope=scope,
                    key=key,
                    method=method,
                    path=path,
                    fingerprint=fingerprint,
                    state=KeyState.IN_FLIGHT,
                    claimed_at=now,
                )
            return Claim(PROCEED, record)
        except IntegrityError:
            pass  # the key exists: decide from what it holds
        record = IdempotencyKey.objects.filter(scope=scope, key=key).first()
        if record is None:
            continue  # pruned between the insert and the read: claim it afresh
        if (record.method, record.path, record.fingerprint) != (method, path, fingerprint):
            return Claim(MISMATCH, record)
        if record.state == KeyState.COMPLETED:
            return Claim(REPLAY, record)
        if record.state == KeyState.IN_FLIGHT and record.claimed_at > now - STALE_AFTER:
            return Claim(IN_FLIGHT, record)
        # Failed, or in flight past STALE_AFTER: take it over with a conditional UPDATE, so of two
        # retries arriving together exactly one runs.
        taken = IdempotencyKey.objects.filter(
            pk=record.pk, state=record.state, claimed_at=record.claimed_at
        ).update(state=KeyState.IN_FLIGHT, claimed_at=now)
        if taken:
            record.state, record.claimed_at = KeyState.IN_FLIGHT, now
            return Claim(PROCEED, record)
        return Claim(IN_FLIGHT, record)
    raise RuntimeError(f"could not claim idempotency key {key!r} for {scope}")


def idempotency_complete(*, record: IdempotencyKey, status: int, body) -> bool:
    """Store the response of the request that owns ``record``. False when another request took the key
    over meanwhile (this one ran past STALE_AFTER): the caller must then roll its write back."""
    now = timezone.now()
    stored = IdempotencyKey.objects.filter(
        pk=record.pk, state=KeyState.IN_FLIGHT, claimed_at=record.claimed_at
    ).update(state=KeyState.COMPLETED, response_status=status, response_body=body, completed_at=now)
    if stored:
        record.state, record.response_status, record.response_body = KeyState.COMPLETED, status, body
    return stored == 1


def idempotency_release(*, record: IdempotencyKey) -> None:
    """The request raised before it had an answer: a retry with the key runs again."""
    IdempotencyKey.objects.filter(
        pk=record.pk, state=KeyState.IN_FLIGHT, claimed_at=record.claimed_at
    ).update(state=KeyState.FAILED)


def idempotency_prune(*, now=None, ttl_hours: int | None = None, batch_size: int = PRUNE_BATCH) -> int:
    """Delete keys first used more than the TTL ago, in bounded batches; returns how many."""
    now = now or timezone.now()
    cutoff = now - timedelta(hours=ttl_hours or settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted = 0
    while True:
        batch = list(
            IdempotencyKey.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:batch_size]
        )
        if not batch:
            return deleted
        deleted += IdempotencyKey.objects.filter(pk__in=batch).delete()[0]
