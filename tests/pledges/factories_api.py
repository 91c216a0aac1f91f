"""Fixtures for the bank API tests: clean patents of `enterprise` and cases filed through the services.

Import the fixtures a module needs by name (pytest finds fixtures imported into a test module).
"""

import itertools
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pledges.models import IpAsset, LegalStatus, Status
from pledges.services.filing import registration_draft_create, registration_submit
from portal.accounts.models import Role
from portal.identifiers.patent import PatentType
from portal.identifiers.patent import check_character as patent_check_character
from portal.policy.models import Channel, IpKind

_serial = itertools.count(1)


def make_patent_number(year: int = 2016) -> str:
    """A fresh, valid invention patent number (type digit 1) with its check character."""
    digits = f"{year}1{next(_serial):07d}"
    return f"{digits}.{patent_check_character(digits)}"


@pytest.fixture
def make_patent(db):
    """A granted invention in force with its fees paid: the precheck finds nothing against it."""

    def _make(owner, **fields) -> IpAsset:
        values = {
            "owner": owner,
            "kind": IpKind.PATENT,
            "number": make_patent_number(),
            "title": "一种芯片散热装置",
            "patent_type": PatentType.INVENTION,
            "filing_date": date(2016, 3, 1),
            "grant_date": date(2018, 6, 1),
            "annual_fee_paid_through": timezone.localdate() + timedelta(days=300),
            "legal_status": LegalStatus.IN_FORCE,
        }
        values.update(fields)
        return IpAsset.objects.create(**values)

    return _make


@pytest.fixture
def make_case(make_patent, enterprise, enterprise_user, bank_a_branch):
    """A case the enterprise filed online with bank A's branch as pledgee, in ``status`` (draft or
    awaiting the pledgee), moved there through the services as the enterprise would."""

    def _make(status: str = Status.AWAITING_PLEDGEE, *, pledgee=None, ip_kind: str = IpKind.PATENT):
        today = timezone.localdate()
        registration = registration_draft_create(
            pledgor=enterprise,
            pledgee=pledgee or bank_a_branch,
            kind="pledge",
            ip_kind=ip_kind,
            channel=Channel.ONLINE,
            assets=[make_patent(enterprise)],
            debt_amount=Decimal("3000000.00"),
            debt_start=today,
            debt_end=today + timedelta(days=365),
            actor=enterprise_user,
        )
        if status == Status.AWAITING_PLEDGEE:
            registration = registration_submit(registration=registration, actor=enterprise_user)
        assert registration.status == status
        return registration

    return _make


@pytest.fixture
def insurer_officer(make_user):
    from portal.accounts.models import OrgKind
    from portal.accounts.services import organisation_create
    from tests.conftest import make_uscc

    insurer = organisation_create(name="北京人保财险", kind=OrgKind.INSURER, uscc=make_uscc())
    return make_user("insurer_officer", insurer, Role.INSTITUTION_OFFICER, full_name="冯保险")
