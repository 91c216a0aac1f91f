"""Demo loan products for `manage.py seed_demo`: believable published products of the demo banks and
one draft, made through the services by each bank's staff.

Idempotent: a product whose bank already has one of the same name is skipped.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils.timezone import localdate

from loans.models import Product, ProductStatus, TargetFlag
from loans.services import product_create, product_transition
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

# A product manager login per demo bank (the portal's demo gives only 北京银行 a manager).
MANAGERS = {
    "北京银行": "demo_bank_manager",
    "中国工商银行北京市分行": "demo_icbc_manager",
    "交通银行北京市分行": "demo_bocom_manager",
}
_MANAGER_NAMES = {"demo_icbc_manager": "吴经理", "demo_bocom_manager": "孙经理"}


def _manager(username: str, bank: Organisation) -> User:
    user = User.objects.filter(username=username).first()
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
    return created
