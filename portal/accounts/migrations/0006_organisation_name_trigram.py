"""A trigram index for finding enterprises by part of their name (global search, issue 11).

Django's ``name__icontains`` reads ``UPPER(name::text) LIKE UPPER('%…%')``: no b-tree serves a match in
the middle of a name, so every name search scanned the organisations (60–140 ms at 60,000 of them,
`python -m bench pages`). A GIN trigram index on the same expression does. PostgreSQL only: SQLite (development)
scans its few rows. ``pg_trgm`` is a trusted extension (PostgreSQL 13+): the database owner may create it;
where even that is refused, the migration says so and goes on without the index (search is then slower,
never wrong).
"""

import logging

from django.db import DatabaseError, migrations

logger = logging.getLogger(__name__)

INDEX = "accounts_organisation_name_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        try:
            cursor.execute("SAVEPOINT trgm")
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            cursor.execute("RELEASE SAVEPOINT trgm")
        except DatabaseError as error:  # the index is an optimisation: its absence is reported, not fatal
            cursor.execute("ROLLBACK TO SAVEPOINT trgm")
            logger.warning(
                "pg_trgm is not available (%s): enterprise names are searched without an index", error
            )
            return
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON accounts_organisation USING gin (UPPER(name::text) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_onboarding")]

    operations = [migrations.RunPython(create, drop)]
