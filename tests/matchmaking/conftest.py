import pytest

from portal.accounts.models import District, OrgKind, Role
from portal.accounts.services import organisation_create


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """The services' messages are compared in English here (the portal's default language is Chinese)."""


@pytest.fixture
def park_admin(make_user):
    """Haidian's park administration (the shared persona has no district, so no enterprises to serve)."""
    office = organisation_create(
        name="中关村科学城管理委员会", kind=OrgKind.PARK_ADMIN, district=District.HAIDIAN
    )
    return make_user("park_admin", office, Role.PARK_ADMIN, full_name="何园区")


@pytest.fixture
def other_park_admin(make_user):
    office = organisation_create(
        name="昌平园管理委员会", kind=OrgKind.PARK_ADMIN, district=District.CHANGPING
    )
    return make_user("park_admin_cp", office, Role.PARK_ADMIN, full_name="刘园区")
