"""The backup drill's fingerprint (ops/fingerprint.py) changes when any money value or row changes, so a restore
that lost or altered data cannot pass the drill (security.md check 36)."""

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest
from django.db import connection, models

pytestmark = pytest.mark.postgres

SPEC = importlib.util.spec_from_file_location(
    "ops_fingerprint", Path(__file__).resolve().parents[2] / "ops" / "fingerprint.py"
)
fingerprint_module = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(fingerprint_module)


@pytest.fixture
def postgres(db):
    if connection.vendor != "postgresql":
        pytest.skip("the drill fingerprints PostgreSQL (row text, md5)")


def test_money_tables_are_found_by_their_decimal_columns(postgres):
    from loans.models import Loan

    money = fingerprint_module.fingerprint()["money_tables"]
    decimal_columns = {f.column for f in Loan._meta.concrete_fields if isinstance(f, models.DecimalField)}
    assert decimal_columns and set(money[Loan._meta.db_table]["sums"]) == decimal_columns


def test_a_changed_amount_changes_the_fingerprint(postgres):
    before = fingerprint_module.fingerprint()
    table, column = next(
        (name, next(iter(entry["sums"])))
        for name, entry in sorted(before["money_tables"].items())
        if entry["rows"] and any(value is not None for value in entry["sums"].values())
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f'UPDATE "{table}" SET "{column}" = "{column}" + %s '  # noqa: S608 (names from the fingerprint)
            f'WHERE ctid = (SELECT ctid FROM "{table}" WHERE "{column}" IS NOT NULL LIMIT 1)',
            [Decimal("0.01")],
        )
    after = fingerprint_module.fingerprint()
    assert after["money_tables"][table]["md5"] != before["money_tables"][table]["md5"]
    assert after["migrations"] == before["migrations"]
