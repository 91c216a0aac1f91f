"""Database triggers that refuse UPDATE and DELETE on the audit table, on PostgreSQL and SQLite.

The ORM refuses already; the triggers also stop raw SQL, a stray ``QuerySet`` built elsewhere, and an
SQL injection from changing history (ASVS 16.4.2; GB/T 22239-2019 8.1.4.3 c).

Not covered, on purpose: TRUNCATE and DDL by the table's owner. Production should run the portal
under a database role that does not own the table (then it cannot drop the triggers either).
Retention (at least six months, Cybersecurity Law Art. 21) will need a purge of archived old rows;
that job must replace these triggers in a migration with one that admits only such rows.

Every statement here is idempotent, so ``install`` can run after each ``migrate`` (SQLite rebuilds a
table, and drops its triggers, whenever a migration alters it) and after a test database flush.
"""

TABLE = "audit_auditevent"
TRIGGER_MIGRATION = ("audit", "0002_append_only_triggers")

_PG_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION {TABLE}_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'The audit log is append-only: % on {TABLE} is refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END;
    $$
    """,
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

_SQLITE_INSTALL = [
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_no_update BEFORE UPDATE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: UPDATE on {TABLE} is refused'); END
    """,
    f"""
    CREATE TRIGGER IF NOT EXISTS {TABLE}_no_delete BEFORE DELETE ON {TABLE}
    BEGIN SELECT RAISE(ABORT, 'The audit log is append-only: DELETE on {TABLE} is refused'); END
    """,
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
