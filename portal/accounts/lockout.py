"""Account and address lockout after repeated failed sign-ins (security.md check 10; ASVS 6.3.1, 6.1.1).

An account name is locked after SIGNIN_LOCKOUT_FAILURES consecutive failures within
SIGNIN_LOCKOUT_WINDOW_SECONDS, for SIGNIN_LOCKOUT_SECONDS, even against the right password. A source address
is blocked after SIGNIN_LOCKOUT_IP_FAILURES failures across any names; that blocks only the address, so one
attacker cannot lock everyone else out of their accounts.
"""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from portal.accounts.models import SignInFailures
from portal.audit.models import AuditAction, Outcome
from portal.audit.services import audit_record

Kind = SignInFailures.Kind


def account_key(username: str) -> str:
    # Case-folded so "Alice" and "alice" share one counter; capped to the column.
    return (username or "").strip().casefold()[:150]


def _limits(kind: str) -> int:
    return settings.SIGNIN_LOCKOUT_FAILURES if kind == Kind.ACCOUNT else settings.SIGNIN_LOCKOUT_IP_FAILURES


def locked_until(*, username: str, ip: str | None):
    """The later lock end of the account name and the address, or None when neither is locked."""
    keys = Q(kind=Kind.ACCOUNT, key=account_key(username))
    if ip:
        keys |= Q(kind=Kind.ADDRESS, key=ip)
    ends = SignInFailures.objects.filter(keys, locked_until__gt=timezone.now()).values_list(
        "locked_until", flat=True
    )
    return max(ends, default=None)


def _count_failure(kind: str, key: str, *, request, now) -> bool:
    """One more failure for (kind, key); True when this one locked it."""
    window = timedelta(seconds=settings.SIGNIN_LOCKOUT_WINDOW_SECONDS)
    with transaction.atomic():
        row = SignInFailures.objects.select_for_update().filter(kind=kind, key=key).first()
        if row is None:
            try:
                with transaction.atomic():
                    row = SignInFailures.objects.create(kind=kind, key=key, failures=0, window_started_at=now)
            except IntegrityError:  # a concurrent first failure created it
                row = SignInFailures.objects.select_for_update().get(kind=kind, key=key)
        if row.locked_until and row.locked_until > now:
            return False
        if now - row.window_started_at > window or row.locked_until:
            row.failures, row.window_started_at, row.locked_until = 0, now, None
        row.failures += 1
        locked = row.failures >= _limits(kind)
        if locked:
            row.locked_until = now + timedelta(seconds=settings.SIGNIN_LOCKOUT_SECONDS)
        row.save()
        if locked:
            audit_record(
                action=AuditAction.ACCOUNT_LOCKED,
                request=request,
                object_type="accounts.signinfailures",
                object_id=row.pk,
                outcome=Outcome.DENIED,
                details={"kind": kind, "key": key, "failures": row.failures, "until": row.locked_until},
            )
    return locked


def record_failure(*, username: str, ip: str | None, request=None) -> None:
    now = timezone.now()
    _count_failure(Kind.ACCOUNT, account_key(username), request=request, now=now)
    if ip:
        _count_failure(Kind.ADDRESS, ip, request=request, now=now)


def record_success(*, username: str) -> None:
    """A correct password ends the account's run of failures (the address's run continues: an attacker
    holding one valid account must not be able to reset the count between guesses at others)."""
    SignInFailures.objects.filter(kind=Kind.ACCOUNT, key=account_key(username)).exclude(
        locked_until__gt=timezone.now()
    ).delete()


def unlock(*, kind: str, key: str, actor, request=None) -> bool:
    """Staff lift a lock (admin); audited. False when there was nothing to lift."""
    with transaction.atomic():
        deleted, _ = SignInFailures.objects.filter(kind=kind, key=key).delete()
        if deleted:
            audit_record(
                action=AuditAction.ACCOUNT_UNLOCKED,
                request=request,
                actor=actor,
                object_type="accounts.signinfailures",
                object_id=key,
                details={"kind": kind, "key": key},
            )
    return bool(deleted)
