from celery import shared_task

from whitelist.services import screening_run_execute


@shared_task
def screening_run_task(run_id: int) -> None:
    """Screen every enterprise for a queued run (safe to run twice: the run is claimed once)."""
    screening_run_execute(run_id=run_id)


# Queued after commit by imports.indicator_import_create. Safe to run twice: the service claims the upload
# (queued -> running) with a conditional UPDATE, so a redelivered or retried task finds nothing to do.
# Every error inside the run leaves the upload rejected or failed; only a database that cannot be reached
# is worth retrying, after the task time limit (the upload left "running" may only be claimed again then).
@shared_task(bind=True, name="whitelist.tasks.indicator_import_task", max_retries=3, ignore_result=True)
def indicator_import_task(self, import_id: int, language: str | None = None) -> None:
    """Check a queued indicator upload and apply it, all or nothing."""
    from django.conf import settings
    from django.db import InterfaceError, OperationalError

    from whitelist.imports import indicator_import_run

    try:
        indicator_import_run(import_id=import_id, language=language)
    except (OperationalError, InterfaceError) as error:
        raise self.retry(exc=error, countdown=settings.CELERY_TASK_TIME_LIMIT + 120) from error
