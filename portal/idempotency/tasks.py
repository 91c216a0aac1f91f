"""Thin Celery task of the idempotency kernel."""

from celery import shared_task

from portal.idempotency.services import idempotency_prune
from portal.locks import single_run


# Hourly (settings.CELERY_BEAT_SCHEDULE "idempotency-keys-prune"). Safe to run twice or at once: each run
# deletes what is past the TTL, and a row already gone is simply not deleted again.
@shared_task(name="portal.idempotency.tasks.prune_idempotency_keys", ignore_result=True)
@single_run("portal.idempotency.tasks.prune_idempotency_keys")
def prune_idempotency_keys() -> int:
    return idempotency_prune()
