"""``manage.py verify_audit_archive [FILE ...]``: re-check archive files against their recorded checksums.

With no argument every archive is checked. Exits non-zero if any file is missing, altered or does not
hold the rows its archive row records (an assessor's evidence for GB/T 22239-2019 8.1.4.3 c).
"""

from django.core.management.base import BaseCommand, CommandError

from portal.audit.archive import ArchiveError, audit_archive_verify
from portal.audit.models import AuditArchive


class Command(BaseCommand):
    help = "Verify audit archive files against the sha256 and row range recorded for them."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="*", help="archive file names (default: all)")

    def handle(self, *files, **options):
        archives = AuditArchive.objects.order_by("first_id")
        names = options["files"] or list(files)
        if names:
            archives = archives.filter(file__in=names)
            unknown = set(names) - set(archives.values_list("file", flat=True))
            if unknown:
                raise CommandError(f"No archive row for: {', '.join(sorted(unknown))}")
        failures = []
        for archive in archives:
            try:
                audit_archive_verify(archive=archive)
            except ArchiveError as error:
                failures.append(str(error))
                self.stderr.write(f"FAILED {error}")
            else:
                self.stdout.write(f"OK {archive.file}: {archive.row_count} rows, sha256 {archive.sha256}")
        if failures:
            raise CommandError(f"{len(failures)} archive file(s) failed verification")
