"""Load test (issue 10): the mixed locust workload of ops/locustfile.py against gunicorn on loopback, then
the counts that matter: no 5xx, no lost or duplicated write, and the latency figures.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin REDIS_URL=redis://127.0.0.1:6379/0 \
        python -m ops.load --minutes 2

The run uses its own database, DATABASE_URL's name with ``_load`` appended (created when missing, migrated,
loaded with the idempotent demo data), so it never writes into a working or test database. gunicorn is
bench.harness's production-like server; the throttles are lifted, since the run measures serving cost and
correctness under concurrency, not the throttle's refusals. Locust runs as a separate process: it patches
the standard library with gevent on import.
"""

import argparse
import csv
import http.client
import json
import os
import secrets
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

from bench.harness import ROOT, ensure_database, gunicorn, manage, require_postgres, server_env

CSRF_TOKEN = secrets.token_hex(16)  # 32 characters: a valid unmasked CSRF secret, cookie and form alike
UNTHROTTLED = {
    "PUBLIC_API_THROTTLE": "100000000/min",
    "API_TOKEN_THROTTLE": "100000000/min",
    "BANK_API_THROTTLE": "100000000/min",
}
# Pages each persona works with; the plan keeps those that answer it 200 (a 5xx stops the run).
PAGES = {
    "enterprise": [
        "/",
        "/loans/applications/",
        "/loans/applications/apply/",
        "/loans/products/",
        "/loans/",
        "/pledges/assets/",
        "/pledges/filings/",
        "/subsidies/applications/",
        "/subsidies/calculator/",
        "/notifications/",
    ],
    "bank_officer": [
        "/",
        "/loans/applications/queue/",
        "/loans/",
        "/loans/bank/products/",
        "/pledges/to-confirm/",
        "/whitelist/deliveries/",
        "/whitelist/recommendations/",
        "/subsidies/confirmations/",
        "/riskcomp/claims/",
        "/notifications/",
    ],
    "reviewer": [
        "/",
        "/subsidies/review/",
        "/subsidies/batches/",
        "/riskcomp/review/",
        "/whitelist/batches/",
        "/loans/",
        "/stats/",
        "/notifications/",
    ],
}
PERSONAS = {"enterprise": "demo_enterprise", "bank_officer": "demo_bank_officer", "reviewer": "demo_reviewer"}


def load_database_url(url: str) -> str:
    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    return parsed._replace(path=f"/{name}_load").geturl()


def _setup_django(env: dict[str, str]) -> None:
    """This process reads the same database with the same secret key as the server, so the sessions it
    makes are the server's sessions."""
    os.environ.update(env)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()


def _request(host: str, method: str, path: str, *, body=None, headers=None) -> tuple[int, dict, bytes]:
    hostname, port = host.split(":")
    connection = http.client.HTTPConnection(hostname, int(port), timeout=30)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    data = response.read()
    connection.close()
    return response.status, dict(response.getheaders()), data


def build_plan(host: str) -> dict:
    """Sessions, the API client and the objects to write to, each checked once against the server."""
    from django.conf import settings
    from django.test import Client
    from django.utils import timezone

    from loans.models import Loan, LoanStatus
    from loans.selectors import product_public_list
    from pledges.selectors import asset_scope
    from portal.accounts.models import User
    from portal.management.demo import DEMO_API_CLIENT_ID, DEMO_API_CLIENT_SECRET

    sessions = {}
    for persona, username in PERSONAS.items():
        client = Client()
        client.force_login(User.objects.get(username=username))
        sessions[persona] = client.cookies[settings.SESSION_COOKIE_NAME].value
    cookie_header = {
        persona: f"{settings.SESSION_COOKIE_NAME}={value}; {settings.CSRF_COOKIE_NAME}={CSRF_TOKEN}"
        for persona, value in sessions.items()
    }
    pages = {}
    for persona, paths in PAGES.items():
        pages[persona] = []
        for path in paths:
            status, _headers, _body = _request(host, "GET", path, headers={"Cookie": cookie_header[persona]})
            if status >= 500:
                raise SystemExit(f"{path} answers {persona} with {status} before any load")
            if status == 200:
                pages[persona].append(path)
        if not pages[persona]:
            raise SystemExit(f"no page answers {persona} with 200")

    status, _headers, body = _request(
        host,
        "POST",
        "/api/v1/oauth/token/",
        body=f"grant_type=client_credentials&client_id={DEMO_API_CLIENT_ID}&client_secret={DEMO_API_CLIENT_SECRET}",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        raise SystemExit(f"the demo API client gets no token: {status} {body[:200]!r}")
    bearer = {
        "Authorization": f"Bearer {json.loads(body)['access_token']}",
        "Content-Type": "application/json",
    }

    # Loans of the client's branch that take an interest fact today (probed once each).
    fact_date = timezone.localdate().isoformat()
    loans = []
    user = User.objects.get(username=f"api.{DEMO_API_CLIENT_ID}")
    candidates = Loan.objects.filter(
        bank=user.organisation, status__in=[LoanStatus.DISBURSED, LoanStatus.REPAYING]
    ).values_list("pk", flat=True)
    for pk in candidates:
        probe = {"kind": "interest", "occurred_on": fact_date, "amount": "0.01", "note": "load-probe"}
        status, _headers, body = _request(
            host,
            "POST",
            f"/api/v1/loans/{pk}/facts/",
            body=json.dumps(probe),
            headers={**bearer, "Idempotency-Key": secrets.token_hex(16)},
        )
        if status >= 500:
            raise SystemExit(f"reporting interest on loan {pk} answers {status}")
        if status == 201:
            loans.append(pk)
    if not loans:
        raise SystemExit("no loan of the demo API client takes an interest fact")

    enterprise = User.objects.get(username=PERSONAS["enterprise"])
    apply = {
        "path": "/loans/applications/apply/",
        "products": [product_public_list().values_list("pk", flat=True).first()],
        "assets": [asset_scope(user=enterprise).values_list("pk", flat=True).first()],
    }
    return {
        "run": secrets.token_hex(4),
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "csrf_cookie": settings.CSRF_COOKIE_NAME,
        "csrf_token": CSRF_TOKEN,
        "sessions": sessions,
        "pages": pages,
        "api_client": {"client_id": DEMO_API_CLIENT_ID, "client_secret": DEMO_API_CLIENT_SECRET},
        "loans": loans,
        "fact_date": fact_date,
        "apply": apply,
    }


def run_locust(
    host: str, plan_path: Path, writes_path: Path, *, seconds: int, users: int, workdir: Path
) -> Path:
    prefix = workdir / "locust"
    command = [
        sys.executable,
        "-m",
        "locust",
        "-f",
        str(ROOT / "ops" / "locustfile.py"),
        "--headless",
        "--host",
        f"http://{host}",
        "--users",
        str(users),
        "--spawn-rate",
        str(max(1, users // 2)),
        "--run-time",
        f"{seconds}s",
        "--csv",
        str(prefix),
        "--only-summary",
        "--loglevel",
        "WARNING",
        "--stop-timeout",
        "10",  # users finish the request in hand, so few writes are left unanswered at the end
        "--exit-code-on-error",
        "0",
    ]
    env = {**os.environ, "LOAD_PLAN": str(plan_path), "LOAD_WRITES": str(writes_path)}
    # Our own interpreter with fixed arguments (ruff S603 cannot tell).
    subprocess.run(command, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)  # noqa: S603
    return Path(f"{prefix}_stats.csv")


def verify_writes(writes_path: Path, run: str) -> dict:
    """Every answered fact exists exactly once under its key; a retry answered the first fact and added
    nothing; every application the form accepted exists once."""
    from loans.models import LoanFact, LoanRequest

    records = [json.loads(line) for line in writes_path.read_text(encoding="utf-8").splitlines() if line]
    problems: list[str] = []
    first = {r["key"]: r for r in records if r["kind"] == "fact" and not r["replay"] and r["status"] == 201}
    sent = {r["key"] for r in records if r["kind"] == "fact_sent"}
    rows = {}
    prefix = f"load {run} "  # the database keeps earlier runs' facts
    for fact in LoanFact.objects.filter(note__startswith=prefix).values("pk", "note"):
        rows.setdefault(fact["note"].removeprefix(prefix), []).append(fact["pk"])
    for key, record in first.items():
        if rows.get(key) != [record["fact"]]:
            problems.append(f"fact key {key}: answered {record['fact']}, stored {rows.get(key)}")
    for key, pks in rows.items():
        if len(pks) > 1:
            problems.append(f"fact key {key} stored {len(pks)} times")
        if key not in sent:
            problems.append(f"fact key {key} stored but never sent")
    replays = [r for r in records if r["kind"] == "fact" and r["replay"]]
    for record in replays:
        if record["status"] == 201 and (
            record.get("fact") != first[record["key"]]["fact"] or record.get("replayed_header") != "true"
        ):
            problems.append(
                f"retry of {record['key']} answered {record.get('fact')} without the stored answer"
            )
    server_errors = [r for r in records if r["kind"] == "5xx"]
    applied = [r["purpose"] for r in records if r["kind"] == "apply"]
    stored = LoanRequest.objects.filter(purpose__in=applied).count()
    if stored != len(applied):
        problems.append(f"{len(applied)} applications accepted, {stored} stored")
    return {
        "facts_answered": len(first),
        "facts_stored": sum(len(pks) for pks in rows.values()),
        # Sent but unanswered when the run stopped (the server may still have committed them): at most one
        # row each, which the checks above ensure.
        "facts_in_flight": len(sent - {r["key"] for r in records if r["kind"] == "fact"}),
        "retries": len(replays),
        "conflicts_409": sum(1 for r in records if r["kind"] == "fact" and r["status"] == 409),
        "applications": len(applied),
        "server_errors": len(server_errors),
        "server_error_samples": server_errors[:5],
        "problems": problems,
    }


def read_stats(stats_path: Path) -> dict:
    endpoints = []
    aggregate = {}
    with stats_path.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            figures = {
                "method": row["Type"],
                "name": row["Name"],
                "requests": int(row["Request Count"]),
                "failures": int(row["Failure Count"]),
                "median_ms": float(row["Median Response Time"]),
                "p95_ms": float(row["95%"]),
                "p99_ms": float(row["99%"]),
                "rps": float(row["Requests/s"]),
            }
            if row["Name"] == "Aggregated":
                aggregate = figures
            else:
                endpoints.append(figures)
    return {"aggregate": aggregate, "endpoints": endpoints}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=2.0)
    parser.add_argument("--seconds", type=int, help="overrides --minutes (the CI test runs ~30 s)")
    parser.add_argument("--users", type=int, default=24, help="concurrent locust users")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args(argv)
    seconds = args.seconds or int(args.minutes * 60)

    url = load_database_url(require_postgres())
    secret = secrets.token_urlsafe(48)
    env = {"DATABASE_URL": url, "DJANGO_SECRET_KEY": secret, **UNTHROTTLED}
    os.environ.update(env)
    ensure_database(url)
    manage("collectstatic", "--noinput", "-v", "0")  # DEBUG is off: pages name the manifest's files
    subprocess.run(
        [sys.executable, "manage.py", "seed_demo", "--force"],
        cwd=ROOT,
        env=server_env(env),
        check=True,
        stdout=subprocess.DEVNULL,
    )
    _setup_django(server_env(env))

    with (
        tempfile.TemporaryDirectory(prefix="ipfin_load_") as tmp,
        gunicorn(workers=args.workers, env=env) as host,
    ):
        workdir = Path(tmp)
        plan = build_plan(host)
        plan_path = workdir / "plan.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        writes_path = workdir / "writes.jsonl"
        writes_path.touch()
        started = time.monotonic()
        stats_path = run_locust(
            host, plan_path, writes_path, seconds=seconds, users=args.users, workdir=workdir
        )
        elapsed = time.monotonic() - started
        stats = read_stats(stats_path)
        writes = verify_writes(writes_path, plan["run"])

    result = {
        "seconds": seconds,
        "users": args.users,
        "elapsed_s": round(elapsed, 1),
        **stats,
        "writes": writes,
    }
    aggregate = stats["aggregate"]
    print(f"{'endpoint':58} {'reqs':>6} {'fail':>5} {'p50':>6} {'p95':>6} {'p99':>6} {'req/s':>7}")
    for row in [*stats["endpoints"], aggregate]:
        print(
            f"{row['method'] + ' ' + row['name']:58.58} {row['requests']:6d} {row['failures']:5d} "
            f"{row['median_ms']:6.0f} {row['p95_ms']:6.0f} {row['p99_ms']:6.0f} {row['rps']:7.1f}"
        )
    print(
        f"5xx: {writes['server_errors']}; facts answered {writes['facts_answered']}, stored "
        f"{writes['facts_stored']}, retries {writes['retries']}, 409 {writes['conflicts_409']}; "
        f"applications {writes['applications']}; problems: {len(writes['problems'])}"
    )
    for problem in writes["problems"][:20]:
        print(f"  {problem}")
    if args.json:
        args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")
    ok = not writes["problems"] and not writes["server_errors"] and aggregate.get("failures", 1) == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
