"""Print a JSON fingerprint of a PostgreSQL database of the portal, for the backup and restore drill.

Usage: ``python ops/fingerprint.py DATABASE_URL`` (the portal's settings are loaded with that URL).

Money tables are the models with a DecimalField, found by walking ``apps.get_models()`` so a new money
table is covered without editing this file. For each: the row count, the sum of every decimal column and
the md5 of ``string_agg`` over the rows' text in primary-key order (any changed byte in any column of any
row changes it). Every other table contributes its row count, and the ``django_migrations`` list is
included, so a restore that lost a table, a row or a migration record does not match.
"""

import json
import os
import sys
from pathlib import Path


def fingerprint() -> dict:
    from django.apps import apps
    from django.db import connection, models

    quote = connection.ops.quote_name
    result: dict = {"money_tables": {}, "row_counts": {}, "migrations": []}
    existing = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in sorted(apps.get_models(), key=lambda m: m._meta.db_table):
            meta = model._meta
            # A model whose migration is not applied has no table yet (``migrate --check`` reports that).
            if meta.proxy or not meta.managed or meta.db_table not in existing:
                continue
            table = quote(meta.db_table)
            decimals = [f for f in meta.concrete_fields if isinstance(f, models.DecimalField)]
            if not decimals:
                cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608  # nosec B608 # names from the model registry
                result["row_counts"][meta.db_table] = cursor.fetchone()[0]
                continue
            sums = ", ".join(f"sum({quote(f.column)})::text" for f in decimals)
            pk = quote(meta.pk.column)
            cursor.execute(
                f"SELECT count(*), {sums}, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t.{pk}), '')) "  # noqa: S608  # nosec B608 # names from the model registry
                f"FROM {table} AS t"
            )
            row = cursor.fetchone()
            result["money_tables"][meta.db_table] = {
                "rows": row[0],
                "sums": {f.column: row[i + 1] for i, f in enumerate(decimals)},
                "md5": row[-1],
            }
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY app, name")
        result["migrations"] = [f"{app}.{name}" for app, name in cursor.fetchall()]
    return result


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python ops/fingerprint.py DATABASE_URL", file=sys.stderr)
        return 2
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ["DATABASE_URL"] = argv[1]
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    json.dump(fingerprint(), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
