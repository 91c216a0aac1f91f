"""Write the task with the data, publish it after commit, and keep trying until the broker has it.

At least once, never lost: a message may be published twice (the immediate publish and the relay can
both reach the broker when a worker crashes between publishing and marking), so every queued task is
idempotent (architecture.md). A broker outage costs a delay, not the task.
"""

import importlib
import logging
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from portal.celery import app as celery_app
from portal.outbox.models import OutboxMessage

log = logging.getLogger(__name__)

# The relay leaves a fresh row to the publish its own commit triggers, so the two rarely both send it.
RELAY_GRACE = timedelta(seconds=10)
# After a broker error the web process stops trying to publish at once for this long: a request that
# queues many tasks during an outage must not pay a failed connection for each. The relay catches up.
BREAKER_SECONDS = 15.0
_BACKOFF_FIRST = timedelta(seconds=30)
_BACKOFF_MAX = timedelta(hours=1)

_breaker = threading.Lock()
_resting_until = 0.0


def enqueue(task, *args, dedupe_key: str | None = None, **kwargs) -> OutboxMessage | None:
    """Store ``task(*args, **kwargs)`` in the current transaction; publish it once that commits.

    ``task`` is a Celery task or its name; the arguments must be JSON (ids, strings, numbers), as for
    Celery's own serializer. With a ``dedupe_key``, a second enqueue while a message with that key waits
    unsent does nothing and returns None.
    """
    name = task if isinstance(task, str) else task.name
    values = {"task": name, "args": list(args), "kwargs": kwargs, "dedupe_key": dedupe_key or ""}
    if not dedupe_key:
        message = OutboxMessage.objects.create(**values)
    else:
        try:
            with transaction.atomic():  # a savepoint: the conflict must not break the caller's transaction
                message = OutboxMessage.objects.create(**values)
        except IntegrityError:
            if OutboxMessage.objects.filter(dedupe_key=dedupe_key, sent_at=None).exists():
                return None
            raise
    # One callback per message, bound now (a bare closure in a loop would see only the last one).
    transaction.on_commit(
        lambda pk=message.pk: _publish_after_commit(pk, task, values["args"], kwargs), robust=True
    )
    return message


def _publish_after_commit(pk: int, task, args: list, kwargs: dict) -> None:
    if _resting():
        return  # the broker failed moments ago: the relay sends it
    error = _send(task, args, kwargs)
    try:
        if error is None:
            _mark_sent([pk])
        else:
            _rest()
            _mark_failed(pk, error)
    except Exception:
        # The database went away after the publish: the relay sends the row again (at least once).
        log.exception("outbox: could not record the publish of message %s", pk)


def _task(name: str):
    """The registered task called ``name``. A web process registers a task when its module is first
    imported; the names are module paths (``app.tasks.function``), so the module is imported here."""
    task = celery_app.tasks.get(name)
    if task is None:
        try:
            importlib.import_module(name.rsplit(".", 1)[0])
        except ImportError:
            return None
        task = celery_app.tasks.get(name)
    return task


def _send(task, args: list, kwargs: dict) -> str | None:
    """Publish one task (a task or its name); the broker's error as text, or None. Never raises."""
    name = task if isinstance(task, str) else task.name
    if isinstance(task, str):
        task = _task(name)
    if celery_app.conf.task_always_eager:
        _run_eagerly(task, name, args, kwargs)
        return None
    try:
        # No publish retries here: the relay is the retry, with backoff, instead of a blocked request.
        if task is None:
            celery_app.send_task(name, args=args, kwargs=kwargs, retry=False)
        else:
            task.apply_async(args=args, kwargs=kwargs, retry=False)
    except Exception as error:
        log.warning("outbox: could not publish %s: %r", name, error)
        return repr(error)[:2000]
    return None


def _run_eagerly(task, name: str, args: list, kwargs: dict) -> None:
    """Tests and local debugging run the task inline. Its own failure (or its retry) is not a publishing
    error: a worker would have received the message. So it is logged and the message counts as sent."""
    if task is None:
        log.error("outbox: no task named %r is registered", name)
        return
    try:
        result = task.apply_async(args=args, kwargs=kwargs, throw=False)
    except Exception as error:
        log.error("outbox: eager task %s failed: %r", name, error)
        return
    if result.failed():
        log.error("outbox: eager task %s failed: %r", name, result.result)


def _mark_sent(pks: list[int]) -> None:
    OutboxMessage.objects.filter(pk__in=pks, sent_at=None).update(
        sent_at=timezone.now(), attempts=F("attempts") + 1, last_error=""
    )


def _mark_failed(pk: int, error: str) -> None:
    message = OutboxMessage.objects.filter(pk=pk).only("attempts").first()
    if message is None:
        return
    attempts = message.attempts + 1
    OutboxMessage.objects.filter(pk=pk, sent_at=None).update(
        attempts=attempts, last_error=error, available_at=timezone.now() + backoff(attempts)
    )


def backoff(attempts: int) -> timedelta:
    """30 s after the first failure, doubling, at most an hour."""
    return min(_BACKOFF_FIRST * (2 ** max(attempts - 1, 0)), _BACKOFF_MAX)


def _resting() -> bool:
    return time.monotonic() < _resting_until


def _rest() -> None:
    global _resting_until
    with _breaker:
        _resting_until = time.monotonic() + BREAKER_SECONDS


def breaker_reset() -> None:
    """Publish at once again (tests; the relay calls it after a successful round)."""
    global _resting_until
    with _breaker:
        _resting_until = 0.0


def relay(*, batch_size: int = 200, max_batches: int = 25, grace: timedelta = RELAY_GRACE, now=None) -> int:
    """Publish unsent messages, oldest first; returns how many were sent.

    Rows are claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL), so two relays never wait on each other
    and rarely send the same row. The first broker error ends the run: the row backs off and the rest
    wait for the next run.
    """
    sent = 0
    for _ in range(max_batches):
        due = now or timezone.now()
        with transaction.atomic():
            rows = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at=None, available_at__lte=due, created_at__lte=due - grace)
                .order_by("id")[:batch_size]
            )
            done, failed = _publish_rows(rows)
            _mark_sent(done)
        sent += len(done)
        if failed:
            return sent
        if len(rows) < batch_size:
            break
    if sent:
        breaker_reset()
    return sent


def _publish_rows(rows: list[OutboxMessage]) -> tuple[list[int], bool]:
    done: list[int] = []
    for row in rows:
        error = _send(row.task, row.args, row.kwargs)
        if error is not None:
            _mark_failed(row.pk, error)
            return done, True
        done.append(row.pk)
    return done, False


def prune(*, now=None, chunk: int = 5000) -> int:
    """Delete messages sent more than OUTBOX_KEEP_DAYS ago, in bounded chunks."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted = 0
    while True:
        pks = list(OutboxMessage.objects.filter(sent_at__lt=cutoff).values_list("pk", flat=True)[:chunk])
        if not pks:
            return deleted
        deleted += OutboxMessage.objects.filter(pk__in=pks).delete()[0]
