"""Audit retention (security.md check 20): rows aged 179 days stay; older rows are deleted only after an
archive row with a matching checksum exists; the database still refuses to delete recent rows."""

import datetime
import gzip
import io
import json

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from freezegun import freeze_time

from portal.audit import archive as archive_module
from portal.audit import triggers
from portal.audit.archive import ArchiveError, archive_path, audit_archive_run, audit_archive_verify
from portal.audit.models import AuditArchive, AuditEvent
from portal.audit.services import audit_record

DAY = datetime.timedelta(days=1)


@pytest.fixture
def archive_settings(settings, tmp_path):
    settings.AUDIT_RETENTION_DAYS = 180
    settings.AUDIT_ARCHIVE_DIR = tmp_path / "audit-archive"
    return settings


def record_aged(days: float, action: str = "login.success") -> AuditEvent:
    # The row's own clock (AuditEvent.at defaults to now) is what ages it; the database's clock is real.
    with freeze_time(timezone.now() - days * DAY):
        return audit_record(action=action, object_type="test", object_id=str(days))


def raw_delete(event_id: int) -> None:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT set_config(%s, 'on', true)", [triggers.PURGE_SETTING])
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event_id])


def test_rows_past_retention_are_archived_then_deleted_and_179_day_rows_stay(db, archive_settings):
    old = [record_aged(400), record_aged(200, "authz.denied"), record_aged(181)]
    kept = [record_aged(179), record_aged(1), audit_record(action="logout")]

    result = audit_archive_run()

    assert result.rows_deleted == 3
    purge = AuditEvent.objects.get(action="audit.purge")  # the purge is itself on the record
    assert set(AuditEvent.objects.values_list("id", flat=True)) == {event.pk for event in kept} | {purge.pk}
    (archive,) = result.archives
    assert (archive.first_id, archive.last_id, archive.row_count) == (old[0].pk, old[-1].pk, 3)
    assert archive.purged_at is not None
    assert len(archive.sha256) == 64
    assert purge.details["sha256"] == archive.sha256 and purge.details["rows"] == 3
    audit_archive_verify(archive=archive)
    with gzip.open(archive_path(archive), "rt", encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle]
    assert [(row["id"], row["action"]) for row in rows] == [(e.pk, e.action) for e in old]
    assert rows[1]["object_id"] == "200"
    # A second run finds nothing more to do.
    assert audit_archive_run().rows_deleted == 0


def test_rows_are_deleted_only_when_their_archive_row_matches_the_file(db, archive_settings):
    event = record_aged(300)
    # A run stopped after recording the archive; the file then changed (disk fault, tampering).
    archive = archive_module._archive_batch(cutoff=timezone.now() - 180 * DAY)
    with archive_path(archive).open("ab") as handle:
        handle.write(b"x")

    with pytest.raises(ArchiveError, match="does not match"):
        audit_archive_run()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert AuditArchive.objects.get().purged_at is None
    with pytest.raises(CommandError, match="failed verification"):
        call_command("verify_audit_archive")
    with pytest.raises(CommandError, match="does not match"):
        call_command("archive_audit")
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_an_interrupted_run_purges_its_archive_first_and_archives_nothing_twice(db, archive_settings):
    event = record_aged(250)
    archive = archive_module._archive_batch(cutoff=timezone.now() - 180 * DAY)  # crash after step 2

    result = audit_archive_run()

    assert result.archives == [] and result.rows_deleted == 1
    assert not AuditEvent.objects.filter(pk=event.pk).exists()
    assert AuditArchive.objects.get() == archive


def test_database_refuses_deleting_old_rows_without_an_archive_row(db):
    event = record_aged(400)
    with pytest.raises(DatabaseError, match="append-only"):
        raw_delete(event.pk)
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_database_refuses_deleting_179_day_rows_even_with_an_archive_row(db):
    event = record_aged(179)
    AuditArchive.objects.create(
        cutoff=timezone.now(),
        file="forged.jsonl.gz",
        first_id=event.pk,
        last_id=event.pk,
        row_count=1,
        sha256="0" * 64,
    )
    with pytest.raises(DatabaseError, match="append-only"):
        raw_delete(event.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute("UPDATE audit_auditevent SET outcome = 'failure' WHERE id = %s", [event.pk])
    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


@pytest.mark.postgres
def test_postgres_refuses_a_delete_that_did_not_declare_itself_a_purge(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL session settings")
    event = record_aged(400)
    AuditArchive.objects.create(
        cutoff=timezone.now(),
        file="a.jsonl.gz",
        first_id=event.pk,
        last_id=event.pk,
        row_count=1,
        sha256="0" * 64,
    )
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as c:
        c.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_verify_command_reports_each_archive(db, archive_settings):
    record_aged(500)
    out = io.StringIO()
    call_command("archive_audit", stdout=out)
    archive = AuditArchive.objects.get()
    assert f"{archive.file}: 1 rows" in out.getvalue() and "1 audit rows deleted" in out.getvalue()
    out = io.StringIO()
    call_command("verify_audit_archive", archive.file, stdout=out)
    assert out.getvalue().startswith(f"OK {archive.file}")
    archive_path(archive).unlink()
    with pytest.raises(CommandError):
        call_command("verify_audit_archive", archive.file)
    with pytest.raises(CommandError, match="No archive row"):
        call_command("verify_audit_archive", "nope.jsonl.gz")


def test_a_retention_below_180_days_is_refused(db, archive_settings):
    archive_settings.AUDIT_RETENTION_DAYS = 179
    event = record_aged(179.5)
    with pytest.raises(ImproperlyConfigured, match="AUDIT_RETENTION_DAYS"):
        audit_archive_run()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_archive_runs_daily_from_beat(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["audit-archive"]
    assert entry["task"] == "portal.audit.tasks.archive_audit_log"
    from portal.audit.tasks import archive_audit_log

    assert archive_audit_log.name == entry["task"]


def test_the_task_archives_and_is_safe_to_run_twice(db, archive_settings):
    from portal.audit.tasks import archive_audit_log

    record_aged(365)
    assert archive_audit_log() == 1
    assert archive_audit_log() == 0
