"""Thin Celery tasks of the ratings app."""

from celery import shared_task

from portal.locks import single_run


# Hourly (settings.CELERY_BEAT_SCHEDULE "ratings-sweep"); safe to run twice or concurrently (see sweep.py).
@shared_task(name="ratings.tasks.ratings_sweep", ignore_result=True)
@single_run("ratings.tasks.ratings_sweep")
def ratings_sweep() -> dict[str, int]:
    from ratings.sweep import ratings_sweep as sweep

    return sweep()
