"""`whitelist_publish`: publishing a whitelist batch of 100,000 enterprises to 40 banks.

Goal (issue 5, "Performance"):

- `publish 100,000 to 40 banks (s)` (target <= 10): seconds for ``whitelist.batches.batch_publish`` on a
  submitted batch of 100,000 included, consenting enterprises, each with a valid invention patent and a
  registered trademark: the entries are marked published, their 200,000 pledgeable IP assets copied, the
  feedback due date set and a delivery made for each of 40 bank head offices, in one transaction, by a
  second member of staff. Set-based statements only; DEBUG off, against PostgreSQL.

Also reported (no goal): the screening run over the 100,000 and the batch's creation.

The enterprises (``Whitelist bench NNNNNN``), their profiles, IP and consent, the 40 banks and the two
reviewers are built once with set-based SQL and kept (a marker table records it). Each run screens anew,
builds a batch, publishes it, and then deletes that batch, its entries and deliveries, so runs can repeat.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench_wl python -m bench whitelist_publish
"""

import os
import time
from datetime import timedelta

from bench.harness import Goal, info, server_env

PUBLISH_DESCRIPTION = "publish a whitelist batch of 100,000 enterprises to 40 banks: seconds (<= 10)"

ENTERPRISES = 100_000
BANKS = 40
TARGET_SECONDS = 10.0
BUILD_VERSION = 1
MAKER, CHECKER = "bench_wl_reviewer_1", "bench_wl_reviewer_2"


def _setup_django() -> None:
    os.environ.update(server_env({"DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from portal.celery import app as celery_app

    celery_app.conf.broker_url = "memory://"  # the webhook notifications queued after commit go nowhere
    celery_app.conf.task_always_eager = False


def _uscc(serial: int) -> str:
    from portal.identifiers.uscc import check_character

    body = f"91110108WL{serial:07d}"
    return body + check_character(body)


def _build() -> None:
    from django.db import connection, transaction

    from portal.accounts.models import Organisation, OrgKind, Role, User
    from portal.accounts.services import organisation_create, user_create

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_whitelist_build (version int PRIMARY KEY, built_at timestamptz DEFAULT now())"
        )
        cursor.execute("SELECT 1 FROM bench_whitelist_build WHERE version = %s", [BUILD_VERSION])
        if cursor.fetchone():
            info("reusing the 100,000 enterprises")
            return
    info("building 100,000 enterprises with IP and consent, 40 banks")
    started = time.monotonic()
    names = [f"Whitelist bench {index:06d}" for index in range(ENTERPRISES)]
    codes = [_uscc(index) for index in range(ENTERPRISES)]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_organisation (name, kind, uscc, district, is_active, created_at) "
            "SELECT name, %s, uscc, '110108', true, now() FROM unnest(%s::text[], %s::text[]) AS t(name, uscc)",
            [OrgKind.ENTERPRISE, names, codes],
        )
        cursor.execute(
            "INSERT INTO accounts_enterpriseprofile (organisation_id, industry, is_high_tech, is_specialised, "
            "is_little_giant, is_tech_sme, is_ip_advantage, contact_name, contact_phone, contact_email) "
            "SELECT id, 'other', true, false, false, false, false, '联系人', '', '' FROM accounts_organisation "
            "WHERE name LIKE 'Whitelist bench %%'"
        )
        for kind, patent_type, prefix in (("patent", "invention", "ZLWB"), ("trademark", "", "TMWB")):
            cursor.execute(
                "INSERT INTO pledges_ipasset (owner_id, kind, number, title, patent_type, legal_status, created_at) "
                "SELECT id, %s, %s || id, 'bench', %s, 'in_force', now() FROM accounts_organisation "
                "WHERE name LIKE 'Whitelist bench %%'",
                [kind, prefix, patent_type],
            )
        cursor.execute(
            "INSERT INTO whitelist_consent (enterprise_id, status, changed_at) "
            "SELECT id, 'granted', now() FROM accounts_organisation WHERE name LIKE 'Whitelist bench %%'"
        )
        cursor.execute(
            "INSERT INTO accounts_organisation (name, kind, uscc, district, is_active, created_at) "
            "SELECT 'Whitelist bench bank ' || lpad(g::text, 2, '0'), %s, NULL, '', true, now() "
            "FROM generate_series(1, %s) g",
            [OrgKind.BANK, BANKS],
        )
        bureau = organisation_create(name="Whitelist bench IP bureau", kind=OrgKind.IP_BUREAU)
        for username in (MAKER, CHECKER):
            if not User.objects.filter(username=username).exists():
                user_create(
                    username=username,
                    password=None,
                    full_name=username,
                    organisation=bureau,
                    role=Role.REVIEWER,
                )
        cursor.execute("INSERT INTO bench_whitelist_build (version) VALUES (%s)", [BUILD_VERSION])
    with connection.cursor() as cursor:
        for table in (
            "accounts_organisation",
            "pledges_ipasset",
            "whitelist_consent",
            "accounts_enterpriseprofile",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    info(f"built in {time.monotonic() - started:.0f} s ({Organisation.objects.count():,} organisations)")


def _clean(batch) -> None:
    from django.db import transaction

    from whitelist.models import BatchEntry, BatchEvent, Delivery, EntryAsset

    with transaction.atomic():
        EntryAsset.objects.filter(entry__batch=batch).delete()
        Delivery.objects.filter(batch=batch).delete()
        BatchEntry.objects.filter(batch=batch)._raw_delete(BatchEntry.objects.db)
        BatchEvent.objects.filter(batch=batch).delete()
        batch.delete()


def run_publish() -> list[Goal]:
    _setup_django()
    _build()
    from django.db import connection
    from django.utils import timezone

    from portal.accounts.models import User
    from whitelist.batches import batch_create, batch_publish, batch_submit
    from whitelist.models import Decision, RuleSetStatus, ScreeningRun
    from whitelist.services import (
        rule_set_activate,
        rule_set_create,
        screening_run_create,
        screening_run_execute,
    )

    maker, checker = User.objects.get(username=MAKER), User.objects.get(username=CHECKER)
    from whitelist.models import RuleSet

    if not RuleSet.objects.filter(status=RuleSetStatus.ACTIVE).exists():
        rule_set_activate(rule_set=rule_set_create(actor=maker, values={"explanation": "bench"}), actor=maker)

    started = time.monotonic()
    run = screening_run_create(actor=maker)
    screening_run_execute(run_id=run.pk)
    run = ScreeningRun.objects.get(pk=run.pk)
    info(
        f"screening: {run.screened:,} enterprises, {run.passed:,} candidates in {time.monotonic() - started:.1f} s"
    )

    started = time.monotonic()
    batch = batch_create(run=run, actor=maker, valid_until=timezone.localdate() + timedelta(days=365))
    # Every entry included: the review itself is people's work, not what this goal measures.
    batch.entries.update(decision=Decision.INCLUDED, decided_by=maker, decided_at=timezone.now())
    batch_submit(batch=batch, actor=maker)
    info(
        f"batch {batch.number}: {batch.entries.count():,} entries created and submitted in {time.monotonic() - started:.1f} s"
    )

    started = time.monotonic()
    batch = batch_publish(batch=batch, actor=checker)
    seconds = time.monotonic() - started
    deliveries = batch.deliveries.count()
    info(f"published {batch.published_count:,} entries to {deliveries} banks in {seconds:.2f} s")
    if batch.published_count < ENTERPRISES or deliveries < BANKS:
        raise SystemExit(
            f"expected {ENTERPRISES:,} entries to {BANKS} banks, got {batch.published_count:,} to {deliveries}"
        )
    _clean(batch)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM whitelist_candidate WHERE run_id = %s", [run.pk])
        cursor.execute("DELETE FROM whitelist_screeningrunevent WHERE run_id = %s", [run.pk])
        cursor.execute("DELETE FROM whitelist_screeningrun WHERE id = %s", [run.pk])
    return [Goal("publish 100,000 to 40 banks (s)", seconds, TARGET_SECONDS, higher_is_better=False)]
