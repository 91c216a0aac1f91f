"""One run at a time for periodic work (security.md check 35).

Beat may fire a sweep again while the last run is still working, and two beats (a misconfigured
deployment) fire everything twice. The sweeps are already safe to overlap (rows are claimed with
conditional UPDATEs), but overlapping runs double the load and interleave their batches. On PostgreSQL a
session advisory lock makes the second run return at once; on SQLite (one local process) a process-wide
lock does the same.
"""

import functools
import hashlib
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from django.db import connection

log = logging.getLogger(__name__)

_local_locks: dict[str, threading.RLock] = {}
_local_guard = threading.Lock()


def lock_key(name: str) -> int:
    """A stable signed 64-bit key for ``pg_try_advisory_lock`` (Python's hash() changes per process)."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def advisory_lock(name: str) -> Iterator[bool]:
    """Try to take the lock ``name`` without waiting; yields whether this caller holds it.

    The PostgreSQL lock belongs to the session, not a transaction, so the work inside may commit as
    often as it likes; it is released on exit, or by the server if the connection dies.
    """
    if connection.vendor == "postgresql":
        key = lock_key(name)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
            held = cursor.fetchone()[0]
        try:
            yield held
        finally:
            if held:
                _pg_unlock(key, name)
        return
    with _local_guard:
        lock = _local_locks.setdefault(name, threading.RLock())
    held = lock.acquire(blocking=False)
    try:
        yield held
    finally:
        if held:
            lock.release()


def _pg_unlock(key: int, name: str) -> None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
    except Exception:
        # The connection is gone, and the server released the lock with it.
        log.warning("advisory lock %s: could not unlock (connection lost)", name, exc_info=True)


def single_run(name: str | None = None) -> Callable:
    """Decorate a periodic task's function: a run that finds another one working returns None at once.

    Put it under ``@shared_task`` so the task keeps its name; ``name`` defaults to the function's path.
    """

    def decorate(function: Callable) -> Callable:
        lock_name = name or f"{function.__module__}.{function.__qualname__}"

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            with advisory_lock(lock_name) as held:
                if not held:
                    log.info("%s skipped: another run holds its lock", lock_name)
                    return None
                return function(*args, **kwargs)

        return wrapper

    return decorate
