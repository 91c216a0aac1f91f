"""Demo data of the loans app for `manage.py seed_demo`, all made through the services by the people who
would do it: the banks' products (published and one draft), a coaching case with a session, a request sent
to two banks (one offer, one information request) and three loans a branch reported (repaying, settled,
non-performing with its alerts). A second enterprise's request shows the rest of the choice: one bank
declines, the other approves (its manager as the second person when the amount needs one), the enterprise
accepts and the pledge registration is started from its loan.

Idempotent: a product whose bank already has one of the same name is skipped, and the cases are seeded
once.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.timezone import localdate

from loans.models import (
    ApplicationStatus,
    Classification,
    CoachingRequest,
    CoachingStatus,
    CoachingTopic,
    DeclineReason,
    FactKind,
    Loan,
    LoanSource,
    ParticipantKind,
    Product,
    ProductStatus,
    SessionMode,
    TargetFlag,
)
from loans.services.applications import (
    application_accept,
    application_approve,
    application_assign,
    application_decline,
    application_request_info,
    application_second_approve,
    loan_request_create,
)
from loans.services.coaching import coaching_request_create, coaching_session_record, coaching_transition
from loans.services.facts import loan_create, loan_fact_record
from loans.services.products import product_create, product_transition
from pledges.models import IpAsset, LegalStatus
from pledges.selectors import asset_pledge_states
from portal.accounts.models import Organisation, OrgKind, Role, User
from portal.accounts.services import membership_grant, user_create
from portal.policy.models import IpKind

# (bank, product fields, publish?)
PRODUCTS = [
    (
        "北京银行",
        {
            "name": "智权贷",
            "description": "以发明专利、实用新型专利质押为主，可叠加信用，支持首贷。",
            "ip_kinds": [IpKind.PATENT],
            "amount_min": Decimal("500000.00"),
            "amount_max": Decimal("10000000.00"),
            "term_min_months": 6,
            "term_max_months": 36,
            "rate_min_pct": Decimal("3.20"),
            "rate_max_pct": Decimal("4.35"),
            "guarantor_involved": False,
            "insurer_involved": True,
            "target": "在京注册的科技型中小企业，拥有有效发明专利。",
            "target_flags": [TargetFlag.TECH_SME, TargetFlag.HIGH_TECH],
            "contact_name": "李信贷",
            "contact_phone": "010-66223344",
            "contact_email": "zhiquandai@bob.demo.example",
        },
        True,
    ),
    (
        "北京银行",
        {
            "name": "专精特新知产融",
            "description": "面向专精特新企业的专利、商标组合质押贷款，担保公司参与分险。",
            "ip_kinds": [IpKind.PATENT, IpKind.TRADEMARK],
            "amount_min": Decimal("1000000.00"),
            "amount_max": Decimal("30000000.00"),
            "term_min_months": 12,
            "term_max_months": 36,
            "rate_min_pct": Decimal("3.10"),
            "rate_max_pct": Decimal("4.20"),
            "guarantor_involved": True,
            "insurer_involved": False,
            "target": "北京市专精特新中小企业及“小巨人”企业。",
            "target_flags": [TargetFlag.SPECIALISED, TargetFlag.LITTLE_GIANT],
            "contact_name": "赵行长",
            "contact_phone": "010-66223355",
            "contact_email": "",
        },
        True,
    ),
    (
        "中国工商银行北京市分行",
        {
            "name": "知识产权质押融资·科创贷",
            "description": "专利、商标、著作权均可质押，额度按评估价值核定。",
            "ip_kinds": [IpKind.PATENT, IpKind.TRADEMARK, IpKind.COPYRIGHT],
            "amount_min": Decimal("300000.00"),
            "amount_max": Decimal("20000000.00"),
            "term_min_months": 12,
            "term_max_months": 60,
            "rate_min_pct": Decimal("3.00"),
            "rate_max_pct": Decimal("4.50"),
            "guarantor_involved": False,
            "insurer_involved": False,
            "target": "高新技术企业、知识产权优势示范企业。",
            "target_flags": [TargetFlag.HIGH_TECH, TargetFlag.IP_ADVANTAGE],
            "contact_name": "周信贷",
            "contact_phone": "010-88776655",
            "contact_email": "kechuangdai@icbc.demo.example",
        },
        True,
    ),
    (
        "交通银行北京市分行",
        {
            "name": "文创知产贷",
            "description": "以著作权、商标为质押的文化创意企业贷款，保险公司提供履约保证保险。",
            "ip_kinds": [IpKind.COPYRIGHT, IpKind.TRADEMARK],
            "amount_min": Decimal("200000.00"),
            "amount_max": Decimal("5000000.00"),
            "term_min_months": 6,
            "term_max_months": 24,
            "rate_min_pct": Decimal("3.45"),
            "rate_max_pct": Decimal("4.80"),
            "guarantor_involved": False,
            "insurer_involved": True,
            "target": "文化创意、数字内容企业。",
            "target_flags": [],
            "contact_name": "孙经理",
            "contact_phone": "010-85123456",
            "contact_email": "",
        },
        True,
    ),
    (
        "交通银行北京市分行",
        {
            "name": "数据知识产权贷（试点）",
            "description": "以登记的数据知识产权为质押的试点产品，待行内审批后发布。",
            "ip_kinds": [IpKind.DATA_IP],
            "amount_min": Decimal("500000.00"),
            "amount_max": Decimal("3000000.00"),
            "term_min_months": 6,
            "term_max_months": 12,
            "rate_min_pct": Decimal("3.60"),
            "rate_max_pct": Decimal("4.60"),
            "guarantor_involved": True,
            "insurer_involved": False,
            "target": "持有数据知识产权登记证书的企业。",
            "target_flags": [TargetFlag.TECH_SME],
            "contact_name": "孙经理",
            "contact_phone": "010-85123456",
            "contact_email": "",
        },
        False,
    ),
]

# The branch's own product: a branch reviews the applications to its products (review_bank_ids), so
# the demo's branch officer gets a queue.
PRODUCTS.append(
    (
        "北京银行中关村分行",
        {
            "name": "中关村科创知识产权贷",
            "description": "中关村分行面向海淀园区科技企业的专利质押贷款，审批快，可线上办理质押登记。",
            "ip_kinds": [IpKind.PATENT, IpKind.TRADEMARK],
            "amount_min": Decimal("300000.00"),
            "amount_max": Decimal("5000000.00"),
            "term_min_months": 6,
            "term_max_months": 36,
            "rate_min_pct": Decimal("3.00"),
            "rate_max_pct": Decimal("4.00"),
            "guarantor_involved": False,
            "insurer_involved": False,
            "target": "注册在海淀区、拥有有效专利的科技型中小企业。",
            "target_flags": [TargetFlag.TECH_SME],
            "contact_name": "李信贷",
            "contact_phone": "010-62556677",
            "contact_email": "",
        },
        True,
    )
)

# A product manager login per demo bank (the portal's demo gives only 北京银行 a manager).
MANAGERS = {
    "北京银行": "demo_bank_manager",
    "中国工商银行北京市分行": "demo_icbc_manager",
    "交通银行北京市分行": "demo_bocom_manager",
    "北京银行中关村分行": "demo_bank_manager",  # the head office's manager publishes for its branch
}
_MANAGER_NAMES = {"demo_icbc_manager": "吴经理", "demo_bocom_manager": "孙经理"}


def _manager(username: str, bank: Organisation) -> User:
    user = User.objects.filter(username=username).first()
    if user is not None and bank.parent_id is not None:
        return user  # a head-office manager works for the branch without a membership there
    if user is None:
        user = user_create(
            username=username,
            password=settings.PORTAL_DEMO_PASSWORD,
            full_name=_MANAGER_NAMES.get(username, username),
            email=f"{username}@demo.ipfin.example",
        )
    membership_grant(user=user, organisation=bank, role=Role.BANK_MANAGER)
    return user


@transaction.atomic
def seed_demo() -> int:
    created = 0
    start = date(localdate().year, 1, 1)
    for bank_name, fields, publish in PRODUCTS:
        bank = Organisation.objects.filter(name=bank_name, kind=OrgKind.BANK).first()
        if bank is None or Product.objects.filter(bank=bank, name=fields["name"]).exists():
            continue
        manager = _manager(MANAGERS[bank_name], bank)
        # The user's first membership is the one they act under outside a request.
        product = product_create(
            actor=manager, bank=bank, valid_from=start, valid_until=date(start.year + 1, 12, 31), **fields
        )
        if publish:
            product_transition(product=product, to=ProductStatus.PUBLISHED, actor=manager)
        created += 1
    return created + _seed_cases() + _seed_decided_request()


# --- Coaching, a request to two banks, and loans the banks reported -------------------------------------

ENTERPRISES = ["北京智芯微电子科技有限公司", "北京康瑞生物医药有限公司", "北京星图智能科技有限公司"]


def _free_assets(enterprise: Organisation) -> list:
    """The enterprise's assets in force and not pledged today, for a demo request."""
    assets = list(IpAsset.objects.filter(owner=enterprise, legal_status=LegalStatus.IN_FORCE).order_by("pk"))
    states = asset_pledge_states(asset_ids=[asset.pk for asset in assets])
    return [asset for asset in assets if not states[asset.pk]["pledged"]]


def _report(loan: Loan, actor: User, facts: list[tuple]) -> None:
    for kind, day, extra in facts:
        loan_fact_record(loan=loan, kind=kind, occurred_on=day, actor=actor, **extra)


def _seed_cases() -> int:
    users = {user.username: user for user in User.objects.filter(username__startswith="demo_")}
    enterprises = [Organisation.objects.filter(name=name).first() for name in ENTERPRISES]
    needed = (
        "demo_enterprise",
        "demo_promotion",
        "demo_commissioner",
        "demo_bank_officer",
        "demo_bank_b_officer",
    )
    if None in enterprises or any(name not in users for name in needed):
        return 0
    if CoachingRequest.objects.filter(enterprise__in=enterprises).exists():
        return 0  # already seeded
    today = localdate()
    enterprise_user = users["demo_enterprise"]
    # The demo enterprise user acts for the first enterprise; the others get their own demo logins.
    others = [
        _enterprise_login(f"demo_enterprise_{index}", enterprise)
        for index, enterprise in enumerate(enterprises[1:], 2)
    ]

    # Coaching: one assigned with a session held, one waiting for the promotion centre.
    coaching = coaching_request_create(
        enterprise=enterprises[0],
        topic=CoachingTopic.VALUATION,
        message="我们有3件发明专利，想了解质押前是否需要评估、评估费用能否补贴。",
        contact_phone="010-88880101",
        actor=enterprise_user,
    )
    coaching_transition(
        request=coaching,
        to=CoachingStatus.ASSIGNED,
        actor=users["demo_promotion"],
        coach=users["demo_commissioner"],
    )
    coaching_session_record(
        request=coaching,
        held_on=today,
        mode=SessionMode.PHONE,
        advice="建议先做贷前自查；发明专利剩余保护期较长，可不做正式评估，由银行内部评估即可。评估费可申请成本补贴。",
        next_steps="比较北京银行与工商银行的产品后在线提交申请。",
        actor=users["demo_commissioner"],
    )
    coaching_request_create(
        enterprise=enterprises[2],
        topic=CoachingTopic.PRODUCTS,
        message="数据知识产权能否质押？哪些银行有对应产品？",
        actor=others[1],
    )

    # A request to two banks: the branch makes an offer, the other bank asks for information.
    products = list(
        Product.objects.filter(
            status=ProductStatus.PUBLISHED,
            name__in=["中关村科创知识产权贷", "知识产权质押融资·科创贷"],
        ).order_by("pk")
    )
    assets = _free_assets(enterprises[0])[:2]
    if len(products) == 2 and assets:
        request = loan_request_create(
            enterprise=enterprises[0],
            amount=Decimal("2000000.00"),
            term_months=12,
            purpose="采购流片材料、补充研发流动资金。",
            assets=assets,
            products=products,
            actor=enterprise_user,
        )
        for application in request.applications.select_related("bank"):
            if application.bank.parent_id is not None:  # the 北京银行 branch
                officer = users["demo_bank_officer"]
                application_assign(application=application, officer=officer, actor=officer)
                application_approve(
                    application=application,
                    amount=Decimal("2000000.00"),
                    rate_pct=Decimal("3.45"),
                    term_months=12,
                    conditions="以所列发明专利质押；按月付息，到期还本。",
                    actor=officer,
                )
            else:
                officer = users["demo_bank_b_officer"]
                application_assign(application=application, officer=officer, actor=officer)
                application_request_info(
                    application=application,
                    note="请补充近两年财务报表和专利评估报告（如有）。",
                    actor=officer,
                )

    # Loans the branch reported: one repaying, one settled, one non-performing (which raises alerts).
    bank = Organisation.objects.get(name="北京银行中关村分行")
    officer = users["demo_bank_officer"]
    start = today - timedelta(days=300)
    running = loan_create(
        bank=bank,
        enterprise=enterprises[1],
        bank_loan_ref="ZGC-2026-0001",
        contract_number="京银质字2026第0001号",
        contract_signed_on=start,
        principal=Decimal("3000000.00"),
        annual_rate_pct=Decimal("3.45"),
        term_months=24,
        participants=[
            {"kind": ParticipantKind.BANK, "organisation": bank.head_office, "risk_share": "0.4"},
            {
                "kind": ParticipantKind.GUARANTOR,
                "organisation": Organisation.objects.filter(kind=OrgKind.GUARANTOR).first(),
                "risk_share": "0.6",
                "dispersed": "0.5",
            },
        ],
        source=LoanSource.PORTAL,
        actor=officer,
    )
    _report(
        running,
        officer,
        [
            (FactKind.DISBURSEMENT, start + timedelta(days=5), {"amount": Decimal("3000000.00")}),
            (FactKind.INTEREST, start + timedelta(days=35), {"amount": Decimal("8625.00")}),
            (FactKind.INTEREST, start + timedelta(days=65), {"amount": Decimal("8625.00")}),
            (FactKind.REPAYMENT, start + timedelta(days=180), {"amount": Decimal("500000.00")}),
        ],
    )
    settled = loan_create(
        bank=bank,
        enterprise=enterprises[0],
        bank_loan_ref="ZGC-2025-0107",
        contract_number="京银质字2025第0107号",
        contract_signed_on=start - timedelta(days=60),
        principal=Decimal("1000000.00"),
        annual_rate_pct=Decimal("3.60"),
        term_months=12,
        source=LoanSource.PORTAL,
        actor=officer,
    )
    _report(
        settled,
        officer,
        [
            (FactKind.DISBURSEMENT, start - timedelta(days=55), {"amount": Decimal("1000000.00")}),
            (FactKind.INTEREST, start - timedelta(days=25), {"amount": Decimal("3000.00")}),
            (FactKind.SETTLEMENT, start + timedelta(days=200), {"amount": Decimal("1000000.00")}),
        ],
    )
    failing = loan_create(
        bank=bank,
        enterprise=enterprises[2],
        bank_loan_ref="ZGC-2026-0042",
        contract_number="京银质字2026第0042号",
        contract_signed_on=start,
        principal=Decimal("800000.00"),
        annual_rate_pct=Decimal("4.20"),
        term_months=12,
        is_combination=True,
        ip_share=Decimal("0.7"),
        ip_share_certified_by="北京银行中关村分行",
        source=LoanSource.PORTAL,
        actor=officer,
    )
    _report(
        failing,
        officer,
        [
            (FactKind.DISBURSEMENT, start + timedelta(days=3), {"amount": Decimal("800000.00")}),
            (FactKind.OVERDUE, today - timedelta(days=40), {"overdue_days": 30}),
            (
                FactKind.CLASSIFICATION,
                today - timedelta(days=10),
                {"classification": Classification.SUBSTANDARD},
            ),
        ],
    )
    return 3


def _enterprise_login(username: str, enterprise: Organisation) -> User:
    user = User.objects.filter(username=username).first()
    if user is None:
        user = user_create(
            username=username,
            password=settings.PORTAL_DEMO_PASSWORD,
            full_name=f"{enterprise.name}联系人",
            email=f"{username}@demo.ipfin.example",
        )
        membership_grant(user=user, organisation=enterprise, role=Role.ENTERPRISE_USER)
    return user


def _seed_decided_request() -> int:
    """北京康瑞生物医药 asked two banks: 工行 declined, the 北京银行 branch approved and the enterprise accepted
    (the loan awaits its contract, the pledge registration draft is started). Once only."""
    enterprise = Organisation.objects.filter(name=ENTERPRISES[1]).first()
    users = {user.username: user for user in User.objects.filter(username__startswith="demo_")}
    needed = ("demo_enterprise_2", "demo_bank_officer", "demo_bank_manager", "demo_bank_b_officer")
    if enterprise is None or any(name not in users for name in needed):
        return 0
    if enterprise.loan_requests.exists():
        return 0  # already seeded
    products = list(
        Product.objects.filter(
            status=ProductStatus.PUBLISHED,
            name__in=["中关村科创知识产权贷", "知识产权质押融资·科创贷"],
        ).order_by("pk")
    )
    assets = _free_assets(enterprise)[:1]
    if len(products) != 2 or not assets:
        return 0
    request = loan_request_create(
        enterprise=enterprise,
        amount=Decimal("3000000.00"),
        term_months=12,
        purpose="抗体偶联药物中试放大及临床前研究。",
        assets=assets,
        products=products,
        actor=users["demo_enterprise_2"],
    )
    accepted = None
    for application in request.applications.select_related("bank"):
        if application.bank.parent_id is not None:  # the 北京银行 branch
            officer = users["demo_bank_officer"]
            application_assign(application=application, officer=officer, actor=officer)
            application = application_approve(
                application=application,
                amount=Decimal("3000000.00"),
                rate_pct=Decimal("3.40"),
                term_months=12,
                conditions="以所列发明专利质押；按月付息，到期还本。",
                actor=officer,
            )
            if application.status == ApplicationStatus.AWAITING_SECOND_APPROVAL:
                application = application_second_approve(
                    application=application, actor=users["demo_bank_manager"]
                )
            accepted = application
        else:
            officer = users["demo_bank_b_officer"]
            application_assign(application=application, officer=officer, actor=officer)
            application_decline(
                application=application,
                reason_code=DeclineReason.OUTSIDE_PRODUCT,
                note="本行该产品暂不受理生物医药行业。",
                actor=officer,
            )
    if accepted is None:
        return 0
    application_accept(application=accepted, actor=users["demo_enterprise_2"])
    return 1
