"""Helpers for the subsidy tests (no tests here); the fixtures built on them are in conftest.py."""

import itertools
from datetime import date, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.timezone import localdate

from loans.models import Loan, LoanSource, LoanStatus
from pledges.models import PledgeRegistration, RegistrationKind, Status
from portal.policy.models import Channel, IpKind, PolicyParameterSet
from subsidies import applications as apps
from subsidies import review
from subsidies.batches import batch_create, batch_transition
from subsidies.models import Application, BatchStatus, Verdict

D = Decimal
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_serial = itertools.count(1)


def pdf(name: str = "材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def batch_values(**overrides) -> dict:
    values = {
        "year": 2026,
        "title": "2026 interest and fee subsidies, loans settled in 2025",
        "opens_on": localdate() - timedelta(days=30),  # open whatever day the tests run
        "closes_on": localdate() + timedelta(days=30),
        "budget": D("1000000.00"),
        "budget_source": "京财科文〔2026〕1号",
        "publicity_working_days": 5,
    }
    values.update(overrides)
    return values


def make_batch(actor, **overrides):
    batch = batch_create(actor=actor, values=batch_values(**overrides))
    return batch_transition(batch=batch, actor=actor, to=BatchStatus.PUBLISHED)


def make_settled_loan(
    *, bank, enterprise, actor, contract="HT-2025-001", registered_on=date(2025, 1, 10), **overrides
) -> Loan:
    """A settled loan with its facts as the bank reported them (E4 of domain.md §5 by default) and a
    registered pledge over a patent of the borrower."""
    fields = {
        "principal": D("5000000.00"),
        "annual_rate_pct": D("3.50"),
        "term_months": 12,
        "disbursed_on": date(2025, 1, 15),
        "disbursed_amount": D("5000000.00"),
        "principal_repaid": D("5000000.00"),
        "interest_paid": D("175000.00"),
        "settled_on": date(2025, 11, 30),
    }
    fields.update(overrides)
    loan = Loan.objects.create(
        reference=f"DK-2025-{next(_serial):07d}",
        bank=bank,
        enterprise=enterprise,
        source=LoanSource.PORTAL,
        contract_number=contract,
        status=LoanStatus.SETTLED,
        created_by=actor,
        **fields,
    )
    if registered_on is not None:
        registration = PledgeRegistration.objects.create(
            reference=f"S{next(_serial):08d}",
            kind=RegistrationKind.PLEDGE,
            ip_kind=IpKind.PATENT,
            channel=Channel.ONLINE,
            status=Status.REGISTERED,
            pledgor=enterprise,
            pledgee=bank,
            debt_amount=fields["principal"],
            debt_start=fields["disbursed_on"],
            debt_end=date(2026, 1, 14),
            registered_on=registered_on,
            created_by=actor,
        )
        loan.registrations.add(registration)
    return loan


def entered_values(bank, **overrides) -> dict:
    """E5 of domain.md §5: rate 5.00% against a cap of 4.20% (LPR 3.00% on 2025-06-10)."""
    values = {
        "bank": bank,
        "contract_number": "JK-2025-0610",
        "principal": "8000000",
        "interest_paid": "500000.00",
        "annual_rate_pct": "5.00",
        "ip_share": "1",
        "disbursed_on": "2025-06-10",
        "settled_on": "2025-12-20",
        "pledge_registered_on": "2025-06-05",
    }
    values.update(overrides)
    return values


def fee_values(**overrides) -> dict:
    values = {
        "kind": "evaluation",
        "payee": "北京某资产评估有限公司",
        "invoice_code": "011002500111",
        "invoice_number": "00012345",
        "invoice_date": "2025-01-05",
        "amount": "30000.00",
        "loan_contract": "HT-2025-001",
    }
    values.update(overrides)
    return values


def complete_details(application, actor):
    return apps.application_update_details(
        application=application,
        actor=actor,
        values={
            "contact_name": "张经理",
            "contact_phone": "13800138000",
            "bank_account_name": application.enterprise.name,
            "bank_account_bank": "中国银行北京海淀支行",
            "bank_account_number": "6216 6100 0001 2345 678",
        },
    )


def upload_required(application, actor):
    for item in apps.required_items(application):
        apps.material_upload(application=application, item=item, actor=actor, upload=pdf())


def submitted_application(batch, enterprise_user, loan) -> Application:
    """An application for ``loan`` (portal facts), details and materials complete, submitted."""
    application = apps.application_open(batch=batch, actor=enterprise_user)
    apps.loan_line_add_from_portal(application=application, loan=loan, actor=enterprise_user)
    complete_details(application, enterprise_user)
    upload_required(application, enterprise_user)
    return apps.application_submit(application=application, actor=enterprise_user)


def proposed_application(batch, enterprise_user, loan, first, amount=None, reason="") -> Application:
    application = submitted_application(batch, enterprise_user, loan)
    review.review_start(application=application, actor=first)
    for material in application.materials.all():
        review.material_check(material=material, actor=first, verdict=Verdict.OK)
    return review.review_propose(
        application=application, actor=first, outcome=review.APPROVE, amount=amount, reason=reason
    )


def refreshed(application) -> Application:
    return Application.objects.get(pk=application.pk)


def parameter_set(year: int = 2026) -> PolicyParameterSet:
    return PolicyParameterSet.objects.get(year=year)
