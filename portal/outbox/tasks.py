"""The outbox relay: beat runs it every 30 s (settings.CELERY_BEAT_SCHEDULE "outbox-relay")."""

from celery import shared_task

from portal.locks import single_run
from portal.outbox.services import prune
from portal.outbox.services import relay as relay_pending


# Safe to run twice or concurrently: rows are claimed with FOR UPDATE SKIP LOCKED, and a message sent
# twice is harmless (every queued task is idempotent). It goes through the broker too, so during an
# outage nothing runs it; beat's next tick after the broker is back drains what waited.
@shared_task(name="portal.outbox.tasks.relay", ignore_result=True)
@single_run("portal.outbox.tasks.relay")
def relay() -> int:
    sent = relay_pending()
    prune()
    return sent
