import pytest
from django.test import TestCase

from pledges.models import LegalStatus
from portal.accounts.models import Role
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from tests.whitelist.factories import NEXT_YEAR, asset
from whitelist.models import ConsentStatus
from whitelist.services import consent_set, rule_set_activate, rule_set_create, screening_run_create


@pytest.fixture
def run(reviewer, make_enterprise, make_user):
    """A finished run: three enterprises that pass (two consenting), one that does not."""
    rules = rule_set_create(actor=reviewer, values={"explanation": "规则说明"})
    rule_set_activate(rule_set=rules, actor=reviewer)
    for index, consents in enumerate((True, True, False)):
        enterprise = make_enterprise(f"白名单企业{index}", flags={"is_high_tech": True})
        asset(enterprise)
        asset(enterprise, kind=IpKind.TRADEMARK, valid_until=NEXT_YEAR)
        asset(enterprise, patent_type=PatentType.UTILITY_MODEL, status=LegalStatus.TERMINATED)
        if consents:
            consent_set(
                actor=make_user(f"ent{index}", enterprise, Role.ENTERPRISE_USER), to=ConsentStatus.GRANTED
            )
    make_enterprise("无专利企业", flags={"is_high_tech": True})
    with TestCase.captureOnCommitCallbacks(execute=True):
        run = screening_run_create(actor=reviewer)
    run.refresh_from_db()
    assert run.passed == 3
    return run


@pytest.fixture(autouse=True)
def _today_is_the_day_the_test_runs(monkeypatch):
    """Modules that name a ``TODAY`` read it when each test runs, not when they were imported: a run that
    crossed Beijing midnight dated feedback on the day before the batch it answers was published (CI at
    00:04 Beijing time, 22 failures)."""
    import sys

    from django.utils import timezone

    today = timezone.localdate()
    for name in ("tests.whitelist.test_feedback", "tests.whitelist.test_feedback_api"):
        module = sys.modules.get(name)
        if module is not None and hasattr(module, "TODAY"):
            monkeypatch.setattr(module, "TODAY", today)
