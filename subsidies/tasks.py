"""Celery tasks of the subsidies: each is safe to run twice (it works from the stored state)."""

from celery import shared_task

from portal.locks import single_run


@shared_task
def batch_recompute_task(batch_id: int) -> int:
    from subsidies.batches import batch_recompute_failed
    from subsidies.compute import batch_recompute

    try:
        return batch_recompute(batch_id)
    except Exception as error:
        # The batch page shows the failure (and that a new correction or a retry is needed), not an
        # endless "recomputing"; the worker logs the traceback as for any failed task.
        batch_recompute_failed(batch_id=batch_id, error=error)
        raise


@shared_task(name="subsidies.tasks.publicity_close_task")
@single_run("subsidies.tasks.publicity_close_task")
def publicity_close_task() -> int:
    """Daily: publicity periods that ended move their unopposed applications on to payment."""
    from subsidies.payments import publicity_close_due

    return publicity_close_due()
