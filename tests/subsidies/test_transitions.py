"""The application state machine, exhaustively: for every (from, to) pair of statuses and every role (and
the portal itself, actor None), ``subsidies.applications.move`` allows exactly what
``APPLICATION_TRANSITIONS`` lists, writes one event saying who moved it from where to where, and refuses
everything else without writing. The table itself is checked against the rules of issue 6, the maker
cannot approve, and the closing statuses release the claims."""

import pytest

from portal.accounts.models import Role
from subsidies import applications as apps
from subsidies import review
from subsidies.errors import SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import (
    APPLICATION_TRANSITIONS,
    CLOSED_STATUSES,
    ApplicationEvent,
    ApplicationStatus,
    Claim,
)
from tests.subsidies.factories import proposed_application, refreshed, submitted_application

pytestmark = pytest.mark.django_db
S = ApplicationStatus
ENTERPRISE = {Role.ENTERPRISE_USER, Role.ORG_ADMIN}
BANK = {Role.BANK_OFFICER, Role.BANK_MANAGER}
REVIEWER = {Role.REVIEWER}
FINANCE = {Role.FINANCE_OFFICER}
SYSTEM = {"system"}

# Written out from issue 6 and domain.md §2.4, independently of the model's table: who may make each move.
EXPECTED = {
    (S.DRAFT, S.AWAITING_BANK): ENTERPRISE,  # submitted with loans entered by hand
    (S.DRAFT, S.SUBMITTED): ENTERPRISE,
    (S.DRAFT, S.WITHDRAWN): ENTERPRISE,
    (S.AWAITING_BANK, S.SUBMITTED): SYSTEM,  # the last bank confirmation
    (S.AWAITING_BANK, S.CORRECTION): BANK,  # a bank disputes the figures
    (S.AWAITING_BANK, S.WITHDRAWN): ENTERPRISE,
    (S.SUBMITTED, S.UNDER_REVIEW): REVIEWER,
    (S.SUBMITTED, S.WITHDRAWN): ENTERPRISE,
    (S.UNDER_REVIEW, S.CORRECTION): REVIEWER,
    (S.UNDER_REVIEW, S.PROPOSED): REVIEWER,
    (S.UNDER_REVIEW, S.WITHDRAWN): ENTERPRISE,
    (S.CORRECTION, S.AWAITING_BANK): ENTERPRISE,
    (S.CORRECTION, S.SUBMITTED): ENTERPRISE,
    (S.CORRECTION, S.WITHDRAWN): ENTERPRISE,
    (S.PROPOSED, S.APPROVED): REVIEWER,  # the second reviewer (never the first: checked in review_decide)
    (S.PROPOSED, S.REJECTED): REVIEWER,
    (S.PROPOSED, S.UNDER_REVIEW): REVIEWER,  # returned to the first reviewer
    (S.APPROVED, S.PUBLICITY): REVIEWER,
    (S.PUBLICITY, S.PUBLICISED): SYSTEM | REVIEWER,  # the notice ended (daily job) or resolved by hand
    (S.PUBLICITY, S.UNDER_REVIEW): REVIEWER,  # an upheld objection
    (S.PUBLICISED, S.PAYMENT_LISTED): FINANCE,
    (S.PAYMENT_LISTED, S.PAID): FINANCE,
    (S.PAYMENT_LISTED, S.PUBLICISED): FINANCE,  # taken off a payment list
}
ACTORS = [*Role.values, None]


@pytest.fixture
def actors(
    make_user,
    registration_office,
    enterprise_user,
    enterprise_admin,
    bank_a_officer,
    bank_a_manager,
    guarantor_officer,
    commissioner,
    promotion_officer,
    reviewer,
    finance_officer,
    joint_office_viewer,
    park_admin,
):
    supervisor = make_user("supervisor", registration_office, Role.REGISTRATION_SUPERVISOR)
    users = [
        enterprise_user,
        enterprise_admin,
        bank_a_officer,
        bank_a_manager,
        guarantor_officer,
        commissioner,
        supervisor,
        promotion_officer,
        reviewer,
        finance_officer,
        joint_office_viewer,
        park_admin,
    ]
    by_role = {user.role: user for user in users}
    assert set(by_role) == set(Role.values)  # every role of the portal is tried
    return {**by_role, None: None}


def test_the_table_is_the_rules_of_issue_6():
    listed = {
        (source, target): set(roles)
        for source, targets in APPLICATION_TRANSITIONS.items()
        for target, roles in targets.items()
    }
    assert listed == EXPECTED
    assert set(APPLICATION_TRANSITIONS) == set(S.values)  # every status has its row
    for closed in (S.PAID, S.REJECTED, S.WITHDRAWN):
        assert APPLICATION_TRANSITIONS[closed] == {}  # final


@pytest.mark.parametrize("source", S.values)
def test_move_allows_exactly_what_the_table_lists(source, batch, enterprise_user, actors):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    for target in S.values:
        allowed = APPLICATION_TRANSITIONS[source].get(target)
        for role in ACTORS:
            actor = actors[role]
            application.status = source
            before = ApplicationEvent.objects.filter(application=application).count()
            who = "system" if actor is None else actor.role
            if allowed is not None and who in allowed:
                event = apps.move(application, actor=actor, to=target, reason="test")
                assert application.status == target
                assert (event.actor_id, event.from_status, event.to_status) == (
                    getattr(actor, "pk", None),
                    source,
                    target,
                ), (source, target, role)
                assert ApplicationEvent.objects.filter(application=application).count() == before + 1
                continue
            expected = SubsidyInvalid if allowed is None else SubsidyNotAllowed
            with pytest.raises(expected):
                apps.move(application, actor=actor, to=target)
            assert application.status == source, (source, target, role)
            assert ApplicationEvent.objects.filter(application=application).count() == before, (
                source,
                target,
                role,
            )
    # move never saves by itself: the stored status is the callers' business.
    assert refreshed(application).status == S.DRAFT


def test_a_move_missing_from_the_table_is_invalid_for_every_role(batch, enterprise_user, reviewer):
    """Moves missing from the table are invalid whatever the role (the message names both statuses)."""
    application = apps.application_open(batch=batch, actor=enterprise_user)
    with pytest.raises(SubsidyInvalid) as refused:
        apps.move(application, actor=reviewer, to=S.PAID)
    assert not isinstance(refused.value, SubsidyNotAllowed)


def test_the_maker_cannot_approve(batch, settled_loan, enterprise_user, reviewer, second_reviewer):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    events = application.events.count()
    with pytest.raises(SubsidyNotAllowed):
        review.review_decide(application=application, actor=reviewer, approve=True)
    with pytest.raises(SubsidyNotAllowed):  # nor return it to themself
        review.review_decide(application=application, actor=reviewer, approve=False, reason="再看看")
    application = refreshed(application)
    assert application.status == S.PROPOSED and application.second_reviewer is None
    assert application.events.count() == events
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    approved = refreshed(application)
    assert approved.status == S.APPROVED and approved.second_reviewer == second_reviewer
    event = approved.events.get(to_status=S.APPROVED)
    assert event.actor == second_reviewer and event.from_status == S.PROPOSED


def test_an_enterprise_or_bank_cannot_review(batch, settled_loan, enterprise_user, bank_a_officer):
    application = submitted_application(batch, enterprise_user, settled_loan)
    for actor in (enterprise_user, bank_a_officer):
        with pytest.raises(SubsidyNotAllowed):
            review.review_start(application=application, actor=actor)
    assert refreshed(application).status == S.SUBMITTED


def test_withdrawing_releases_the_claims(batch, settled_loan, enterprise_user):
    application = submitted_application(batch, enterprise_user, settled_loan)
    assert Claim.objects.filter(application=application).count() == 1
    apps.application_withdraw(application=application, actor=enterprise_user, reason="改下一批申请")
    assert refreshed(application).status == S.WITHDRAWN
    assert not Claim.objects.filter(application=application).exists()


def test_a_rejection_releases_the_claims(batch, settled_loan, enterprise_user, reviewer, second_reviewer):
    application = submitted_application(batch, enterprise_user, settled_loan)
    review.review_start(application=application, actor=reviewer)
    review.review_propose(
        application=application, actor=reviewer, outcome=review.REJECT, reason="质押登记材料不符"
    )
    assert Claim.objects.filter(application=application).exists()  # proposed is not closing
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    assert refreshed(application).status == S.REJECTED
    assert not Claim.objects.filter(application=application).exists()


def test_only_the_closing_statuses_release_claims(batch, settled_loan, enterprise_user, reviewer):
    application = submitted_application(batch, enterprise_user, settled_loan)
    for target in S.values:
        application.status = S.SUBMITTED
        claims = Claim.objects.filter(application=application).count()
        allowed = APPLICATION_TRANSITIONS[S.SUBMITTED].get(target, set())
        actor = enterprise_user if Role.ENTERPRISE_USER in allowed else reviewer
        if actor.role not in allowed:
            continue
        apps.move(application, actor=actor, to=target)
        remaining = Claim.objects.filter(application=application).count()
        assert remaining == (0 if target in CLOSED_STATUSES else claims), target
