"""`loan_list`: the loans API's list (/api/v1/loans/) over a million loans, against the same over 10,000.

Goals (issue 4, "Performance": "Loan lists do not slow down as the table grows"):

- `loan_list_promotion_1m_vs_10k` (target <= 1.50): the promotion centre's list (every loan, newest first,
  50 a page, the first 20 pages by their cursors) served from 1,000,000 loans is at most 1.5x slower
  (throughput 10k / throughput 1M) than the same list served from 10,000 loans.
- `loan_list_bank_25k_of_1m_vs_10k` (target <= 1.50): the same for a bank officer's list, its bank's
  25,000 loans among the million, against its 250 among the 10,000.
- `loan_list_cursor_vs_page_number` (target >= 10.0): over the million, the cursor list serves at least
  10x the throughput of DRF's default list (PageNumberPagination with its COUNT(*), pages 1-20, the same
  query, serializer and user). That comparison view exists only here: the benchmark's WSGI application
  (``application`` below) answers ``BASELINE_PATH`` itself and hands every other path to the portal.
- `loan_list_queries_200_vs_10` (target <= 1.00): the list's query count at 200 loans a page over its
  count at 10 (Django's test client in-process against the million).

Every request carries a bearer token (portal.apiauth), as the partner systems that page through this list
call it: an API client registered for the promotion centre, and one for the bank officer's bank and role,
each acting exactly as that user would (the same scope). The baseline is called with the same token.

Where the 10,000 live: a second database, the DATABASE_URL database's name with ``_loans10k``
appended, built exactly like the first but with 10,000 loans (40 banks x 250). "The same list over
10,000 loans" then means the same query, indexes and planner on a table a hundredth the size; a bank or
filter inside the big database would measure a different query instead. Both databases carry the same
20,000 borrowers and 40 banks. Each is served by its own gunicorn (the harness's, 2 workers x 4
threads), and the measurements alternate between the two servers, round by round, so the drift of this
noisy box hits both alike (docs/performance.md).

The data is built with set-based SQL (``INSERT ... SELECT generate_series``) and kept: a marker table
``bench_loans_build`` records what each database holds, so later runs reuse it. Loans carry no facts,
participants or events (the list reads none of them); their figures and statuses are a realistic mix.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench python -m bench loan_list
"""

import os
import statistics
import threading
import time
from urllib.parse import urlparse

from bench.harness import Goal, ensure_database, gunicorn, info, measure, require_postgres, server_env

LOAN_LIST_DESCRIPTION = (
    "loan list API: 1M vs 10k loans, promotion centre and a bank (<= 1.5x slower), cursor vs "
    "page-number with count (>= 10x), queries at 200 vs 10 a page (<= 1)"
)

LOANS_LARGE = 1_000_000
LOANS_SMALL = 10_000
BANKS = 40
ENTERPRISES = 20_000
BUILD_VERSION = 1  # bump when the generated data changes shape
SUFFIX_SMALL = "_loans10k"

PROMOTION_USER = "bench_loans_promotion"
BANK_USER = "bench_loans_bank_officer"  # an officer of "Loan bench bank 01", a head office
PAGES = 20  # the first pages, by cursor (and by number for the baseline)
PAGE_SIZE = 50  # the API's default
ROUNDS = 3
SECONDS = 4.0
CLIENTS = 8
BASELINE_PATH = "/bench/loans-page-number/"
LIST_PATH = "/api/v1/loans/"


# --- The WSGI application gunicorn serves -----------------------------------------------------------

_handler = None
_handler_lock = threading.Lock()


def _baseline_view():
    """DRF's default list: PageNumberPagination, which counts every row the user may see per request."""
    from rest_framework.generics import ListAPIView
    from rest_framework.pagination import PageNumberPagination

    from loans.apis import LoanSummarySerializer, loan_list_page
    from loans.selectors import loan_list

    class Rows:
        """The list's own rows, counted as DRF's default counts a model queryset: COUNT(*) over the
        scoped loans. (Counted through the rows' query, the count would also join the bank and borrower
        the rows read, and the baseline would be slower than the default really is.)"""

        def __init__(self, user):
            self.loans = loan_list(user=user, filters={})
            self.rows = loan_list_page(user=user, filters={})
            self.ordered = True

        def count(self) -> int:
            return self.loans.count()

        def __getitem__(self, index):
            return self.rows[index]

    class Pages(PageNumberPagination):
        page_size = 50

    class PageNumberLoanList(ListAPIView):
        serializer_class = LoanSummarySerializer
        pagination_class = Pages

        def get_queryset(self):
            return Rows(self.request.user)

    return PageNumberLoanList.as_view()


def _build_handler():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup(set_prefix=False)
    from django.core.handlers.wsgi import WSGIHandler
    from django.urls import ResolverMatch

    view = _baseline_view()

    class BenchHandler(WSGIHandler):
        # The comparison view is routed here, not in the portal's URLconf: it never ships with the product.
        def resolve_request(self, request):
            if request.path_info == BASELINE_PATH:
                match = ResolverMatch(
                    view, (), {}, url_name="bench-loans-page-number", route=BASELINE_PATH[1:]
                )
                request.resolver_match = match
                return match
            return super().resolve_request(request)

    return BenchHandler()


def application(environ, start_response):
    """gunicorn's entry point (``bench.loans:application``): the portal, plus ``BASELINE_PATH``."""
    global _handler
    if _handler is None:
        with _handler_lock:
            if _handler is None:
                _handler = _build_handler()
    return _handler(environ, start_response)


# --- Django in this process ------------------------------------------------------------------------

_SERVER_ENV: dict[str, str] = {}


def _setup_django() -> None:
    # Production-like settings (DEBUG off), and the same secret key as the servers, so a session made here
    # is one they accept.
    _SERVER_ENV.update(server_env({"DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}))
    os.environ.update(_SERVER_ENV)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _use_database(name: str) -> None:
    """Point the default connection at another database of the same server (the next query connects)."""
    from django.db import connections

    connection = connections["default"]
    connection.close()
    connection.settings_dict["NAME"] = name


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


def _database_url(name: str) -> str:
    return urlparse(require_postgres())._replace(path="/" + name).geturl()


# --- Building the data -----------------------------------------------------------------------------


def _uscc(serial: int) -> str:
    from portal.identifiers.uscc import check_character

    body = f"91110108MD{serial:07d}"  # "MD": apart from the other benchmarks' borrowers
    return body + check_character(body)


def _people() -> tuple[list[int], list[int], int]:
    """Borrowers and banks (set-based), the promotion officer and the bank officer (through the services);
    returns (enterprise ids, bank ids, the bank officer's user id)."""
    from django.db import connection

    from portal.accounts.models import Organisation, OrgKind, Role, User
    from portal.accounts.services import organisation_create, user_create

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM accounts_organisation WHERE name LIKE 'Loan bench enterprise %%'"
        )
        if cursor.fetchone()[0] < ENTERPRISES:
            names = [f"Loan bench enterprise {index:05d}" for index in range(ENTERPRISES)]
            codes = [_uscc(index) for index in range(ENTERPRISES)]
            cursor.execute(
                "INSERT INTO accounts_organisation (name, kind, uscc, district, is_active, created_at) "
                "SELECT name, %s, uscc, '110108', true, now() "
                "FROM unnest(%s::text[], %s::text[]) AS t(name, uscc)",
                [OrgKind.ENTERPRISE, names, codes],
            )
            cursor.execute(
                "INSERT INTO accounts_organisation (name, kind, uscc, district, is_active, created_at) "
                "SELECT 'Loan bench bank ' || lpad(g::text, 2, '0'), %s, NULL, '', true, now() "
                "FROM generate_series(1, %s) g",
                [OrgKind.BANK, BANKS],
            )
        cursor.execute(
            "SELECT id FROM accounts_organisation WHERE name LIKE 'Loan bench enterprise %%' ORDER BY id"
        )
        enterprises = [row[0] for row in cursor.fetchall()]
        cursor.execute(
            "SELECT id FROM accounts_organisation WHERE name LIKE 'Loan bench bank %%' ORDER BY name"
        )
        banks = [row[0] for row in cursor.fetchall()]

    bureau = Organisation.objects.filter(name="Loan bench IP bureau").first() or organisation_create(
        name="Loan bench IP bureau", kind=OrgKind.IP_BUREAU
    )

    def person(username: str, organisation_id: int, role: str) -> User:
        return User.objects.filter(username=username).first() or user_create(
            username=username,
            password=None,
            full_name=username,
            email=f"{username}@bench.example",
            organisation=Organisation.objects.get(pk=organisation_id),
            role=role,
        )

    person(PROMOTION_USER, bureau.pk, Role.PROMOTION_OFFICER)
    officer = person(BANK_USER, banks[0], Role.BANK_OFFICER)
    return enterprises, banks, officer.pk


# Statuses in a realistic mix for a portfolio built over ten years: most settled, a running book, a few in
# trouble. Figures follow the status (checks: disbursed <= principal, repaid <= disbursed).
_STATUS_MIX = (
    "ARRAY['settled','settled','settled','settled','settled','settled','settled','settled',"
    "'repaying','repaying','repaying','repaying','disbursed','disbursed','contracted','overdue',"
    "'non_performing','written_off','cancelled','settled']"
)


def _loans(cursor, *, count: int, enterprises: list[int], banks: list[int], officer: int) -> None:
    """``count`` loans, bank by bank in turn (``count / 40`` each), signed over 2016-2026 in id order."""
    started = time.monotonic()
    chunk = 250_000
    for first in range(1, count + 1, chunk):
        last = min(count, first + chunk - 1)
        cursor.execute(
            f"""
            INSERT INTO loans_loan (
                reference, bank_loan_ref, source, contract_number, contract_signed_on, principal,
                annual_rate_pct, term_months, maturity_date, is_combination, ip_share, ip_share_certified_by,
                status, disbursed_on, disbursed_amount, principal_repaid, interest_paid, settled_on,
                overdue_days, overdue_since, classification, classified_on, non_performing_on,
                written_off_on, created_at, updated_at, bank_id, created_by_id, enterprise_id, application_id)
            SELECT 'BL' || lpad(g::text, 9, '0'), 'R' || lpad(g::text, 9, '0'), 'api',
                   'HT' || lpad(g::text, 9, '0'), d.signed, d.principal, (3 + (g %% 150) / 100.0)::numeric(5, 2),
                   d.term, d.signed + make_interval(months => d.term), g %% 10 = 0,
                   CASE WHEN g %% 10 = 0 THEN 0.6 ELSE 1 END,
                   CASE WHEN g %% 10 = 0 THEN 'bank' ELSE '' END,
                   s.status,
                   CASE WHEN s.status IN ('contracted', 'cancelled') THEN NULL ELSE d.signed + 5 END,
                   CASE WHEN s.status IN ('contracted', 'cancelled') THEN 0 ELSE d.principal END,
                   CASE WHEN s.status = 'settled' THEN d.principal
                        WHEN s.status IN ('repaying', 'overdue', 'non_performing', 'written_off')
                        THEN round(d.principal / 2, 2) ELSE 0 END,
                   CASE WHEN s.status IN ('contracted', 'cancelled', 'disbursed') THEN 0
                        ELSE round(d.principal * 0.03, 2) END,
                   CASE WHEN s.status = 'settled' THEN d.signed + 5 + 30 * d.term END,
                   CASE WHEN s.status IN ('overdue', 'non_performing', 'written_off') THEN 30 + g %% 200 ELSE 0 END,
                   CASE WHEN s.status IN ('overdue', 'non_performing', 'written_off') THEN d.signed + 200 END,
                   CASE WHEN s.status IN ('non_performing', 'written_off') THEN 'substandard' ELSE 'normal' END,
                   CASE WHEN s.status IN ('non_performing', 'written_off') THEN d.signed + 300 END,
                   CASE WHEN s.status IN ('non_performing', 'written_off') THEN d.signed + 300 END,
                   CASE WHEN s.status = 'written_off' THEN d.signed + 400 END,
                   d.signed::timestamptz + interval '10 hours', d.signed::timestamptz + interval '10 hours',
                   (%(banks)s::bigint[])[1 + (g - 1) %% %(n_banks)s], %(officer)s,
                   (%(enterprises)s::bigint[])[1 + (g * 7) %% %(n_enterprises)s], NULL
            FROM generate_series(%(first)s, %(last)s) g
            CROSS JOIN LATERAL (
                SELECT date '2016-01-04' + (g::bigint * 3650 / %(count)s)::int AS signed,
                       (500000 + (g %% 200) * 50000)::numeric(14, 2) AS principal,
                       12 * (1 + g %% 3) AS term
            ) d
            CROSS JOIN LATERAL (SELECT ({_STATUS_MIX})[1 + (g / 3) %% 20] AS status) s
            """,  # noqa: S608 (the f-string pastes a module constant, never input)
            {
                "banks": banks,
                "n_banks": len(banks),
                "enterprises": enterprises,
                "n_enterprises": len(enterprises),
                "officer": officer,
                "first": first,
                "last": last,
                "count": count,
            },
        )
        info(f"loans: {last:,} of {count:,} ({time.monotonic() - started:.0f} s)")


def _build(database: str, *, loans: int) -> None:
    from django.db import connection, transaction

    _use_database(database)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_loans_build "
            "(version int PRIMARY KEY, loans int NOT NULL, built_at timestamptz NOT NULL DEFAULT now())"
        )
        cursor.execute("SELECT loans FROM bench_loans_build WHERE version = %s", [BUILD_VERSION])
        row = cursor.fetchone()
    if row is not None:
        if row[0] != loans:
            raise SystemExit(
                f"{database} holds another loan benchmark build ({row[0]:,} loans); drop it first"
            )
        info(f"{database}: reusing {loans:,} loans")
        return
    info(f"{database}: building {loans:,} loans")
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        # A lost build is simply rebuilt: no need to wait for the WAL flush of every statement.
        cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute("SET LOCAL maintenance_work_mem = '256MB'")
        enterprises, banks, officer = _people()
        cursor.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
        if cursor.fetchone()[0]:
            # The generated rows reference ids read just above: skip the deferred foreign-key checks,
            # which would otherwise cost a million lookups per key at commit (superuser only).
            cursor.execute("SET LOCAL session_replication_role = replica")
        # Secondary indexes are built once after the load, far faster than a million inserts into
        # each; the same names and definitions come back, inside the same transaction.
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = 'loans_loan' AND NOT EXISTS "
            "(SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname AND c.conrelid = 'loans_loan'::regclass)"
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
        _loans(cursor, count=loans, enterprises=enterprises, banks=banks, officer=officer)
        for _name, definition in indexes:
            cursor.execute(definition)
        info(f"loans: {len(indexes)} indexes rebuilt ({time.monotonic() - started:.0f} s)")
        cursor.execute(
            "INSERT INTO bench_loans_build (version, loans) VALUES (%s, %s)", [BUILD_VERSION, loans]
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE loans_loan")
        cursor.execute("VACUUM ANALYZE accounts_organisation")
    info(f"{database}: built in {time.monotonic() - started:.0f} s")


# --- Measuring -------------------------------------------------------------------------------------


def _bearer(database: str, username: str) -> dict[str, str]:
    """The header a partner system acting as ``username``'s organisation and role sends: a bearer token
    (portal.apiauth) of an API client registered for it, the way banks' systems call the list."""
    from portal.accounts.models import User
    from portal.apiauth.models import ApiClient
    from portal.apiauth.services import api_client_create, api_client_rotate_secret, token_issue

    _use_database(database)
    membership = User.objects.get(username=username).membership
    name = f"Loan bench system ({username})"
    client = ApiClient.objects.filter(name=name).first()
    if client is None:
        client, secret = api_client_create(
            organisation=membership.organisation, role=membership.role, name=name, actor=None
        )
    else:
        secret = api_client_rotate_secret(client=client, actor=None)  # the secret is never stored
    token = token_issue(client_id=client.client_id, secret=secret).access_token
    return {"Authorization": f"Bearer {token}"}


def _cursor_paths(database: str, headers: dict[str, str]) -> list[str]:
    """Up to PAGES full pages of the caller's list, by their cursors (walked in-process). A bank's list in
    the small database has 250 loans: its 5 pages."""
    from urllib.parse import urlsplit

    from django.test import Client

    _use_database(database)
    client = Client(headers=headers)
    paths: list[str] = []
    url = LIST_PATH
    while url and len(paths) < PAGES:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{LIST_PATH} answered {response.status_code} in {database}")
        if len(response.json()["results"]) < PAGE_SIZE:
            break
        paths.append(url)
        next_url = response.json()["next"]
        url = f"{urlsplit(next_url).path}?{urlsplit(next_url).query}" if next_url else None
    if not paths:
        raise SystemExit(f"no full page of loans in {database}")
    return paths


def _alternating(small, large, *, label: str) -> float:
    """Median over ROUNDS of (small-database throughput / large-database throughput): how much slower
    the list is over the million. ``small`` and ``large`` are (host, paths, headers)."""
    for host, paths, headers in (small, large):
        measure(host, paths, seconds=1.5, clients=CLIENTS, headers=headers)  # warm-up
    small_rates, large_rates = [], []
    for round_index in range(ROUNDS):
        order = [(small, small_rates), (large, large_rates)]
        if round_index % 2:
            order.reverse()  # neither server always goes first
        for (host, paths, headers), rates in order:
            rates.append(measure(host, paths, seconds=SECONDS, clients=CLIENTS, headers=headers))
    info(
        f"{label}: 10k {statistics.median(small_rates):.0f} req/s [{min(small_rates):.0f}-{max(small_rates):.0f}], "
        f"1M {statistics.median(large_rates):.0f} req/s [{min(large_rates):.0f}-{max(large_rates):.0f}]"
    )
    return statistics.median(s / lg for s, lg in zip(small_rates, large_rates, strict=True))


def _interleaved_same_host(host, *, baseline, candidate, headers, label: str) -> float:
    """Median over ROUNDS of candidate/baseline throughput on one server."""
    measure(host, baseline, seconds=1.5, clients=CLIENTS, headers=headers)
    measure(host, candidate, seconds=1.5, clients=CLIENTS, headers=headers)
    base_rates, cand_rates = [], []
    for _ in range(ROUNDS):
        base_rates.append(measure(host, baseline, seconds=SECONDS, clients=CLIENTS, headers=headers))
        cand_rates.append(measure(host, candidate, seconds=SECONDS, clients=CLIENTS, headers=headers))
    info(
        f"{label}: page-number {statistics.median(base_rates):.0f} req/s [{min(base_rates):.0f}-{max(base_rates):.0f}], "
        f"cursor {statistics.median(cand_rates):.0f} req/s [{min(cand_rates):.0f}-{max(cand_rates):.0f}]"
    )
    return statistics.median(c / b for c, b in zip(cand_rates, base_rates, strict=True))


def _query_counts(database: str, headers: dict[str, str]) -> tuple[int, int]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    _use_database(database)
    client = Client(headers=headers)
    client.get(LIST_PATH)
    counts = []
    for page_size in (10, 200):
        with CaptureQueriesContext(connection) as captured:
            response = client.get(LIST_PATH, {"page_size": page_size})
        if response.status_code != 200 or len(response.json()["results"]) != page_size:
            raise SystemExit(f"the list did not answer {page_size} loans at page_size={page_size}")
        counts.append(len(captured))
    return counts[0], counts[1]


def run_loan_list() -> list[Goal]:
    large, small = _databases()
    _setup_django()
    _build(small, loans=LOANS_SMALL)
    _build(large, loans=LOANS_LARGE)

    headers, paths = {}, {}
    for database in (small, large):
        for user in (PROMOTION_USER, BANK_USER):
            headers[database, user] = _bearer(database, user)
            paths[database, user] = _cursor_paths(database, headers[database, user])

    queries_10, queries_200 = _query_counts(large, headers[large, PROMOTION_USER])
    info(f"queries: {queries_10} at 10 loans a page, {queries_200} at 200")
    baseline_paths = [f"{BASELINE_PATH}?page={page}" for page in range(1, PAGES + 1)]

    app = "bench.loans:application"
    secret = {"DJANGO_SECRET_KEY": _SERVER_ENV["DJANGO_SECRET_KEY"]}
    with (
        gunicorn(app=app, env={**secret, "DATABASE_URL": _database_url(small)}) as small_host,
        gunicorn(app=app, env={**secret, "DATABASE_URL": _database_url(large)}) as large_host,
    ):
        promotion = _alternating(
            (small_host, paths[small, PROMOTION_USER], headers[small, PROMOTION_USER]),
            (large_host, paths[large, PROMOTION_USER], headers[large, PROMOTION_USER]),
            label="promotion centre list",
        )
        bank = _alternating(
            (small_host, paths[small, BANK_USER], headers[small, BANK_USER]),
            (large_host, paths[large, BANK_USER], headers[large, BANK_USER]),
            label="bank list",
        )
        versus_count = _interleaved_same_host(
            large_host,
            baseline=baseline_paths,
            candidate=paths[large, PROMOTION_USER],
            headers=headers[large, PROMOTION_USER],
            label="1M loans",
        )
    return [
        Goal("loan_list_promotion_1m_vs_10k", promotion, 1.5, higher_is_better=False),
        Goal("loan_list_bank_25k_of_1m_vs_10k", bank, 1.5, higher_is_better=False),
        Goal("loan_list_cursor_vs_page_number", versus_count, 10.0),
        Goal("loan_list_queries_200_vs_10", queries_200 / queries_10, 1.0, higher_is_better=False),
    ]
