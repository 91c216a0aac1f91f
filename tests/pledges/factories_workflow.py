"""Fixtures for the workflow and SLA tests: a supervisor, a second commissioner, and cases in any status.

Import the fixtures a module needs by name (pytest finds fixtures imported into a test module).
"""

from datetime import date
from decimal import Decimal

import pytest

from pledges.models import PledgeRegistration, RegistrationKind, Status
from pledges.services.workflow import next_reference
from portal.accounts.models import Role
from portal.policy.models import Channel, IpKind


@pytest.fixture
def supervisor(make_user, registration_office):
    """The registration supervisor of the office `commissioner` works in."""
    return make_user("supervisor", registration_office, Role.REGISTRATION_SUPERVISOR, full_name="林主管")


@pytest.fixture
def second_commissioner(make_user, registration_office):
    return make_user("commissioner2", registration_office, Role.COMMISSIONER, full_name="黄专员")


@pytest.fixture
def make_registration(db, enterprise, bank_a_branch, enterprise_user):
    """A case created directly in the given status (fields as a case in that status would have them)."""

    def _make(**fields) -> PledgeRegistration:
        values = {
            "kind": RegistrationKind.PLEDGE,
            "ip_kind": IpKind.PATENT,
            "channel": Channel.WINDOW,
            "status": Status.DRAFT,
            "pledgor": enterprise,
            "pledgee": bank_a_branch,
            "debt_amount": Decimal("5000000.00"),
            "debt_start": date(2026, 1, 5),
            "debt_end": date(2027, 1, 4),
            "created_by": enterprise_user,
        }
        values.update(fields)
        values.setdefault("reference", next_reference(year=2026))
        return PledgeRegistration.objects.create(**values)

    return _make
