"""The application pages: applying, the side-by-side request page, the bank's review queue and the
application page with its steps, documents. Happy paths, scoping (404), wrong role (403), bad input (400)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from loans.models import ApplicationDocument, ApplicationStatus, Loan, LoanApplication, LoanRequest
from pledges.models import LegalStatus
from portal.audit.models import AuditEvent
from tests.loans import applications_factory as factory
from tests.loans.applications_factory import ABOVE, HTML, application_of, upload

_application_settings = factory._application_settings
bank_a_branch_manager = factory.bank_a_branch_manager
bank_a_other_branch = factory.bank_a_other_branch
bank_b_manager = factory.bank_b_manager
make_asset = factory.make_asset
make_request = factory.make_request
other_branch_officer = factory.other_branch_officer
patent = factory.patent
product_a = factory.product_a
product_b = factory.product_b
staff_of = factory.staff_of
threshold = factory.threshold
walk = factory.walk

pytestmark = pytest.mark.django_db
S = ApplicationStatus
EN = {"accept-language": "en"}


def _apply_data(products, assets, **overrides) -> dict:
    data = {
        "products": [product.pk for product in products],
        "assets": [asset.pk for asset in assets],
        "amount": "2000000.00",
        "term_months": "12",
        "purpose": "研发投入",
    }
    data.update(overrides)
    return data


def _url(name: str, application) -> str:
    return reverse(f"loans:{name}", args=[application.pk])


@pytest.fixture
def two_banks(make_request, bank_a_branch, bank_b):
    """A request to bank A's branch and bank B: (request, bank A's application, bank B's application)."""
    loan_request = make_request()
    return loan_request, application_of(loan_request, bank_a_branch), application_of(loan_request, bank_b)


# ---------------------------------------------------------------------------------------------------
# Applying


def test_compare_page_links_to_the_apply_page_with_its_products(client, product_a, product_b):
    response = client.get(reverse("loans:product_compare"), {"ids": [product_a.pk, product_b.pk]}, headers=EN)
    assert response.status_code == 200
    link = f"{reverse('loans:application_apply')}?products={product_a.pk},{product_b.pk}"
    assert link in response.content.decode()
    assert "Apply to selected products" in response.content.decode()


def test_apply_page_preselects_the_products_from_the_query(
    client, enterprise_user, product_a, product_b, patent
):
    client.force_login(enterprise_user)
    response = client.get(reverse("loans:application_apply"), {"products": f"{product_a.pk},{product_b.pk}"})
    assert response.status_code == 200
    assert response.context["form"]["products"].value() == [product_a.pk, product_b.pk]
    content = response.content.decode()
    assert patent.number in content and f'value="{product_a.pk}"' in content


def test_enterprise_applies_to_two_banks_through_the_form(
    client, enterprise_user, product_a, product_b, patent, threshold
):
    client.force_login(enterprise_user)
    data = _apply_data([product_a, product_b], [patent], documents=[upload("报表.pdf")])
    response = client.post(reverse("loans:application_apply"), data)
    loan_request = LoanRequest.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("loans:request_detail", args=[loan_request.pk])
    assert loan_request.applications.count() == 2
    assert loan_request.documents.get().title == "报表.pdf"


def test_apply_with_bad_input_rerenders_with_400_and_saves_nothing(
    client, enterprise_user, patent, product_a
):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("loans:application_apply"), _apply_data([], [patent], amount="abc", term_months="0")
    )
    assert response.status_code == 400
    assert {"products", "amount", "term_months"} <= set(response.context["form"].errors)
    assert not LoanRequest.objects.exists()


def test_apply_refusal_from_the_service_shows_on_the_field(
    client, enterprise_user, patent, product_a, bank_b_officer, bank_b_manager, threshold
):
    from loans.models import ProductStatus
    from tests.loans.products_factory import make_product

    small = make_product(
        author=bank_b_officer,
        manager=bank_b_manager,
        status=ProductStatus.PUBLISHED,
        name="小额贷",
        amount_max=Decimal("1000000.00"),
    )
    client.force_login(enterprise_user)
    response = client.post(
        reverse("loans:application_apply"), _apply_data([product_a, small], [patent]), headers=EN
    )
    assert response.status_code == 400
    assert "小额贷" in response.context["form"].errors["amount"][0]
    assert not LoanRequest.objects.exists()


def test_apply_with_a_disguised_file_is_a_400(client, enterprise_user, patent, product_a, threshold):
    client.force_login(enterprise_user)
    data = _apply_data([product_a], [patent], documents=[upload("报表.pdf", HTML)])
    response = client.post(reverse("loans:application_apply"), data)
    assert response.status_code == 400
    assert "documents" in response.context["form"].errors
    assert not LoanRequest.objects.exists() and not ApplicationDocument.objects.exists()


def test_apply_refuses_another_enterprises_asset(
    client, enterprise_user, product_a, other_enterprise, make_asset, threshold
):
    foreign = make_asset(other_enterprise)
    client.force_login(enterprise_user)
    response = client.post(reverse("loans:application_apply"), _apply_data([product_a], [foreign]))
    assert response.status_code == 400
    assert "assets" in response.context["form"].errors
    assert not LoanRequest.objects.exists()


def test_apply_ignores_fields_the_enterprise_may_not_set(
    client, enterprise_user, product_a, patent, bank_b, bank_a_manager, threshold
):
    client.force_login(enterprise_user)
    data = _apply_data(
        [product_a],
        [patent],
        status="approved",
        bank=bank_b.pk,
        offer_amount="99999999",
        approved_by=bank_a_manager.pk,
        officer=bank_a_manager.pk,
    )
    assert client.post(reverse("loans:application_apply"), data).status_code == 302
    application = LoanApplication.objects.get()
    assert (application.status, application.bank, application.offer_amount) == (
        S.SUBMITTED,
        product_a.bank,
        None,
    )
    assert (application.approved_by, application.officer) == (None, None)


def test_only_enterprise_users_open_the_apply_page(client, bank_a_officer, reviewer, promotion_officer):
    for user in (bank_a_officer, reviewer, promotion_officer):
        client.force_login(user)
        assert client.get(reverse("loans:application_apply")).status_code == 403
    client.logout()
    response = client.get(reverse("loans:application_apply"))
    assert response.status_code == 302 and "login" in response.url


# ---------------------------------------------------------------------------------------------------
# The enterprise's pages


def test_request_page_shows_every_banks_answer_side_by_side(
    client, two_banks, walk, enterprise_user, bank_b_officer
):
    from loans.services.applications import application_decline

    loan_request, app_a, app_b = two_banks
    walk(app_a, S.APPROVED)
    walk(app_b, S.UNDER_REVIEW)
    application_decline(
        application=app_b, reason_code="credit_record", note="征信记录不良", actor=bank_b_officer
    )
    client.force_login(enterprise_user)
    response = client.get(reverse("loans:request_detail", args=[loan_request.pk]), headers=EN)
    content = response.content.decode()
    assert response.status_code == 200
    assert "中关村银行海淀支行" in content and "北京银行" in content
    assert "2,000,000.00" in content and "3.85" in content  # bank A's offer
    assert "Credit record" in content and "征信记录不良" in content  # bank B's reason
    assert f'data-testid="accept-{app_a.pk}"' in content
    assert f'data-testid="accept-{app_b.pk}"' not in content


def test_request_page_is_the_enterprises_and_the_promotion_centres(
    client, two_banks, outsider, bank_a_officer, reviewer, promotion_officer
):
    loan_request, _app_a, _app_b = two_banks
    url = reverse("loans:request_detail", args=[loan_request.pk])
    for user in (outsider, bank_a_officer, reviewer):
        client.force_login(user)
        assert client.get(url).status_code == 404
    client.force_login(promotion_officer)
    response = client.get(url)
    assert response.status_code == 200
    assert 'data-testid="accept-' not in response.content.decode()


def test_my_loan_requests_lists_only_our_own(client, two_banks, enterprise_user, outsider, bank_a_officer):
    loan_request, _app_a, _app_b = two_banks
    client.force_login(enterprise_user)
    response = client.get(reverse("loans:request_list"))
    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [loan_request]
    client.force_login(outsider)
    assert list(client.get(reverse("loans:request_list")).context["page"].object_list) == []
    client.force_login(bank_a_officer)
    assert client.get(reverse("loans:request_list")).status_code == 403


# ---------------------------------------------------------------------------------------------------
# The review queue


def _queue(client, user, **params):
    client.force_login(user)
    return client.get(reverse("loans:application_queue"), params)


def test_the_queue_is_scoped_to_the_bank_and_branch(
    client, two_banks, bank_a_officer, bank_a_manager, bank_b_officer, other_branch_officer, promotion_officer
):
    _loan_request, app_a, app_b = two_banks
    assert list(_queue(client, bank_a_officer).context["page"].object_list) == [app_a]
    assert list(_queue(client, bank_a_manager).context["page"].object_list) == [app_a]  # head office
    assert list(_queue(client, bank_b_officer).context["page"].object_list) == [app_b]
    assert list(_queue(client, other_branch_officer).context["page"].object_list) == []
    assert set(_queue(client, promotion_officer).context["page"].object_list) == {app_a, app_b}
    # A search or filter never widens the scope.
    assert list(_queue(client, bank_b_officer, search="北京智芯").context["page"].object_list) == [app_b]


def test_queue_filters_and_the_second_approval_counter(
    client, two_banks, walk, bank_a_officer, bank_a_manager, bank_b_officer
):
    loan_request, app_a, app_b = two_banks
    walk(app_a, S.AWAITING_SECOND_APPROVAL)
    response = _queue(client, bank_a_manager)
    assert response.context["awaiting_second"] == 1
    assert list(
        _queue(client, bank_a_manager, status=S.AWAITING_SECOND_APPROVAL).context["page"].object_list
    ) == [app_a]
    assert list(_queue(client, bank_a_officer, assigned="mine").context["page"].object_list) == [app_a]
    assert list(_queue(client, bank_a_manager, assigned="mine").context["page"].object_list) == []
    assert list(_queue(client, bank_b_officer, assigned="unassigned").context["page"].object_list) == [app_b]
    assert list(
        _queue(client, bank_b_officer, search=loan_request.reference).context["page"].object_list
    ) == [app_b]
    assert _queue(client, bank_b_officer).context["awaiting_second"] == 0
    assert _queue(client, bank_a_manager, status="paid").status_code == 400


def test_only_bank_staff_and_the_promotion_centre_open_the_queue(
    client, enterprise_user, reviewer, guarantor_officer
):
    for user in (enterprise_user, reviewer, guarantor_officer):
        assert _queue(client, user).status_code == 403


# ---------------------------------------------------------------------------------------------------
# One application: who sees it


def test_bank_b_cannot_see_bank_a_application(client, two_banks, bank_b_officer):
    _loan_request, app_a, _app_b = two_banks
    client.force_login(bank_b_officer)
    assert client.get(_url("application_detail", app_a)).status_code == 404


def test_another_branch_cannot_see_the_branchs_application(client, two_banks, other_branch_officer):
    _loan_request, app_a, _app_b = two_banks
    client.force_login(other_branch_officer)
    assert client.get(_url("application_detail", app_a)).status_code == 404


def test_head_office_manager_sees_its_branchs_application(client, two_banks, bank_a_manager):
    _loan_request, app_a, _app_b = two_banks
    client.force_login(bank_a_manager)
    response = client.get(_url("application_detail", app_a))
    assert response.status_code == 200
    assert "assign" in response.context["actions"]


def test_another_enterprise_outsiders_and_the_reviewer_get_404(
    client, two_banks, outsider, reviewer, joint_office_viewer
):
    _loan_request, app_a, _app_b = two_banks
    for user in (outsider, reviewer, joint_office_viewer):
        client.force_login(user)
        assert client.get(_url("application_detail", app_a)).status_code == 404
    client.logout()
    assert client.get(_url("application_detail", app_a)).status_code == 302


def test_the_promotion_centre_reads_but_has_no_steps(client, two_banks, promotion_officer):
    _loan_request, app_a, _app_b = two_banks
    client.force_login(promotion_officer)
    response = client.get(_url("application_detail", app_a))
    assert response.status_code == 200 and response.context["actions"] == []


def test_the_bank_sees_the_assets_legal_status_and_pledge_state(
    client, two_banks, patent, bank_a_officer, enterprise_user, bank_b
):
    from tests.pledges.factories_register import pledge_over

    _loan_request, app_a, _app_b = two_banks
    patent.legal_status = LegalStatus.INVALIDATION_REQUESTED
    patent.save()
    pledge_over(patent, pledgee=bank_b, created_by=enterprise_user)
    client.force_login(bank_a_officer)
    content = client.get(_url("application_detail", app_a), headers=EN).content.decode()
    assert patent.number in content
    assert "Invalidation requested" in content
    assert "Pledged to 北京银行" in content


# ---------------------------------------------------------------------------------------------------
# Steps


BANK_STEPS = (
    "application_assign",
    "application_request_info",
    "application_approve",
    "application_second_approve",
    "application_send_back",
    "application_decline",
)
ENTERPRISE_STEPS = ("application_respond", "application_withdraw", "application_accept")


def test_reviewer_and_promotion_officer_get_403_on_every_step(client, two_banks, reviewer, promotion_officer):
    _loan_request, app_a, _app_b = two_banks
    for user in (reviewer, promotion_officer):
        client.force_login(user)
        for name in BANK_STEPS + ENTERPRISE_STEPS:
            assert client.post(_url(name, app_a), {"officer": user.pk, "reason": "x"}).status_code == 403, (
                name
            )
    app_a.refresh_from_db()
    assert (app_a.status, app_a.officer) == (S.SUBMITTED, None)


def test_each_side_gets_403_on_the_other_sides_steps(
    client, two_banks, walk, enterprise_user, bank_a_officer
):
    _loan_request, app_a, _app_b = two_banks
    client.force_login(enterprise_user)
    for name in BANK_STEPS:
        assert client.post(_url(name, app_a), {"officer": enterprise_user.pk}).status_code == 403, name
    walk(app_a, S.APPROVED)
    client.force_login(bank_a_officer)
    for name in ENTERPRISE_STEPS:
        assert client.post(_url(name, app_a)).status_code == 403, name
    app_a.refresh_from_db()
    assert app_a.status == S.APPROVED and not Loan.objects.exists()


def test_other_banks_and_enterprises_get_404_on_steps(
    client, two_banks, walk, bank_b_officer, outsider, other_branch_officer
):
    _loan_request, app_a, _app_b = two_banks
    for user in (bank_b_officer, other_branch_officer):
        client.force_login(user)
        assert client.post(_url("application_assign", app_a), {"officer": user.pk}).status_code == 404
    walk(app_a, S.APPROVED)
    client.force_login(outsider)
    assert client.post(_url("application_accept", app_a)).status_code == 404
    app_a.refresh_from_db()
    assert app_a.status == S.APPROVED and app_a.officer is not None and not Loan.objects.exists()


def test_officer_assigns_to_self_and_requests_information(client, two_banks, bank_a_officer, enterprise_user):
    _loan_request, app_a, _app_b = two_banks
    client.force_login(bank_a_officer)
    response = client.post(_url("application_assign", app_a), {"officer": bank_a_officer.pk})
    assert response.status_code == 302 and response.url == _url("application_detail", app_a)
    response = client.post(_url("application_request_info", app_a), {"note": ""})
    assert response.status_code == 400
    assert client.post(_url("application_request_info", app_a), {"note": "请补充审计报告"}).status_code == 302
    app_a.refresh_from_db()
    assert (app_a.status, app_a.officer, app_a.info_requested) == (
        S.INFO_REQUESTED,
        bank_a_officer,
        "请补充审计报告",
    )


def test_a_step_the_status_no_longer_allows_is_a_409(client, two_banks, bank_a_officer):
    _loan_request, app_a, _app_b = two_banks
    client.force_login(bank_a_officer)
    response = client.post(_url("application_request_info", app_a), {"note": "请补充"})
    assert response.status_code == 409
    app_a.refresh_from_db()
    assert app_a.status == S.SUBMITTED


def test_approve_with_bad_input_is_a_400_and_nothing_changes(client, two_banks, walk, bank_a_officer):
    _loan_request, app_a, _app_b = two_banks
    walk(app_a, S.UNDER_REVIEW)
    client.force_login(bank_a_officer)
    for data in (
        {"amount": "-1", "rate_pct": "3.85", "term_months": "12"},
        {"amount": "1000", "rate_pct": "120", "term_months": "12"},
        {"amount": "1000", "rate_pct": "3.85", "term_months": ""},
    ):
        assert client.post(_url("application_approve", app_a), data).status_code == 400
    app_a.refresh_from_db()
    assert (app_a.status, app_a.offer_amount, app_a.proposed_by) == (S.UNDER_REVIEW, None, None)


def test_maker_checker_through_the_pages(
    client, two_banks, bank_a_manager, bank_a_branch_manager, enterprise_user
):
    _loan_request, app_a, _app_b = two_banks
    client.force_login(bank_a_manager)
    client.post(_url("application_assign", app_a), {"officer": bank_a_manager.pk})
    response = client.post(
        _url("application_approve", app_a), {"amount": str(ABOVE), "rate_pct": "3.60", "term_months": "24"}
    )
    assert response.status_code == 302
    app_a.refresh_from_db()
    assert (app_a.status, app_a.proposed_by) == (S.AWAITING_SECOND_APPROVAL, bank_a_manager)

    response = client.post(_url("application_second_approve", app_a), headers=EN)
    assert response.status_code == 403
    assert "The person who proposed cannot approve" in response.content.decode()
    assert AuditEvent.objects.filter(action="authz.denied", actor_id=bank_a_manager.pk).exists()
    app_a.refresh_from_db()
    assert app_a.status == S.AWAITING_SECOND_APPROVAL

    client.force_login(bank_a_branch_manager)
    assert client.post(_url("application_second_approve", app_a)).status_code == 302
    app_a.refresh_from_db()
    assert (app_a.status, app_a.approved_by) == (S.APPROVED, bank_a_branch_manager)


def test_decline_without_a_reason_code_is_a_400(client, two_banks, walk, bank_a_officer):
    _loan_request, app_a, _app_b = two_banks
    walk(app_a, S.UNDER_REVIEW)
    client.force_login(bank_a_officer)
    assert (
        client.post(_url("application_decline", app_a), {"reason_code": "", "note": "x"}).status_code == 400
    )
    assert (
        client.post(_url("application_decline", app_a), {"reason_code": "other", "note": ""}).status_code
        == 400
    )
    app_a.refresh_from_db()
    assert app_a.status == S.UNDER_REVIEW
    assert client.post(_url("application_decline", app_a), {"reason_code": "financials"}).status_code == 302


def test_the_enterprise_answers_on_the_request_page(client, two_banks, walk, enterprise_user):
    loan_request, app_a, _app_b = two_banks
    walk(app_a, S.INFO_REQUESTED)
    client.force_login(enterprise_user)
    prefix = f"a{app_a.pk}"
    response = client.post(
        _url("application_respond", app_a),
        {"back": "request", f"{prefix}-note": "见附件", f"{prefix}-documents": [upload("x.pdf", HTML)]},
    )
    assert response.status_code == 400
    assert "loans/applications/request_detail.html" in [template.name for template in response.templates]
    app_a.refresh_from_db()
    assert app_a.status == S.INFO_REQUESTED and not ApplicationDocument.objects.exists()

    response = client.post(
        _url("application_respond", app_a),
        {"back": "request", f"{prefix}-note": "见附件", f"{prefix}-documents": [upload("审计报告.pdf")]},
    )
    assert response.status_code == 302
    assert response.url == reverse("loans:request_detail", args=[loan_request.pk])
    app_a.refresh_from_db()
    assert app_a.status == S.UNDER_REVIEW
    assert ApplicationDocument.objects.get().application == app_a


def test_accepting_on_the_request_page_shows_the_loan_and_the_registration(
    client, two_banks, walk, enterprise_user, bank_b_officer
):
    loan_request, app_a, app_b = two_banks
    walk(app_a, S.APPROVED)
    walk(app_b, S.APPROVED)
    client.force_login(enterprise_user)
    response = client.post(_url("application_accept", app_a), {"back": "request"})
    assert response.status_code == 302
    assert response.url == reverse("loans:request_detail", args=[loan_request.pk])
    loan = Loan.objects.get()
    registration = loan.registrations.get()
    content = client.get(response.url).content.decode()
    assert loan.reference in content
    assert reverse("pledges:registration_detail", args=[registration.pk]) in content
    app_b.refresh_from_db()
    assert app_b.status == S.WITHDRAWN

    # The other bank's offer can no longer be accepted.
    response = client.post(_url("application_accept", app_b), {"back": "request"})
    assert response.status_code == 409
    assert Loan.objects.count() == 1


def test_when_the_draft_cannot_be_started_the_page_says_where_to_start_it(
    client, two_banks, walk, enterprise_user, patent, other_enterprise
):
    loan_request, app_a, _app_b = two_banks
    walk(app_a, S.APPROVED)
    patent.owner = other_enterprise
    patent.save()
    client.force_login(enterprise_user)
    client.post(_url("application_accept", app_a), {"back": "request"})
    content = client.get(reverse("loans:request_detail", args=[loan_request.pk]), headers=EN).content.decode()
    assert 'data-testid="acceptance-notes"' in content
    assert "Start the pledge registration from the IP register" in content


# ---------------------------------------------------------------------------------------------------
# Documents


def test_documents_open_only_through_the_scoped_view(
    client,
    make_request,
    walk,
    bank_a_branch,
    bank_b,
    enterprise_user,
    bank_a_officer,
    bank_b_officer,
    outsider,
    promotion_officer,
):
    from loans.services.applications import application_request_info, application_respond

    loan_request = make_request(documents=[upload("营业执照.pdf")])
    shared = loan_request.documents.get()
    app_a = walk(application_of(loan_request, bank_a_branch), S.UNDER_REVIEW)
    application_request_info(application=app_a, note="请补充", actor=bank_a_officer)
    application_respond(application=app_a, note="", documents=[upload("仅A行.pdf")], actor=enterprise_user)
    only_a = ApplicationDocument.objects.get(application=app_a)

    client.force_login(enterprise_user)
    response = client.get(reverse("loans:application_document", args=[shared.pk]))
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Disposition"].startswith("attachment;")
        and "UTF-8''" in response["Content-Disposition"]
    )
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert AuditEvent.objects.filter(
        action="loans.application_document.download", object_id=str(shared.pk)
    ).exists()

    client.force_login(bank_a_officer)
    assert client.get(reverse("loans:application_document", args=[only_a.pk])).status_code == 200
    client.force_login(bank_b_officer)
    assert client.get(reverse("loans:application_document", args=[shared.pk])).status_code == 200
    assert client.get(reverse("loans:application_document", args=[only_a.pk])).status_code == 404
    client.force_login(outsider)
    assert client.get(reverse("loans:application_document", args=[shared.pk])).status_code == 404
    client.force_login(promotion_officer)
    assert client.get(reverse("loans:application_document", args=[shared.pk])).status_code == 403
    # Never a public media address on the pages.
    client.force_login(enterprise_user)
    content = client.get(reverse("loans:request_detail", args=[loan_request.pk])).content.decode()
    assert shared.file.name not in content and "/media/" not in content


def test_home_page_links_the_application_pages(client, enterprise_user, bank_a_officer):
    client.force_login(enterprise_user)
    content = client.get(reverse("home")).content.decode()
    assert reverse("loans:request_list") in content and reverse("loans:application_apply") in content
    client.force_login(bank_a_officer)
    assert reverse("loans:application_queue") in client.get(reverse("home")).content.decode()
