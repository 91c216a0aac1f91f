"""``manage.py archive_audit``: archive audit rows past AUDIT_RETENTION_DAYS to files, then delete them.

The same work as the daily beat task ``portal.audit.tasks.archive_audit_log``, for an operator.
"""

from django.core.management.base import BaseCommand, CommandError

from portal.audit.archive import ArchiveError, archive_dir, audit_archive_run, retention_days


class Command(BaseCommand):
    help = "Archive audit rows older than AUDIT_RETENTION_DAYS to checksummed files, then delete them."

    def handle(self, **options):
        try:
            days = retention_days()
            result = audit_archive_run()
        except ArchiveError as error:
            raise CommandError(str(error)) from error
        for archive in result.archives:
            self.stdout.write(
                f"{archive.file}: {archive.row_count} rows ({archive.first_id}-{archive.last_id}), "
                f"sha256 {archive.sha256}"
            )
        self.stdout.write(
            f"Retention {days} days; {len(result.archives)} archive file(s) written to {archive_dir()}, "
            f"{result.rows_deleted} audit rows deleted."
        )
