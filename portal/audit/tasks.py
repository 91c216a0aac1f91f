"""Thin Celery task of the audit log: the daily retention run (portal/audit/archive.py)."""

from celery import shared_task

from portal.audit.archive import audit_archive_run
from portal.locks import single_run


# Daily (settings.CELERY_BEAT_SCHEDULE "audit-archive"). Safe to run twice or at once: the lock makes a
# second run return, and a run after a crash first finishes the purge of archives already written.
@shared_task(name="portal.audit.tasks.archive_audit_log", ignore_result=True)
@single_run("portal.audit.tasks.archive_audit_log")
def archive_audit_log() -> int:
    return audit_archive_run().rows_deleted
