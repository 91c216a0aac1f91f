"""Celery tasks of the subsidies: each is safe to run twice (it works from the stored state)."""

from celery import shared_task

from portal.locks import single_run


@shared_task
def batch_recompute_task(batch_id: int) -> int:
    from subsidies.compute import batch_recompute

    return batch_recompute(batch_id)


@shared_task(name="subsidies.tasks.publicity_close_task")
@single_run("subsidies.tasks.publicity_close_task")
def publicity_close_task() -> int:
    """Daily: publicity periods that ended move their unopposed applications on to payment."""
    from subsidies.payments import publicity_close_due

    return publicity_close_due()
