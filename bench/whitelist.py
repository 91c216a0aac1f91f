"""`whitelist_publish` and `whitelist_pull`: publishing a whitelist batch of 100,000 enterprises to 40
banks, and a bank pulling it through the API.

Goals (issue 5, "Performance"):

- `publish 100,000 to 40 banks (s)` (target <= 10): seconds for ``whitelist.batches.batch_publish`` on a
  submitted batch of 100,000 included, consenting enterprises, each with a valid invention patent and a
  registered trademark: the entries are marked published, their 200,000 pledgeable IP assets copied, the
  feedback due date set and a delivery made for each of 40 bank head offices, in one transaction, by a
  second member of staff. Set-based statements only; DEBUG off, against PostgreSQL.

Also reported (no goal): the screening run over the 100,000 and the batch's creation.

- `pull 100,000 entries (entries/s)` (target >= 5,000): a bank's system (an API client with a bearer token)
  walks ``/api/v1/whitelist/deliveries/<id>/entries/`` page by page (2,000 a page, following ``next``)
  through a production-like gunicorn (one worker, one thread, so its memory is one process's), and the
  rate is entries received over the wall time.
- `pull memory growth, 100k vs 10k delivery (MB)` (target <= 10): the worker's resident memory after
  pulling the 100,000-entry delivery, less after pulling a 10,000-entry one (both after a warm-up pull):
  the memory must not grow with the delivery's size.

The two published batches the pull reads (100,000 and 10,000 entries) are built once and kept.

The enterprises (``Whitelist bench NNNNNN``), their profiles, IP and consent, the 40 banks and the two
reviewers are built once with set-based SQL and kept (a marker table records it). Each run screens anew,
builds a batch, publishes it, and then deletes that batch, its entries and deliveries, so runs can repeat.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench_wl python -m bench whitelist_publish
"""

import os
import time
from datetime import timedelta
from pathlib import Path

from bench.harness import Goal, info, server_env

PUBLISH_DESCRIPTION = "publish a whitelist batch of 100,000 enterprises to 40 banks: seconds (<= 10)"
PULL_DESCRIPTION = "a bank pulls a 100,000-entry delivery through the API: entries/s (>= 5,000), memory growth vs 10,000 (<= 10 MB)"
PULL_TARGET_RATE = 5_000.0
PULL_TARGET_GROWTH_MB = 10.0
PULL_PAGE = 2_000
PULL_BANK = "Whitelist bench bank 01"

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


# --- Pulling ------------------------------------------------------------------------------------------


def _published(entries: int, maker, checker):
    """A published batch of ``entries`` enterprises (the first ones by id), kept for later runs."""
    from django.utils import timezone

    from whitelist.batches import batch_create, batch_publish, batch_submit
    from whitelist.models import Batch, BatchStatus, Decision, ExclusionReason, ScreeningRun
    from whitelist.services import screening_run_create, screening_run_execute

    kept = Batch.objects.filter(
        status=BatchStatus.PUBLISHED, published_count=entries, created_by=maker
    ).first()
    if kept is not None:
        return kept
    run = screening_run_create(actor=maker)
    screening_run_execute(run_id=run.pk)
    run = ScreeningRun.objects.get(pk=run.pk)
    batch = batch_create(run=run, actor=maker, valid_until=timezone.localdate() + timedelta(days=3650))
    cut = batch.entries.order_by("enterprise_id").values_list("enterprise_id", flat=True)[entries - 1]
    batch.entries.filter(enterprise_id__lte=cut).update(decision=Decision.INCLUDED, decided_by=maker)
    batch.entries.filter(enterprise_id__gt=cut).update(
        decision=Decision.EXCLUDED, exclusion_reason=ExclusionReason.OTHER, note="bench", decided_by=maker
    )
    batch_submit(batch=batch, actor=maker)
    batch = batch_publish(batch=batch, actor=checker)
    info(f"published batch {batch.number}: {batch.published_count:,} entries")
    return batch


def _token() -> str:
    from portal.accounts.models import Organisation, Role
    from portal.apiauth.models import ApiClient
    from portal.apiauth.services import api_client_create, api_client_rotate_secret, token_issue

    name = "Whitelist bench bank system"
    client = ApiClient.objects.filter(name=name).first()
    if client is None:
        bank = Organisation.objects.get(name=PULL_BANK)
        client, secret = api_client_create(organisation=bank, role=Role.BANK_OFFICER, name=name, actor=None)
    else:
        secret = api_client_rotate_secret(client=client, actor=None)
    return token_issue(client_id=client.client_id, secret=secret).access_token


def _pull(host: str, delivery_id: int, token: str) -> int:
    import http.client
    import json
    from urllib.parse import urlsplit

    hostname, port = host.split(":")
    connection = http.client.HTTPConnection(hostname, int(port), timeout=60)
    path = f"/api/v1/whitelist/deliveries/{delivery_id}/entries/?page_size={PULL_PAGE}"
    received = 0
    while path:
        connection.request("GET", path, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise SystemExit(f"{path} answered {response.status}: {body[:300]!r}")
        page = json.loads(body)
        received += len(page["results"])
        following = page.get("next")
        path = f"{urlsplit(following).path}?{urlsplit(following).query}" if following else None
    connection.close()
    return received


def _worker_rss_mb(server_pid: int) -> float:
    """Resident memory of the gunicorn worker (the master's only child), in MB."""
    children = Path(f"/proc/{server_pid}/task/{server_pid}/children").read_text().split()
    total = 0
    for pid in children:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                total += int(line.split()[1])
    return total / 1024


def run_pull() -> list[Goal]:
    _setup_django()
    _build()
    from bench.harness import gunicorn
    from portal.accounts.models import Organisation, User
    from whitelist.models import Delivery, RuleSet, RuleSetStatus
    from whitelist.services import rule_set_activate, rule_set_create

    maker, checker = User.objects.get(username=MAKER), User.objects.get(username=CHECKER)
    if not RuleSet.objects.filter(status=RuleSetStatus.ACTIVE).exists():
        rule_set_activate(rule_set=rule_set_create(actor=maker, values={"explanation": "bench"}), actor=maker)
    bank = Organisation.objects.get(name=PULL_BANK)
    large = Delivery.objects.get(batch=_published(ENTERPRISES, maker, checker), bank=bank)
    small = Delivery.objects.get(batch=_published(ENTERPRISES // 10, maker, checker), bank=bank)
    token = _token()
    secret = {"DJANGO_SECRET_KEY": os.environ["DJANGO_SECRET_KEY"]}
    with gunicorn(workers=1, threads=1, env=secret) as host:
        server_pid = _server_pid(host)
        _pull(host, small.pk, token)  # warm-up: code paths, connections, caches
        _pull(host, small.pk, token)
        after_small = _worker_rss_mb(server_pid)
        started = time.monotonic()
        received = _pull(host, large.pk, token)
        seconds = time.monotonic() - started
        after_large = _worker_rss_mb(server_pid)
    if received != ENTERPRISES:
        raise SystemExit(f"pulled {received:,} entries, expected {ENTERPRISES:,}")
    rate = received / seconds
    growth = after_large - after_small
    info(
        f"pulled {received:,} entries in {seconds:.1f} s; worker RSS {after_small:.0f} MB -> {after_large:.0f} MB"
    )
    return [
        Goal("pull 100,000 entries (entries/s)", rate, PULL_TARGET_RATE),
        Goal(
            "pull memory growth, 100k vs 10k delivery (MB)",
            growth,
            PULL_TARGET_GROWTH_MB,
            higher_is_better=False,
        ),
    ]


def _server_pid(host: str) -> int:
    """The gunicorn master listening on ``host``'s port."""
    port = int(host.split(":")[1])
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            command = Path(f"/proc/{pid}/cmdline").read_text().split("\0")
        except OSError:
            continue
        if "gunicorn" in " ".join(command) and f"127.0.0.1:{port}" in command:
            return int(pid)
    raise SystemExit("gunicorn's master process was not found")
