import pytest

from portal.accounts.models import Role
from portal.accounts.services import user_create
from portal.policy.models import PolicyParameterSet


@pytest.fixture
def set_2026(db) -> PolicyParameterSet:
    """The 2026 set as the data migration seeds it."""
    return PolicyParameterSet.objects.get(year=2026)


@pytest.fixture
def editor(ip_bureau):
    """A staff member of the IP bureau who edits policy numbers in service-level tests.

    No password, so no hashing: the service tests only need an actor; the page and admin tests sign in
    with the personas of tests/conftest.py.
    """
    return user_create(
        username="policy_editor",
        password=None,
        full_name="政策维护员",
        organisation=ip_bureau,
        role=Role.REVIEWER,
        is_staff=True,
    )


@pytest.fixture
def staff_client(client, staff_admin):
    client.force_login(staff_admin)
    return client
