"""Audit retention: archive rows past the retention period to files, then delete them (security.md check 20).

The Cybersecurity Law (Art. 21) asks for network logs kept at least six months; GB/T 22239-2019
8.1.4.3 c asks for them backed up. ``settings.AUDIT_RETENTION_DAYS`` (default 365) may not go below 180:
settings refuse a lower value at start-up and ``audit_archive_run`` refuses it again at run time.

A run, one batch at a time (oldest rows first):
1. the rows older than the cutoff are written to a JSON-lines gzip file under
   ``settings.AUDIT_ARCHIVE_DIR``, flushed to disk, read back and hashed (sha256);
2. an ``AuditArchive`` row (file, first/last id, count, checksum) is committed;
3. in a second transaction the file is hashed again and compared with the archive row, and only then
   are the rows deleted, through the one door the append-only triggers leave open (triggers.py): rows
   older than 180 days by the database's clock, covered by an archive row, in a transaction that set
   ``portal.audit_purge``. If the count deleted differs from the count archived, nothing is deleted.
   An ``audit.purge`` row, written in that transaction, records the file, id range, count and checksum.

A crash between 1 and 2 leaves a file without an archive row (the next run writes a new one); a crash
between 2 and 3 leaves an archive row whose rows are still there, so each run first completes step 3 for
every archive row not yet purged, before it archives anything (else those rows would be archived twice).
"""

import datetime
import gzip
import hashlib
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.utils import timezone

from portal.audit import triggers
from portal.audit.models import AuditArchive, AuditEvent
from portal.audit.services import audit_record

log = logging.getLogger(__name__)

BATCH_SIZE = 50_000
_FIELDS = [field.attname for field in AuditEvent._meta.concrete_fields]


class ArchiveError(Exception):
    """An archive file is missing or does not match its recorded checksum or rows."""


@dataclass(frozen=True)
class ArchiveRunResult:
    archives: list[AuditArchive]
    rows_deleted: int


def retention_days() -> int:
    days = settings.AUDIT_RETENTION_DAYS
    if days < triggers.RETENTION_FLOOR_DAYS:
        raise ImproperlyConfigured(
            f"AUDIT_RETENTION_DAYS must be at least {triggers.RETENTION_FLOOR_DAYS} "
            f"(six months, Cybersecurity Law Art. 21); got {days}"
        )
    return days


def archive_dir() -> Path:
    return Path(settings.AUDIT_ARCHIVE_DIR)


def archive_path(archive: AuditArchive) -> Path:
    return archive_dir() / archive.file


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _write_file(path: Path, rows: list[dict]) -> None:
    # mtime=0 and no file name in the gzip header: the same rows always give the same bytes.
    tmp = path.with_suffix(path.suffix + ".part")
    with tmp.open("wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0) as gz:
        for row in rows:
            line = json.dumps(row, cls=DjangoJSONEncoder, ensure_ascii=False, sort_keys=True)
            gz.write(line.encode() + b"\n")
    with tmp.open("rb") as handle:
        os.fsync(handle.fileno())
    tmp.replace(path)  # a file under the final name is always complete


def _read_rows(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def audit_archive_verify(*, archive: AuditArchive) -> None:
    """Raise ArchiveError unless the file exists, hashes to the recorded sha256 and holds the recorded rows."""
    path = archive_path(archive)
    if not path.is_file():
        raise ArchiveError(f"{archive.file}: the archive file is missing from {archive_dir()}")
    actual = file_sha256(path)
    if actual != archive.sha256:
        raise ArchiveError(f"{archive.file}: sha256 {actual} does not match the recorded {archive.sha256}")
    ids = [row["id"] for row in _read_rows(path)]
    if len(ids) != archive.row_count or (ids and (min(ids), max(ids)) != (archive.first_id, archive.last_id)):
        raise ArchiveError(
            f"{archive.file}: holds {len(ids)} rows, the archive row records {archive.row_count} "
            f"({archive.first_id}-{archive.last_id})"
        )


def _archive_batch(*, cutoff: datetime.datetime) -> AuditArchive | None:
    """Write the oldest batch of rows older than ``cutoff`` to a file and record it; None when none are left."""
    rows = list(AuditEvent.objects.filter(at__lt=cutoff).order_by("id").values(*_FIELDS)[:BATCH_SIZE])
    if not rows:
        return None
    first_id, last_id = rows[0]["id"], rows[-1]["id"]
    directory = archive_dir()
    directory.mkdir(parents=True, exist_ok=True)
    name = f"audit-{first_id:012d}-{last_id:012d}-{timezone.now():%Y%m%dT%H%M%S}.jsonl.gz"
    path = directory / name
    _write_file(path, rows)
    archive = AuditArchive(
        cutoff=cutoff,
        file=name,
        first_id=first_id,
        last_id=last_id,
        row_count=len(rows),
        sha256=file_sha256(path),
    )
    audit_archive_verify(archive=archive)  # read back before anything relies on it
    archive.save()
    log.info("audit archive %s: %d rows (%d-%d)", name, len(rows), first_id, last_id)
    return archive


def _purge(*, archive: AuditArchive) -> int:
    """Delete the rows of an archive whose file still matches its checksum; refuse on any difference."""
    with transaction.atomic():
        locked = AuditArchive.objects.select_for_update().get(pk=archive.pk)
        if locked.purged_at is not None:
            return 0
        audit_archive_verify(archive=locked)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Transaction-scoped: the next transaction on this connection is refused again.
                cursor.execute("SELECT set_config(%s, 'on', true)", [triggers.PURGE_SETTING])
            cursor.execute(
                f"DELETE FROM {triggers.TABLE} WHERE id BETWEEN %s AND %s AND at < %s",  # noqa: S608  # nosec B608 # table name is a constant
                # Adapted as the ORM stores it: SQLite compares the text form.
                [locked.first_id, locked.last_id, connection.ops.adapt_datetimefield_value(locked.cutoff)],
            )
            deleted = cursor.rowcount
        if deleted != locked.row_count:
            raise ArchiveError(
                f"{locked.file}: {deleted} rows matched for deletion, {locked.row_count} were archived; "
                "nothing deleted"
            )
        locked.purged_at = timezone.now()
        locked.save(update_fields=["purged_at"])
        # The purge leaves its own trace in the log it shortened, in the same transaction.
        audit_record(
            action="audit.purge",
            object_type="audit.archive",
            object_id=locked.pk,
            details={
                "file": locked.file,
                "first_id": locked.first_id,
                "last_id": locked.last_id,
                "rows": deleted,
                "sha256": locked.sha256,
                "cutoff": locked.cutoff,
            },
        )
    archive.purged_at = locked.purged_at
    log.info("audit archive %s: %d rows deleted", archive.file, deleted)
    return deleted


def audit_archive_run(*, now: datetime.datetime | None = None) -> ArchiveRunResult:
    """Archive and delete every audit row older than the retention period; safe to run again at any point."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=retention_days())
    deleted = 0
    # Archive rows left unpurged by an interrupted run come first, or their rows would be archived twice.
    for archive in AuditArchive.objects.filter(purged_at__isnull=True).order_by("first_id"):
        deleted += _purge(archive=archive)
    archives = []
    while (archive := _archive_batch(cutoff=cutoff)) is not None:
        archives.append(archive)
        deleted += _purge(archive=archive)
    return ArchiveRunResult(archives=archives, rows_deleted=deleted)
