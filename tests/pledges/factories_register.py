"""Fixtures for the IP register tests: assets in the enterprise's register and pledges over them.

Registrations are written directly: these tests are about the register, not about how a case gets to
registered (the workflow tests cover that). Bind the fixtures a module needs by name
(``patent = factories_register.patent``); pytest finds fixtures assigned in a test module.
"""

import itertools
from datetime import date
from decimal import Decimal

import pytest

from pledges.models import PledgeRegistration, RegistrationAsset, RegistrationKind, Status
from pledges.services.register import asset_create
from portal.policy.models import Channel, IpKind

_case_serial = itertools.count(1)

# Valid numbers (domain.md §3.2 E11 and the check-digit rule).
PATENT_A = "ZL201310699744.2"  # invention, filed 2013
PATENT_B = "201110047567.0"  # invention, filed 2011
PATENT_C = "ZL200820132792.8"  # utility model, filed 2008


def pledge_over(
    asset, *, pledgee, created_by, status=Status.REGISTERED, commissioner=None, registered_on=None
):
    registration = PledgeRegistration.objects.create(
        reference=f"T{next(_case_serial):08d}",
        kind=RegistrationKind.PLEDGE,
        ip_kind=asset.kind,
        channel=Channel.ONLINE,
        status=status,
        pledgor=asset.owner,
        pledgee=pledgee,
        debt_amount=Decimal("1000000.00"),
        debt_start=date(2025, 1, 1),
        debt_end=date(2027, 12, 31),
        commissioner=commissioner,
        registered_on=registered_on or (date(2025, 1, 10) if status == Status.REGISTERED else None),
        created_by=created_by,
    )
    RegistrationAsset.objects.create(registration=registration, asset=asset)
    return registration


@pytest.fixture
def patent(enterprise, enterprise_user):
    return asset_create(
        owner=enterprise,
        kind=IpKind.PATENT,
        number=PATENT_A,
        title="一种芯片散热装置",
        filing_date=date(2013, 12, 18),
        grant_date=date(2016, 5, 4),
        annual_fee_paid_through=date(2026, 12, 17),
        holders=["清华大学"],
        actor=enterprise_user,
    )


@pytest.fixture
def trademark(enterprise, enterprise_user):
    return asset_create(
        owner=enterprise,
        kind=IpKind.TRADEMARK,
        number="12345678",
        title="智芯",
        nice_class=9,
        grant_date=date(2018, 3, 7),
        valid_until=date(2028, 3, 6),
        actor=enterprise_user,
    )


@pytest.fixture
def other_patent(other_enterprise, outsider):
    return asset_create(
        owner=other_enterprise,
        kind=IpKind.PATENT,
        number=PATENT_B,
        title="一种生物检测试剂盒",
        filing_date=date(2011, 2, 24),
        grant_date=date(2014, 1, 8),
        actor=outsider,
    )
