"""Fixtures for the application tests: published products at bank A's branch and at bank B, assets in
the enterprise's register, requests made through the services, and applications walked to a status
through the real moves.

Import the fixtures a module needs by name (pytest finds fixtures imported into a test module).
"""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from loans.models import ApplicationStatus, ProductStatus
from loans.services.applications import (
    application_accept,
    application_approve,
    application_assign,
    application_decline,
    application_request_info,
    application_withdraw,
    loan_request_create,
)
from pledges.models import AssetHolder, IpAsset, LegalStatus
from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from portal.identifiers.patent import PatentType, check_character
from portal.policy.models import IpKind, ParameterSetStatus, PolicyParameterSet
from portal.policy.services import parameter_set_clone, parameter_set_update
from tests.conftest import make_uscc
from tests.loans.products_factory import make_product

S = ApplicationStatus
PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
BELOW = Decimal("2000000.00")  # at or below the seeded threshold (3,000,000)
ABOVE = Decimal("5000000.00")
_serial = itertools.count(500)


def upload(name: str = "财务报表.pdf", content: bytes = PDF, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def patent_number() -> str:
    digits = f"20211{next(_serial):07d}"
    return f"{digits}.{check_character(digits)}"


def set_threshold(value, *, actor) -> PolicyParameterSet:
    """The maker-checker threshold of this year's parameter set, changed through the policy service."""
    year = timezone.localdate().year
    parameter_set = PolicyParameterSet.objects.filter(year=year).first()
    if parameter_set is None:
        source = PolicyParameterSet.objects.order_by("-year").first()
        parameter_set = parameter_set_clone(source=source, year=year, actor=actor)
    return parameter_set_update(
        parameter_set=parameter_set,
        changes={"loan_second_approval_above": Decimal(value), "status": ParameterSetStatus.IN_FORCE},
        actor=actor,
        reason="test",
    )


@pytest.fixture(autouse=True)
def _application_settings(settings, tmp_path):
    # Uploaded documents go to a throwaway folder.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def threshold(staff_admin):
    """Set this year's threshold: ``threshold("1000000")``; the seeded one (3,000,000) is made sure of."""

    def _set(value):
        return set_threshold(value, actor=staff_admin)

    _set("3000000.00")
    return _set


@pytest.fixture
def bank_b_manager(make_user, bank_b):
    return make_user("bank_b_manager", bank_b, Role.BANK_MANAGER, full_name="吴行长")


@pytest.fixture
def bank_a_branch_manager(make_user, bank_a_branch):
    return make_user("bank_a_branch_manager", bank_a_branch, Role.BANK_MANAGER, full_name="钱支行长")


@pytest.fixture
def bank_a_other_branch(bank_a):
    return organisation_create(name="中关村银行朝阳支行", kind=OrgKind.BANK, parent=bank_a, uscc=make_uscc())


@pytest.fixture
def other_branch_officer(make_user, bank_a_other_branch):
    return make_user("bank_a_chaoyang", bank_a_other_branch, Role.BANK_OFFICER, full_name="孙信贷")


@pytest.fixture
def product_a(bank_a_officer, bank_a_manager):
    """A published product of bank A's branch (patents and trademarks, 500k to 10M yuan, 6 to 36 months)."""
    return make_product(
        author=bank_a_officer,
        manager=bank_a_manager,
        status=ProductStatus.PUBLISHED,
        name="智权贷",
        ip_kinds=[IpKind.PATENT, IpKind.TRADEMARK],
    )


@pytest.fixture
def product_b(bank_b_officer, bank_b_manager):
    return make_product(
        author=bank_b_officer, manager=bank_b_manager, status=ProductStatus.PUBLISHED, name="专利快贷"
    )


@pytest.fixture
def make_asset(db):
    """A granted asset in force, held by its owner alone (a patent unless ``kind`` says otherwise)."""

    def _make(owner, *, kind=IpKind.PATENT, **fields) -> IpAsset:
        today = timezone.localdate()
        values = {
            "kind": kind,
            "number": patent_number() if kind == IpKind.PATENT else f"{next(_serial):08d}",
            "title": "一种芯片散热装置" if kind == IpKind.PATENT else "智芯",
            "grant_date": date(2022, 5, 10),
            "legal_status": LegalStatus.IN_FORCE,
        }
        if kind == IpKind.PATENT:
            values.update(
                patent_type=PatentType.INVENTION,
                filing_date=date(2020, 3, 2),
                annual_fee_paid_through=today + timedelta(days=200),
            )
        elif kind == IpKind.TRADEMARK:
            values.update(nice_class=9, valid_until=today + timedelta(days=3650))
        values.update(fields)
        asset = IpAsset.objects.create(owner=owner, **values)
        AssetHolder.objects.create(asset=asset, name=owner.name, organisation=owner, is_primary=True)
        return asset

    return _make


@pytest.fixture
def patent(enterprise, make_asset):
    return make_asset(enterprise)


@pytest.fixture
def make_request(enterprise, enterprise_user, patent, product_a, product_b, threshold):
    """A request of the enterprise to bank A's branch and bank B (2,000,000 yuan, 12 months)."""

    def _make(**overrides):
        values = {
            "enterprise": enterprise,
            "amount": Decimal("2000000.00"),
            "term_months": 12,
            "purpose": "研发投入和设备采购",
            "assets": [patent],
            "products": [product_a, product_b],
            "actor": enterprise_user,
        }
        values.update(overrides)
        return loan_request_create(**values)

    return _make


@pytest.fixture
def staff_of(bank_a_branch, bank_b, bank_a_officer, bank_a_manager, bank_b_officer, bank_b_manager):
    """(officer, manager) reviewing each bank's applications."""

    def _staff(application):
        return {
            bank_a_branch.pk: (bank_a_officer, bank_a_manager),
            bank_b.pk: (bank_b_officer, bank_b_manager),
        }[application.bank_id]

    return _staff


@pytest.fixture
def walk(enterprise_user, staff_of):
    """Walk an application to ``to`` through the real services (the officer is its bank's officer; an
    approval above the threshold is proposed by that officer)."""

    def _walk(application, to: str):
        officer, _manager = staff_of(application)
        if to == S.SUBMITTED:
            return application
        if to == S.WITHDRAWN:
            return application_withdraw(application=application, reason="不再需要", actor=enterprise_user)
        application = application_assign(application=application, officer=officer, actor=officer)
        if to == S.INFO_REQUESTED:
            application = application_request_info(
                application=application, note="请补充近两年财务报表", actor=officer
            )
        elif to in (S.APPROVED, S.ACCEPTED):
            application = application_approve(
                application=application, amount=BELOW, rate_pct="3.85", term_months=12, actor=officer
            )
            if to == S.ACCEPTED:
                application_accept(application=application, actor=enterprise_user)
        elif to == S.AWAITING_SECOND_APPROVAL:
            application = application_approve(
                application=application, amount=ABOVE, rate_pct="3.85", term_months=12, actor=officer
            )
        elif to == S.DECLINED:
            application = application_decline(
                application=application, reason_code="credit_record", note="征信记录不良", actor=officer
            )
        application.refresh_from_db()
        assert application.status == to
        return application

    return _walk


def application_of(loan_request, bank):
    return loan_request.applications.get(bank=bank)
