"""`subsidies`: the public interest-subsidy quote and a batch's recomputation after a parameter correction.

Goals (issue 6, "Performance"):

- `subsidy_quote_10_loans_median_ms` (target < 20): the median time of
  ``POST /api/v1/public/subsidies/interest/quote/`` with 10 loans (a mix of eligible and ineligible ones,
  disbursed on dates across four LPR publications), over 200 requests from one client after a warm-up,
  in this process through ``django.test.Client`` (the whole middleware stack, the throttle included),
  DEBUG off, against PostgreSQL.
- `subsidy_recompute_10k_seconds` (target < 10): a published batch holds 10,000 applications in the open
  statuses (draft to correction), each with 1-3 loan lines and some with fee lines, computed under the
  batch's version 1, plus 500 approved applications that must keep theirs. The parameters are corrected
  through ``batches.batch_parameters_correct`` (the Celery task it queues after commit goes to an
  in-memory broker, nowhere) and ``subsidies.compute.batch_recompute`` is timed, called directly. Then
  every open application must be on version 2 with one "recomputed" event, the approved ones on version 1,
  and the stored amounts of a sample of 300 must equal a fresh per-application ``compute``.

The 10,500 enterprises (``Subsidy bench enterprise NNNNN``) and the five lending banks are built once with
set-based SQL and kept. Each run builds its batch with bulk inserts (not the services: the services are
what the tests exercise; this measures the recomputation) and deletes it afterwards, so runs can repeat.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench_sub python -m bench subsidies
"""

import json
import os
import random
import statistics
import time
from datetime import date, timedelta
from decimal import Decimal

from bench.harness import Goal, info, server_env

DESCRIPTION = (
    "interest quote with 10 loans: median ms (< 20); recompute 10,000 applications after a parameter "
    "correction: seconds (< 10)"
)

QUOTE_TARGET_MS = 20.0
QUOTE_REQUESTS = 200
QUOTE_WARMUP = 30
RECOMPUTE_TARGET_SECONDS = 10.0
OPEN_APPLICATIONS = 10_000
APPROVED_APPLICATIONS = 500
SAMPLE = 300
ENTERPRISE_PREFIX = "Subsidy bench enterprise "
BANK_PREFIX = "Subsidy bench bank "
BANKS = 5
BATCH_TITLE = "Subsidy bench batch"
REVIEWER = "bench_sub_reviewer"
QUOTE_PATH = "/api/v1/public/subsidies/interest/quote/"


def _setup_django() -> None:
    os.environ.update(server_env({"DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from portal.celery import app as celery_app

    celery_app.conf.broker_url = "memory://"  # the recompute task queued after commit goes nowhere
    celery_app.conf.task_always_eager = False


# --- The quote ----------------------------------------------------------------------------------------


def _quote_body() -> dict:
    """Ten loans of one enterprise for the 2026 batch: eight eligible (some above the cap rate, two
    combination loans), one settled outside the window, one with the pledge registered after settlement."""
    loans = []
    disbursed = [
        "2024-03-01",
        "2024-08-15",
        "2024-11-05",
        "2025-01-15",
        "2025-02-28",
        "2025-05-20",
        "2025-06-10",
        "2025-07-01",
        "2024-12-02",
        "2025-03-03",
    ]
    for index, day in enumerate(disbursed):
        loans.append(
            {
                "ref": f"L{index + 1}",
                "interest_paid": f"{50_000 + index * 12_345}.{index:02d}",
                "annual_rate_pct": ["3.50", "4.80", "5.20", "3.10"][index % 4],
                "ip_share": "0.6500" if index in (2, 5) else "1",
                "disbursed_on": day,
                "settled_on": "2026-01-05" if index == 8 else "2025-11-30",
                "pledge_registered_on": "2025-12-01" if index == 9 else "2024-01-10",
            }
        )
    return {"batch_year": 2026, "loans": loans}


def _quote_median_ms() -> float:
    from django.test import Client

    client = Client()
    body = json.dumps(_quote_body())

    def post() -> float:
        started = time.perf_counter()
        response = client.post(QUOTE_PATH, body, content_type="application/json")
        elapsed = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            raise SystemExit(f"quote answered {response.status_code}: {response.content[:300]!r}")
        return elapsed

    for _ in range(QUOTE_WARMUP):
        post()
    answer = client.post(QUOTE_PATH, body, content_type="application/json").json()
    eligible = sum(loan["eligible"] for loan in answer["loans"])
    if len(answer["loans"]) != 10 or eligible != 8:
        raise SystemExit(f"unexpected quote: {answer}")
    timings = sorted(post() for _ in range(QUOTE_REQUESTS))
    median = statistics.median(timings)
    info(
        f"quote, 10 loans ({eligible} eligible, total {answer['total']}): median {median:.2f} ms, "
        f"p90 {timings[int(len(timings) * 0.9)]:.2f} ms, min {timings[0]:.2f} ms over {len(timings)} requests"
    )
    return median


# --- The recomputation's data ---------------------------------------------------------------------------


def _uscc(serial: int) -> str:
    from portal.identifiers.uscc import check_character

    body = f"91110108MD{serial:07d}"
    return body + check_character(body)


def _build_people():
    """The enterprises and banks (kept between runs) and the reviewer who manages the batch."""
    from django.db import connection, transaction

    from portal.accounts.models import Organisation, OrgKind, Role, User
    from portal.accounts.services import organisation_create, user_create

    wanted = OPEN_APPLICATIONS + APPROVED_APPLICATIONS
    have = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, name__startswith=ENTERPRISE_PREFIX).count()
    if have < wanted:
        info(f"building {wanted - have:,} enterprises")
        names = [f"{ENTERPRISE_PREFIX}{index:05d}" for index in range(wanted)]
        codes = [_uscc(index) for index in range(wanted)]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO accounts_organisation (name, kind, uscc, district, is_active, created_at) "
                "SELECT name, %s, uscc, '110108', true, now() FROM unnest(%s::text[], %s::text[]) AS t(name, uscc) "
                "ON CONFLICT (uscc) DO NOTHING",
                [OrgKind.ENTERPRISE, names, codes],
            )
    banks = []
    for index in range(1, BANKS + 1):
        name = f"{BANK_PREFIX}{index}"
        banks.append(
            Organisation.objects.filter(name=name, kind=OrgKind.BANK).first()
            or organisation_create(name=name, kind=OrgKind.BANK)
        )
    reviewer = User.objects.filter(username=REVIEWER).first()
    if reviewer is None:
        bureau = Organisation.objects.filter(name="Subsidy bench IP bureau").first() or organisation_create(
            name="Subsidy bench IP bureau", kind=OrgKind.IP_BUREAU
        )
        reviewer = user_create(
            username=REVIEWER, password=None, full_name=REVIEWER, organisation=bureau, role=Role.REVIEWER
        )
    enterprises = list(
        Organisation.objects.filter(kind=OrgKind.ENTERPRISE, name__startswith=ENTERPRISE_PREFIX)
        .order_by("name")
        .values_list("pk", flat=True)[:wanted]
    )
    return enterprises, banks, reviewer


def _clean() -> None:
    """Remove the batches earlier runs left (everything hanging off them included)."""
    from django.db import connection

    from subsidies.models import Batch

    ids = list(Batch.objects.filter(title=BATCH_TITLE).values_list("pk", flat=True))
    if not ids:
        return
    applications = "SELECT id FROM subsidies_application WHERE batch_id = ANY(%s)"
    with connection.cursor() as cursor:
        for table in (
            "subsidies_applicationevent",
            "subsidies_loanline",
            "subsidies_feeline",
            "subsidies_claim",
            "subsidies_material",
        ):
            cursor.execute(f"DELETE FROM {table} WHERE application_id IN ({applications})", [ids])  # noqa: S608
        cursor.execute("DELETE FROM subsidies_application WHERE batch_id = ANY(%s)", [ids])
        for table in ("subsidies_batchevent", "subsidies_checklistitem", "subsidies_batchparameters"):
            cursor.execute(f"DELETE FROM {table} WHERE batch_id = ANY(%s)", [ids])  # noqa: S608
        cursor.execute("DELETE FROM subsidies_batch WHERE id = ANY(%s)", [ids])


def _loan_lines(rng: random.Random, application_index: int, banks) -> list[dict]:
    lines = []
    window_start = date(2025, 1, 1)
    for number in range(rng.choice((1, 1, 2, 2, 2, 3))):
        disbursed = date(2024, 1, 2) + timedelta(days=rng.randrange(640))
        settled = max(disbursed + timedelta(days=rng.randrange(90, 400)), window_start)
        if rng.random() < 0.05:
            settled = date(2026, 1, 1) + timedelta(days=rng.randrange(60))  # outside the window
        share = Decimal("1") if rng.random() < 0.8 else Decimal(rng.choice(("0.4500", "0.5000", "0.7000")))
        lines.append(
            {
                "bank": banks[application_index % len(banks)],
                "contract_number": f"SBHT{application_index:06d}-{number}",
                "principal": Decimal(rng.randrange(50, 1000) * 10_000),
                "interest_paid": Decimal(rng.randrange(1_000_000, 40_000_000)) / 100,
                "annual_rate_pct": Decimal(rng.choice(("3.10", "3.45", "3.80", "4.20", "4.60", "5.10"))),
                "ip_share": share,
                "disbursed_on": disbursed,
                "settled_on": settled,
                "pledge_registered_on": disbursed - timedelta(days=rng.randrange(1, 20)),
            }
        )
    return lines


def _build_batch(enterprises, banks, reviewer):
    """The batch, 10,000 open and 500 approved applications with their lines, computed under version 1,
    written with bulk inserts."""
    from django.db import connection, transaction
    from django.utils import timezone

    from subsidies.batches import batch_create, batch_transition, current_parameters
    from subsidies.compute import LprTable, apply_sheet, compute
    from subsidies.models import (
        OPEN_STATUSES,
        Application,
        ApplicationStatus,
        BatchStatus,
        Confirmation,
        FeeKind,
        FeeLine,
        LineSource,
        LoanLine,
    )

    today = timezone.localdate()
    batch = batch_create(
        actor=reviewer,
        values={
            "year": 2026,
            "title": BATCH_TITLE,
            "opens_on": today - timedelta(days=30),
            "closes_on": today + timedelta(days=60),
            "budget": Decimal("5000000000.00"),
            "budget_source": "bench",
            "publicity_working_days": 5,
        },
    )
    batch = batch_transition(batch=batch, actor=reviewer, to=BatchStatus.PUBLISHED)
    version = current_parameters(batch)
    lpr = LprTable()
    rng = random.Random(2026)
    stamp = f"{int(time.time()) % 0xFFFFFF:06X}"
    open_statuses = sorted(OPEN_STATUSES)
    now = timezone.now()
    started = time.monotonic()
    applications, lines_of, fees_of = [], [], []
    total = OPEN_APPLICATIONS + APPROVED_APPLICATIONS
    for index in range(total):
        approved = index >= OPEN_APPLICATIONS
        application = Application(
            reference=f"SB{stamp}{index:06d}",
            batch=batch,
            enterprise_id=enterprises[index],
            parameters=version,
            status=ApplicationStatus.APPROVED if approved else open_statuses[index % len(open_statuses)],
            contact_name="联系人",
            contact_phone="13800000000",
            bank_account_name="bench",
            bank_account_bank="bench",
            bank_account_number="6216610000012345678",
            created_by=reviewer,
        )
        lines = [
            LoanLine(
                source=LineSource.ENTERED,
                confirmation=Confirmation.CONFIRMED,
                **values,
            )
            for values in _loan_lines(rng, index, banks)
        ]
        fees = []
        if rng.random() < 0.4:
            for number in range(rng.choice((1, 2))):
                fees.append(
                    FeeLine(
                        kind=rng.choice(FeeKind.values),
                        payee="bench",
                        invoice_code="011002500111",
                        invoice_number=f"{index:06d}{number}",
                        invoice_date=date(2025, 3, 1),
                        amount=Decimal(rng.randrange(100_000, 6_000_000)) / 100,
                        loan_contract=lines[0].contract_number,
                    )
                )
        apply_sheet(application, compute(version.values, lines, fees, lpr), now)
        if approved:
            application.proposed_amount = application.approved_amount = application.calculated
            application.proposed_outcome = "approve"
            application.decided_at = now
        applications.append(application)
        lines_of.append(lines)
        fees_of.append(fees)
    with transaction.atomic():
        Application.objects.bulk_create(applications, batch_size=2000)
        for application, lines, fees in zip(applications, lines_of, fees_of, strict=True):
            for line in lines:
                line.application_id = application.pk
            for fee in fees:
                fee.application_id = application.pk
        LoanLine.objects.bulk_create([line for lines in lines_of for line in lines], batch_size=2000)
        FeeLine.objects.bulk_create([fee for fees in fees_of for fee in fees], batch_size=2000)
    with connection.cursor() as cursor:
        for table in ("subsidies_application", "subsidies_loanline", "subsidies_feeline"):
            cursor.execute(f"ANALYZE {table}")
    loan_count = sum(len(lines) for lines in lines_of)
    fee_count = sum(len(fees) for fees in fees_of)
    info(
        f"built {total:,} applications ({OPEN_APPLICATIONS:,} open, {APPROVED_APPLICATIONS} approved), "
        f"{loan_count:,} loan lines, {fee_count:,} fee lines in {time.monotonic() - started:.1f} s"
    )
    return batch


def _check(batch, version, seconds: float) -> None:
    """Every open application on the new version with one event; the approved ones untouched; a sample's
    stored amounts equal to a fresh computation."""
    from subsidies.compute import LprTable, compute
    from subsidies.models import OPEN_STATUSES, Application, ApplicationEvent, ApplicationStatus

    open_ones = Application.objects.filter(batch=batch, status__in=OPEN_STATUSES)
    behind = open_ones.exclude(parameters=version).count()
    events = ApplicationEvent.objects.filter(application__batch=batch, action="recomputed").count()
    approved = Application.objects.filter(batch=batch, status=ApplicationStatus.APPROVED)
    moved = approved.filter(parameters=version).count()
    if behind or events != OPEN_APPLICATIONS or moved:
        raise SystemExit(
            f"recompute incomplete: {behind} open applications behind, {events} events, {moved} approved moved"
        )
    lpr = LprTable()
    sample = list(open_ones.order_by("?")[:SAMPLE])
    for application in sample:
        loans = list(application.loan_lines.order_by("pk"))
        fees = list(application.fee_lines.order_by("pk"))
        stored = [(line.subsidy, line.eligible_interest, line.reasons) for line in loans]
        sheet = compute(version.values, loans, fees, lpr)
        fresh = [(line.subsidy, line.eligible_interest, line.reasons) for line in loans]
        amounts = (application.interest_amount, application.fee_amount, application.calculated)
        if amounts != (sheet.interest_amount, sheet.fee_amount, sheet.total) or stored != fresh:
            raise SystemExit(f"{application.reference}: stored {amounts} {stored}, computed {sheet} {fresh}")
    changed = sum(
        1
        for event in ApplicationEvent.objects.filter(application__batch=batch, action="recomputed").only(
            "details"
        )
        if event.details["calculated"][0] != event.details["calculated"][1]
    )
    info(
        f"recomputed {OPEN_APPLICATIONS:,} applications in {seconds:.2f} s ({changed:,} amounts changed); "
        f"{SAMPLE} sampled equal a fresh computation; the {APPROVED_APPLICATIONS} approved kept version 1"
    )


def _recompute_seconds() -> float:
    from django.db import connection

    from subsidies.batches import batch_parameters_correct
    from subsidies.compute import batch_recompute

    enterprises, banks, reviewer = _build_people()
    _clean()
    batch = _build_batch(enterprises, banks, reviewer)
    version = batch_parameters_correct(
        batch=batch,
        actor=reviewer,
        changes={"interest_ratio": "0.45", "lpr_markup": "0.35"},
        reason="bench: the notice's erratum",
    )
    connection.close()  # the timed run starts on a fresh connection, as the Celery task would
    started, cpu = time.perf_counter(), time.process_time()
    done = batch_recompute(batch.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    info(f"batch_recompute: {done:,} applications, {seconds:.2f} s wall, {cpu:.2f} s CPU in Python")
    if done != OPEN_APPLICATIONS:
        raise SystemExit(f"batch_recompute re-bound {done:,} applications, expected {OPEN_APPLICATIONS:,}")
    _check(batch, version, seconds)
    if os.environ.get("BENCH_PROFILE"):
        _profile(batch.pk, reviewer)
    _clean()
    return seconds


def _profile(batch_id: int, reviewer) -> None:
    """BENCH_PROFILE=1: a second correction, its recomputation under cProfile (top 25 by cumulative time)."""
    import cProfile
    import pstats

    from subsidies.batches import batch_parameters_correct
    from subsidies.compute import batch_recompute
    from subsidies.models import Batch

    batch_parameters_correct(
        batch=Batch.objects.get(pk=batch_id), actor=reviewer, changes={"interest_ratio": "0.5"}, reason="p"
    )
    profiler = cProfile.Profile()
    profiler.enable()
    batch_recompute(batch_id)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def run() -> list[Goal]:
    _setup_django()
    median = _quote_median_ms()
    seconds = _recompute_seconds()
    return [
        Goal("subsidy_quote_10_loans_median_ms", median, QUOTE_TARGET_MS, higher_is_better=False),
        Goal("subsidy_recompute_10k_seconds", seconds, RECOMPUTE_TARGET_SECONDS, higher_is_better=False),
    ]
