"""The risk compensation demo (`make run`): after the portal's and the other apps' demo data, one claim at
each stage, this year's fund and institution cap set through the policy services, all of it once."""

from decimal import Decimal

import pytest
from django.apps import apps as django_apps
from django.contrib.auth import authenticate
from django.utils.timezone import localdate

from portal.management.demo import seed_demo as seed_portal
from portal.policy.models import ParameterChange, PolicyParameterSet
from riskcomp import review
from riskcomp.demo import FUND_BUDGET, INSTITUTION_CAP, LOANS_DEMO_NPL_REF
from riskcomp.demo import seed_demo as seed_riskcomp
from riskcomp.models import (
    Claim,
    ClaimEvent,
    ClaimStatus,
    ClawbackShare,
    ClawbackStatus,
    Confirmation,
    Evidence,
    FundYear,
    InstitutionYear,
    Recovery,
)
from riskcomp.permissions import claim_scope, clawback_scope, confirmation_scope

pytestmark = pytest.mark.django_db
D = Decimal
S = ClaimStatus


def _counts() -> tuple:
    return tuple(
        model.objects.count()
        for model in (
            Claim,
            ClaimEvent,
            Evidence,
            Recovery,
            ClawbackShare,
            FundYear,
            InstitutionYear,
            ParameterChange,
        )
    )


def _other_demos() -> None:
    """What `manage.py seed_demo` runs before this app: the portal, then every other app in settings order."""
    seed_portal()
    for config in django_apps.get_app_configs():
        if hasattr(config, "seed_demo") and config.name != "riskcomp":
            config.seed_demo()


def test_the_demo_shows_every_stage_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path  # the demo's documents
    _other_demos()
    assert seed_riskcomp() == 6
    counts = _counts()
    assert seed_riskcomp() == 0  # idempotent
    assert _counts() == counts

    parameters = PolicyParameterSet.objects.get(year=localdate().year)
    assert parameters.riskcomp_fund_annual_budget == FUND_BUDGET == D("5000000.00")
    assert parameters.riskcomp_per_institution_annual_cap == INSTITUTION_CAP == D("600000.00")
    changes = ParameterChange.objects.filter(
        parameter_set=parameters,
        field__in=["riskcomp_fund_annual_budget", "riskcomp_per_institution_annual_cap"],
    )
    assert changes.count() == 2 and all(change.reason for change in changes)

    claims = list(Claim.objects.order_by("pk"))
    assert sorted(claim.status for claim in claims) == sorted(
        [S.DRAFT, S.CONFIRMING, S.UNDER_REVIEW, S.PROPOSED, S.PAID, S.PAID]
    )
    assert all(claim.eligible and claim.total > 0 and claim.reasons == [] for claim in claims)
    assert {claim.bank.name for claim in claims} == {"北京银行中关村分行"}
    # The draft is the loans demo's non-performing (combination) loan: only its IP part counts.
    draft = Claim.objects.get(status=S.DRAFT)
    assert draft.loan.bank_loan_ref == LOANS_DEMO_NPL_REF and draft.ip_share < 1
    assert draft.loss == (draft.npl_principal * draft.ip_share).quantize(D("0.01")) - draft.recovered

    # Waiting for the guarantor, whose demo login sees it to confirm.
    guarantor_user = authenticate(username="demo_guarantor", password=settings.PORTAL_DEMO_PASSWORD)
    confirming = Claim.objects.get(status=S.CONFIRMING)
    pending = confirming.participants.get(confirmation=Confirmation.PENDING)
    assert pending.organisation == guarantor_user.organisation
    assert pending.pk in set(confirmation_scope(guarantor_user).values_list("pk", flat=True))
    assert set(claim_scope(guarantor_user).values_list("pk", flat=True)) == {
        claim.pk
        for claim in claims
        if claim.participants.filter(organisation=guarantor_user.organisation).exists()
    }

    reviewer = authenticate(username="demo_reviewer", password=settings.PORTAL_DEMO_PASSWORD)
    second = authenticate(username="demo_reviewer2", password=settings.PORTAL_DEMO_PASSWORD)
    assert Claim.objects.get(status=S.UNDER_REVIEW).first_reviewer == reviewer

    # The two paid claims: one clawback waits for the guarantor, the other is settled.
    paid = list(Claim.objects.filter(status=S.PAID))
    assert all(claim.paid_on == localdate() and claim.approved_total == claim.total for claim in paid)
    recoveries = {recovery.status: recovery for recovery in Recovery.objects.all()}
    assert set(recoveries) == {ClawbackStatus.CONFIRMING, ClawbackStatus.SETTLED}
    waiting = recoveries[ClawbackStatus.CONFIRMING]
    assert set(
        clawback_scope(guarantor_user).filter(confirmed_at=None).values_list("recovery", flat=True)
    ) == {waiting.pk}
    settled = recoveries[ClawbackStatus.SETTLED]
    assert settled.claim.clawed_back == settled.fund_share > 0

    # The money adds up: the fund reserved and paid what was approved, got back what was settled.
    fund = FundYear.objects.get(year=localdate().year)
    approved_total = sum((claim.approved_total for claim in paid), D("0"))
    assert (fund.budget, fund.reserved, fund.paid, fund.recovered) == (
        FUND_BUDGET,
        approved_total,
        approved_total,
        settled.fund_share,
    )
    assert all(
        row.cap == INSTITUTION_CAP and row.reserved <= row.cap for row in InstitutionYear.objects.all()
    )

    # The proposal waits for the second reviewer, and fits the fund and the caps.
    proposal = Claim.objects.get(status=S.PROPOSED)
    assert proposal.first_reviewer == reviewer
    assert review.review_decide(claim=proposal, actor=second, approve=True).status == S.APPROVED


def test_the_demo_keeps_a_budget_already_set_and_brings_its_own_draft_loan(settings, tmp_path):
    """Without the loans demo, the draft gets a loan of the demo's own; a budget already in the year's
    parameters is left as it is."""
    settings.MEDIA_ROOT = tmp_path
    seed_portal()
    PolicyParameterSet.objects.filter(year=localdate().year).update(
        riskcomp_fund_annual_budget=D("3000000.00")
    )
    assert seed_riskcomp() == 6
    parameters = PolicyParameterSet.objects.get(year=localdate().year)
    assert parameters.riskcomp_fund_annual_budget == D("3000000.00")
    assert parameters.riskcomp_per_institution_annual_cap == INSTITUTION_CAP
    assert Claim.objects.get(status=S.DRAFT).loan.bank_loan_ref == "ZGC-2026-0057"
    assert FundYear.objects.get(year=localdate().year).budget == D("3000000.00")
    assert seed_riskcomp() == 0


def test_the_demo_waits_for_the_portals_demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    assert seed_riskcomp() == 0
    assert not Claim.objects.exists()
