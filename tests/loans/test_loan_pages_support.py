"""Helpers for the loan page, alert and service tests (no tests here): loans made through the services,
or, for a loan born from an accepted offer, written directly in "awaiting contract" (how a loan gets
there is the applications' business)."""

from datetime import timedelta
from decimal import Decimal

from django.utils.timezone import localdate

from loans.models import FactKind, Loan, LoanEvent, LoanSource, LoanStatus
from loans.services.facts import loan_create, loan_fact_record
from loans.services.references import LOAN_SERIES, next_reference

D = Decimal


def loan_fields(**overrides) -> dict:
    fields = {
        "bank_loan_ref": "ZGC-2026-001",
        "contract_number": "HT-2026-001",
        "contract_signed_on": localdate() - timedelta(days=90),
        "principal": D("1000000.00"),
        "annual_rate_pct": D("3.45"),
        "term_months": 12,
    }
    fields.update(overrides)
    return fields


def make_loan(*, bank, enterprise, actor, **overrides) -> Loan:
    return loan_create(bank=bank, enterprise=enterprise, actor=actor, **loan_fields(**overrides))


def make_awaiting_loan(*, bank, enterprise, actor, **overrides) -> Loan:
    fields = {
        "principal": D("800000.00"),
        "annual_rate_pct": D("3.80"),
        "term_months": 24,
    }
    fields.update(overrides)
    loan = Loan.objects.create(
        reference=next_reference(series=LOAN_SERIES, year=localdate().year),
        bank=bank,
        enterprise=enterprise,
        source=LoanSource.PORTAL,
        status=LoanStatus.AWAITING_CONTRACT,
        created_by=actor,
        **fields,
    )
    LoanEvent.objects.create(loan=loan, actor=actor, from_status="", to_status=loan.status)
    return loan


def make_running_loan(*, bank, enterprise, actor, **overrides) -> Loan:
    """A loan disbursed in full 60 days ago."""
    loan = make_loan(bank=bank, enterprise=enterprise, actor=actor, **overrides)
    loan_fact_record(
        loan=loan,
        kind=FactKind.DISBURSEMENT,
        occurred_on=localdate() - timedelta(days=60),
        amount=loan.principal,
        actor=actor,
    )
    loan.refresh_from_db()
    return loan
