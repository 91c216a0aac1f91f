import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from portal.audit import triggers
from portal.audit.models import AuditEvent, AuditLogAppendOnlyError
from portal.audit.services import audit_record


@pytest.fixture
def event(db):
    return audit_record(action="role.grant", object_type="membership", object_id="7")


def test_saving_a_changed_event_is_refused(event):
    event.outcome = "failure"
    with pytest.raises(AuditLogAppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_deleting_an_event_is_refused(event):
    with pytest.raises(AuditLogAppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_and_delete_are_refused(event):
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(outcome="failure")
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.all().delete()
    with pytest.raises(AuditLogAppendOnlyError):
        AuditEvent.objects.bulk_update([event], ["outcome"])
    assert AuditEvent.objects.get(pk=event.pk).outcome == "success"


def test_an_instance_with_an_existing_id_cannot_overwrite_that_row(event):
    forged = AuditEvent(pk=event.pk, action="login.success", actor_username="someone_else")
    with pytest.raises(DatabaseError), transaction.atomic():
        forged.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "role.grant"


# Runs against whichever database is configured: SQLite locally, PostgreSQL with DATABASE_URL.
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditevent SET outcome = 'failure' WHERE id = %s",
        "UPDATE audit_auditevent SET at = at WHERE id = %s",
        "DELETE FROM audit_auditevent WHERE id = %s",
    ],
)
def test_raw_sql_update_and_delete_fail_in_the_database(event, sql):
    assert triggers.installed(connection)
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [event.pk])
    refreshed = AuditEvent.objects.get(pk=event.pk)
    assert (refreshed.outcome, refreshed.at) == ("success", event.at)


def test_raw_sql_insert_is_still_allowed(event):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO audit_auditevent (at, actor_username, role, request_id, action, object_type,"
            " object_id, outcome, details) SELECT at, '', '', '', 'data.export', '', '', 'success', '{}'"
            " FROM audit_auditevent WHERE id = %s",
            [event.pk],
        )
    assert AuditEvent.objects.count() == 2


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_database_flush_empties_the_log_and_leaves_the_triggers_in_place():
    # TransactionTestCase and `manage.py flush` empty every table; on SQLite that is a DELETE.
    audit_record(action="login.success")
    call_command("flush", interactive=False, verbosity=0)
    assert not AuditEvent.objects.exists()
    assert triggers.installed(connection)
    event = audit_record(action="login.success")
    with pytest.raises(DatabaseError, match="append-only"), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditevent WHERE id = %s", [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_migrate_reinstalls_triggers_that_went_missing():
    # SQLite drops a table's triggers when a later migration rebuilds the table.
    triggers.uninstall(connection)
    assert not triggers.installed(connection)
    call_command("migrate", "audit", verbosity=0)
    assert triggers.installed(connection)
