"""Demo risk compensation for `manage.py seed_demo`, made through the services by the people who would do it.

This year's fund gets its budget (5,000,000.00 yuan) and each institution an annual cap (600,000.00 yuan)
through the policy services, with a reason, where the year's parameters have none. 北京银行中关村分行
(demo_bank_officer) then claims for six non-performing loans, one at each stage: a draft (the loans demo's
non-performing combination loan), one waiting for 北京中关村科技融资担保有限公司 (demo_guarantor) to confirm its
share, one under review (demo_reviewer), one proposed and waiting for the second reviewer (demo_reviewer2),
one paid (demo_finance) with a recovery whose clawback waits for the guarantor's confirmation, and one paid
whose clawback is settled.

The loans are reported through the loan facts (contract, disbursement, overdue, classification). Their
pledges were registered a year or more ago, before the portal kept the registration window's register, so
each is recorded here as the register holds it (status registered, with its notice number and date): the
filing services can only register a case today, and a pledge registered after the loan went bad is never
eligible (domain.md §2.6).

Idempotent: nothing is added once the first of the demo's own loans exists.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from loans.models import Classification, FactKind, Loan, LoanSource, LoanStatus, ParticipantKind
from loans.services.facts import loan_create, loan_fact_record
from pledges.models import PledgeRegistration, RegistrationKind, Status
from pledges.services.workflow import next_reference as next_case_number
from portal.accounts.models import Organisation, OrgKind, Role, User
from portal.accounts.services import membership_grant, user_create
from portal.policy.errors import PolicyYearMissing
from portal.policy.models import Channel, IpKind
from portal.policy.selectors import parameter_set_for_year
from portal.policy.services import parameter_set_update
from riskcomp import claims, review
from riskcomp.models import REQUIRED_EVIDENCE, Claim, Confirmation, EvidenceItem, RecoverySource

BANK = "北京银行中关村分行"
GUARANTOR = "北京中关村科技融资担保有限公司"
FUND_BUDGET = Decimal("5000000.00")
INSTITUTION_CAP = Decimal("600000.00")
# The loans demo's non-performing loan (a combination loan of 北京星图智能科技有限公司): the draft's loan.
LOANS_DEMO_NPL_REF = "ZGC-2026-0042"
# The draft's own loan when the loans demo did not leave that one free.
DRAFT_CASE = (
    "draft",
    "北京星图智能科技有限公司",
    "ZGC-2026-0057",
    "京银质字2026第0057号",
    "800000.00",
    10,
    None,
)

# The smallest well-formed PDF: the demo's evidence are placeholders a reviewer can open.
_DEMO_PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
_EVIDENCE_NAMES = {
    EvidenceItem.LOAN_CONTRACT: "借款合同及质押合同.pdf",
    EvidenceItem.REGISTRATION: "质押登记通知书.pdf",
    EvidenceItem.CLASSIFICATION: "不良贷款认定材料.pdf",
    EvidenceItem.RECOVERY_ACTIONS: "催收及处置记录.pdf",
    EvidenceItem.RISK_SHARING: "风险分担协议.pdf",
}

# stage, enterprise, the bank's loan reference, contract number, principal, days since non-performing,
# guarantor's (share, dispersed) or None (the bank bears it all).
CASES = [
    (
        "confirming",
        "北京未来智联汽车科技有限公司",
        "ZGC-2025-0318",
        "京银质字2025第0318号",
        "3000000.00",
        20,
        ("0.70", "0.40"),
    ),
    (
        "under_review",
        "北京亦庄精密装备制造有限公司",
        "ZGC-2025-0207",
        "京银质字2025第0207号",
        "1500000.00",
        45,
        None,
    ),
    (
        "proposed",
        "北京文创数字传媒有限公司",
        "ZGC-2025-0166",
        "京银质字2025第0166号",
        "1200000.00",
        60,
        ("0.60", "0.50"),
    ),
    (
        "clawback_confirming",
        "北京绿源新能源科技有限公司",
        "ZGC-2025-0092",
        "京银质字2025第0092号",
        "2000000.00",
        150,
        ("0.80", "0.50"),
    ),
    (
        "clawback_settled",
        "北京怀柔新材料研究院有限公司",
        "ZGC-2025-0047",
        "京银质字2025第0047号",
        "1000000.00",
        200,
        ("0.50", "0.20"),
    ),
]


def _pdf(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, _DEMO_PDF, content_type="application/pdf")


def _login(username: str, full_name: str, organisation: Organisation, role: str) -> User:
    """The demo login (the portal demo's where it exists), created with the demo password if missing."""
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=settings.PORTAL_DEMO_PASSWORD,
            full_name=full_name,
            email=f"{username}@demo.ipfin.example",
        )
        membership_grant(user=user, organisation=organisation, role=role)
    return user


def _fund(actor: User | None) -> bool:
    """This year's fund budget and institution cap, set through the policy services where none is set;
    False when the year has no parameters in force (no claim can be opened then)."""
    try:
        parameters = parameter_set_for_year(timezone.localdate().year)
    except PolicyYearMissing:
        return False
    changes = {}
    if parameters.riskcomp_fund_annual_budget is None:
        changes["riskcomp_fund_annual_budget"] = FUND_BUDGET
    if parameters.riskcomp_per_institution_annual_cap is None:
        changes["riskcomp_per_institution_annual_cap"] = INSTITUTION_CAP
    if changes:
        parameter_set_update(
            parameter_set=parameters,
            changes=changes,
            actor=actor,
            reason="演示数据：风险补偿资金年度预算500万元、单一机构年度补偿上限60万元（示例数值，非正式文件）",
        )
    return True


def _registered_pledge(loan: Loan, *, registered_on: date, actor: User) -> PledgeRegistration:
    """The loan's pledge as the registration window's register holds it (registered before the portal)."""
    registration = PledgeRegistration.objects.create(
        reference=next_case_number(year=registered_on.year),
        kind=RegistrationKind.PLEDGE,
        ip_kind=IpKind.PATENT,
        channel=Channel.WINDOW,
        status=Status.REGISTERED,
        pledgor=loan.enterprise,
        pledgee=loan.bank,
        debt_amount=loan.principal,
        debt_start=loan.contract_signed_on,
        debt_end=loan.maturity_date,
        completed_on=registered_on,
        notice_number=f"京知质登字{registered_on.year}第{loan.pk:05d}号",
        registered_on=registered_on,
        created_by=actor,
    )
    loan.registrations.add(registration)
    return registration


def _npl_loan(bank, guarantor, officer, enterprise, ref, contract, principal, days, guarantor_share) -> Loan:
    """A loan the branch reports through the loan facts: disbursed about 14 months before it went bad,
    overdue for a month, then classified substandard ``days`` ago."""
    today = timezone.localdate()
    npl_on = today - timedelta(days=days)
    signed_on = npl_on - timedelta(days=420)
    participants = []
    if guarantor_share is not None:
        share, dispersed = guarantor_share
        participants = [
            {
                "kind": ParticipantKind.BANK,
                "organisation": bank,
                "risk_share": str(Decimal(1) - Decimal(share)),
                "dispersed": "0",
            },
            {
                "kind": ParticipantKind.GUARANTOR,
                "organisation": guarantor,
                "risk_share": share,
                "dispersed": dispersed,
            },
        ]
    loan = loan_create(
        bank=bank,
        enterprise=enterprise,
        bank_loan_ref=ref,
        contract_number=contract,
        contract_signed_on=signed_on,
        principal=Decimal(principal),
        annual_rate_pct=Decimal("3.85"),
        term_months=24,
        participants=participants,
        source=LoanSource.PORTAL,
        actor=officer,
    )
    for kind, day, extra in (
        (FactKind.DISBURSEMENT, signed_on + timedelta(days=3), {"amount": Decimal(principal)}),
        (FactKind.OVERDUE, npl_on - timedelta(days=30), {"overdue_days": 60}),
        (FactKind.CLASSIFICATION, npl_on, {"classification": Classification.SUBSTANDARD}),
    ):
        loan_fact_record(loan=loan, kind=kind, occurred_on=day, actor=officer, **extra)
    loan.refresh_from_db()
    _registered_pledge(loan, registered_on=signed_on - timedelta(days=6), actor=officer)
    return loan


def _evidence(claim: Claim, officer: User, items) -> None:
    for item in items:
        claims.evidence_upload(claim=claim, actor=officer, item=item, upload=_pdf(_EVIDENCE_NAMES[item]))


def _submitted(loan: Loan, officer: User, guarantor_user: User, *, confirm: bool) -> Claim:
    claim = claims.claim_open(loan=loan, actor=officer)
    items = [*REQUIRED_EVIDENCE, EvidenceItem.RECOVERY_ACTIONS]
    if claim.participants.filter(confirmation=Confirmation.PENDING).exists():
        items.append(EvidenceItem.RISK_SHARING)
    _evidence(claim, officer, items)
    claim = claims.claim_submit(claim=claim, actor=officer)
    if confirm:
        for participant in claim.participants.filter(
            organisation=guarantor_user.organisation, confirmation=Confirmation.PENDING
        ):
            claims.participant_confirm(
                participant=participant, actor=guarantor_user, confirmed=True, note_text="与我司代偿台账一致"
            )
    return Claim.objects.get(pk=claim.pk)


def _paid(claim: Claim, reviewer: User, second: User, finance: User) -> Claim:
    review.review_start(claim=claim, actor=reviewer)
    review.review_propose(claim=claim, actor=reviewer, outcome=review.APPROVE)
    review.review_decide(claim=claim, actor=second, approve=True, reason="复核无误")
    return review.claim_mark_paid(claim=claim, actor=finance, paid_on=timezone.localdate())


@transaction.atomic
def seed_demo() -> int:
    bank = Organisation.objects.filter(name=BANK, kind=OrgKind.BANK).first()
    guarantor = Organisation.objects.filter(name=GUARANTOR, kind=OrgKind.GUARANTOR).first()
    if (
        bank is None
        or guarantor is None
        or Loan.objects.filter(bank=bank, bank_loan_ref=CASES[0][2]).exists()
    ):
        return 0
    users = {user.username: user for user in User.objects.filter(username__startswith="demo_")}
    if any(
        name not in users for name in ("demo_bank_officer", "demo_reviewer", "demo_reviewer2", "demo_finance")
    ):
        return 0
    officer, reviewer, second = users["demo_bank_officer"], users["demo_reviewer"], users["demo_reviewer2"]
    finance = users["demo_finance"]
    guarantor_user = _login("demo_guarantor", "钱担保", guarantor, Role.INSTITUTION_OFFICER)
    if not _fund(users.get("demo_admin")):
        return 0
    enterprises = {
        organisation.name: organisation
        for organisation in Organisation.objects.filter(
            kind=OrgKind.ENTERPRISE, name__in=[c[1] for c in CASES]
        )
    }
    if len(enterprises) != len(CASES):
        return 0

    loans = {
        stage: _npl_loan(bank, guarantor, officer, enterprises[name], ref, contract, principal, days, share)
        for stage, name, ref, contract, principal, days, share in CASES
    }

    # Paid, the clawback of a recovery settled: the guarantor confirmed its part, finance the repayment.
    claim = _paid(
        _submitted(loans["clawback_settled"], officer, guarantor_user, confirm=True),
        reviewer,
        second,
        finance,
    )
    recovery = review.recovery_report(
        claim=claim,
        actor=officer,
        amount="300000.00",
        received_on=timezone.localdate(),
        source=RecoverySource.OTHER,
        note_text="借款人股东代为偿还部分本金",
    )
    for share in recovery.shares.filter(confirmed_at=None):
        review.clawback_confirm(share=share, actor=guarantor_user)
    review.clawback_settle(recovery=recovery, actor=finance, settled_on=timezone.localdate())

    # Paid, a recovery from the disposal of the pledged patents: the guarantor has yet to confirm its part.
    claim = _paid(
        _submitted(loans["clawback_confirming"], officer, guarantor_user, confirm=True),
        reviewer,
        second,
        finance,
    )
    review.recovery_report(
        claim=claim,
        actor=officer,
        amount="500000.00",
        received_on=timezone.localdate(),
        source=RecoverySource.DISPOSAL,
        note_text="质押专利经北京产权交易所挂牌转让",
    )

    # Proposed by the first reviewer: the second reviewer (demo_reviewer2) decides.
    claim = _submitted(loans["proposed"], officer, guarantor_user, confirm=True)
    review.review_start(claim=claim, actor=reviewer)
    review.review_propose(claim=claim, actor=reviewer, outcome=review.APPROVE)

    # Under review by demo_reviewer (the bank bears this loss alone: nobody else confirms).
    claim = _submitted(loans["under_review"], officer, guarantor_user, confirm=False)
    review.review_start(claim=claim, actor=reviewer)

    # Submitted, waiting for the guarantor (demo_guarantor) to confirm its share.
    _submitted(loans["confirming"], officer, guarantor_user, confirm=False)

    # A draft for the loans demo's non-performing loan (or the demo's own, if that one is not free): the bank
    # has uploaded the contracts so far.
    draft_loan = (
        Loan.objects.filter(bank=bank, bank_loan_ref=LOANS_DEMO_NPL_REF, status=LoanStatus.NON_PERFORMING)
        .exclude(pk__in=Claim.objects.values("loan_id"))
        .first()
    )
    if draft_loan is None:
        _stage, name, ref, contract, principal, days, share = DRAFT_CASE
        enterprise = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, name=name).first()
        if enterprise is not None:
            draft_loan = _npl_loan(
                bank, guarantor, officer, enterprise, ref, contract, principal, days, share
            )
    if draft_loan is not None:
        if not draft_loan.registrations.filter(status=Status.REGISTERED).exists():
            _registered_pledge(
                draft_loan, registered_on=draft_loan.contract_signed_on - timedelta(days=4), actor=officer
            )
        claim = claims.claim_open(loan=draft_loan, actor=officer)
        _evidence(claim, officer, [EvidenceItem.LOAN_CONTRACT])
    return Claim.objects.filter(bank=bank).count()
