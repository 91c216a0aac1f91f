"""Database triggers that refuse UPDATE and DELETE on the audit table, on PostgreSQL and SQLite.

The ORM refuses already; the triggers also stop raw SQL, a stray ``QuerySet`` built elsewhere, and an
SQL injection from changing history (ASVS 16.4.2; GB/T 22239-2019 8.1.4.3 c).

Not covered, on purpose: TRUNCATE and DDL by the table's owner. Production should run the portal
under a database role that does not own the table (then it cannot drop the triggers either).

The one exception is the retention purge (portal/audit/archive.py; Cybersecurity Law Art. 21 asks for
six months at least). UPDATE is always refused. A DELETE passes only for a row that is
- older than ``RETENTION_FLOOR_DAYS`` (180) by the database's own clock, whatever the settings say, and
- covered by an ``audit_auditarchive`` row (its id between first_id and last_id, a checksum recorded),
  i.e. already written to an archive file, and
- on PostgreSQL, deleted in a transaction that declared itself a purge (``SET LOCAL portal.audit_purge
  = 'on'``), so a stray DELETE of old rows is refused too. SQLite has no session settings; the first two
  conditions hold there.
So even code that forged an archive row could not remove anything younger than six months.

Every statement here is idempotent, so ``install`` can run after each ``migrate`` (SQLite rebuilds a
table, and drops its triggers, whenever a migration alters it) and after a test database flush.
"""

TABLE = "audit_auditevent"
ARCHIVE_TABLE = "audit_auditarchive"
TRIGGER_MIGRATION = ("audit", "0002_append_only_triggers")
# The trigger bodies below read the archive table, which this migration creates.
ARCHIVE_MIGRATION = ("audit", "0003_audit_archive")
RETENTION_FLOOR_DAYS = 180
PURGE_SETTING = "portal.audit_purge"

# Constants only (table names, a number): nothing from outside reaches these statements.
_PG_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE'
           AND current_setting('{PURGE_SETTING}', true) = 'on'
           AND OLD.at < now() - interval '{RETENTION_FLOOR_DAYS} days'
           AND to_regclass('{ARCHIVE_TABLE}') IS NOT NULL
           AND EXISTS (
               SELECT 1 FROM {ARCHIVE_TABLE} a
               WHERE OLD.id BETWEEN a.first_id AND a.last_id AND length(a.sha256) = 64
           )
        THEN
            RETURN OLD;
        END IF;
        RAISE EXCEPTION 'The audit log is append-only: % on {TABLE} is refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,  # noqa: S608  # nosec B608 # constants only
    f"""
    CREATE OR REPLACE TRIGGER {TABLE}_no_update_delete
        BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION {TABLE}_append_only()
    """,
]
_PG_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update_delete ON {TABLE}",
    f"DROP FUNCTION IF EXISTS {TABLE}_append_only()",
]

# SQLite stores an aware datetime as UTC text "YYYY-MM-DD HH:MM:SS[.ffffff]", which sorts like the
# datetime('now', ...) it is compared with. The delete trigger is dropped and created again so that a
# database made before the archive existed gets the new condition.
_SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: UPDATE on {TABLE} is refused'); END
    """,
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
    f"""
    CREATE TRIGGER {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    WHEN NOT (
        OLD.at < datetime('now', '-{RETENTION_FLOOR_DAYS} days')
        AND EXISTS (
            SELECT 1 FROM {ARCHIVE_TABLE} a
            WHERE OLD.id BETWEEN a.first_id AND a.last_id AND length(a.sha256) = 64
        )
    )
    BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: DELETE on {TABLE} is refused'); END
    """,  # noqa: S608  # nosec B608 # constants only
]
_SQLITE_UNINSTALL = [
    f"DROP TRIGGER IF EXISTS {TABLE}_no_update",
    f"DROP TRIGGER IF EXISTS {TABLE}_no_delete",
]


def _statements(connection, *, install: bool) -> list[str]:
    if connection.vendor == "postgresql":
        return _PG_INSTALL if install else _PG_UNINSTALL
    if connection.vendor == "sqlite":
        return _SQLITE_INSTALL if install else _SQLITE_UNINSTALL
    raise RuntimeError(f"No append-only triggers for the {connection.vendor} database of the audit log")


def install(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=True):
            cursor.execute(statement)


def uninstall(connection) -> None:
    with connection.cursor() as cursor:
        for statement in _statements(connection, install=False):
            cursor.execute(statement)


def installed(connection) -> bool:
    """Whether every trigger is in place (for tests and a deployment check)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = %s",
                [TABLE, f"{TABLE}_no_update_delete"],
            )
            return cursor.fetchone()[0] == 1
        cursor.execute(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s AND name IN (%s, %s)",
            [TABLE, f"{TABLE}_no_update", f"{TABLE}_no_delete"],
        )
        return cursor.fetchone()[0] == 2


def install_if_migrated(connection) -> None:
    """Install the triggers when the migration that introduced them is applied (else do nothing)."""
    from django.db.migrations.recorder import MigrationRecorder

    if connection.vendor not in {"postgresql", "sqlite"}:
        return
    if TRIGGER_MIGRATION not in MigrationRecorder(connection).applied_migrations():
        return
    if TABLE not in connection.introspection.table_names():
        return
    install(connection)
