"""Thin Celery tasks of the pledges app: each takes ids (or nothing) and calls one service."""

from celery import shared_task

from pledges.services.sla import sla_sweep
from portal.locks import single_run


# Beat runs this every few minutes (settings.CELERY_BEAT_SCHEDULE "pledges-sla-sweep"). Safe to run twice
# or concurrently: every reminder row is claimed with a conditional UPDATE before it is sent.
@shared_task(name="pledges.tasks.sla_sweep_task")
@single_run("pledges.tasks.sla_sweep_task")
def sla_sweep_task() -> int:
    return sla_sweep()


# Daily (settings.CELERY_BEAT_SCHEDULE "pledges-annual-fee-reminders"). Safe to run twice: each reminder
# point is a notification with a dedupe key per asset, due date and point.
@shared_task(name="pledges.tasks.annual_fee_reminders", ignore_result=True)
@single_run("pledges.tasks.annual_fee_reminders")
def annual_fee_reminders() -> int:
    from pledges.services.register import annual_fee_reminders_send

    return annual_fee_reminders_send()


# Queued after commit by asset_update_legal_status; safe to run twice (dedupe key per event).
@shared_task(name="pledges.tasks.legal_status_event_notify", ignore_result=True)
def legal_status_event_notify(event_id: int) -> int:
    from pledges.services.register import legal_status_event_notify as notify_event

    return notify_event(event_id=event_id)
