"""Thin Celery tasks of the loans app: each takes ids (or nothing) and calls one service."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from portal.locks import single_run


# Queued after commit by services.facts.loan_fact_record. Safe to run twice: an alert is unique per
# (loan, kind, key), so a redelivered check raises nothing new.
@shared_task(name="loans.tasks.loan_alerts_check", ignore_result=True)
def loan_alerts_check(loan_id: int) -> int:
    from loans.services.alerts import loan_alerts_check as check

    return check(loan_id=loan_id)


# Queued after commit by services.imports for an upload's overdue and non-performing loans: one message
# however many there are. Safe to run twice, for the same reason.
@shared_task(name="loans.tasks.loan_alerts_check_many", ignore_result=True)
def loan_alerts_check_many(loan_ids: list[int]) -> int:
    from loans.services.alerts import loan_alerts_check as check

    return sum(check(loan_id=loan_id) for loan_id in loan_ids)


# Hourly (settings.CELERY_BEAT_SCHEDULE "loans-alerts-sweep"). Safe to run twice or concurrently, for
# the same reason.
@shared_task(name="loans.tasks.loan_alerts_sweep", ignore_result=True)
@single_run("loans.tasks.loan_alerts_sweep")
def loan_alerts_sweep() -> int:
    from loans.services.alerts import loan_alerts_sweep as sweep

    return sweep()


# Queued after commit by services.imports.loan_import_create. Safe to run twice: the service claims the
# upload (queued -> running) with a conditional UPDATE, so a redelivered or retried task finds nothing
# to do. Every error inside the run leaves the upload rejected or failed; only a database that cannot
# be reached is worth retrying, a bounded number of times. The retry waits past the task time limit:
# if the database went away mid-run, the upload is left "running" and only then may be claimed again.
@shared_task(bind=True, name="loans.tasks.loan_import_run", max_retries=3, ignore_result=True)
def loan_import_run_task(self, import_id: int, language: str | None = None) -> None:
    from django.conf import settings

    from loans.services.imports import loan_import_run

    try:
        loan_import_run(import_id=import_id, language=language)
    except (OperationalError, InterfaceError) as error:
        raise self.retry(exc=error, countdown=settings.CELERY_TASK_TIME_LIMIT + 120) from error
