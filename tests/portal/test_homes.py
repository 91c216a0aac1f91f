"""Every role's home shows its work first (counted, with the nearest dates, each linking to where it is
done), and the enterprise's home shows one timeline of its financing with what happens next."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loans.models import ApplicationStatus
from pledges.models import PledgeRegistration, Status
from portal.timeline import LIMIT
from portal.work import collect_work, page_reads
from tests.disposal import factories as disposal_factories
from tests.loans import applications_factory
from tests.loans.applications_factory import application_of
from tests.loans.coaching_factory import make_coaching
from tests.pledges import factories_filing
from tests.riskcomp import factories as riskcomp_factories
from tests.subsidies import factories as subsidy_factories
from tests.whitelist import conftest as whitelist_fixtures
from tests.whitelist.test_feedback import publish

pytestmark = pytest.mark.django_db

# Fixtures of other test packages, used here by name.
_application_settings = applications_factory._application_settings
bank_b_manager = applications_factory.bank_b_manager
make_asset = applications_factory.make_asset
make_request = applications_factory.make_request
patent = applications_factory.patent
product_a = applications_factory.product_a
product_b = applications_factory.product_b
staff_of = applications_factory.staff_of
threshold = applications_factory.threshold
walk = applications_factory.walk
run = whitelist_fixtures.run

make_patent = factories_filing.make_patent
make_draft = factories_filing.make_draft
pledge_walk = factories_filing.walk


def _home(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def _item(user, testid):
    return next(item for item in collect_work(user) if item.testid == testid)


def _no_item(user, testid) -> bool:
    return all(item.testid != testid for item in collect_work(user))


# --- The registration office -------------------------------------------------------------------------


@pytest.fixture
def registrations(make_draft, pledge_walk, make_patent, enterprise):
    """Two cases in the commissioner's queue walked through the real moves: one accepted (its due date
    counted on the working-day calendar), one in pre-check (no due date yet)."""
    accepted = pledge_walk(make_draft(), Status.ACCEPTED)
    prechecked = pledge_walk(make_draft(assets=[make_patent(enterprise)]), Status.PRECHECK)
    return accepted, prechecked


def test_commissioner_home_counts_registrations_due_and_overdue(client, registrations, commissioner):
    accepted, _prechecked = registrations
    item = _item(commissioner, "work-registrations-due")
    assert (item.count, item.overdue) == (2, 0)
    assert item.due == accepted.due_date
    assert item.nearest[0].url == reverse("pledges:registration_detail", args=[accepted.pk])
    # The calendar moves on past the due date: the same case is now overdue.
    PledgeRegistration.objects.filter(pk=accepted.pk).update(
        due_date=timezone.localdate() - timedelta(days=1)
    )
    assert _item(commissioner, "work-registrations-due").overdue == 1
    page = _home(client, commissioner)
    assert 'data-testid="work-registrations-due-count">2<' in page
    assert 'data-testid="work-registrations-due-overdue"' in page
    assert reverse("pledges:workbench") in page
    assert accepted.reference in page


def test_another_commissioners_cases_are_not_counted(registrations, make_user, registration_office):
    from portal.accounts.models import Role

    other = make_user("commissioner_other", registration_office, Role.COMMISSIONER)
    assert _item(other, "work-registrations-due").count == 0


# --- The bank ---------------------------------------------------------------------------------------


def test_bank_officer_home_counts_review_queue_and_loans_awaiting_facts(
    client, make_request, walk, bank_a_branch, bank_b, bank_a_officer, bank_b_officer
):
    first, second = make_request(), make_request()
    walk(application_of(second, bank_a_branch), ApplicationStatus.ACCEPTED)  # a loan now awaits its contract
    walk(application_of(first, bank_b), ApplicationStatus.INFO_REQUESTED)  # waits for the enterprise
    assert _item(bank_a_officer, "work-application-queue").count == 1
    assert _item(bank_a_officer, "work-loan-facts").count == 1
    assert _item(bank_b_officer, "work-application-queue").count == 0  # second's was withdrawn on acceptance
    page = _home(client, bank_a_officer)
    assert 'data-testid="work-application-queue-count">1<' in page
    assert reverse("loans:application_detail", args=[application_of(first, bank_a_branch).pk]) in page
    assert first.reference in page


def test_bank_officer_sees_pledge_filings_to_confirm(
    make_draft, enterprise_user, bank_a_officer, bank_b_officer
):
    from pledges.services.filing import registration_submit

    registration_submit(registration=make_draft(), actor=enterprise_user)
    assert _item(bank_a_officer, "work-filings-to-confirm").count == 1
    assert _item(bank_b_officer, "work-filings-to-confirm").count == 0


def test_bank_officer_sees_whitelist_feedback_due(
    client, run, reviewer, promotion_officer, bank_a, bank_a_officer, bank_b
):
    batch = publish(run, reviewer, promotion_officer)
    item = _item(bank_a_officer, "work-whitelist-feedback")
    assert item.count == batch.entries.filter(published=True).count() == 2
    assert item.due == batch.feedback_due_on
    assert 'data-testid="work-whitelist-feedback-count">2<' in _home(client, bank_a_officer)


# --- The reviewers: four eyes -----------------------------------------------------------------------


def test_reviewers_see_the_subsidy_applications_they_may_act_on(
    client, reviewer, second_reviewer, enterprise_user, bank_a_branch, enterprise, bank_a_officer
):
    batch = subsidy_factories.make_batch(reviewer)
    loan = subsidy_factories.make_settled_loan(
        bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer
    )
    subsidy_factories.proposed_application(batch, enterprise_user, loan, reviewer)
    # The proposer may not decide on their own proposal; the second reviewer may.
    assert _item(reviewer, "work-subsidy-review").count == 0
    assert _item(second_reviewer, "work-subsidy-review").count == 1
    page = _home(client, second_reviewer)
    assert 'data-testid="work-subsidy-review-count">1<' in page


def test_reviewers_see_the_compensation_claims_they_may_act_on(
    client, reviewer, second_reviewer, bank_a_branch, enterprise, bank_a_officer
):
    riskcomp_factories.fund()
    loan = riskcomp_factories.make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[("bank", bank_a_branch, bank_a_branch.name, "1.00", "0")],
    )
    claim = riskcomp_factories.submitted(loan, bank_a_officer)
    assert _item(reviewer, "work-riskcomp-review").count == 1  # submitted: either may start
    riskcomp_factories.review.review_start(claim=claim, actor=reviewer)
    assert _item(reviewer, "work-riskcomp-review").count == 1  # the first reviewer works it
    assert _item(second_reviewer, "work-riskcomp-review").count == 0  # not theirs to check
    assert 'data-testid="work-riskcomp-review-count">1<' in _home(client, reviewer)


# --- The promotion centre, the joint-meeting office -------------------------------------------------


def test_promotion_officer_sees_coaching_requests_to_assign(
    client, enterprise_user, outsider, promotion_officer
):
    make_coaching(asker=enterprise_user)
    make_coaching(asker=outsider)
    item = _item(promotion_officer, "work-coaching-to-assign")
    assert item.count == 2
    assert item.nearest[0].url.startswith("/")
    assert 'data-testid="work-coaching-to-assign-count">2<' in _home(client, promotion_officer)


def test_joint_office_home_links_its_dashboard_and_counts_late_registrations(
    client, joint_office_viewer, registrations
):
    accepted, _prechecked = registrations
    assert _item(joint_office_viewer, "work-registrations-late").count == 0
    PledgeRegistration.objects.filter(pk=accepted.pk).update(
        due_date=timezone.localdate() - timedelta(days=3)
    )
    assert _item(joint_office_viewer, "work-registrations-late").count == 1
    page = _home(client, joint_office_viewer)
    assert 'data-testid="work-stats-dashboard"' in page
    assert reverse("stats:overview") in page
    assert 'data-testid="work-registrations-late-count">1<' in page
    assert _no_item(joint_office_viewer, "work-application-queue")


def test_a_role_without_queues_is_told_so(client, park_admin):
    assert 'data-testid="home-work-empty"' in _home(client, park_admin)


# --- The enterprise: one timeline of its own financing ----------------------------------------------


def test_enterprise_without_history_is_told_where_to_start(client, enterprise_user):
    page = _home(client, enterprise_user)
    assert 'data-testid="home-timeline-empty"' in page
    assert reverse("loans:eligibility_check") in page
    assert reverse("loans:product_catalogue") in page


def test_enterprise_timeline_shows_its_own_financing_and_who_handles_it(
    client,
    make_request,
    walk,
    make_asset,
    enterprise_user,
    outsider,
    other_enterprise,
    bank_a_branch,
    bank_a_officer,
    product_a,
    registrations,
):
    own = make_request()
    walk(application_of(own, bank_a_branch), ApplicationStatus.INFO_REQUESTED)
    make_coaching(asker=enterprise_user)
    foreign = make_request(
        enterprise=other_enterprise,
        actor=outsider,
        assets=[make_asset(other_enterprise)],
        products=[product_a],
    )
    page = _home(client, enterprise_user)
    assert own.reference in page
    assert foreign.reference not in page
    assert 'data-testid="home-timeline-entry" data-source="loans"' in page
    assert 'data-testid="home-timeline-entry" data-source="pledges"' in page
    # What happens next, and who: the bank's officer asks; the commissioner holds the registration.
    assert 'data-testid="home-next-loans"' in page
    assert f"{bank_a_branch.name} · {bank_a_officer.full_name}" in page  # the officer reviewing it
    accepted, _prechecked = registrations
    assert accepted.due_date.isoformat() in page
    assert "陈专员" in page  # the service commissioner
    assert 'data-testid="home-timeline-empty"' not in page
    # The other enterprise sees none of it.
    other_page = _home(client, outsider)
    assert own.reference not in other_page and accepted.reference not in other_page
    assert foreign.reference in other_page


def test_enterprise_timeline_shows_its_subsidy_and_the_disposal_of_its_pledged_ip(
    client, reviewer, enterprise_user, enterprise, outsider, bank_a_branch, bank_a_officer
):
    batch = subsidy_factories.make_batch(reviewer)
    loan = subsidy_factories.make_settled_loan(
        bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer
    )
    application = subsidy_factories.submitted_application(batch, enterprise_user, loan)
    npl = disposal_factories.npl_loan_with_assets(
        bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer
    )
    case = disposal_factories.auctioning(npl, bank_a_officer)
    page = _home(client, enterprise_user)
    assert 'data-source="subsidies"' in page and application.reference in page
    assert 'data-source="disposal"' in page and case.reference in page
    assert 'data-testid="home-next-disposal"' in page  # the bank is disposing of the pledged IP
    assert reverse("disposal:listing-detail", args=[case.pk]) in page
    other_page = _home(client, outsider)
    assert application.reference not in other_page and case.reference not in other_page


# --- Bounded queries --------------------------------------------------------------------------------


def _queries(client, user) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(reverse("home")).status_code == 200
    return len(captured)


def _more_work(make_request, walk, bank, enterprise_user, times: int) -> None:
    for _ in range(times):
        walk(application_of(make_request(), bank), ApplicationStatus.INFO_REQUESTED)
        make_request()
        make_coaching(asker=enterprise_user)


def test_home_query_count_does_not_grow_with_the_work(
    client, make_request, walk, bank_a_branch, bank_a_officer, enterprise_user
):
    # Short lists cost fewer queries: a queue shorter than the cases a work item lists needs no count
    # (portal.work.first_and_count), fewer open applications than the home page reads at once need no
    # query of the work item's own (four a round: LIMIT + 1 after four rounds), fewer than five unread
    # notifications no count for the header. The bound holds from there on.
    _more_work(make_request, walk, bank_a_branch, enterprise_user, 5)
    bank_before, enterprise_before = _queries(client, bank_a_officer), _queries(client, enterprise_user)
    _more_work(make_request, walk, bank_a_branch, enterprise_user, 4)
    assert _queries(client, bank_a_officer) == bank_before
    assert _queries(client, enterprise_user) == enterprise_before
    # Measured: 15 for the bank officer, 23 for the enterprise (sessions, menus, notifications included).
    assert bank_before <= 18 and enterprise_before <= 27


def test_short_queues_are_counted_from_their_rows(client, make_request, walk, bank_a_branch, enterprise_user):
    """Fewer open cases than the list shows: the count is the rows read, and the page says the same as
    with a count query."""
    walk(application_of(make_request(), bank_a_branch), ApplicationStatus.INFO_REQUESTED)
    assert _item(enterprise_user, "work-loan-answers").count == 1
    client.force_login(enterprise_user)
    page = client.get(reverse("home")).content.decode()
    assert 'data-testid="work-loan-answers-count">1<' in page


def test_more_open_applications_than_the_page_reads_are_counted_by_the_database(
    client, make_request, walk, bank_a_branch, enterprise_user
):
    """The work item and the next steps share one read of the enterprise's open applications (at most
    LIMIT + 1, ``portal.work.read_once``); past that the work item asks the database, so the two answers
    waiting in the oldest applications still count."""
    for _ in range(2):
        walk(application_of(make_request(), bank_a_branch), ApplicationStatus.INFO_REQUESTED)
    for _ in range(LIMIT):
        application_of(make_request(), bank_a_branch)
    with page_reads():
        item = _item(enterprise_user, "work-loan-answers")
    assert item.count == 2 and len(item.nearest) == 2
    assert item.count == _item(enterprise_user, "work-loan-answers").count
    page = _home(client, enterprise_user)
    assert 'data-testid="work-loan-answers-count">2<' in page
    assert page.count('data-testid="home-next-loans"') == LIMIT
