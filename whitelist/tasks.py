from celery import shared_task

from portal.locks import single_run
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


# --- Delivery to the banks (whitelist.deliveries) ------------------------------------------------------
# Suggested beat entries (portal/settings.py CELERY_BEAT_SCHEDULE):
#   "whitelist-webhooks-sweep": {"task": "whitelist.tasks.webhook_notifications_sweep", "schedule": 60.0},
#   "whitelist-deliveries-chase": {"task": "whitelist.tasks.deliveries_chase",
#                                  "schedule": crontab(minute=30, hour=9)},


# Queued after commit by the publication (and by a resend), and by the sweep for retries. Safe to run
# twice: the service claims the attempt with a conditional UPDATE, so a twin finds it not due. No Celery
# retry: a failed attempt is due again after its backoff and the sweep queues it then.
@shared_task(name="whitelist.tasks.webhook_notification_send", ignore_result=True)
def webhook_notification_send_task(notification_id: int) -> bool:
    """One attempt at a webhook notification to a bank, if it is due."""
    from whitelist.deliveries import webhook_notification_send

    return webhook_notification_send(notification_id=notification_id)


# Every minute: queues the due notifications (retries, and first tries whose queueing was lost).
@shared_task(name="whitelist.tasks.webhook_notifications_sweep", ignore_result=True)
@single_run("whitelist.tasks.webhook_notifications_sweep")
def webhook_notifications_sweep_task() -> int:
    from whitelist.deliveries import webhook_notifications_sweep

    return webhook_notifications_sweep()


# Once a day in office hours: reminds banks of deliveries they have not acknowledged. Safe to run twice:
# each delivery is claimed by a conditional UPDATE of its chased_at.
@shared_task(name="whitelist.tasks.deliveries_chase", ignore_result=True)
@single_run("whitelist.tasks.deliveries_chase")
def deliveries_chase_task() -> int:
    from whitelist.deliveries import deliveries_chase

    return deliveries_chase()


# Defined with its service; imported here so the worker registers it (beat: "whitelist-feedback-reminders").
from whitelist.feedback import feedback_reminders  # noqa: E402, F401
