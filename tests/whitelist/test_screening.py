"""Screening rules against hand-built enterprises, rule versions, consent, and the run's claim."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from pledges.models import LegalStatus
from portal.accounts.models import District
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from tests.whitelist.factories import asset
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import (
    Candidate,
    Consent,
    ConsentStatus,
    EnterpriseIndicator,
    RuleSet,
    RuleSetStatus,
    RunStatus,
    ScreeningRun,
)
from whitelist.services import (
    consent_set,
    rule_set_activate,
    rule_set_create,
    rule_set_update,
    screening_run_create,
    screening_run_execute,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def rules(reviewer):
    rule_set = rule_set_create(
        actor=reviewer,
        values={"explanation": "北京注册、有效发明专利或注册商标、无严重失信、至少一项企业类别。"},
    )
    return rule_set_activate(rule_set=rule_set, actor=reviewer)


@pytest.fixture
def qualified(make_enterprise):
    """Beijing, a valid invention patent, a category flag, nothing against it."""
    enterprise = make_enterprise("合格科技有限公司", flags={"is_high_tech": True})
    asset(enterprise)
    return enterprise


def screen(user):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):  # the task runs eagerly after commit
        run = screening_run_create(actor=user)
    run.refresh_from_db()
    return run, {c.enterprise_id: c for c in Candidate.objects.filter(run=run)}


def test_a_qualified_enterprise_meets_every_rule_with_its_snapshot(reviewer, rules, qualified):
    EnterpriseIndicator.objects.create(
        enterprise=qualified,
        rd_ratio_pct=Decimal("8.50"),
        revenue_band="10m_50m",
        credit_rating="AA",
        as_of=date(2026, 6, 30),
    )
    run, candidates = screen(reviewer)
    assert run.status == RunStatus.DONE
    assert (run.screened, run.passed) == (1, 1)
    candidate = candidates[qualified.pk]
    assert candidate.passed
    assert all(met for _label, met in candidate.rules())
    assert (candidate.invention_patents, candidate.trademarks, candidate.is_high_tech) == (1, 0, True)
    assert (candidate.rd_ratio_pct, candidate.revenue_band, candidate.credit_rating) == (
        Decimal("8.50"),
        "10m_50m",
        "AA",
    )
    assert run.events.values_list("to_status", flat=True)[::1] == ["queued", "running", "done"]


@pytest.mark.parametrize(
    ("spoil", "failing"),
    [
        ("outside_beijing", "in_beijing"),
        ("no_core_ip", "has_core_ip"),
        ("patent_terminated", "has_core_ip"),
        ("dishonest", "no_dishonesty"),
        ("no_category", "has_category"),
    ],
)
def test_each_rule_fails_on_its_own(reviewer, rules, make_enterprise, spoil, failing):
    flags = {} if spoil == "no_category" else {"is_specialised": True}
    enterprise = make_enterprise("待筛企业有限公司", flags=flags)
    if spoil == "outside_beijing":
        enterprise.uscc = "91310115MA1K4A0G9J"  # a Shanghai credit code
        enterprise.save(update_fields=["uscc"])
    if spoil != "no_core_ip":
        asset(
            enterprise,
            status=LegalStatus.TERMINATED if spoil == "patent_terminated" else LegalStatus.IN_FORCE,
        )
    if spoil == "dishonest":
        EnterpriseIndicator.objects.create(
            enterprise=enterprise, serious_dishonesty=True, as_of=date(2026, 6, 30)
        )
    _run, candidates = screen(reviewer)
    candidate = candidates[enterprise.pk]
    assert not candidate.passed
    assert [
        name
        for name in ("in_beijing", "has_core_ip", "no_dishonesty", "has_category", "meets_thresholds")
        if not getattr(candidate, name)
    ] == [failing]


def test_a_registered_trademark_counts_as_core_ip_until_its_term_ends(reviewer, rules, make_enterprise):
    live = make_enterprise("商标企业甲", flags={"is_tech_sme": True})
    asset(live, kind=IpKind.TRADEMARK, valid_until=timezone.localdate() + timedelta(days=1))
    lapsed = make_enterprise("商标企业乙", flags={"is_tech_sme": True})
    asset(lapsed, kind=IpKind.TRADEMARK, valid_until=timezone.localdate() - timedelta(days=1))
    _run, candidates = screen(reviewer)
    assert candidates[live.pk].passed and candidates[live.pk].trademarks == 1
    assert not candidates[lapsed.pk].has_core_ip


def test_thresholds_on_counts_and_indicators(reviewer, rules, qualified):
    draft = rule_set_create(
        actor=reviewer,
        based_on=rules,
        values={
            "min_invention_patents": 2,
            "min_rd_ratio_pct": Decimal("5"),
            "min_revenue_band": "10m_50m",
            "min_credit_rating": "A",
        },
    )
    rule_set_activate(rule_set=draft, actor=reviewer)
    _run, candidates = screen(reviewer)
    assert not candidates[qualified.pk].meets_thresholds  # one patent, no indicators

    asset(qualified, patent_type=PatentType.PCT_INVENTION)
    EnterpriseIndicator.objects.create(
        enterprise=qualified,
        rd_ratio_pct=Decimal("5.00"),
        revenue_band="50m_200m",
        credit_rating="A",
        as_of=date(2026, 6, 30),
    )
    _run, candidates = screen(reviewer)
    assert candidates[qualified.pk].passed
    EnterpriseIndicator.objects.filter(enterprise=qualified).update(credit_rating="BBB")
    _run, candidates = screen(reviewer)
    assert not candidates[qualified.pk].meets_thresholds


def test_a_utility_model_or_design_is_not_core_ip(reviewer, rules, make_enterprise):
    enterprise = make_enterprise("实用新型企业", flags={"is_high_tech": True})
    asset(enterprise, patent_type=PatentType.UTILITY_MODEL)
    asset(enterprise, patent_type=PatentType.DESIGN)
    _run, candidates = screen(reviewer)
    candidate = candidates[enterprise.pk]
    assert (candidate.utility_patents, candidate.design_patents, candidate.has_core_ip) == (1, 1, False)


def test_a_new_version_retires_the_active_one_and_only_drafts_change(reviewer, rules):
    draft = rule_set_create(actor=reviewer, based_on=rules, values={"min_trademarks": 1})
    assert (draft.version, draft.status, draft.explanation) == (
        rules.version + 1,
        RuleSetStatus.DRAFT,
        rules.explanation,
    )
    rule_set_update(rule_set=draft, actor=reviewer, values={"min_trademarks": 2})
    rule_set_activate(rule_set=draft, actor=reviewer, reason="2027 screening")
    rules.refresh_from_db()
    assert rules.status == RuleSetStatus.RETIRED
    assert RuleSet.objects.get(status=RuleSetStatus.ACTIVE) == draft
    assert list(rules.events.values_list("to_status", flat=True)) == ["draft", "active", "retired"]
    with pytest.raises(WhitelistValidationError):
        rule_set_update(rule_set=draft, actor=reviewer, values={"min_trademarks": 3})
    with pytest.raises(WhitelistValidationError):
        rule_set_activate(rule_set=rules, actor=reviewer)


def test_a_rule_set_needs_an_explanation(reviewer):
    with pytest.raises(WhitelistValidationError) as refused:
        rule_set_create(actor=reviewer, values={"explanation": "  "})
    assert "explanation" in refused.value.errors


def test_only_ip_bureau_staff_keep_rules_and_run_screenings(bank_a_officer, enterprise_user, reviewer, rules):
    for outsider in (bank_a_officer, enterprise_user):
        with pytest.raises(WhitelistNotAllowed):
            rule_set_create(actor=outsider, values={"explanation": "x"})
        with pytest.raises(WhitelistNotAllowed):
            screening_run_create(actor=outsider)


def test_screening_needs_active_rules(reviewer):
    with pytest.raises(WhitelistValidationError):
        screening_run_create(actor=reviewer)


def test_a_redelivered_run_does_nothing(reviewer, rules, qualified):
    run, _candidates = screen(reviewer)
    assert screening_run_execute(run_id=run.pk) is None
    assert Candidate.objects.filter(run=run).count() == 1
    assert ScreeningRun.objects.get(pk=run.pk).events.count() == 3


def test_consent_is_given_withdrawn_and_given_again_with_its_history(
    enterprise_user, reviewer, rules, enterprise
):
    asset(enterprise)
    enterprise.enterprise_profile.is_high_tech = True
    enterprise.enterprise_profile.save()
    consent_set(actor=enterprise_user, to=ConsentStatus.GRANTED)
    _run, candidates = screen(reviewer)
    assert candidates[enterprise.pk].consented
    consent_set(actor=enterprise_user, to=ConsentStatus.WITHDRAWN, reason="暂不需要")
    _run, candidates = screen(reviewer)
    assert not candidates[enterprise.pk].consented
    consent_set(actor=enterprise_user, to=ConsentStatus.GRANTED)
    consent = Consent.objects.get(enterprise=enterprise)
    assert [(e.from_status, e.to_status) for e in consent.events.order_by("at", "pk")] == [
        ("", "granted"),
        ("granted", "withdrawn"),
        ("withdrawn", "granted"),
    ]
    with pytest.raises(WhitelistValidationError):
        consent_set(actor=enterprise_user, to=ConsentStatus.GRANTED)


def test_only_the_enterprises_own_users_consent(bank_a_officer, reviewer):
    for outsider in (bank_a_officer, reviewer):
        with pytest.raises(WhitelistNotAllowed):
            consent_set(actor=outsider, to=ConsentStatus.GRANTED)


def test_an_inactive_enterprise_is_not_screened(reviewer, rules, qualified):
    qualified.is_active = False
    qualified.save(update_fields=["is_active"])
    run, candidates = screen(reviewer)
    assert run.screened == 0 and candidates == {}


def test_every_district_counts_as_beijing(reviewer, rules, make_enterprise):
    enterprise = make_enterprise("大兴企业", district=District.DAXING, flags={"is_high_tech": True})
    asset(enterprise)
    _run, candidates = screen(reviewer)
    assert candidates[enterprise.pk].in_beijing


def test_loan_facts_count_as_an_indicator_and_a_rule_when_the_rules_ask(
    reviewer, rules, qualified, bank_a_officer
):
    from loans.models import Loan, LoanStatus
    from tests.loans.test_loan_api import make_loan

    loan = make_loan(bank_a_officer, qualified, ref="NPL-1")
    Loan.objects.filter(pk=loan.pk).update(status=LoanStatus.NON_PERFORMING)
    _run, candidates = screen(reviewer)
    candidate = candidates[qualified.pk]
    assert (candidate.npl_loans, candidate.no_npl, candidate.passed) == (
        1,
        True,
        True,
    )  # not asked by default
    strict = rule_set_create(actor=reviewer, based_on=rules, values={"require_no_npl": True})
    rule_set_activate(rule_set=strict, actor=reviewer)
    _run, candidates = screen(reviewer)
    candidate = candidates[qualified.pk]
    assert (candidate.no_npl, candidate.passed) == (False, False)
    assert [met for _label, met in candidate.rules()].count(False) == 1


def test_an_accepted_bank_recommendation_marks_the_candidate(reviewer, rules, qualified, bank_a_officer):
    from whitelist.feedback import recommendation_create, recommendation_decide
    from whitelist.models import RecommendationStatus

    recommendation = recommendation_create(
        actor=bank_a_officer,
        enterprise_uscc=qualified.uscc,
        enterprise_name=qualified.name,
        reason="存量客户",
    )
    _run, candidates = screen(reviewer)
    assert not candidates[qualified.pk].recommended  # submitted, not accepted yet
    recommendation_decide(
        recommendation=recommendation, actor=reviewer, to=RecommendationStatus.ACCEPTED, reason=""
    )
    _run, candidates = screen(reviewer)
    assert candidates[qualified.pk].recommended
