"""`loan_import`: a bank's batch upload of 100,000 loan-fact rows, checked and applied.

Goals (issue 4, "Performance"):

- `import 100,000 rows (s)` (target <= 15): seconds from the upload to the applied import for a CSV of
  100,000 rows: 20,000 contracts for registered enterprises, each with its disbursement, two interest
  payments and a repayment. The service runs synchronously in this process
  (``loan_import_create`` stores the file, ``loan_import_run`` reads, checks every row through the
  ledger rules and writes 20,000 loans, 80,000 facts and 60,000 events in one transaction), against
  PostgreSQL, DEBUG off.
- `import_100k_vs_10k_rows` (target <= 12.0): the same run at 10,000 rows, measured just before; a
  ratio near 10 says the cost follows the rows (no per-row query creeping in, nothing quadratic).

Every run uses fresh bank references and removes the bench bank's loans first, so runs can repeat on
the same database. The 2,000 borrowers (``Bench import enterprise NNNN``) are created once with
set-based SQL and kept.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/ipfin_bench2 python -m bench loan_import
"""

import csv
import io
import logging
import os
import time
from datetime import timedelta

from bench.harness import Goal, info, server_env

DESCRIPTION = "batch upload of 100,000 loan-fact rows: seconds (<= 15), 100k vs 10k rows (<= 12x)"

ENTERPRISES = 2_000
ROWS_PER_LOAN = 5
TARGET_SECONDS = 15.0
TARGET_RATIO = 12.0
BANK_NAME = "Bench import bank"
OFFICER = "bench_import_officer"


def _setup_django() -> None:
    # DEBUG off (no query log growing over 100,000 rows) and an in-memory broker, so the task the upload
    # queues after commit goes nowhere: the benchmark calls the run itself.
    os.environ.update(server_env({"DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost"}))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    import django

    django.setup()
    from portal.celery import app as celery_app

    celery_app.conf.broker_url = "memory://"
    celery_app.conf.task_always_eager = False
    # The run logs how long reading, checking and writing took.
    logging.getLogger("loans.services.imports").setLevel(logging.INFO)


def _uscc(serial: int) -> str:
    from portal.identifiers.uscc import check_character

    body = f"91110108MC{serial:07d}"
    return body + check_character(body)


def _people():
    from portal.accounts.models import Organisation, OrgKind, Role, User
    from portal.accounts.services import organisation_create, user_create

    bank = Organisation.objects.filter(name=BANK_NAME, kind=OrgKind.BANK).first() or organisation_create(
        name=BANK_NAME, kind=OrgKind.BANK
    )
    officer = User.objects.filter(username=OFFICER).first() or user_create(
        username=OFFICER,
        password=None,
        full_name=OFFICER,
        email=f"{OFFICER}@bench.example",
        organisation=bank,
        role=Role.BANK_OFFICER,
    )
    return bank, officer


def _enterprises() -> list[str]:
    from django.db import connection

    from portal.accounts.models import OrgKind

    codes = [_uscc(index) for index in range(ENTERPRISES)]
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO accounts_organisation (name, kind, uscc, district, is_active, created_at) "
            "SELECT 'Bench import enterprise ' || lpad(i::text, 4, '0'), %s, code, '110108', true, now() "
            "FROM unnest(%s::text[]) WITH ORDINALITY AS t(code, i) "
            "ON CONFLICT (uscc) DO NOTHING",
            [OrgKind.ENTERPRISE, codes],
        )
    return codes


def _clear(bank) -> None:
    """Remove the bench bank's loans (and what hangs off them) left by an earlier run."""
    from django.db import connection

    from loans.models import FinancingCase, Loan, LoanAlert, LoanEvent, LoanFact, LoanImport, LoanParticipant

    loans = f"SELECT id FROM {Loan._meta.db_table} WHERE bank_id = %s"  # noqa: S608 (table names ours)
    with connection.cursor() as cursor:
        for model in (LoanEvent, LoanFact, LoanParticipant, LoanAlert, Loan.registrations.through):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE loan_id IN ({loans})", [bank.pk])  # noqa: S608
        cursor.execute(f"SELECT case_id FROM {Loan._meta.db_table} WHERE bank_id = %s", [bank.pk])  # noqa: S608
        case_ids = [case_id for (case_id,) in cursor.fetchall() if case_id is not None]
        cursor.execute(f"DELETE FROM {Loan._meta.db_table} WHERE bank_id = %s", [bank.pk])  # noqa: S608
        # The cases the bank's uploads opened go with their loans.
        cursor.execute(f"DELETE FROM {FinancingCase._meta.db_table} WHERE id = ANY(%s)", [case_ids])  # noqa: S608
    for loan_import in LoanImport.objects.filter(bank=bank):
        loan_import.file.delete(save=False)
        loan_import.delete()


def _csv(loans: int, codes: list[str], stamp: str) -> bytes:
    """``loans`` contracts of 1,000,000 yuan, each disbursed, paid interest twice and partly repaid."""
    from django.utils.timezone import localdate

    base = localdate() - timedelta(days=400)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    header = "bank_loan_ref,fact,date,amount,enterprise_uscc,contract_number,annual_rate_pct,term_months"
    writer.writerow(header.split(","))
    for index in range(loans):
        ref = f"{stamp}-{index:06d}"
        start = base + timedelta(days=index % 200)
        writer.writerows(
            [
                [ref, "contract", start, "1,000,000.00", codes[index % len(codes)], f"HT{ref}", "3.45", "24"],
                [ref, "disbursement", start + timedelta(days=5), "1000000.00"],
                [ref, "interest", start + timedelta(days=35), "2875.00"],
                [ref, "interest", start + timedelta(days=65), "2875.00"],
                [ref, "repayment", start + timedelta(days=95), "250000.00"],
            ]
        )
    return buffer.getvalue().encode("utf-8")


def _server_cpu() -> float | None:
    """CPU seconds this connection's PostgreSQL backend has used, when the server runs on this machine:
    with the client's CPU it says what the run costs whatever else the box is doing."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _import_seconds(bank, officer, rows: int, codes: list[str]) -> float:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from loans.models import ImportStatus
    from loans.services.imports import loan_import_create, loan_import_run

    content = _csv(rows // ROWS_PER_LOAN, codes, stamp=f"B{time.time_ns() // 1000:x}")
    upload = SimpleUploadedFile("bench.csv", content, content_type="text/csv")
    server = _server_cpu()
    started, cpu = time.perf_counter(), time.process_time()
    loan_import = loan_import_create(bank=bank, uploaded_file=upload, actor=officer)
    loan_import = loan_import_run(import_id=loan_import.pk)
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    server = None if server is None else _server_cpu() - server
    if loan_import.status != ImportStatus.APPLIED or loan_import.facts_recorded != rows // ROWS_PER_LOAN * 4:
        raise SystemExit(f"bench import did not apply: {loan_import.status} {loan_import.errors[:3]}")
    info(
        f"{rows:,} rows ({len(content) / 1e6:.1f} MB): {seconds:.2f} s; CPU {cpu:.2f} s here"
        + ("" if server is None else f" + {server:.2f} s in PostgreSQL")
        + f"; {loan_import.loans_created:,} loans, {loan_import.facts_recorded:,} facts"
    )
    return seconds


def run() -> list[Goal]:
    _setup_django()
    bank, officer = _people()
    codes = _enterprises()
    _clear(bank)
    _import_seconds(bank, officer, 10_000, codes)  # warm-up: imports, caches, the first connection
    small = _import_seconds(bank, officer, 10_000, codes)
    large = _import_seconds(bank, officer, 100_000, codes)
    _clear(bank)
    return [
        Goal("import 100,000 rows (s)", large, TARGET_SECONDS, higher_is_better=False),
        Goal("import_100k_vs_10k_rows", large / small, TARGET_RATIO, higher_is_better=False),
    ]
