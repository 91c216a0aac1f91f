"""A small world for the statistics pages: loans at two banks in two districts, written as the loan services
would leave them (a disbursement fact behind every disbursed amount)."""

import itertools
from datetime import date
from decimal import Decimal

from loans.models import FactKind, Loan, LoanFact, LoanSource, LoanStatus

_serial = itertools.count(1)


def disbursed_loan(*, bank, enterprise, amount: str, on: date, actor) -> Loan:
    number = next(_serial)
    loan = Loan.objects.create(
        reference=f"DK-T-{number:06d}",
        bank=bank,
        bank_loan_ref=f"T-{number}",
        enterprise=enterprise,
        source=LoanSource.PORTAL,
        principal=Decimal(amount),
        annual_rate_pct=Decimal("3.50"),
        term_months=12,
        status=LoanStatus.DISBURSED,
        disbursed_on=on,
        disbursed_amount=Decimal(amount),
        created_by=actor,
    )
    LoanFact.objects.create(
        loan=loan,
        kind=FactKind.DISBURSEMENT,
        occurred_on=on,
        amount=Decimal(amount),
        source=LoanSource.PORTAL,
        reported_by=actor,
    )
    return loan
