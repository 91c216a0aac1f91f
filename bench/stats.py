"""`stats`: the joint-meeting office's overview at 1,000,000 loans and 1,000,000 pledge registrations.

Goals (issue 8, "Scale data and benchmark"), measured in one run:

- `stats_overview_speedup_vs_live` (target >= 30): the time to compute the overview's figures live from the
  base tables (``stats.figures.build(LiveSource(), ...)``: every indicator, the 12-month trends, the bank and
  district league tables and the registration breakdowns) over the median time the overview page takes
  to answer from the rollup (the whole Django view, template included, single client, in-process).
- `stats_overview_median_ms` (target <= 50): that page's median answer time.
- `stats_figures_equal_live` (target 1): the page's figures (read from the rollup) equal the live
  computation exactly, for a year, a quarter and a month, uncut and cut by district, park, bank, IP kind,
  industry and bank + IP kind (1 when every one matches, else 0; a mismatch is printed).
- `stats_refresh_vs_live` (target <= 5): one refresh of every rollup over one live computation.
- `stats_rollup_rows_vs_base` (target <= 0.05): the rollup's rows over the base rows it summarises (loans,
  their facts and registrations), "a few percent".

Live computations and refreshes alternate (live, refresh, live, refresh, live) so the box's drift hits both;
medians are compared. The data lives in its own database (the DATABASE_URL database's name with
``_stats`` appended), built once by ``manage.py seed_scale`` and reused while it holds the sizes asked for.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench python -m bench stats
"""

import os
import statistics
import subprocess
import sys
import time
from urllib.parse import urlparse

from bench.harness import ROOT, Goal, ensure_database, info, require_postgres, server_env

DESCRIPTION = (
    "statistics overview at 1M loans + 1M registrations: rollup vs live (>= 30x, < 50 ms), figures equal "
    "live, refresh <= 5x live, rollup <= 5% of base rows"
)

LOANS = int(os.environ.get("STATS_BENCH_LOANS", 1_000_000))
REGISTRATIONS = int(os.environ.get("STATS_BENCH_REGISTRATIONS", 1_000_000))
SUFFIX = "_stats"
VIEWER = "bench_stats_viewer"
PAGE_REQUESTS = 40


def _database_url() -> str:
    parsed = urlparse(require_postgres())
    return parsed._replace(path=parsed.path + SUFFIX).geturl()


def _manage(url: str, *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=server_env({"DATABASE_URL": url}), check=True
    )


def _setup_django(url: str) -> None:
    os.environ.update(server_env({"DATABASE_URL": url, "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1"}))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _ensure_data(url: str) -> None:
    from django.db import connection

    from stats.scale import existing_scale_rows

    with connection.cursor() as cursor:
        existing = existing_scale_rows(cursor)
    if existing["loans"] == LOANS and existing["registrations"] == REGISTRATIONS:
        info(f"reusing {LOANS:,} loans and {REGISTRATIONS:,} registrations")
        return
    info(f"building {LOANS:,} loans and {REGISTRATIONS:,} registrations (a few minutes, once)")
    args = ["seed_scale", "--loans", str(LOANS), "--registrations", str(REGISTRATIONS)]
    _manage(url, *args, *(["--replace"] if any(existing.values()) else []))
    connection.close()


def _viewer():
    from portal.accounts.models import OrgKind, Role, User
    from portal.accounts.services import organisation_create, user_create

    user = User.objects.filter(username=VIEWER).first()
    if user is None:
        office = organisation_create(name="联席会办公室（基准）", kind=OrgKind.JOINT_OFFICE)
        user = user_create(username=VIEWER, password=None, organisation=office, role=Role.JOINT_OFFICE_VIEWER)
    return user


def _timed(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


def _same(a, b) -> bool:
    def leagues(overview):
        return {dim: [(row.key, row.values) for row in rows] for dim, rows in overview.leagues.items()}

    return (a.values, a.trend, leagues(a), a.breakdowns) == (b.values, b.trend, leagues(b), b.breakdowns)


def _cuts(period_year: int):
    from django.db import connection

    from stats.dims import Filters, Period

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT o.district, p.park_id, p.industry FROM accounts_organisation o "
            "JOIN accounts_enterpriseprofile p ON p.organisation_id = o.id WHERE p.park_id IS NOT NULL "
            "ORDER BY o.id LIMIT 1"
        )
        district, park, industry = cursor.fetchone()
        cursor.execute(
            "SELECT COALESCE(b.parent_id, b.id) FROM loans_loan l JOIN accounts_organisation b "
            "ON b.id = l.bank_id ORDER BY l.id DESC LIMIT 1"
        )
        bank = cursor.fetchone()[0]
    year = Period("Y", period_year)
    return [
        (year, Filters()),
        (Period("Q", period_year - 1, 3), Filters(district=district)),
        (Period("M", period_year - 1, 12), Filters(bank=bank)),
        (year, Filters(bank=bank, ip_kind="patent")),
        (Period("Q", period_year - 1, 2), Filters(park=park)),
        (Period("Y", period_year - 1), Filters(industry=industry)),
    ]


def run() -> list[Goal]:
    url = _database_url()
    saved = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url  # ensure_database migrates the DATABASE_URL database
    try:
        ensure_database(url)
    finally:
        os.environ["DATABASE_URL"] = saved
    _manage(url, "collectstatic", "--noinput", "-v", "0")  # DEBUG is off: the manifest names static files
    _setup_django(url)
    from django.db import connection
    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from stats import rollup
    from stats.dims import Filters, Period
    from stats.figures import LiveSource, SnapshotSource, build
    from stats.models import Cell

    _ensure_data(url)
    viewer = _viewer()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # the data and the viewer's membership, as autovacuum would in time
    year = timezone.localdate().year
    period = Period("Y", year)

    live_times, refresh_times = [], []
    snapshot = None
    for round_number in range(5):
        if round_number % 2 == 0:
            seconds, _overview = _timed(lambda: build(LiveSource(), period, Filters()))
            live_times.append(seconds)
            info(f"live computation: {seconds:.2f} s")
        else:
            seconds, snapshot = _timed(lambda: rollup.refresh(trigger="benchmark"))
            refresh_times.append(seconds)
            info(f"refresh: {seconds:.2f} s ({snapshot.rows:,} rows)")
    live_s = statistics.median(live_times)
    refresh_s = statistics.median(refresh_times)

    client = Client()
    client.force_login(viewer)
    path = reverse("stats:overview") + f"?period={year}"
    for _ in range(5):  # warm-up: templates, plans, the session
        response = client.get(path)
        if response.status_code != 200 or b'data-testid="figure-loans_disbursed"' not in response.content:
            raise SystemExit(f"the overview answered {response.status_code} without figures")
    latencies = []
    for _ in range(PAGE_REQUESTS):
        seconds, response = _timed(lambda: client.get(path))
        latencies.append(seconds * 1000)
    page_ms = statistics.median(latencies)
    info(f"overview page: median {page_ms:.1f} ms [{min(latencies):.1f}-{max(latencies):.1f}]")

    equal = True
    snapshot = rollup.current()
    for cut_period, filters in _cuts(year):
        seconds, live = _timed(lambda p=cut_period, f=filters: build(LiveSource(), p, f))
        same = _same(build(SnapshotSource(snapshot), cut_period, filters), live)
        info(f"equal to live: {cut_period} {filters.query() or 'uncut'}: {same} (live {seconds:.2f} s)")
        equal &= same

    from loans.models import Loan, LoanFact
    from pledges.models import PledgeRegistration

    base = Loan.objects.count() + LoanFact.objects.count() + PledgeRegistration.objects.count()
    rows = Cell.objects.filter(snapshot=snapshot).count()
    info(f"rollup: {rows:,} rows for {base:,} loans, loan facts and registrations")
    return [
        Goal("stats_overview_speedup_vs_live", live_s * 1000 / page_ms, 30.0),
        Goal("stats_overview_median_ms", page_ms, 50.0, higher_is_better=False),
        Goal("stats_figures_equal_live", 1.0 if equal else 0.0, 1.0),
        Goal("stats_refresh_vs_live", refresh_s / live_s, 5.0, higher_is_better=False),
        Goal("stats_rollup_rows_vs_base", rows / base, 0.05, higher_is_better=False),
    ]
