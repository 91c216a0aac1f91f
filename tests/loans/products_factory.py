"""Loan products for the product tests, made through the services."""

from datetime import timedelta
from decimal import Decimal

from django.utils.timezone import localdate

from loans.models import ProductStatus
from loans.services.products import product_create, product_transition
from portal.policy.models import IpKind


def product_fields(**overrides) -> dict:
    today = localdate()
    fields = {
        "name": "智权贷",
        "description": "专利质押贷款",
        "ip_kinds": [IpKind.PATENT],
        "amount_min": Decimal("500000.00"),
        "amount_max": Decimal("10000000.00"),
        "term_min_months": 6,
        "term_max_months": 36,
        "rate_min_pct": Decimal("3.20"),
        "rate_max_pct": Decimal("4.35"),
        "guarantor_involved": False,
        "insurer_involved": False,
        "target": "科技型中小企业",
        "target_flags": [],
        "valid_from": today - timedelta(days=30),
        "valid_until": today + timedelta(days=365),
        "contact_name": "李信贷",
        "contact_phone": "010-66223344",
        "contact_email": "",
    }
    fields.update(overrides)
    return fields


def make_product(*, author, manager=None, status=ProductStatus.DRAFT, **overrides):
    """A product of ``author``'s organisation, walked to ``status`` by ``manager``."""
    product = product_create(actor=author, **product_fields(**overrides))
    if status in (ProductStatus.PUBLISHED, ProductStatus.WITHDRAWN):
        product = product_transition(product=product, to=ProductStatus.PUBLISHED, actor=manager)
    if status == ProductStatus.WITHDRAWN:
        product = product_transition(product=product, to=ProductStatus.WITHDRAWN, actor=manager)
    return product
