"""Personas: one user per role the portal serves, two banks, and an outsider.

Every endpoint's tests use these: a happy path, the outsider (404), a wrong role (403), bad input (400).
"""

import itertools
import os
import sys

import pytest

# DRF's throttles keep ``time.time`` as a class attribute read when the module is first imported; imported
# for the first time inside a test under freezegun, every later throttled request calls the fake clock as a
# method and fails (a test order that starts with frozen matchmaking tests did exactly that).
import rest_framework.throttling  # noqa: F401

from portal.accounts.models import District, OrgKind, Park, Role
from portal.accounts.services import enterprise_create, organisation_create, user_create
from portal.celery import app as celery_app
from portal.identifiers.uscc import check_character

PASSWORD = "Persona-pass-2026"
_serial = itertools.count(1)


def make_uscc(district: str = "110108") -> str:
    """A fresh, valid credit code in the given district (GB 32100-2015 check character)."""
    body = f"91{district}MA{next(_serial):07d}"
    return body + check_character(body)


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run inline in tests unless a test starts a real worker (tests/test_celery_roundtrip.py)."""
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = False


@pytest.fixture(scope="session", autouse=True)
def _private_cache():
    """Without Redis the portal's cache is a folder under var/, shared with a running `make run` and any
    other test process; tests get their own in-process cache instead (with REDIS_URL they use Redis, which
    the Celery round-trip test needs to see the worker's write)."""
    from django.conf import settings
    from django.test import override_settings

    if settings.REDIS_URL:
        yield
        return
    with override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}):
        yield


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hasher():
    """Every persona hashes its password on creation; PBKDF2's iterations would dominate the suite's run
    time. The hasher is not what any test is about (sign-in, lockout and policy tests work the same)."""
    from django.test import override_settings

    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(scope="session", autouse=True)
def _sign_in_policy_off():
    """The second factor and password rotation are off unless a test turns them on (tests/portal/
    test_signin_*.py do): most tests sign in with force_login, and freezegun jumps of months would
    otherwise send every persona to the password change page."""
    from django.test import override_settings

    with override_settings(MFA_REQUIRED=False, PASSWORD_MAX_AGE_DAYS=0):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    from django.core.cache import cache

    from portal.workdays.services import calendar_forget_local

    cache.clear()
    calendar_forget_local()  # each test's database may hold another calendar
    yield
    cache.clear()


@pytest.fixture
def make_user(db):
    def _make(username, organisation, role, **extra):
        return user_create(
            username=username,
            password=PASSWORD,
            full_name=extra.pop("full_name", username),
            email=extra.pop("email", f"{username}@example.com"),
            organisation=organisation,
            role=role,
            **extra,
        )

    return _make


@pytest.fixture
def make_enterprise(db):
    def _make(name, district=District.HAIDIAN, **extra):
        return enterprise_create(
            name=name,
            uscc=make_uscc(district),
            district=district,
            contact_name=extra.pop("contact_name", "张经理"),
            park=extra.pop("park", Park.objects.filter(district=district).first()),
            **extra,
        )

    return _make


@pytest.fixture
def enterprise(make_enterprise):
    return make_enterprise("北京智芯科技有限公司", flags={"is_high_tech": True, "is_specialised": True})


@pytest.fixture
def other_enterprise(make_enterprise):
    return make_enterprise("北京远望生物医药有限公司", district=District.CHANGPING)


@pytest.fixture
def bank_a(db):
    return organisation_create(name="中关村银行", kind=OrgKind.BANK, uscc=make_uscc("110108"))


@pytest.fixture
def bank_a_branch(bank_a):
    return organisation_create(name="中关村银行海淀支行", kind=OrgKind.BANK, parent=bank_a, uscc=make_uscc())


@pytest.fixture
def bank_b(db):
    return organisation_create(name="北京银行", kind=OrgKind.BANK, uscc=make_uscc("110102"))


@pytest.fixture
def registration_office(db):
    return organisation_create(name="北京知识产权质押登记窗口", kind=OrgKind.REGISTRATION_OFFICE)


@pytest.fixture
def ip_bureau(db):
    return organisation_create(name="北京市知识产权局", kind=OrgKind.IP_BUREAU)


@pytest.fixture
def joint_office(db):
    return organisation_create(name="知识产权质押融资联席会办公室", kind=OrgKind.JOINT_OFFICE)


@pytest.fixture
def enterprise_user(make_user, enterprise):
    return make_user("ent_user", enterprise, Role.ENTERPRISE_USER, full_name="王小明")


@pytest.fixture
def bank_a_officer(make_user, bank_a_branch):
    return make_user("bank_a_officer", bank_a_branch, Role.BANK_OFFICER, full_name="李信贷")


@pytest.fixture
def bank_a_manager(make_user, bank_a):
    return make_user("bank_a_manager", bank_a, Role.BANK_MANAGER, full_name="赵行长")


@pytest.fixture
def bank_b_officer(make_user, bank_b):
    return make_user("bank_b_officer", bank_b, Role.BANK_OFFICER, full_name="周信贷")


@pytest.fixture
def commissioner(make_user, registration_office):
    return make_user("commissioner", registration_office, Role.COMMISSIONER, full_name="陈专员")


@pytest.fixture
def reviewer(make_user, ip_bureau):
    return make_user("reviewer", ip_bureau, Role.REVIEWER, full_name="孙审核")


@pytest.fixture
def second_reviewer(make_user, ip_bureau):
    return make_user("reviewer2", ip_bureau, Role.REVIEWER, full_name="吴复核")


@pytest.fixture
def joint_office_viewer(make_user, joint_office):
    return make_user("joint_viewer", joint_office, Role.JOINT_OFFICE_VIEWER, full_name="郑联席")


@pytest.fixture
def enterprise_admin(make_user, enterprise):
    return make_user("ent_admin", enterprise, Role.ORG_ADMIN, full_name="王管理")


@pytest.fixture
def guarantor_officer(make_user):
    guarantor = organisation_create(
        name="北京中关村科技融资担保有限公司", kind=OrgKind.GUARANTOR, uscc=make_uscc()
    )
    return make_user("guarantor_officer", guarantor, Role.INSTITUTION_OFFICER, full_name="钱担保")


@pytest.fixture
def promotion_officer(make_user, ip_bureau):
    return make_user("promotion", ip_bureau, Role.PROMOTION_OFFICER, full_name="郭促进")


@pytest.fixture
def finance_officer(make_user):
    finance = organisation_create(name="北京市财政局", kind=OrgKind.FINANCE_BUREAU)
    return make_user("finance", finance, Role.FINANCE_OFFICER, full_name="冯财政")


@pytest.fixture
def park_admin(make_user):
    park_office = organisation_create(name="中关村科学城管理委员会", kind=OrgKind.PARK_ADMIN)
    return make_user("park_admin", park_office, Role.PARK_ADMIN, full_name="何园区")


@pytest.fixture
def outsider(make_user, other_enterprise):
    """A signed-in user of an unrelated enterprise: sees nothing of anybody else's."""
    return make_user("outsider", other_enterprise, Role.ENTERPRISE_USER, full_name="钱外人")


@pytest.fixture
def staff_admin(make_user, ip_bureau):
    return make_user("portal_admin", ip_bureau, Role.ORG_ADMIN, is_staff=True, is_superuser=True)


@pytest.fixture
def english():
    """Code outside a request speaks the portal's default language (Chinese); tests that read English
    messages ask for English explicitly."""
    from django.utils import translation

    with translation.override("en"):
        yield


def pytest_configure(config):
    """Under pytest-xdist the workers need tests/xdist_worker.py, loaded before the settings are read."""
    if os.environ.get("PYTEST_XDIST_WORKER") and "tests.xdist_worker" not in sys.modules:
        raise pytest.UsageError(
            "with -n, also pass -p tests.xdist_worker (each worker's own Redis database and var folder)"
        )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """A transactional test flushes the database after itself; without serialized rollback the reference
    data the migrations seed (calendar, policy parameters, parks) is gone for the tests after it, and
    the flush's re-created content types break every later serialized restore.

    The tests of the access world (tests/portal/access_world.py) run one after another, where the first
    of them was (pytest-django has already put the tests that use the database first, the transactional
    ones after them): the world is built once for all of them inside a transaction that stays open until
    the last of them is done, and no other test may run inside it."""
    from tests.portal.access_world import uses_access_world

    in_world = [uses_access_world(item) for item in items]
    if any(in_world):
        first = in_world.index(True)
        others = [item for item, uses in zip(items, in_world, strict=True) if not uses]
        shared = [item for item, uses in zip(items, in_world, strict=True) if uses]
        items[:] = others[:first] + shared + others[first:]
    for item in items:
        marker = item.get_closest_marker("django_db")
        if marker and marker.kwargs.get("transaction") and not marker.kwargs.get("serialized_rollback"):
            raise pytest.UsageError(
                f"{item.nodeid}: use @pytest.mark.django_db(transaction=True, serialized_rollback=True)"
            )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """The access world is rolled back once its last test is done (before the next test is set up)."""
    try:
        return (yield)
    finally:
        from tests.portal.access_world import SHARED_WORLD, uses_access_world

        if nextitem is None or not uses_access_world(nextitem):
            SHARED_WORLD.close()
