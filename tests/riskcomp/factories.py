"""Helpers for the risk compensation tests (no tests here); fixtures built on them are in conftest.py."""

import itertools
from datetime import timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.timezone import localdate

from loans.models import Classification, Loan, LoanParticipant, LoanSource, LoanStatus
from pledges.models import PledgeRegistration, RegistrationKind, Status
from portal.policy.models import Channel, IpKind, PolicyParameterSet
from riskcomp import claims, review
from riskcomp.models import REQUIRED_EVIDENCE, Claim

D = Decimal
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
_serial = itertools.count(1)


def pdf(name: str = "证明材料.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def fund(year: int | None = None, *, budget="5000000.00", institution_cap=None) -> None:
    PolicyParameterSet.objects.filter(year=year or localdate().year).update(
        riskcomp_fund_annual_budget=D(budget) if budget is not None else None,
        riskcomp_per_institution_annual_cap=D(institution_cap) if institution_cap is not None else None,
    )


def make_npl_loan(
    *, bank, enterprise, actor, participants=(), registered_on=None, npl_on=None, **overrides
) -> Loan:
    """E8 of domain.md §5 by default: 2,000,000 outstanding, IP only, non-performing 30 days ago, the pledge
    registered a year before; ``participants``: (kind, organisation or None, name, share, dispersed)."""
    npl_on = npl_on or localdate() - timedelta(days=30)
    fields = {
        "principal": D("2000000.00"),
        "annual_rate_pct": D("4.00"),
        "term_months": 24,
        "disbursed_on": npl_on - timedelta(days=400),
        "disbursed_amount": D("2000000.00"),
        "principal_repaid": D("0.00"),
        "interest_paid": D("50000.00"),
    }
    fields.update(overrides)
    loan = Loan.objects.create(
        reference=f"DK-NPL-{next(_serial):07d}",
        bank=bank,
        enterprise=enterprise,
        source=LoanSource.PORTAL,
        contract_number=f"NPL-{next(_serial)}",
        status=LoanStatus.NON_PERFORMING,
        classification=Classification.SUBSTANDARD,
        classified_on=npl_on,
        non_performing_on=npl_on,
        created_by=actor,
        **fields,
    )
    registration = PledgeRegistration.objects.create(
        reference=f"R{next(_serial):08d}",
        kind=RegistrationKind.PLEDGE,
        ip_kind=IpKind.PATENT,
        channel=Channel.ONLINE,
        status=Status.REGISTERED,
        pledgor=enterprise,
        pledgee=bank,
        debt_amount=fields["principal"],
        debt_start=fields["disbursed_on"],
        debt_end=fields["disbursed_on"] + timedelta(days=730),
        registered_on=registered_on or fields["disbursed_on"] - timedelta(days=5),
        created_by=actor,
    )
    loan.registrations.add(registration)
    for kind, organisation, name, share, dispersed in participants:
        LoanParticipant.objects.create(
            loan=loan,
            kind=kind,
            organisation=organisation,
            name=name,
            risk_share=D(share),
            dispersed=D(dispersed),
        )
    return loan


def upload_evidence(claim: Claim, actor) -> None:
    for item in REQUIRED_EVIDENCE:
        claims.evidence_upload(claim=claim, actor=actor, item=item, upload=pdf())


def refreshed(claim: Claim) -> Claim:
    return Claim.objects.get(pk=claim.pk)


def submitted(loan, bank_officer, confirmers=()) -> Claim:
    claim = claims.claim_open(loan=loan, actor=bank_officer)
    upload_evidence(claim, bank_officer)
    claim = claims.claim_submit(claim=claim, actor=bank_officer)
    for user in confirmers:
        for participant in claim.participants.filter(organisation=user.organisation):
            claims.participant_confirm(participant=participant, actor=user, confirmed=True)
    return refreshed(claim)


def proposed(loan, bank_officer, first, confirmers=(), payouts=None, reason="") -> Claim:
    claim = submitted(loan, bank_officer, confirmers)
    review.review_start(claim=claim, actor=first)
    return review.review_propose(
        claim=claim, actor=first, outcome=review.APPROVE, payouts=payouts, reason=reason
    )


def approved(loan, bank_officer, first, second, confirmers=()) -> Claim:
    claim = proposed(loan, bank_officer, first, confirmers)
    return review.review_decide(claim=claim, actor=second, approve=True)
