"""The claim's state machine (issue 7, domain.md §2.6), tried exhaustively: every (from, to) pair of
``ClaimStatus`` with every role and with no actor (the portal itself). ``riskcomp.claims.move`` allows
exactly what ``CLAIM_TRANSITIONS`` lists, writes one event naming the actor and both statuses, and refuses
everything else writing nothing. The table itself is compared with one written out here from the issue and
the domain's state machine, and the four-eyes rule is checked on top of the roles."""

from itertools import product

import pytest

from portal.accounts.models import ROLES_BY_KIND, OrgKind, Role
from portal.accounts.services import organisation_create
from riskcomp import claims, review
from riskcomp.errors import RiskcompInvalid, RiskcompNotAllowed
from riskcomp.models import CLAIM_TRANSITIONS, ClaimEvent, ClaimStatus
from tests.conftest import make_uscc
from tests.riskcomp.factories import proposed, refreshed, submitted

pytestmark = pytest.mark.django_db
S = ClaimStatus
SYSTEM = None  # no actor: the portal moves the claim itself
BANK = {Role.BANK_OFFICER, Role.BANK_MANAGER}

# Written from issue 7 and domain.md §2.6, not copied from the code. The domain's machine is
# NPL_REPORTED -> CLAIM_SUBMITTED -> UNDER_REVIEW -> APPROVED -> PAID | REJECTED; the issue adds the
# participants' confirmations (a dispute sends the claim back to the bank), the bureau's correction
# request, the two reviewers (the first proposes, the second approves, rejects or returns the proposal),
# finance marking the payment, and the bank withdrawing a claim nobody has started to review.
EXPECTED: dict[tuple[str, str], set] = {
    # The bank submits: to the participants first when some must confirm, else straight to review.
    (S.DRAFT, S.CONFIRMING): BANK,
    (S.DRAFT, S.SUBMITTED): BANK,
    (S.DRAFT, S.WITHDRAWN): BANK,
    # The last confirmation sends it to review (the portal); any participant institution may dispute.
    (S.CONFIRMING, S.SUBMITTED): {SYSTEM},
    (S.CONFIRMING, S.CORRECTION): BANK | {Role.INSTITUTION_OFFICER},
    (S.CONFIRMING, S.WITHDRAWN): BANK,
    (S.SUBMITTED, S.UNDER_REVIEW): {Role.REVIEWER},
    (S.SUBMITTED, S.WITHDRAWN): BANK,
    (S.UNDER_REVIEW, S.CORRECTION): {Role.REVIEWER},
    (S.UNDER_REVIEW, S.PROPOSED): {Role.REVIEWER},
    # The bank answers a correction request the way it submitted.
    (S.CORRECTION, S.CONFIRMING): BANK,
    (S.CORRECTION, S.SUBMITTED): BANK,
    (S.CORRECTION, S.WITHDRAWN): BANK,
    # The second reviewer approves, rejects or returns the proposal to the first.
    (S.PROPOSED, S.APPROVED): {Role.REVIEWER},
    (S.PROPOSED, S.REJECTED): {Role.REVIEWER},
    (S.PROPOSED, S.UNDER_REVIEW): {Role.REVIEWER},
    (S.APPROVED, S.PAID): {Role.FINANCE_OFFICER},
    # PAID, REJECTED and WITHDRAWN are final: recovery and clawback hang off a paid claim, not new states.
}
ACTORS = [*Role.values, SYSTEM]


def _table() -> dict[tuple[str, str], set]:
    return {
        (source, target): {SYSTEM if role == "system" else role for role in roles}
        for source, targets in CLAIM_TRANSITIONS.items()
        for target, roles in targets.items()
    }


def test_the_table_is_the_one_the_issue_and_the_domain_describe():
    assert set(CLAIM_TRANSITIONS) == set(S.values)  # every status has a row, the final ones empty
    assert _table() == EXPECTED
    for final in (S.PAID, S.REJECTED, S.WITHDRAWN):
        assert CLAIM_TRANSITIONS[final] == {}
    # Nothing leaves the review for the bank's hands except through a correction request, and no role
    # but finance pays.
    assert {target for (source, target) in EXPECTED if source == S.UNDER_REVIEW} == {S.CORRECTION, S.PROPOSED}
    assert [pair for pair, roles in EXPECTED.items() if Role.FINANCE_OFFICER in roles] == [
        (S.APPROVED, S.PAID)
    ]


@pytest.fixture
def people(make_user):
    """One user for every role, each in an organisation of a kind that may give it."""
    made = {}
    for index, role in enumerate(Role.values):
        kind = next(kind for kind, roles in ROLES_BY_KIND.items() if role in roles)
        uscc = make_uscc() if kind in (OrgKind.BANK, OrgKind.GUARANTOR, OrgKind.ENTERPRISE) else None
        organisation = organisation_create(name=f"状态机测试机构{index}", kind=kind, uscc=uscc)
        made[role] = make_user(f"machine_{role}", organisation, role)
    return made


def test_move_allows_exactly_the_listed_steps_and_writes_one_event_each(npl_loan, bank_a_officer, people):
    claim = claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    tried = allowed = 0
    for source, target, role in product(S.values, S.values, ACTORS):
        actor = None if role is SYSTEM else people[role]
        claim.status = source
        before = ClaimEvent.objects.count()
        tried += 1
        if (source, target) not in EXPECTED:
            with pytest.raises(RiskcompInvalid):
                claims.move(claim, actor=actor, to=target)
            assert claim.status == source, (source, target, role)
        elif role not in EXPECTED[(source, target)]:
            with pytest.raises(RiskcompNotAllowed):
                claims.move(claim, actor=actor, to=target)
            assert claim.status == source, (source, target, role)
        else:
            allowed += 1
            event = claims.move(claim, actor=actor, to=target, reason="测试")
            assert claim.status == target
            assert (event.claim_id, event.actor, event.from_status, event.to_status, event.reason) == (
                claim.pk,
                actor,
                source,
                target,
                "测试",
            )
            assert ClaimEvent.objects.count() == before + 1
            continue
        assert ClaimEvent.objects.count() == before, (source, target, role)  # a refusal writes nothing
    assert tried == len(S.values) ** 2 * len(ACTORS)
    assert allowed == sum(len(roles) for roles in EXPECTED.values())
    assert refreshed(claim).status == S.DRAFT  # move changes the claim in memory; the services save it


def test_a_user_without_a_membership_may_not_move_anything(npl_loan, bank_a_officer):
    from portal.accounts.services import user_create

    nobody = user_create(username="no_membership", password="Persona-pass-2026", full_name="无")
    claim = claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    before = ClaimEvent.objects.count()
    with pytest.raises(RiskcompNotAllowed):
        claims.move(claim, actor=nobody, to=S.SUBMITTED)
    assert ClaimEvent.objects.count() == before


def test_a_withdrawn_claim_lets_the_loan_be_claimed_again(npl_loan, bank_a_officer):
    claim = claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    claims.claim_withdraw(claim=claim, actor=bank_a_officer, reason="重新整理材料")
    assert refreshed(claim).status == S.WITHDRAWN
    with pytest.raises(RiskcompInvalid):
        claims.claim_withdraw(claim=claim, actor=bank_a_officer)
    again = claims.claim_open(loan=npl_loan, actor=bank_a_officer)
    assert again.pk != claim.pk and again.status == S.DRAFT


# --- Four eyes -------------------------------------------------------------------------------------------


def _events(claim) -> int:
    return ClaimEvent.objects.filter(claim=claim).count()


def test_the_first_reviewer_can_neither_approve_nor_reject_nor_return_the_proposal(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, funded
):
    claim = proposed(npl_loan, bank_a_officer, reviewer, confirmers=[guarantor_officer])
    before = _events(claim)
    for approve, reason in ((True, ""), (False, "请复核")):
        with pytest.raises(RiskcompNotAllowed):
            review.review_decide(claim=claim, actor=reviewer, approve=approve, reason=reason)
    claim = refreshed(claim)
    assert claim.status == S.PROPOSED and claim.second_reviewer is None and claim.approved_total is None
    assert _events(claim) == before
    claim = review.review_decide(claim=claim, actor=second_reviewer, approve=True)
    assert claim.status == S.APPROVED
    assert (claim.first_reviewer, claim.second_reviewer) == (reviewer, second_reviewer)
    last = claim.events.order_by("-pk").first()
    assert (last.actor, last.from_status, last.to_status) == (second_reviewer, S.PROPOSED, S.APPROVED)


def test_the_first_reviewer_cannot_decide_a_rejection_either(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer
):
    claim = submitted(npl_loan, bank_a_officer, [guarantor_officer])
    review.review_start(claim=claim, actor=reviewer)
    claim = review.review_propose(claim=claim, actor=reviewer, outcome=review.REJECT, reason="未尽催收")
    with pytest.raises(RiskcompNotAllowed):
        review.review_decide(claim=claim, actor=reviewer, approve=True)
    claim = review.review_decide(claim=claim, actor=second_reviewer, approve=True)
    assert claim.status == S.REJECTED and claim.approved_total is None


def test_only_the_first_reviewer_proposes_and_a_returned_proposal_goes_back_to_them(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, funded
):
    claim = submitted(npl_loan, bank_a_officer, [guarantor_officer])
    review.review_start(claim=claim, actor=reviewer)
    with pytest.raises(RiskcompNotAllowed):
        review.review_propose(claim=claim, actor=second_reviewer, outcome=review.APPROVE)
    with pytest.raises(RiskcompNotAllowed):
        review.correction_request(claim=claim, actor=second_reviewer, message="补充材料")
    review.review_propose(claim=claim, actor=reviewer, outcome=review.APPROVE)
    with pytest.raises(RiskcompInvalid):  # returning needs a reason
        review.review_decide(claim=claim, actor=second_reviewer, approve=False)
    claim = review.review_decide(claim=claim, actor=second_reviewer, approve=False, reason="请核对担保比例")
    assert claim.status == S.UNDER_REVIEW and claim.first_reviewer == reviewer
    # The second reviewer still cannot take over the proposal; the first proposes again, the second decides.
    with pytest.raises(RiskcompNotAllowed):
        review.review_propose(claim=claim, actor=second_reviewer, outcome=review.APPROVE)
    review.review_propose(claim=claim, actor=reviewer, outcome=review.APPROVE)
    with pytest.raises(RiskcompNotAllowed):
        review.review_decide(claim=claim, actor=reviewer, approve=True)
    assert review.review_decide(claim=claim, actor=second_reviewer, approve=True).status == S.APPROVED


@pytest.mark.parametrize(
    "who", ["bank_a_officer", "guarantor_officer", "finance_officer", "promotion_officer"]
)
def test_nobody_but_a_reviewer_decides(
    request, who, npl_loan, bank_a_officer, guarantor_officer, reviewer, funded
):
    claim = proposed(npl_loan, bank_a_officer, reviewer, confirmers=[guarantor_officer])
    before = _events(claim)
    with pytest.raises(RiskcompNotAllowed):
        review.review_decide(claim=claim, actor=request.getfixturevalue(who), approve=True)
    assert refreshed(claim).status == S.PROPOSED and _events(claim) == before


def test_only_finance_marks_paid_and_only_an_approved_claim(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, finance_officer, funded
):
    from django.utils import timezone

    claim = proposed(npl_loan, bank_a_officer, reviewer, confirmers=[guarantor_officer])
    with pytest.raises(RiskcompInvalid):  # still proposed
        review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())
    claim = review.review_decide(claim=claim, actor=second_reviewer, approve=True)
    for actor in (second_reviewer, bank_a_officer):
        with pytest.raises(RiskcompNotAllowed):
            review.claim_mark_paid(claim=claim, actor=actor, paid_on=timezone.localdate())
    claim = review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())
    assert claim.status == S.PAID
    with pytest.raises(RiskcompInvalid):  # paid once
        review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())
