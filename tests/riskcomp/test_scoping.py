"""Who sees which risk compensation claims (riskcomp/permissions.py, issue 7: "a participant sees only claims
it is part of"): a bank the claims it filed (a branch its own, a head office its group's) and those it takes
part in; a guarantor only those it takes part in; another bank none of bank A's; an enterprise none; the
oversight roles all. The confirmations and clawback parts asked of an institution are its own rows only, and
nobody is asked to confirm before the bank submits. The admin shows everything and changes nothing."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.http import Http404
from django.utils import timezone

from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from riskcomp import claims, review
from riskcomp.models import ClaimStatus
from riskcomp.permissions import claim_scope, clawback_scope, confirmation_scope, get_in_scope
from tests.conftest import make_uscc
from tests.riskcomp.factories import approved, make_npl_loan, refreshed, upload_evidence

pytestmark = pytest.mark.django_db
D = Decimal
S = ClaimStatus


def _ids(queryset) -> set[int]:
    return set(queryset.values_list("pk", flat=True))


@pytest.fixture
def other_guarantor_officer(make_user):
    other = organisation_create(name="北京首创融资担保有限公司", kind=OrgKind.GUARANTOR, uscc=make_uscc())
    return make_user("other_guarantor", other, Role.INSTITUTION_OFFICER)


@pytest.fixture
def sibling_branch_officer(make_user, bank_a):
    """An officer of another branch of bank A: not the branch that lent."""
    sibling = organisation_create(
        name="中关村银行朝阳支行", kind=OrgKind.BANK, parent=bank_a, uscc=make_uscc()
    )
    return make_user("sibling_officer", sibling, Role.BANK_OFFICER)


@pytest.fixture
def three_claims(npl_loan, bank_a_officer, bank_a_branch, bank_b, bank_b_officer, enterprise):
    """A: bank A's branch with the guarantor (E8); B: bank B alone; C: bank B lending with bank A's branch
    as co-lender. All drafts."""
    claim_a = claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    loan_b = make_npl_loan(
        bank=bank_b,
        enterprise=enterprise,
        actor=bank_b_officer,
        participants=[("bank", bank_b, bank_b.name, "1", "0")],
    )
    claim_b = claims.claim_open(loan=loan_b, actor=bank_b_officer)
    loan_c = make_npl_loan(
        bank=bank_b,
        enterprise=enterprise,
        actor=bank_b_officer,
        participants=[
            ("bank", bank_b, bank_b.name, "0.50", "0"),
            ("bank", bank_a_branch, bank_a_branch.name, "0.50", "0"),
        ],
    )
    claim_c = claims.claim_open(loan=loan_c, actor=bank_b_officer)
    return claim_a, claim_b, claim_c


def test_a_bank_sees_what_it_filed_and_what_it_takes_part_in(
    three_claims, bank_a_officer, bank_a_manager, bank_b_officer, sibling_branch_officer
):
    claim_a, claim_b, claim_c = three_claims
    assert _ids(claim_scope(bank_a_officer)) == {claim_a.pk, claim_c.pk}  # filed A, co-lender in C
    assert _ids(claim_scope(bank_a_manager)) == {claim_a.pk, claim_c.pk}  # the head office: its group's
    assert _ids(claim_scope(bank_b_officer)) == {claim_b.pk, claim_c.pk}  # none of bank A's own
    assert _ids(claim_scope(sibling_branch_officer)) == set()  # another branch: not its claims
    with pytest.raises(Http404):
        get_in_scope(claim_scope(bank_b_officer), claim_a.pk)
    with pytest.raises(Http404):
        get_in_scope(claim_scope(bank_a_officer), claim_b.pk)
    assert get_in_scope(claim_scope(bank_a_officer), claim_c.pk) == claim_c


def test_a_head_office_sees_its_branches_filings(bank_a, bank_a_manager, bank_a_officer, three_claims):
    claim_a, _claim_b, _claim_c = three_claims
    assert claim_a.bank.parent_id == bank_a.pk
    assert claim_a.pk in _ids(claim_scope(bank_a_manager))


def test_a_guarantor_sees_only_the_claims_it_takes_part_in(
    three_claims, guarantor_officer, other_guarantor_officer
):
    claim_a, _claim_b, _claim_c = three_claims
    assert _ids(claim_scope(guarantor_officer)) == {claim_a.pk}
    assert _ids(claim_scope(other_guarantor_officer)) == set()


@pytest.mark.parametrize(
    "who", ["enterprise_user", "enterprise_admin", "outsider", "commissioner", "park_admin"]
)
def test_enterprises_and_other_roles_see_none(request, who, three_claims):
    user = request.getfixturevalue(who)
    assert _ids(claim_scope(user)) == set()
    assert _ids(confirmation_scope(user)) == set() and _ids(clawback_scope(user)) == set()


@pytest.mark.parametrize(
    "who", ["reviewer", "second_reviewer", "finance_officer", "promotion_officer", "joint_office_viewer"]
)
def test_oversight_sees_all(request, who, three_claims):
    assert _ids(claim_scope(request.getfixturevalue(who))) == {claim.pk for claim in three_claims}


def test_anonymous_visitors_see_none(three_claims):
    from django.contrib.auth.models import AnonymousUser

    assert _ids(claim_scope(AnonymousUser())) == set()
    assert _ids(confirmation_scope(AnonymousUser())) == set()


def test_confirmations_are_the_institutions_own_rows_and_only_after_submission(
    three_claims, bank_a_officer, bank_a_manager, bank_b_officer, guarantor_officer, other_guarantor_officer
):
    claim_a, _claim_b, claim_c = three_claims
    # Drafts: nobody is asked anything yet.
    for user in (bank_a_officer, bank_a_manager, bank_b_officer, guarantor_officer):
        assert _ids(confirmation_scope(user)) == set()
    upload_evidence(claim_a, bank_a_officer)
    claims.claim_submit(claim=claim_a, actor=bank_a_officer)
    guarantor_row = claim_a.participants.get(organisation=guarantor_officer.organisation)
    assert _ids(confirmation_scope(guarantor_officer)) == {guarantor_row.pk}
    assert _ids(confirmation_scope(other_guarantor_officer)) == set()
    # Bank A's branch is a co-lender in C: asked once bank B submits C, and only for its own row.
    a_row = claim_a.participants.get(organisation=claim_a.bank)
    assert _ids(confirmation_scope(bank_a_officer)) == {a_row.pk}
    upload_evidence(claim_c, bank_b_officer)
    assert claims.claim_submit(claim=claim_c, actor=bank_b_officer).status == S.CONFIRMING
    c_row = claim_c.participants.get(organisation=claim_a.bank)
    assert _ids(confirmation_scope(bank_a_officer)) == {a_row.pk, c_row.pk}
    assert _ids(confirmation_scope(bank_a_manager)) == {a_row.pk, c_row.pk}
    assert _ids(confirmation_scope(bank_b_officer)) == {
        claim_c.participants.get(organisation=claim_c.bank).pk
    }
    # Nobody confirms somebody else's share.
    from riskcomp.errors import RiskcompNotAllowed

    with pytest.raises(RiskcompNotAllowed):
        claims.participant_confirm(participant=c_row, actor=bank_b_officer, confirmed=True)
    with pytest.raises(RiskcompNotAllowed):
        claims.participant_confirm(participant=guarantor_row, actor=other_guarantor_officer, confirmed=True)


def test_clawback_parts_are_the_institutions_own(
    npl_loan,
    bank_a_officer,
    bank_a_manager,
    bank_b_officer,
    guarantor_officer,
    other_guarantor_officer,
    reviewer,
    second_reviewer,
    finance_officer,
    funded,
):
    claim = approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())
    recovery = review.recovery_report(
        claim=claim,
        actor=bank_a_officer,
        amount="200000.00",
        received_on=timezone.localdate(),
        source="disposal",
    )
    shares = {
        share.participant.organisation_id: share for share in recovery.shares.select_related("participant")
    }
    guarantor_share = shares[guarantor_officer.organisation.pk]
    bank_share = shares[claim.bank_id]
    assert _ids(clawback_scope(guarantor_officer)) == {guarantor_share.pk}
    assert _ids(clawback_scope(bank_a_officer)) == {bank_share.pk}
    assert _ids(clawback_scope(bank_a_manager)) == {bank_share.pk}
    for user in (bank_b_officer, other_guarantor_officer, reviewer, finance_officer):
        assert _ids(clawback_scope(user)) == set()
    from riskcomp.errors import RiskcompNotAllowed

    with pytest.raises(RiskcompNotAllowed):
        review.clawback_confirm(share=guarantor_share, actor=other_guarantor_officer)
    with pytest.raises(RiskcompNotAllowed):
        review.clawback_confirm(share=guarantor_share, actor=bank_a_officer)


# --- The admin: staff look things up, the services write ------------------------------------------------


def test_the_admin_shows_everything_and_changes_nothing(
    client,
    staff_admin,
    npl_loan,
    bank_a_officer,
    guarantor_officer,
    reviewer,
    second_reviewer,
    finance_officer,
    funded,
):
    from django.contrib import admin
    from django.urls import reverse

    from riskcomp.models import BankNplRatio, Claim, FundYear, InstitutionYear, Recovery

    claim = approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())
    recovery = review.recovery_report(
        claim=claim,
        actor=bank_a_officer,
        amount="100000.00",
        received_on=timezone.localdate() - timedelta(days=1),
        source="other",
    )
    BankNplRatio.objects.create(
        bank=claim.bank,
        period_end=timezone.localdate().replace(month=9, day=30),
        ratio_pct=D("1.35"),
        reported_by=bank_a_officer,
    )
    client.force_login(staff_admin)
    models = [model for model in admin.site._registry if model._meta.app_label == "riskcomp"]
    assert {model.__name__ for model in models} >= {
        "Claim",
        "ClaimEvent",
        "FundYear",
        "InstitutionYear",
        "BankNplRatio",
        "Recovery",
    }
    for model in models:
        name = f"admin:riskcomp_{model._meta.model_name}"
        assert client.get(reverse(f"{name}_changelist")).status_code == 200, name
        assert client.get(reverse(f"{name}_add")).status_code == 403, name
        instance = model.objects.first()
        assert instance is not None, name
        assert client.get(reverse(f"{name}_change", args=[instance.pk])).status_code == 200, name
        assert client.get(reverse(f"{name}_delete", args=[instance.pk])).status_code == 403, name
    page = client.get(reverse("admin:riskcomp_claim_change", args=[claim.pk])).content.decode()
    assert claim.reference in page and guarantor_officer.organisation.name in page  # the participants inline

    # Forged change forms write no status and no money.
    claim = refreshed(claim)
    client.post(
        reverse("admin:riskcomp_claim_change", args=[claim.pk]),
        {"status": S.APPROVED, "approved_total": "1.00", "clawed_back": "0", "total": "9999999.00"},
    )
    after = refreshed(claim)
    assert (after.status, after.approved_total, after.total, after.clawed_back) == (
        S.PAID,
        claim.approved_total,
        claim.total,
        claim.clawed_back,
    )
    fund_year = FundYear.objects.get(year=claim.year)
    client.post(
        reverse("admin:riskcomp_fundyear_change", args=[fund_year.pk]),
        {"budget": "99999999.00", "reserved": "0", "paid": "0"},
    )
    assert FundYear.objects.get(pk=fund_year.pk).reserved == fund_year.reserved == claim.approved_total
    row = InstitutionYear.objects.get(organisation=guarantor_officer.organisation)
    client.post(
        reverse("admin:riskcomp_institutionyear_change", args=[row.pk]), {"cap": "1", "reserved": "0"}
    )
    assert InstitutionYear.objects.get(pk=row.pk).reserved == row.reserved == D("240000.00")
    client.post(
        reverse("admin:riskcomp_recovery_change", args=[recovery.pk]),
        {"status": "settled", "fund_share": "0", "amount": "1"},
    )
    after = Recovery.objects.get(pk=recovery.pk)
    assert (after.status, after.fund_share, after.amount) == (
        recovery.status,
        recovery.fund_share,
        recovery.amount,
    )
    assert Claim.objects.count() == 1
