"""`pages`: the interactive pages each role opens daily, at the scale data, one client.

Goals (issue 11, "Polish": "Interactive pages answer in under 50 ms median at the scale data (single
client), measured by a benchmark"):

- `pages_<page>_median_ms` (target <= 50), one per page: the median time from sending a GET to reading
  the whole 200 answer, over ``REQUESTS`` requests of one client, after ``WARMUP`` requests per page.
- `pages_all_median_ms` (target <= 50): the slowest page's median (every page must meet the target).

The pages: the home page of each role (an enterprise, a bank officer, a commissioner, a reviewer, the
joint-meeting office), the bank's application queue, the bank's loan list and one loan, the
commissioner's workbench and one of its cases, the reviewer's subsidy list, the statistics overview,
and the staff search (a name fragment and a credit code prefix).

The scale data is the statistics benchmark's (``bench.stats``): the DATABASE_URL database's name with
``_stats`` appended, built once by ``manage.py seed_scale`` (1,000,000 loans with their facts, 1,000,000
pledge registrations, 50,000 enterprises, 30 bank groups, 40 commissioners) and reused, with its rollup
refreshed when it has none. On top of it, once (a marker table ``bench_pages_build`` records it):

- the people who open the pages, created through the services: an officer and a manager of the bank
  group that lends most (at its head office), a user of the enterprise that borrowed most from it, the
  joint-meeting office's viewer (``bench.stats``); the commissioner is the scale data's commissioner
  with the most open cases;
- the bank's application queue: ``QUEUE_REQUESTS`` loan requests from scale enterprises (each with a
  patent entered in its register) to a product the bank published, all through the services;
- the reviewer's list: the subsidy benchmark's batch (``bench.subsidies``: 10,000 open and 500
  approved applications) and its reviewer.

The pages are served by the harness's gunicorn (production settings, DEBUG off, static files through
the manifest) from that database; the client is one keep-alive connection sending each persona's session
cookie (sessions made in this process with the servers' secret key). Pages are measured round-robin,
one request of each page per round, so the box's drift (docs/performance.md) hits every page alike;
``/livez`` (no database) is measured in the same rounds as the baseline for context, and each page's
p95 is printed for information, with its query count and time in SQL (one request in this process).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench python -m bench pages
"""

import http.client
import os
import statistics
import time
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from urllib.parse import quote, urlparse

from bench.harness import Goal, ensure_database, gunicorn, info, manage, require_postgres, server_env

DESCRIPTION = (
    "interactive pages of every role at 1M loans + 1M registrations, one client: median ms per page (<= 50)"
)

BUILD_VERSION = 1  # bump when what this benchmark adds to the scale data changes shape
TARGET_MS = 50.0
WARMUP = 5
REQUESTS = int(os.environ.get("PAGES_BENCH_REQUESTS", 40))
QUEUE_REQUESTS = 300

BANK_OFFICER = "bench_pages_bank_officer"
BANK_MANAGER = "bench_pages_bank_manager"
ENTERPRISE_USER = "bench_pages_enterprise"
QUEUE_USER_PREFIX = "bench_pages_applicant_"
PRODUCT_NAME = "Pages bench IP loan"


@dataclass(frozen=True)
class Page:
    name: str
    user: str
    path: str
    marker: bytes = b""  # a fragment the page must contain (it shows what it should, not an empty state)


# --- Django in this process ------------------------------------------------------------------------

_SERVER_ENV: dict[str, str] = {}


def _database_url() -> str:
    parsed = urlparse(require_postgres())
    from bench.stats import SUFFIX

    return parsed._replace(path=parsed.path + SUFFIX).geturl()


def _setup_django(url: str) -> None:
    # Production-like settings and the servers' secret key, so the sessions made here are theirs too.
    _SERVER_ENV.update(
        server_env({"DATABASE_URL": url, "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"})
    )
    os.environ.update(_SERVER_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from portal.celery import app as celery_app

    celery_app.conf.broker_url = "memory://"  # mails the services queue go nowhere
    celery_app.conf.task_always_eager = False


# --- What this benchmark adds to the scale data ----------------------------------------------------


def _marker() -> bool:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_pages_build "
            "(version int PRIMARY KEY, built_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("SELECT 1 FROM bench_pages_build WHERE version = %s", [BUILD_VERSION])
        return cursor.fetchone() is not None


def _person(username: str, organisation, role: str):
    from portal.accounts.models import User
    from portal.accounts.services import user_create

    return User.objects.filter(username=username).first() or user_create(
        username=username,
        password=None,
        full_name=username,
        email=f"{username}@bench.example",
        organisation=organisation,
        role=role,
    )


def _busiest_bank():
    """The scale bank group that lends most (its head office)."""
    from django.db import connection

    from portal.accounts.models import Organisation

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(b.parent_id, b.id) AS head, count(*) FROM loans_loan l "
            "JOIN accounts_organisation b ON b.id = l.bank_id WHERE l.reference LIKE 'SCL%%' "
            "GROUP BY head ORDER BY count(*) DESC, head LIMIT 1"
        )
        head, _count = cursor.fetchone()
    return Organisation.objects.get(pk=head)


def _borrowers(bank, count: int) -> list[int]:
    """Scale enterprises borrowing from ``bank``'s group, the biggest borrower first."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT l.enterprise_id FROM loans_loan l JOIN accounts_organisation b ON b.id = l.bank_id "
            "WHERE coalesce(b.parent_id, b.id) = %s GROUP BY l.enterprise_id "
            "ORDER BY count(*) DESC, l.enterprise_id LIMIT %s",
            [bank.pk, count],
        )
        return [row[0] for row in cursor.fetchall()]


def _product(bank, officer, manager):
    from django.utils.timezone import localdate

    from loans.models import Product, ProductStatus
    from loans.services.products import product_create, product_transition
    from portal.policy.models import IpKind

    product = Product.objects.filter(bank=bank, name=PRODUCT_NAME).first()
    if product is not None:
        return product
    start = date(localdate().year, 1, 1)
    product = product_create(
        actor=officer,
        bank=bank,
        name=PRODUCT_NAME,
        description="Patent and trademark pledge loans for technology SMEs.",
        ip_kinds=[IpKind.PATENT, IpKind.TRADEMARK],
        amount_min=Decimal("500000.00"),
        amount_max=Decimal("30000000.00"),
        term_min_months=6,
        term_max_months=36,
        rate_min_pct=Decimal("3.10"),
        rate_max_pct=Decimal("4.35"),
        target="Technology SMEs registered in Beijing.",
        valid_from=start,
        valid_until=date(start.year + 1, 12, 31),
        contact_name="Bench officer",
        contact_phone="010-66223344",
    )
    return product_transition(product=product, to=ProductStatus.PUBLISHED, actor=manager)


def _patent_number(serial: int) -> str:
    from portal.identifiers.patent import check_character

    digits = f"20231{serial:07d}"
    return f"{digits}.{check_character(digits)}"


def _queue(bank, product, enterprises: list[int]) -> None:
    """A loan request from each enterprise to ``product``, with a patent of its register as the pledge;
    each enterprise's user files it (through the services, as the apply page does)."""
    from django.utils.timezone import localdate

    from loans.services.applications import loan_request_create
    from pledges.services.register import asset_create
    from portal.accounts.models import Organisation, Role
    from portal.policy.models import IpKind

    started = time.monotonic()
    for index, enterprise_id in enumerate(enterprises):
        enterprise = Organisation.objects.get(pk=enterprise_id)
        username = ENTERPRISE_USER if index == 0 else f"{QUEUE_USER_PREFIX}{index:04d}"
        user = _person(username, enterprise, Role.ENTERPRISE_USER)
        asset = asset_create(
            owner=enterprise,
            kind=IpKind.PATENT,
            number=_patent_number(index),
            title=f"Pages bench patent {index}",
            patent_type="invention",
            filing_date=date(2023, 3, 1),
            grant_date=date(2024, 6, 1),
            annual_fee_paid_through=localdate() + timedelta(days=300),
            actor=user,
        )
        loan_request_create(
            enterprise=enterprise,
            amount=Decimal(1_000_000 + 10_000 * index),
            term_months=12,
            purpose="Working capital for research and development.",
            assets=[asset],
            products=[product],
            actor=user,
        )
        if (index + 1) % 100 == 0:
            info(f"application queue: {index + 1} of {len(enterprises)} ({time.monotonic() - started:.0f} s)")


def _subsidies() -> None:
    from bench import subsidies
    from subsidies.models import Batch

    enterprises, banks, reviewer = subsidies._build_people()
    if not Batch.objects.filter(title=subsidies.BATCH_TITLE).exists():
        subsidies._build_batch(enterprises, banks, reviewer)


def _build() -> None:
    from django.db import connection, transaction

    from bench import stats
    from portal.accounts.models import Role
    from stats import rollup

    if rollup.current() is None:
        info("refreshing the statistics rollup")
        rollup.refresh(trigger="benchmark")
    stats._viewer()
    if _marker():
        info("reusing the pages benchmark's people, application queue and subsidy batch")
        return
    started = time.monotonic()
    info(f"adding the people, {QUEUE_REQUESTS} loan requests and a subsidy batch (once)")
    bank = _busiest_bank()
    with transaction.atomic():
        officer = _person(BANK_OFFICER, bank, Role.BANK_OFFICER)
        manager = _person(BANK_MANAGER, bank, Role.BANK_MANAGER)
        product = _product(bank, officer, manager)
        _queue(bank, product, _borrowers(bank, QUEUE_REQUESTS))
        _subsidies()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO bench_pages_build (version) VALUES (%s)", [BUILD_VERSION])
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    info(f"added in {time.monotonic() - started:.0f} s")


# --- The pages -------------------------------------------------------------------------------------


def _commissioner():
    """The scale commissioner with the most open cases, and the newest of them."""
    from django.db.models import Count

    from pledges.models import PledgeRegistration, Status
    from portal.accounts.models import User

    open_cases = PledgeRegistration.objects.filter(
        status__in=[Status.ACCEPTED, Status.UNDER_REVIEW], commissioner__username__startswith="sc_scale_"
    )
    busiest = (
        open_cases.values("commissioner").annotate(open=Count("pk")).order_by("-open", "commissioner").first()
    )
    user = User.objects.get(pk=busiest["commissioner"])
    return user, open_cases.filter(commissioner=user).order_by("-pk").first()


def _pages() -> list[Page]:
    from django.db.models import Q
    from django.urls import reverse
    from django.utils.timezone import localdate

    from bench import stats, subsidies
    from loans.models import Loan
    from portal.accounts.models import User

    officer = User.objects.get(username=BANK_OFFICER)
    bank = officer.organisation
    enterprise = User.objects.get(username=ENTERPRISE_USER).organisation
    commissioner, case = _commissioner()
    loan = Loan.objects.filter(Q(bank=bank) | Q(bank__parent=bank)).order_by("-pk").first()
    year = localdate().year
    name_fragment = enterprise.name[len("SC·") :][:4]
    return [
        Page("home_enterprise", ENTERPRISE_USER, reverse("home")),
        Page("home_bank_officer", BANK_OFFICER, reverse("home")),
        Page("home_commissioner", commissioner.username, reverse("home")),
        Page("home_reviewer", subsidies.REVIEWER, reverse("home")),
        Page("home_joint_office", stats.VIEWER, reverse("home")),
        Page("application_queue", BANK_OFFICER, reverse("loans:application_queue")),
        Page("loan_list", BANK_OFFICER, reverse("loans:loan_list")),
        Page(
            "loan_detail", BANK_OFFICER, reverse("loans:loan_detail", args=[loan.pk]), loan.reference.encode()
        ),
        Page("workbench", commissioner.username, reverse("pledges:workbench")),
        Page(
            "registration_detail",
            commissioner.username,
            reverse("pledges:registration_detail", args=[case.pk]),
            case.reference.encode(),
        ),
        Page("subsidy_review_list", subsidies.REVIEWER, reverse("subsidies:review-queue")),
        Page("stats_overview", stats.VIEWER, reverse("stats:overview") + f"?period={year}"),
        Page("search_name", BANK_OFFICER, reverse("search") + "?q=" + quote(name_fragment)),
        Page("search_credit_code", commissioner.username, reverse("search") + "?q=" + enterprise.uscc),
    ]


def _cookies(usernames: set[str]) -> dict[str, str]:
    """A session cookie per persona, made here in the servers' database with their secret key."""
    from django.conf import settings
    from django.test import Client

    from portal.accounts.models import User

    cookies = {}
    for username in usernames:
        client = Client()
        client.force_login(User.objects.get(username=username))
        cookies[username] = (
            f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
        )
    return cookies


def _get(connection: http.client.HTTPConnection, path: str, cookie: str) -> tuple[float, int, bytes]:
    headers = {"Cookie": cookie, "Accept-Language": "zh-hans"} if cookie else {}
    started = time.perf_counter()
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    body = response.read()
    return (time.perf_counter() - started) * 1000, response.status, body


def _queries(pages: list[Page]) -> dict[str, tuple[int, float]]:
    """Each page's query count and time in SQL (ms), one request in this process (Django's test client):
    what the page asks of the database, for reading the latencies (the box's load inflates those)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from portal.accounts.models import User

    found = {}
    for page in pages:
        client = Client()
        client.force_login(User.objects.get(username=page.user))
        client.get(page.path)  # warm-up
        with CaptureQueriesContext(connection) as captured:
            client.get(page.path)
        found[page.name] = (len(captured), sum(float(query["time"]) for query in captured) * 1000)
    return found


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def run() -> list[Goal]:
    url = _database_url()
    saved = os.environ["DATABASE_URL"]
    os.environ["DATABASE_URL"] = url  # ensure_database migrates the DATABASE_URL database
    try:
        ensure_database(url)
    finally:
        os.environ["DATABASE_URL"] = saved
    manage("collectstatic", "--noinput", "-v", "0")  # DEBUG is off: the manifest names static files
    _setup_django(url)
    from bench import stats

    stats._ensure_data(url)
    _build()
    pages = _pages()
    cookies = _cookies({page.user for page in pages})

    with gunicorn(env={"DATABASE_URL": url, "DJANGO_SECRET_KEY": _SERVER_ENV["DJANGO_SECRET_KEY"]}) as host:
        hostname, port = host.split(":")
        connection = http.client.HTTPConnection(hostname, int(port), timeout=30)
        for page in pages:
            for _ in range(WARMUP):
                _ms, status, body = _get(connection, page.path, cookies[page.user])
                if status != 200 or page.marker not in body:
                    raise SystemExit(f"{page.name} ({page.path}) answered {status} for {page.user}")
        baseline: list[float] = []
        times: dict[str, list[float]] = {page.name: [] for page in pages}
        for _round in range(REQUESTS):
            baseline.append(_get(connection, "/livez", "")[0])
            for page in pages:
                ms, status, _body = _get(connection, page.path, cookies[page.user])
                if status != 200:
                    raise SystemExit(f"{page.name} ({page.path}) answered {status}")
                times[page.name].append(ms)
        connection.close()

    queries = _queries(pages)
    info(f"baseline /livez: median {statistics.median(baseline):.2f} ms, p95 {_p95(baseline):.2f} ms")
    goals = []
    for page in pages:
        values = times[page.name]
        median = statistics.median(values)
        count, sql_ms = queries[page.name]
        info(
            f"{page.name} ({page.user} GET {page.path}): median {median:.1f} ms, p95 {_p95(values):.1f} ms "
            f"[{min(values):.1f}-{max(values):.1f}] over {len(values)}; {count} queries, {sql_ms:.0f} ms in SQL"
        )
        goals.append(Goal(f"pages_{page.name}_median_ms", median, TARGET_MS, higher_is_better=False))
    slowest = max(goals, key=lambda goal: goal.measured)
    goals.append(Goal("pages_all_median_ms", slowest.measured, TARGET_MS, higher_is_better=False))
    return goals
