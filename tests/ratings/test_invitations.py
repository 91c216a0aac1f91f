"""Invitations open when a case of any of the four kinds closes through its own app's services (the signal
on its event model, after commit), never for a withdrawn case, and once per case."""

from datetime import date

import pytest

from pledges.models import Status as RegistrationStatus
from pledges.services.workflow import registration_transition
from portal.notifications.models import Notification
from ratings import services
from ratings.models import Invitation, InvitationStatus, SubjectKind
from riskcomp import claims as riskcomp_claims
from riskcomp import review as riskcomp_review
from subsidies import applications as subsidy_applications
from subsidies import review as subsidy_review
from tests.loans import applications_factory
from tests.pledges.factories_workflow import make_registration
from tests.riskcomp.factories import approved, fund, make_npl_loan
from tests.subsidies.factories import (
    make_batch,
    make_settled_loan,
    submitted_application,
)

make_registration = make_registration  # the pledges tests' fixture, bound here


def _invitation(kind, pk):
    return Invitation.objects.filter(subject_kind=kind, subject_id=pk).first()


# --- Pledge registrations ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("to", "details"),
    [
        (RegistrationStatus.REGISTERED, {"notice_number": "京专质登2026第0001号"}),
        (RegistrationStatus.REFUSED, {"refusal_reasons": ["expired"]}),
    ],
)
def test_a_registration_registered_or_refused_invites_the_enterprise(
    make_registration,
    commissioner,
    enterprise,
    enterprise_user,
    to,
    details,
    django_capture_on_commit_callbacks,
):
    case = make_registration(
        status=RegistrationStatus.UNDER_REVIEW, commissioner=commissioner, clock_started_on=date(2026, 1, 5)
    )
    with django_capture_on_commit_callbacks(execute=True):
        registration_transition(registration=case, to=to, actor=commissioner, details=details)
    invitation = _invitation(SubjectKind.REGISTRATION, case.pk)
    assert invitation is not None and invitation.status == InvitationStatus.INVITED
    assert invitation.rater_org == enterprise
    assert invitation.responsible_org == commissioner.organisation
    assert invitation.responsible_user == commissioner
    assert invitation.reference == case.reference and invitation.outcome == to
    assert Notification.objects.filter(kind="ratings.invited", recipient=enterprise_user).count() == 1


def test_a_withdrawn_registration_is_not_rated(
    make_registration, enterprise_user, django_capture_on_commit_callbacks
):
    case = make_registration(status=RegistrationStatus.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        registration_transition(registration=case, to=RegistrationStatus.WITHDRAWN, actor=enterprise_user)
    assert not Invitation.objects.exists()


# --- Loan applications ------------------------------------------------------------------------------------


@pytest.mark.parametrize("to", ["accepted", "declined"])
def test_a_loan_application_accepted_or_declined_invites_the_enterprise(
    make_request, walk, bank_a_branch, bank_a_officer, enterprise, to, django_capture_on_commit_callbacks
):
    loan_request = make_request()
    application = applications_factory.application_of(loan_request, bank_a_branch)
    with django_capture_on_commit_callbacks(execute=True):
        walk(application, to)
    invitation = _invitation(SubjectKind.LOAN_APPLICATION, application.pk)
    assert invitation.rater_org == enterprise
    assert invitation.responsible_org == bank_a_branch
    assert invitation.responsible_user == bank_a_officer
    assert invitation.reference == loan_request.reference


def test_a_withdrawn_loan_application_is_not_rated(
    make_request, walk, bank_a_branch, django_capture_on_commit_callbacks
):
    application = applications_factory.application_of(make_request(), bank_a_branch)
    with django_capture_on_commit_callbacks(execute=True):
        walk(application, "withdrawn")
    assert not Invitation.objects.exists()


# --- Subsidy applications ---------------------------------------------------------------------------------


def test_a_rejected_subsidy_application_invites_the_enterprise_and_answers_to_the_ip_bureau(
    reviewer,
    second_reviewer,
    enterprise,
    enterprise_user,
    bank_a_branch,
    bank_a_officer,
    ip_bureau,
    django_capture_on_commit_callbacks,
):
    batch = make_batch(reviewer)
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    application = submitted_application(batch, enterprise_user, loan)
    subsidy_review.review_start(application=application, actor=reviewer)
    subsidy_review.review_propose(
        application=application, actor=reviewer, outcome=subsidy_review.REJECT, reason="不符合申报条件"
    )
    with django_capture_on_commit_callbacks(execute=True):
        subsidy_review.review_decide(application=application, actor=second_reviewer, approve=True)
    invitation = _invitation(SubjectKind.SUBSIDY, application.pk)
    assert invitation.outcome == "rejected"
    assert invitation.rater_org == enterprise
    assert invitation.responsible_org == ip_bureau
    assert invitation.responsible_user == reviewer


def test_a_withdrawn_subsidy_application_is_not_rated(
    reviewer, enterprise, enterprise_user, bank_a_branch, bank_a_officer, django_capture_on_commit_callbacks
):
    batch = make_batch(reviewer)
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    application = submitted_application(batch, enterprise_user, loan)
    with django_capture_on_commit_callbacks(execute=True):
        subsidy_applications.application_withdraw(
            application=application, actor=enterprise_user, reason="撤回"
        )
    assert not Invitation.objects.exists()


# --- Risk compensation claims -----------------------------------------------------------------------------


def test_a_paid_compensation_claim_invites_the_claimant_bank_not_the_enterprise(
    bank_a_branch,
    bank_a_officer,
    enterprise,
    reviewer,
    second_reviewer,
    finance_officer,
    ip_bureau,
    django_capture_on_commit_callbacks,
):
    fund()
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[("bank", bank_a_branch, bank_a_branch.name, "1", "0")],
    )
    claim = approved(loan, bank_a_officer, reviewer, second_reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        riskcomp_review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=date.today())
    invitation = _invitation(SubjectKind.COMPENSATION, claim.pk)
    assert invitation.rater_org == bank_a_branch
    assert invitation.responsible_org == ip_bureau
    assert Notification.objects.filter(kind="ratings.invited", recipient=bank_a_officer).exists()


def test_a_withdrawn_compensation_claim_is_not_rated(
    bank_a_branch, bank_a_officer, enterprise, django_capture_on_commit_callbacks
):
    fund()
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[("bank", bank_a_branch, bank_a_branch.name, "1", "0")],
    )
    claim = riskcomp_claims.claim_open(loan=loan, actor=bank_a_officer)
    with django_capture_on_commit_callbacks(execute=True):
        riskcomp_claims.claim_withdraw(claim=claim, actor=bank_a_officer, reason="撤回")
    assert not Invitation.objects.exists()


def test_an_invitation_is_opened_once_per_case(registered, enterprise_user):
    first = services.invitation_open(kind=SubjectKind.REGISTRATION, subject_id=registered.pk)
    again = services.invitation_open(kind=SubjectKind.REGISTRATION, subject_id=registered.pk)
    assert first.pk == again.pk
    assert Invitation.objects.count() == 1
