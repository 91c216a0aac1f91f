"""Celery: refresh the rollups (on a schedule, after big imports, on request), write drill-down exports,
send the monthly report. Each is safe to run twice."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation

from portal.locks import single_run
from stats.models import Export, ExportStatus

log = logging.getLogger(__name__)


@shared_task(name="stats.tasks.refresh_statistics")
@single_run("stats.tasks.refresh_statistics")
def refresh_statistics(trigger: str = "schedule", user_id: int | None = None) -> int | None:
    """A new snapshot; a refresh already running makes this one a no-op (its figures will be as fresh)."""
    from portal.accounts.models import User
    from stats.rollup import RefreshRunning, refresh

    user = User.objects.filter(pk=user_id).first() if user_id else None
    try:
        return refresh(trigger=trigger, user=user).pk
    except RefreshRunning:
        log.info("stats refresh (%s) skipped: one is running", trigger)
        return None


@shared_task
def export_cases(export_id: int) -> None:
    from django.utils import timezone

    from stats.exports import write_cases

    # Claim the row: a second delivery of this task finds it taken and stops.
    claimed = Export.objects.filter(pk=export_id, status=ExportStatus.QUEUED).update(
        status=ExportStatus.RUNNING
    )
    if not claimed:
        return
    export = Export.objects.get(pk=export_id)
    try:
        with translation.override(export.language or settings.LANGUAGE_CODE):
            write_cases(export)
    except Exception as exc:
        Export.objects.filter(pk=export_id).update(
            status=ExportStatus.FAILED, error=repr(exc)[:2000], finished_at=timezone.now()
        )
        raise


@shared_task(name="stats.tasks.monthly_report")
@single_run("stats.tasks.monthly_report")
def monthly_report(period: str | None = None) -> int:
    """E-mail last month's overview workbook to the joint-meeting office's members (once per month each)."""
    from stats.reports import send_monthly_report

    return send_monthly_report(period)
