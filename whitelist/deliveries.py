"""Delivery of published batches to the banks (issue 5): one delivery per bank head office (for its whole
group) per batch, created in one INSERT ... SELECT when the batch is published."""

from django.db import connection
from django.utils import timezone

from portal.accounts.models import Organisation, OrgKind
from whitelist.models import Batch, Delivery


def deliveries_create(batch: Batch) -> int:
    """A delivery of ``batch`` to every active bank head office; returns how many. Runs inside the
    publication's transaction."""
    banks = Organisation.objects.filter(kind=OrgKind.BANK, parent__isnull=True, is_active=True).values("id")
    bank_sql, bank_params = banks.query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (batch_id, bank_id, created_at) "  # noqa: S608 (model names, bound values)
            f"SELECT %s, b.id, %s FROM ({bank_sql}) b",
            [batch.pk, timezone.now(), *bank_params],
        )
        return cursor.rowcount
