"""`sweep` and `workbench`: the registration office's two hot paths over a million historic cases.

Goals (issue 3, "Performance"):

- `sweep_1m_vs_10k_history` (target <= 1.20): the SLA sweep's cost follows the open cases, not the
  history. The same 3,000 open cases with reminders due are swept in two databases that differ only in
  their history, 10,000 vs 1,000,000 final-status registrations (each with a sent reminder, so the
  reminder table is a million rows too). Runs alternate between the two databases (drift on this
  noisy box hits both alike); the goal is the median of the 1M sweep times over the median of the
  10k sweep times. "Now" is frozen to a working day in office hours (Wednesday 2026-03-18, 10:00
  Beijing), passed to ``sla_sweep(now=...)``; after each run the claimed reminders are made pending
  again and the notifications and mails it created are removed, so every run does the same work
  (4,000 sends: 1,000 half-time, 1,000 due-today, 1,000 overdue and 1,000 escalations).
- `workbench_median_ms` (target <= 50): the commissioner's workbench list page
  (``pledges:workbench``) over the 1M-history database, for a commissioner with 3,600 open cases
  (3,000 on the clock, 600 before acceptance) among the million, median latency of a single client
  (Django's test client in-process against PostgreSQL, so no network or server time is counted).
- `workbench_queries_100_vs_20` (target <= 1.00): the page's query count at its largest page size
  (100 cases) over its count at its smallest (20): one query per case would make it 5.

The data is built with set-based SQL (``INSERT ... SELECT generate_series``) in a few minutes and kept:
a marker table ``bench_registrations_build`` records what each database holds, so later runs reuse it.
The 10k database is the DATABASE_URL database's name with ``_hist10k`` appended. Historic cases carry
no asset links, events or materials (neither hot path reads them); open cases have one patent each.
Mails go to an in-memory Celery broker, so the sweep pays for queueing them but not for sending; the
benchmark's connections run with ``synchronous_commit = off`` (the sweep commits per reminder, and a WAL
flush here costs more than the rest of the send). Pages render with DEBUG off, through the static
manifest (``collectstatic`` runs first).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench python -m bench sweep
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench python -m bench workbench
"""

import os
import statistics
import time
from datetime import date, datetime, timedelta
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from bench.harness import Goal, ensure_database, info, manage, require_postgres, server_env

SWEEP_DESCRIPTION = "SLA sweep over 3,000 open cases: 1M vs 10k historic registrations (time ratio <= 1.20)"
WORKBENCH_DESCRIPTION = (
    "workbench list over 1M registrations: median ms (<= 50), queries at 100 vs 20 a page (<= 1)"
)

HISTORY_LARGE = 1_000_000
HISTORY_SMALL = 10_000
OPEN_CLOCKED = 3_000  # accepted or under review, each with one or two reminders due now
OPEN_BEFORE_ACCEPTANCE = 600  # submitted, pre-check, correction: on the workbench, not in the sweep
ENTERPRISES = 20_000
BANKS = 40
COMMISSIONERS = 20
BUILD_VERSION = 1  # bump when the generated data changes shape

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 3, 18, 10, 0, tzinfo=BEIJING)  # a Wednesday, a working day, in office hours
TODAY = NOW.date()
SWEEP_ROUNDS = 3
WORKBENCH_REQUESTS = 60
SUFFIX_SMALL = "_hist10k"
# Each clocked open case owes one reminder now; the overdue third also owes its escalation.
EXPECTED_SENDS = OPEN_CLOCKED + OPEN_CLOCKED // 3
WORKBENCH_PAGE_SIZE_PARAM = "page_size"

BENCH_COMMISSIONER = "bench_commissioner"
BENCH_SUPERVISOR = "bench_supervisor"


# --- Django in this process ------------------------------------------------------------------------


def _setup_django() -> None:
    # Production-like settings (DEBUG off: no query log growing over thousands of requests), and an
    # in-memory broker so the mails the sweep queues go nowhere.
    os.environ.update(server_env({"DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from django.db.backends.signals import connection_created

    from portal.celery import app as celery_app

    celery_app.conf.broker_url = "memory://"
    celery_app.conf.task_always_eager = False
    connection_created.connect(_no_commit_wait)


def _no_commit_wait(sender, connection, **kwargs) -> None:
    # The sweep commits once per reminder; on this box a WAL flush costs ~15 ms, which would make each
    # run minutes long without telling anything about history (the flush is per open case, the same in
    # both databases). Durability of benchmark data does not matter.
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")


def _use_database(name: str) -> None:
    """Point the default connection at another database of the same server (the next query connects)."""
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = name


# --- Building the data -----------------------------------------------------------------------------


def _marker(cursor) -> int | None:
    cursor.execute(
        "CREATE TABLE IF NOT EXISTS bench_registrations_build "
        "(version int PRIMARY KEY, history int NOT NULL, built_at timestamptz NOT NULL DEFAULT now())"
    )
    cursor.execute("SELECT history FROM bench_registrations_build WHERE version = %s", [BUILD_VERSION])
    row = cursor.fetchone()
    return row[0] if row else None


def _uscc(serial: int, district: str = "110108") -> str:
    from portal.identifiers.uscc import check_character

    body = f"91{district}MB{serial:07d}"
    return body + check_character(body)


def _people():
    """The office, its commissioners and supervisor, a filer; created through the services."""
    from portal.accounts.models import Organisation, OrgKind, Role, User
    from portal.accounts.services import organisation_create, user_create

    office = Organisation.objects.filter(name="Bench registration office").first() or organisation_create(
        name="Bench registration office", kind=OrgKind.REGISTRATION_OFFICE
    )

    def person(username: str, organisation, role: str) -> User:
        return User.objects.filter(username=username).first() or user_create(
            username=username,
            password=None,
            full_name=username,
            email=f"{username}@bench.example",
            organisation=organisation,
            role=role,
        )

    commissioners = [person(BENCH_COMMISSIONER, office, Role.COMMISSIONER)]
    commissioners += [
        person(f"bench_commissioner_{index:02d}", office, Role.COMMISSIONER)
        for index in range(1, COMMISSIONERS)
    ]
    supervisor = person(BENCH_SUPERVISOR, office, Role.REGISTRATION_SUPERVISOR)
    return office, commissioners, supervisor


def _organisations(cursor) -> tuple[list[int], list[int], int]:
    from portal.accounts.models import OrgKind

    cursor.execute("SELECT count(*) FROM accounts_organisation WHERE name LIKE 'Bench enterprise %%'")
    if cursor.fetchone()[0] < ENTERPRISES:
        names = [f"Bench enterprise {index:05d}" for index in range(ENTERPRISES)]
        codes = [_uscc(index) for index in range(ENTERPRISES)]
        cursor.execute(
            "INSERT INTO accounts_organisation (name, kind, uscc, district, is_active, created_at) "
            "SELECT name, %s, uscc, '110108', true, now() FROM unnest(%s::text[], %s::text[]) AS t(name, uscc)",
            [OrgKind.ENTERPRISE, names, codes],
        )
        cursor.execute(
            "INSERT INTO accounts_organisation (name, kind, uscc, district, is_active, created_at) "
            "SELECT 'Bench bank ' || lpad(g::text, 2, '0'), %s, NULL, '', true, now() "
            "FROM generate_series(1, %s) g",
            [OrgKind.BANK, BANKS],
        )
    cursor.execute("SELECT id FROM accounts_organisation WHERE name LIKE 'Bench enterprise %%' ORDER BY id")
    enterprises = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT id FROM accounts_organisation WHERE name LIKE 'Bench bank %%' ORDER BY id")
    banks = [row[0] for row in cursor.fetchall()]
    cursor.execute("SELECT id FROM accounts_user WHERE username = 'bench_filer'")
    row = cursor.fetchone()
    if row is None:
        from portal.accounts.services import user_create

        filer = user_create(username="bench_filer", password=None, full_name="bench filer").pk
    else:
        filer = row[0]
    return enterprises, banks, filer


# Final statuses in a realistic mix: most pledges are registered, some later cancelled or changed.
_FINAL_MIX = "ARRAY['registered','registered','registered','registered','refused','cancelled','cancelled','withdrawn','changed','registered']"
_IP_KINDS = "ARRAY['patent','patent','patent','trademark','trademark','copyright']"

# Columns every generated registration fills; the SELECTs below produce them in this order.
_REGISTRATION_COLUMNS = (
    "reference, kind, ip_kind, channel, status, pledgor_id, pledgee_id, debt_amount, debt_start, debt_end, "
    "valued, via_agent, "
    "commissioner_id, assigned_at, submitted_at, clock_started_on, sla_days, sla_basis, due_date, "
    "due_provisional, due_explanation, completed_on, breached, notice_number, registered_on, refusal_reasons, "
    "created_by_id, created_at, updated_at"
)


def _history(cursor, *, count: int, enterprises, banks, commissioners, filer) -> None:
    """``count`` final-status cases spread over 2016-2026 (before the open ones), one sent reminder each."""
    started = time.monotonic()
    chunk = 250_000
    span_seconds = 10 * 365 * 86400
    for first in range(1, count + 1, chunk):
        last = min(count, first + chunk - 1)
        cursor.execute(
            f"""
            INSERT INTO pledges_pledgeregistration ({_REGISTRATION_COLUMNS})
            SELECT 'H' || lpad(g::text, 9, '0'), 'pledge', ({_IP_KINDS})[1 + g %% 6],
                   CASE WHEN g %% 3 = 0 THEN 'window' ELSE 'online' END, s.status,
                   (%(enterprises)s::bigint[])[1 + g %% %(n_enterprises)s],
                   (%(banks)s::bigint[])[1 + g %% %(n_banks)s],
                   (200000 + (g %% 400) * 25000)::numeric(14, 2), t.day, t.day + 365 * (1 + g %% 3), false, false,
                   (%(commissioners)s::bigint[])[1 + g %% %(n_commissioners)s], t.at, t.at,
                   t.day, 3, 'working', t.day + 5, false, '[]'::jsonb,
                   CASE WHEN s.status = 'withdrawn' THEN NULL ELSE t.day + 3 END,
                   CASE WHEN s.status = 'withdrawn' THEN NULL ELSE g %% 50 = 0 END,
                   CASE WHEN s.status IN ('registered', 'changed', 'cancelled')
                        THEN 'N' || lpad(g::text, 9, '0') ELSE '' END,
                   CASE WHEN s.status IN ('registered', 'changed', 'cancelled') THEN t.day + 3 END,
                   CASE WHEN s.status = 'refused' THEN '["annual_fee_unpaid"]'::jsonb ELSE '[]'::jsonb END,
                   %(filer)s, t.at, t.at
            FROM generate_series(%(first)s, %(last)s) g
            CROSS JOIN LATERAL (
                SELECT timestamptz '2016-01-04 09:00+08'
                       + make_interval(secs => (g::bigint * %(span)s / %(count)s)::double precision) AS at
            ) a
            CROSS JOIN LATERAL (SELECT (a.at AT TIME ZONE 'Asia/Shanghai')::date AS day, a.at) t
            CROSS JOIN LATERAL (SELECT ({_FINAL_MIX})[1 + (g / 7) %% 10] AS status) s
            """,  # noqa: S608 (the f-string pastes module constants, never input)
            {
                "enterprises": enterprises,
                "n_enterprises": len(enterprises),
                "banks": banks,
                "n_banks": len(banks),
                "commissioners": commissioners,
                "n_commissioners": len(commissioners),
                "filer": filer,
                "first": first,
                "last": last,
                "span": span_seconds,
                "count": count,
            },
        )
        info(f"history: {last:,} of {count:,} cases ({time.monotonic() - started:.0f} s)")
    cursor.execute(
        """
        INSERT INTO pledges_slareminder (registration_id, point, clock_started_on, due_on, sent_at)
        SELECT id, 'due_today', clock_started_on, due_date, created_at + interval '3 days'
        FROM pledges_pledgeregistration WHERE reference LIKE 'H%%'
        """
    )
    info(f"history reminders: done ({time.monotonic() - started:.0f} s)")


def _open_cases(cursor, *, enterprises, banks, commissioner: int, filer: int) -> None:
    """The open set, identical in both databases: 3,000 on the clock with reminders due now, 600 earlier.

    Three groups of 1,000 (window patents, 3 working days), as of Wednesday 2026-03-18:
    clock started Mon 03-16, due Thu 03-19: half-time reminder due today;
    clock started Fri 03-13, due Wed 03-18: half-time sent, due-today reminder due;
    clock started Thu 03-12, due Tue 03-17: half-time and due-today sent, overdue and escalation due.
    """
    groups = [
        # (clock started, due date, {point: (send on, already sent)})
        (
            date(2026, 3, 16),
            date(2026, 3, 19),
            {
                "half_time": (date(2026, 3, 18), False),
                "due_today": (date(2026, 3, 19), False),
                "overdue": (date(2026, 3, 20), False),
                "escalated": (date(2026, 3, 20), False),
            },
        ),
        (
            date(2026, 3, 13),
            date(2026, 3, 18),
            {
                "half_time": (date(2026, 3, 17), True),
                "due_today": (date(2026, 3, 18), False),
                "overdue": (date(2026, 3, 19), False),
                "escalated": (date(2026, 3, 19), False),
            },
        ),
        (
            date(2026, 3, 12),
            date(2026, 3, 17),
            {
                "half_time": (date(2026, 3, 16), True),
                "due_today": (date(2026, 3, 17), True),
                "overdue": (date(2026, 3, 18), False),
                "escalated": (date(2026, 3, 18), False),
            },
        ),
    ]
    per_group = OPEN_CLOCKED // len(groups)
    for index, (clock, due, points) in enumerate(groups):
        first = index * per_group + 1
        cursor.execute(
            f"""
            INSERT INTO pledges_pledgeregistration ({_REGISTRATION_COLUMNS})
            SELECT 'OPEN' || lpad(g::text, 6, '0'), 'pledge', 'patent', 'window',
                   CASE WHEN g %% 2 = 0 THEN 'accepted' ELSE 'under_review' END,
                   (%(enterprises)s::bigint[])[1 + g %% %(n_enterprises)s],
                   (%(banks)s::bigint[])[1 + g %% %(n_banks)s],
                   1000000.00, %(clock)s, %(clock)s + 730, false, false, %(commissioner)s,
                   %(clock_at)s, %(clock_at)s, %(clock)s, 3, 'working', %(due)s, false, '[]'::jsonb,
                   NULL, NULL, '', NULL, '[]'::jsonb, %(filer)s,
                   %(clock_at)s - make_interval(mins => g), %(clock_at)s
            FROM generate_series(%(first)s, %(last)s) g
            """,  # noqa: S608 (the f-string pastes module constants, never input)
            {
                "enterprises": enterprises,
                "n_enterprises": len(enterprises),
                "banks": banks,
                "n_banks": len(banks),
                "clock": clock,
                "clock_at": datetime.combine(clock, datetime.min.time(), BEIJING) + timedelta(hours=9),
                "due": due,
                "commissioner": commissioner,
                "filer": filer,
                "first": first,
                "last": first + per_group - 1,
            },
        )
        for point, (send_on, sent) in points.items():
            cursor.execute(
                """
                INSERT INTO pledges_slareminder (registration_id, point, clock_started_on, due_on, sent_at)
                SELECT id, %s, %s, %s, %s FROM pledges_pledgeregistration
                WHERE reference BETWEEN %s AND %s
                """,
                [
                    point,
                    clock,
                    send_on,
                    datetime.combine(send_on, datetime.min.time(), BEIJING) + timedelta(hours=9)
                    if sent
                    else None,
                    f"OPEN{first:06d}",
                    f"OPEN{first + per_group - 1:06d}",
                ],
            )
    cursor.execute(
        f"""
        INSERT INTO pledges_pledgeregistration ({_REGISTRATION_COLUMNS})
        SELECT 'OPEN' || lpad(g::text, 6, '0'), 'pledge', 'trademark', 'online',
               (ARRAY['submitted', 'precheck', 'needs_correction', 'corrected'])[1 + g %% 4],
               (%(enterprises)s::bigint[])[1 + g %% %(n_enterprises)s],
               (%(banks)s::bigint[])[1 + g %% %(n_banks)s],
               500000.00, date '2026-03-10', date '2027-03-10', false, false, %(commissioner)s,
               timestamptz '2026-03-10 09:00+08', timestamptz '2026-03-10 09:00+08', NULL, NULL, '', NULL,
               false, '[]'::jsonb, NULL, NULL, '', NULL, '[]'::jsonb, %(filer)s,
               timestamptz '2026-03-10 09:00+08' + make_interval(mins => g), timestamptz '2026-03-10 09:00+08'
        FROM generate_series(%(first)s, %(last)s) g
        """,  # noqa: S608 (the f-string pastes module constants, never input)
        {
            "enterprises": enterprises,
            "n_enterprises": len(enterprises),
            "banks": banks,
            "n_banks": len(banks),
            "commissioner": commissioner,
            "filer": filer,
            "first": OPEN_CLOCKED + 1,
            "last": OPEN_CLOCKED + OPEN_BEFORE_ACCEPTANCE,
        },
    )
    # One patent of the pledgor per open case, so search by asset number has something to find.
    cursor.execute(
        """
        INSERT INTO pledges_ipasset (owner_id, kind, number, title, patent_type, filing_date, grant_date,
                                     annual_fee_paid_through, legal_status, legal_status_since, created_at)
        SELECT r.pledgor_id, 'patent', 'BENCH' || r.id, 'Bench patent ' || r.id, 'invention',
               date '2018-05-01', date '2020-05-01', date '2026-12-31', 'in_force', date '2020-05-01', now()
        FROM pledges_pledgeregistration r WHERE r.reference LIKE 'OPEN%%'
        """
    )
    cursor.execute(
        """
        INSERT INTO pledges_registrationasset (registration_id, asset_id, co_owner_consent)
        SELECT r.id, a.id, false FROM pledges_pledgeregistration r
        JOIN pledges_ipasset a ON a.number = 'BENCH' || r.id AND a.kind = 'patent'
        WHERE r.reference LIKE 'OPEN%%'
        """
    )


def _build(database: str, *, history: int) -> None:
    from django.db import connection, transaction

    _use_database(database)
    with connection.cursor() as cursor:
        built = _marker(cursor)
    if built == history:
        info(f"{database}: reusing {history:,} historic cases")
        return
    if built is not None:
        raise SystemExit(
            f"{database} holds another benchmark build ({built:,} historic cases); drop the database first"
        )
    info(
        f"{database}: building {history:,} historic cases and {OPEN_CLOCKED + OPEN_BEFORE_ACCEPTANCE:,} open ones"
    )
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        # A lost build is simply rebuilt: no need to wait for the WAL flush of every statement.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        _office, commissioners, _supervisor = _people()
        enterprises, banks, filer = _organisations(cursor)
        commissioner_ids = [user.pk for user in commissioners]
        _history(
            cursor,
            count=history,
            enterprises=enterprises,
            banks=banks,
            commissioners=commissioner_ids,
            filer=filer,
        )
        _open_cases(
            cursor, enterprises=enterprises, banks=banks, commissioner=commissioner_ids[0], filer=filer
        )
        cursor.execute(
            "INSERT INTO bench_registrations_build (version, history) VALUES (%s, %s)",
            [BUILD_VERSION, history],
        )
    with connection.cursor() as cursor:
        for table in (
            "pledges_pledgeregistration",
            "pledges_slareminder",
            "pledges_ipasset",
            "accounts_organisation",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
    info(f"{database}: built in {time.monotonic() - started:.0f} s")


def _databases() -> tuple[str, str]:
    """(large, small) database names; the small one is created and migrated here when missing."""
    url = require_postgres()
    parsed = urlparse(url)
    large = parsed.path.lstrip("/")
    small = large + SUFFIX_SMALL
    small_url = parsed._replace(path="/" + small).geturl()
    saved = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = small_url  # ensure_database migrates the DATABASE_URL database
    try:
        ensure_database(small_url)
    finally:
        os.environ["DATABASE_URL"] = saved
    return large, small


# --- sweep -----------------------------------------------------------------------------------------


def _sweep_reset() -> None:
    """Make what a sweep at NOW claimed pending again and drop the notices it wrote (every one of them
    went to the benchmark's commissioner or supervisor)."""
    from django.db import connection

    from pledges.models import SlaReminder
    from portal.notifications.models import Notification

    # The sweep stamps what it claims with its ``now``: exactly those rows become pending again.
    SlaReminder.objects.filter(sent_at=NOW).update(sent_at=None)
    Notification.objects.filter(recipient__username__in=[BENCH_COMMISSIONER, BENCH_SUPERVISOR]).delete()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE pledges_slareminder, notifications_notification")


def _sweep_once(database: str) -> float:
    """One timed sweep at NOW, then the database put back as it was."""
    from pledges.services.sla import sla_sweep

    _use_database(database)
    started = time.perf_counter()
    sent = sla_sweep(now=NOW)
    elapsed = time.perf_counter() - started
    _sweep_reset()
    if sent != EXPECTED_SENDS:
        raise SystemExit(f"the sweep sent {sent} reminders in {database}, expected {EXPECTED_SENDS}")
    return elapsed


def run_sweep() -> list[Goal]:
    large, small = _databases()
    _setup_django()
    _build(small, history=HISTORY_SMALL)
    _build(large, history=HISTORY_LARGE)
    times: dict[str, list[float]] = {small: [], large: []}
    for database in (small, large):
        _use_database(database)
        _sweep_reset()  # a run stopped halfway leaves claimed rows behind
        _sweep_once(database)  # warm-up: caches, plans, the calendar
    for round_index in range(SWEEP_ROUNDS):
        # Alternate which database goes first, so neither always follows the other's cache state.
        order = (small, large) if round_index % 2 == 0 else (large, small)
        for database in order:
            times[database].append(_sweep_once(database))
            info(f"sweep round {round_index + 1}, {database}: {times[database][-1]:.2f} s")
    for database, label in ((small, "10k history"), (large, "1M history")):
        values = times[database]
        info(
            f"sweep, {label}: median {statistics.median(values):.2f} s "
            f"[{min(values):.2f}-{max(values):.2f}] for {EXPECTED_SENDS} reminders"
        )
    ratio = statistics.median(times[large]) / statistics.median(times[small])
    return [Goal("sweep_1m_vs_10k_history", ratio, 1.20, higher_is_better=False)]


# --- workbench -------------------------------------------------------------------------------------


def _workbench_query_count(client, url: str, page_size: int) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {WORKBENCH_PAGE_SIZE_PARAM: page_size})
    if response.status_code != 200:
        raise SystemExit(f"the workbench answered {response.status_code} at page size {page_size}")
    shown = response.content.decode().count("OPEN0")
    if shown < page_size:
        raise SystemExit(f"the workbench showed {shown} cases at page size {page_size}")
    return len(captured)


def run_workbench() -> list[Goal]:
    require_postgres()
    # DEBUG is off, so pages name static files through the manifest, as in production.
    manage("collectstatic", "--noinput", "-v", "0")
    _setup_django()
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from pledges.forms import WORKBENCH_PAGE_SIZES
    from portal.accounts.models import User

    _build(connection.settings_dict["NAME"], history=HISTORY_LARGE)
    client = Client()
    client.force_login(User.objects.get(username=BENCH_COMMISSIONER))
    url = reverse("pledges:workbench")
    for _ in range(5):  # warm-up: templates, plans, the session
        if client.get(url).status_code != 200:
            raise SystemExit("the workbench did not answer 200 for the benchmark commissioner")
    latencies = []
    for _ in range(WORKBENCH_REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        latencies.append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"the workbench answered {response.status_code}")
    median_ms = statistics.median(latencies)
    info(
        f"workbench: median {median_ms:.1f} ms [{min(latencies):.1f}-{max(latencies):.1f}] over {WORKBENCH_REQUESTS}"
    )
    # The page sizes the workbench offers; the goal compares the largest with the smallest.
    smallest, largest = min(WORKBENCH_PAGE_SIZES), max(WORKBENCH_PAGE_SIZES)
    queries_small = _workbench_query_count(client, url, smallest)
    queries_large = _workbench_query_count(client, url, largest)
    info(f"workbench: {queries_small} queries at {smallest} cases a page, {queries_large} at {largest}")
    return [
        Goal("workbench_median_ms", median_ms, 50.0, higher_is_better=False),
        Goal(
            f"workbench_queries_{largest}_vs_{smallest}",
            queries_large / queries_small,
            1.0,
            higher_is_better=False,
        ),
    ]
