"""Database triggers that refuse UPDATE and DELETE on the audit table (PostgreSQL and SQLite).

The SQL lives in portal/audit/triggers.py, which also re-installs it after later migrations (SQLite
drops a table's triggers when it rebuilds the table).
"""

from django.db import migrations


def install(apps, schema_editor):
    from portal.audit import triggers

    triggers.install(schema_editor.connection)


def uninstall(apps, schema_editor):
    from portal.audit import triggers

    triggers.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
