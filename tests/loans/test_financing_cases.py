"""Financing cases (issue 11): one number follows an enterprise's financing from the first coaching
question through the loan, the pledge registration, the subsidy, compensation and disposal.

The rules (loans/services/cases.py): the time before a loan request is one case; the first loan request
joins it (or opens one), every later request opens its own; an accepted offer's loan is in its request's
case; a loan a bank reports without an application opens its own case (or joins a coaching-only one)."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loans.models import ApplicationStatus as S
from loans.models import CaseOrigin, FinancingCase, Loan
from loans.selectors import case_scope
from loans.services.facts import loan_create
from loans.services.imports import loan_import_create
from portal.audit.models import AuditEvent
from portal.case_file import case_visibility
from portal.search import search
from riskcomp import claims
from tests.disposal.factories import npl_loan_with_assets, open_case
from tests.loans import applications_factory as factory
from tests.loans.applications_factory import application_of
from tests.loans.coaching_factory import make_coaching
from tests.loans.imports_factory import csv_bytes, loan_life, upload_file
from tests.riskcomp.factories import fund
from tests.subsidies.factories import make_batch, make_settled_loan, submitted_application

_application_settings = factory._application_settings
bank_b_manager = factory.bank_b_manager
make_asset = factory.make_asset
make_request = factory.make_request
patent = factory.patent
product_a = factory.product_a
product_b = factory.product_b
staff_of = factory.staff_of
threshold = factory.threshold
walk = factory.walk

pytestmark = pytest.mark.django_db
CASE_NUMBER = re.compile(r"^RZ-\d{4}-\d{7}$")


def _report_loan(bank_officer, enterprise, ref="BANK-REF-1") -> Loan:
    return loan_create(
        bank=bank_officer.organisation,
        enterprise=enterprise,
        bank_loan_ref=ref,
        contract_number=f"HT-{ref}",
        contract_signed_on=timezone.localdate(),
        principal=Decimal("1000000.00"),
        annual_rate_pct=Decimal("3.45"),
        term_months=12,
        actor=bank_officer,
    )


# --- Which case a new row belongs to ------------------------------------------------------------------


def test_coaching_opens_a_case_and_the_first_loan_request_joins_it(enterprise_user, make_request):
    first = make_coaching(asker=enterprise_user)
    second = make_coaching(asker=enterprise_user, message="质押登记要准备哪些材料？")
    loan_request = make_request()

    case = first.case
    assert CASE_NUMBER.match(case.reference)
    assert case.reference.startswith(f"RZ-{timezone.localdate().year}-")
    assert (case.origin, case.enterprise, case.opened_by) == (
        CaseOrigin.COACHING,
        enterprise_user.organisation,
        enterprise_user,
    )
    assert second.case == case
    assert loan_request.case == case
    assert AuditEvent.objects.filter(action="loans.case.open", object_id=str(case.pk)).count() == 1


def test_a_later_request_or_coaching_opens_a_new_case(enterprise_user, make_request):
    first = make_request()
    second = make_request()
    coaching = make_coaching(asker=enterprise_user)
    third = make_request()

    assert first.case.origin == CaseOrigin.REQUEST
    assert len({first.case_id, second.case_id, coaching.case_id}) == 3
    assert third.case == coaching.case  # the coaching opened the case the next request joined
    numbers = [first.case.reference, second.case.reference, coaching.case.reference]
    assert numbers == sorted(numbers)


def test_cases_of_two_enterprises_never_mix(enterprise_user, outsider):
    assert make_coaching(asker=enterprise_user).case != make_coaching(asker=outsider).case


def test_the_accepted_offers_loan_is_in_its_requests_case(make_request, bank_a_branch, walk):
    loan_request = make_request()
    walk(application_of(loan_request, bank_a_branch), S.ACCEPTED)

    loan = Loan.objects.get(application__request=loan_request)
    assert loan.case == loan_request.case
    # The pledge registration started from the loan is the case's too.
    assert {registration.pk for registration in loan.registrations.all()}
    assert FinancingCase.objects.count() == 1


def test_a_loan_the_bank_reports_opens_its_own_case(bank_a_officer, enterprise):
    loan = _report_loan(bank_a_officer, enterprise)
    other = _report_loan(bank_a_officer, enterprise, ref="BANK-REF-2")

    assert loan.case.origin == CaseOrigin.BANK_REPORT
    assert loan.case.enterprise == enterprise
    assert loan.case.opened_by == bank_a_officer
    assert other.case != loan.case


def test_a_loan_the_bank_reports_joins_a_case_that_holds_coaching_only(
    bank_a_officer, enterprise, enterprise_user
):
    coaching = make_coaching(asker=enterprise_user)
    loan = _report_loan(bank_a_officer, enterprise)
    assert loan.case == coaching.case


def test_a_refused_report_leaves_no_case_behind(bank_a_officer, enterprise):
    _report_loan(bank_a_officer, enterprise)
    before = FinancingCase.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - the duplicate's own error class is tested elsewhere
        _report_loan(bank_a_officer, enterprise)
    assert FinancingCase.objects.count() == before


def test_an_import_opens_a_case_per_new_loan_and_none_for_known_ones(
    bank_a_officer, make_enterprise, django_capture_on_commit_callbacks
):
    borrower = make_enterprise("北京芯算科技有限公司")
    rows = loan_life("A-1", borrower.uscc) + loan_life("A-2", borrower.uscc, start=10)
    with django_capture_on_commit_callbacks(execute=True):
        loan_import_create(
            bank=bank_a_officer.organisation, uploaded_file=upload_file(csv_bytes(rows)), actor=bank_a_officer
        )
    loans = list(Loan.objects.filter(bank_loan_ref__in=["A-1", "A-2"]).select_related("case"))
    assert len(loans) == 2
    assert len({loan.case_id for loan in loans}) == 2
    for loan in loans:
        assert CASE_NUMBER.match(loan.case.reference)
        assert (loan.case.origin, loan.case.enterprise_id, loan.case.opened_by) == (
            CaseOrigin.BANK_REPORT,
            borrower.pk,
            bank_a_officer,
        )
    cases = FinancingCase.objects.count()

    with django_capture_on_commit_callbacks(execute=True):  # the same loans again: facts only
        loan_import_create(
            bank=bank_a_officer.organisation,
            uploaded_file=upload_file(csv_bytes(loan_life("A-1", borrower.uscc, start=20)[1:])),
            actor=bank_a_officer,
        )
    assert FinancingCase.objects.count() == cases


# --- The case page ------------------------------------------------------------------------------------


@pytest.fixture
def whole_case(enterprise_user, make_request, bank_a_branch, bank_a_officer, reviewer, walk):
    """Coaching, a request to banks A and B, A's offer accepted (the loan and its registration), a settled
    loan of the case in a subsidy application, and, for the end of the story, a non-performing loan of
    the same case with a claim and a disposal."""
    fund()
    coaching = make_coaching(asker=enterprise_user)
    loan_request = make_request()
    walk(application_of(loan_request, bank_a_branch), S.ACCEPTED)
    settled = make_settled_loan(
        bank=bank_a_branch, enterprise=enterprise_user.organisation, actor=bank_a_officer, case=coaching.case
    )
    submitted_application(make_batch(reviewer), enterprise_user, settled)
    npl = npl_loan_with_assets(
        bank=bank_a_branch, enterprise=enterprise_user.organisation, actor=bank_a_officer, case=coaching.case
    )
    claims.claim_open(loan=npl, actor=bank_a_officer)
    open_case(npl, bank_a_officer)
    return coaching.case


def _page(client, user, case):
    client.force_login(user)
    return client.get(reverse("loans:case_detail", args=[case.pk]), HTTP_ACCEPT_LANGUAGE="en")


def _stages(response) -> set[str]:
    return set(re.findall(r'data-testid="case-stage-(\w+)"', response.content.decode()))


def test_the_enterprise_sees_its_whole_case_from_coaching_to_disposal(client, enterprise_user, whole_case):
    response = _page(client, enterprise_user, whole_case)
    assert response.status_code == 200
    body = response.content.decode()
    assert whole_case.reference in body
    assert _stages(response) == {"coaching", "application", "loan", "registration", "subsidy"}
    # Claims and disposals are the bank's and the government's business: the enterprise does not see them.
    assert 'data-testid="case-stage-compensation"' not in body


def test_the_lending_bank_sees_its_part_and_the_claim_and_the_disposal(client, bank_a_officer, whole_case):
    response = _page(client, bank_a_officer, whole_case)
    assert response.status_code == 200
    # The subsidy application is between the enterprise and the IP office: the bank sees its loans only.
    assert _stages(response) == {"application", "loan", "registration", "compensation", "disposal"}
    assert 'data-testid="case-stage-disposal"' in response.content.decode()


def test_the_other_bank_sees_only_its_own_application(client, bank_b_officer, bank_b, whole_case):
    response = _page(client, bank_b_officer, whole_case)
    assert response.status_code == 200
    assert _stages(response) == {"application"}
    body = response.content.decode()
    assert body.count('data-testid="case-item"') == 1
    assert bank_b.name in body


def test_the_current_stage_is_the_furthest_reached(client, promotion_officer, whole_case):
    response = _page(client, promotion_officer, whole_case)
    assert _stages(response) == {
        "coaching",
        "application",
        "loan",
        "registration",
        "subsidy",
        "compensation",
        "disposal",
    }
    assert re.search(r'data-testid="case-stage">[^<]*Disposal', response.content.decode())


def test_an_outsider_gets_404_and_the_denial_is_audited(client, outsider, whole_case):
    response = _page(client, outsider, whole_case)
    assert response.status_code == 404
    assert AuditEvent.objects.filter(action="authz.denied", object_id=str(whole_case.pk)).exists()


def test_the_case_number_is_on_each_part_and_search_finds_the_case(
    client, enterprise_user, outsider, whole_case
):
    loan = whole_case.loans.exclude(application=None).get()
    client.force_login(enterprise_user)
    for url in (
        reverse("loans:loan_detail", args=[loan.pk]),
        reverse("loans:request_detail", args=[loan.application.request_id]),
        reverse("loans:coaching_detail", args=[whole_case.coaching_requests.get().pk]),
        reverse("pledges:registration_detail", args=[loan.registrations.get().pk]),
    ):
        body = client.get(url).content.decode()
        assert reverse("loans:case_detail", args=[whole_case.pk]) in body, url

    _query, groups = search(enterprise_user, whole_case.reference)
    found = {group.key: group for group in groups}
    assert [hit.title for hit in found["financing_cases"].hits] == [whole_case.reference]
    _query, groups = search(outsider, whole_case.reference)
    assert "financing_cases" not in {group.key for group in groups}


def test_the_enterprise_home_lists_its_cases_and_the_list_page_is_scoped(
    client, enterprise_user, outsider, whole_case
):
    client.force_login(enterprise_user)
    home = client.get(reverse("home")).content.decode()
    assert 'data-testid="work-financing-cases"' in home
    assert whole_case.reference in home
    listing = client.get(reverse("loans:case_list")).content.decode()
    assert whole_case.reference in listing

    client.force_login(outsider)
    listing = client.get(reverse("loans:case_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert whole_case.reference not in listing
    assert 'data-testid="case-list-empty"' in listing


def test_the_case_page_costs_the_same_queries_however_many_parts(
    client, promotion_officer, whole_case, django_assert_max_num_queries
):
    client.force_login(promotion_officer)
    with django_assert_max_num_queries(30):
        assert client.get(reverse("loans:case_detail", args=[whole_case.pk])).status_code == 200


def test_the_enterprise_users_shortcut_gives_the_apps_answer(
    enterprise_user, bank_a_officer, outsider, whole_case
):
    """``case_scope`` answers an enterprise's own users without asking every app; it must say the same as
    the apps would (a coaching-only case and a bank-reported one included)."""
    coaching = make_coaching(asker=enterprise_user)  # the first case holds a request: this opens a second
    assert _report_loan(bank_a_officer, enterprise_user.organisation, ref="BANK-REF-9").case == coaching.case
    _report_loan(bank_a_officer, enterprise_user.organisation, ref="BANK-REF-10")  # and a third
    make_coaching(asker=outsider)
    for user in (enterprise_user, outsider):
        asked = set(FinancingCase.objects.filter(case_visibility(user)).values_list("pk", flat=True))
        assert set(case_scope(user=user).values_list("pk", flat=True)) == asked
    assert len(asked) == 1
    assert len(set(case_scope(user=enterprise_user))) == 3
