"""``flush`` that can empty the audit table on SQLite too.

Django's flush empties every table; on PostgreSQL it uses TRUNCATE, which the append-only triggers let
through (see portal/audit/triggers.py), but on SQLite it runs DELETE, which they refuse. Every
TransactionTestCase (browser tests, concurrency tests) flushes after each test, so on SQLite the
triggers are lifted for the flush and restored in the same transaction: if the flush fails, the
rollback restores them as well. This overrides the core command the way django.contrib.staticfiles
overrides ``runserver``.
"""

from django.core.management.commands.flush import Command as FlushCommand
from django.db import connections, transaction

from portal.audit import triggers


class Command(FlushCommand):
    def handle(self, **options):
        connection = connections[options["database"]]
        if connection.vendor != "sqlite":
            return super().handle(**options)
        with transaction.atomic(using=connection.alias):
            triggers.uninstall(connection)
            result = super().handle(**options)
            triggers.install_if_migrated(connection)
        return result
