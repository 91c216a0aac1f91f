"""Loan requests, the banks' review with maker-checker, and acceptance, through the services."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from freezegun import freeze_time

from loans.errors import ApplicationInvalid, ApplicationNotAllowed
from loans.models import (
    ApplicationDocument,
    ApplicationEvent,
    ApplicationStatus,
    Loan,
    LoanApplication,
    LoanEvent,
    LoanRequest,
    LoanSource,
    LoanStatus,
    ProductStatus,
)
from loans.services.applications import (
    application_accept,
    application_approve,
    application_assign,
    application_decline,
    application_request_info,
    application_respond,
    application_second_approve,
    application_send_back,
    application_transition,
    application_withdraw,
)
from pledges.models import PledgeRegistration, RegistrationKind, Status
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from portal.policy.models import IpKind, ParameterSetStatus, PolicyParameterSet
from portal.policy.services import parameter_set_update
from tests.loans import applications_factory as factory
from tests.loans.applications_factory import ABOVE, BELOW, HTML, application_of, upload
from tests.loans.products_factory import make_product
from tests.pledges.factories_register import pledge_over

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


def _notified(user, kind: str) -> bool:
    return Notification.objects.filter(recipient=user, kind=kind).exists()


def _errors(excinfo) -> dict:
    return excinfo.value.errors


# ---------------------------------------------------------------------------------------------------
# The request


def test_request_sends_one_application_per_bank_and_tells_their_staff(
    make_request,
    enterprise_user,
    bank_a_branch,
    bank_b,
    bank_a_officer,
    bank_a_manager,
    bank_b_officer,
    bank_b_manager,
    other_branch_officer,
    product_a,
    product_b,
):
    loan_request = make_request()

    assert loan_request.reference.startswith("SQ-")
    applications = list(loan_request.applications.order_by("pk"))
    assert [(a.bank_id, a.product_id, a.status) for a in applications] == [
        (bank_a_branch.pk, product_a.pk, S.SUBMITTED),
        (bank_b.pk, product_b.pk, S.SUBMITTED),
    ]
    for application in applications:
        event = application.events.get()
        assert (event.actor, event.from_status, event.to_status, event.action) == (
            enterprise_user,
            "",
            S.SUBMITTED,
            "submitted",
        )
    kind = "loans.application.submitted"
    # The branch's officer, its head office's manager, and bank B's staff; nobody at another branch.
    for user in (bank_a_officer, bank_a_manager, bank_b_officer, bank_b_manager):
        assert _notified(user, kind)
    assert not _notified(other_branch_officer, kind)
    assert not _notified(enterprise_user, kind)
    assert AuditEvent.objects.filter(action="loans.request.create", object_id=str(loan_request.pk)).exists()


def test_request_documents_are_sniffed_and_stored_under_generated_names(make_request, enterprise_user):
    loan_request = make_request(
        documents=[
            upload("../../财务报表.pdf"),
            ("营业执照", upload("licence.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20)),
        ]
    )

    documents = list(loan_request.documents.order_by("pk"))
    assert [(d.title, d.content_type, d.application_id) for d in documents] == [
        ("财务报表.pdf", "application/pdf", None),
        ("营业执照", "image/png", None),
    ]
    assert documents[0].original_name == "财务报表.pdf"
    assert "财务报表" not in documents[0].file.name and documents[0].file.name.endswith(".pdf")


def test_a_file_that_is_not_pdf_jpeg_or_png_is_refused_and_nothing_is_saved(make_request, english):
    with pytest.raises(ApplicationInvalid) as excinfo:
        make_request(documents=[upload("report.pdf", HTML)])
    assert "only PDF, JPEG and PNG" in _errors(excinfo)["documents"][0]
    assert not LoanRequest.objects.exists()
    assert not ApplicationDocument.objects.exists()


def test_a_file_over_the_limit_is_refused(make_request, settings, english):
    settings.UPLOAD_MAX_BYTES = 20
    with pytest.raises(ApplicationInvalid) as excinfo:
        make_request(documents=[upload()])
    assert "the limit is" in _errors(excinfo)["documents"][0]
    assert not LoanRequest.objects.exists()


def test_two_products_of_one_bank_group_are_refused_naming_the_bank(
    make_request, product_a, bank_a_manager, english
):
    head_office_product = make_product(
        author=bank_a_manager, manager=bank_a_manager, status=ProductStatus.PUBLISHED, name="总行知识产权贷"
    )
    with pytest.raises(ApplicationInvalid) as excinfo:
        make_request(products=[product_a, head_office_product])
    message = " ".join(_errors(excinfo)["products"])
    assert "中关村银行" in message and "one application per request" in message
    assert not LoanRequest.objects.exists()


def test_a_product_not_taking_the_offered_ip_kind_is_refused_naming_it(
    make_request, enterprise, make_asset, english
):
    trademark = make_asset(enterprise, kind=IpKind.TRADEMARK)
    with pytest.raises(ApplicationInvalid) as excinfo:
        make_request(assets=[trademark])  # bank B's "专利快贷" takes patents only
    message = " ".join(_errors(excinfo)["products"])
    assert "专利快贷" in message and "智权贷" not in message


def test_amount_and_term_outside_a_products_range_are_refused_naming_it(
    make_request, bank_b_officer, bank_b_manager, product_a, english
):
    small = make_product(
        author=bank_b_officer,
        manager=bank_b_manager,
        status=ProductStatus.PUBLISHED,
        name="小额贷",
        amount_max=Decimal("1000000.00"),
        term_max_months=6,
    )
    with pytest.raises(ApplicationInvalid) as excinfo:
        make_request(products=[product_a, small], amount=Decimal("2000000.00"), term_months=12)
    errors = _errors(excinfo)
    assert "小额贷" in errors["amount"][0] and "1,000,000.00" in errors["amount"][0]
    assert "小额贷" in errors["term_months"][0]
    assert len(errors["amount"]) == 1  # 智权贷 lends 2,000,000 for 12 months


@pytest.mark.parametrize("amount", ["NaN", "Infinity", "-1", "0", "100.001", "abc", None])
def test_bad_amounts_are_refused(make_request, amount):
    with pytest.raises(ApplicationInvalid) as excinfo:
        make_request(amount=amount)
    assert "amount" in _errors(excinfo)
    assert not LoanRequest.objects.exists()


def test_assets_must_come_from_the_enterprises_own_register(make_request, other_enterprise, make_asset):
    foreign = make_asset(other_enterprise)
    with pytest.raises(ApplicationInvalid) as excinfo:
        make_request(assets=[foreign])
    assert "assets" in _errors(excinfo)
    with pytest.raises(ApplicationInvalid) as excinfo:
        make_request(assets=[])
    assert "assets" in _errors(excinfo)
    assert not LoanRequest.objects.exists()


def test_drafts_withdrawn_and_unknown_products_are_refused(
    make_request, bank_b_officer, bank_b_manager, english
):
    draft = make_product(author=bank_b_officer, name="草稿")
    withdrawn = make_product(
        author=bank_b_officer, manager=bank_b_manager, status=ProductStatus.WITHDRAWN, name="已下架"
    )
    for products in ([draft], [withdrawn], [999999], []):
        with pytest.raises(ApplicationInvalid) as excinfo:
            make_request(products=products)
        assert "products" in _errors(excinfo)
    assert not LoanRequest.objects.exists()


def test_only_the_enterprises_own_users_may_apply(make_request, bank_a_officer, outsider, enterprise_admin):
    for actor in (bank_a_officer, outsider):
        with pytest.raises(ApplicationNotAllowed) as excinfo:
            make_request(actor=actor)
        assert excinfo.value.http_status == 403
    assert make_request(actor=enterprise_admin).applications.count() == 2


# ---------------------------------------------------------------------------------------------------
# Review steps


def test_assignment_starts_the_review_and_a_colleague_can_take_it_over(
    make_request, bank_a_branch, bank_a_officer, bank_a_manager, enterprise_user
):
    application = application_of(make_request(), bank_a_branch)
    application = application_assign(application=application, officer=bank_a_officer, actor=bank_a_officer)
    assert (application.status, application.officer) == (S.UNDER_REVIEW, bank_a_officer)
    assert _notified(enterprise_user, "loans.application.under_review")

    application = application_assign(application=application, officer=bank_a_manager, actor=bank_a_officer)
    assert (application.status, application.officer) == (S.UNDER_REVIEW, bank_a_manager)
    assert (
        application.events.filter(from_status=S.UNDER_REVIEW, to_status=S.UNDER_REVIEW)
        .get()
        .details["previous_officer"]
        == bank_a_officer.pk
    )


def test_only_staff_whose_scope_holds_the_bank_can_be_assigned(
    make_request, bank_a_branch, bank_a_officer, other_branch_officer, bank_b_officer, enterprise_user
):
    application = application_of(make_request(), bank_a_branch)
    for officer in (other_branch_officer, bank_b_officer, enterprise_user):
        with pytest.raises(ApplicationInvalid) as excinfo:
            application_assign(application=application, officer=officer, actor=bank_a_officer)
        assert "officer" in _errors(excinfo)
    application.refresh_from_db()
    assert (application.status, application.officer) == (S.SUBMITTED, None)


def test_information_request_and_answer_with_documents_for_that_bank_only(
    make_request, walk, bank_a_branch, bank_b, bank_a_officer, enterprise_user
):
    loan_request = make_request()
    application = walk(application_of(loan_request, bank_a_branch), S.UNDER_REVIEW)
    with pytest.raises(ApplicationInvalid):
        application_request_info(application=application, note="  ", actor=bank_a_officer)

    application = application_request_info(
        application=application, note="请补充审计报告", actor=bank_a_officer
    )
    assert (application.status, application.info_requested) == (S.INFO_REQUESTED, "请补充审计报告")
    assert _notified(enterprise_user, "loans.application.info_requested")

    application = application_respond(
        application=application, note="已上传", documents=[upload("审计报告.pdf")], actor=enterprise_user
    )
    assert application.status == S.UNDER_REVIEW
    assert _notified(bank_a_officer, "loans.application.under_review")
    document = ApplicationDocument.objects.get()
    assert document.application == application
    other = application_of(loan_request, bank_b)
    from loans.selectors import application_documents

    assert list(application_documents(application)) == [document]
    assert list(application_documents(other)) == []


def test_a_refused_answer_file_rolls_the_answer_back(make_request, walk, bank_a_branch, enterprise_user):
    application = walk(application_of(make_request(), bank_a_branch), S.INFO_REQUESTED)
    with pytest.raises(ApplicationInvalid):
        application_respond(
            application=application, note="见附件", documents=[upload("x.pdf", HTML)], actor=enterprise_user
        )
    application.refresh_from_db()
    assert application.status == S.INFO_REQUESTED
    assert not ApplicationDocument.objects.exists()


def test_decline_needs_a_reason_code_and_other_needs_a_note(
    make_request, walk, bank_a_branch, bank_a_officer
):
    application = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    for code, note in (("", "x"), ("bogus", "x"), ("other", "")):
        with pytest.raises(ApplicationInvalid):
            application_decline(application=application, reason_code=code, note=note, actor=bank_a_officer)
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW

    application = application_decline(
        application=application,
        reason_code="ip_value_insufficient",
        note="评估价值不足",
        actor=bank_a_officer,
    )
    assert (application.status, application.decline_reason, application.decline_note) == (
        S.DECLINED,
        "ip_value_insufficient",
        "评估价值不足",
    )
    assert application.decided_at is not None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "0"),
        ("amount", "-5"),
        ("amount", "NaN"),
        ("rate_pct", "100"),
        ("rate_pct", "-1"),
        ("rate_pct", "3.855"),
        ("term_months", "0"),
        ("term_months", "abc"),
    ],
)
def test_approval_input_is_checked(make_request, walk, bank_a_branch, bank_a_officer, field, value):
    application = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    offer = {"amount": BELOW, "rate_pct": "3.85", "term_months": 12, field: value}
    with pytest.raises(ApplicationInvalid) as excinfo:
        application_approve(application=application, actor=bank_a_officer, **offer)
    assert field in _errors(excinfo)
    application.refresh_from_db()
    assert (application.status, application.offer_amount, application.proposed_by) == (
        S.UNDER_REVIEW,
        None,
        None,
    )


def test_mass_assignment_through_the_transition_is_impossible(
    make_request, walk, bank_a_branch, bank_a_officer
):
    application = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    with pytest.raises(TypeError):
        application_transition(
            application=application, to=S.INFO_REQUESTED, actor=bank_a_officer, note="x", status=S.APPROVED
        )
    with pytest.raises(TypeError):
        application_transition(
            application=application,
            to=S.INFO_REQUESTED,
            actor=bank_a_officer,
            note="x",
            approved_by=bank_a_officer,
        )
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW


# ---------------------------------------------------------------------------------------------------
# Maker-checker


def test_at_or_below_the_threshold_one_approval_suffices(
    make_request, walk, bank_a_branch, bank_a_officer, enterprise_user
):
    application = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    application = application_approve(
        application=application,
        amount=Decimal("3000000.00"),  # exactly the threshold
        rate_pct=Decimal("3.85"),
        term_months=12,
        conditions="按季付息",
        actor=bank_a_officer,
    )
    assert application.status == S.APPROVED
    assert (application.proposed_by, application.approved_by) == (bank_a_officer, bank_a_officer)
    assert (application.offer_amount, application.offer_rate_pct, application.offer_term_months) == (
        Decimal("3000000.00"),
        Decimal("3.85"),
        12,
    )
    assert _notified(enterprise_user, "loans.application.approved")


def test_above_the_threshold_the_offer_waits_for_a_second_approver(
    make_request, walk, bank_a_branch, bank_a_officer, bank_a_manager, bank_a_branch_manager, enterprise_user
):
    application = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    application = application_approve(
        application=application, amount=ABOVE, rate_pct="3.60", term_months=24, actor=bank_a_officer
    )
    assert application.status == S.AWAITING_SECOND_APPROVAL
    assert (application.proposed_by, application.approved_by, application.offer_amount) == (
        bank_a_officer,
        None,
        ABOVE,
    )
    # The checkers are told; the enterprise hears only once the offer stands.
    assert _notified(bank_a_manager, "loans.application.awaiting_second_approval")
    assert _notified(bank_a_branch_manager, "loans.application.awaiting_second_approval")
    assert not _notified(bank_a_officer, "loans.application.awaiting_second_approval")
    assert not _notified(enterprise_user, "loans.application.awaiting_second_approval")


def test_the_maker_cannot_second_approve(make_request, walk, bank_a_branch, bank_a_manager, english):
    application = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    # A manager who proposes is the maker: another person must approve.
    application = application_approve(
        application=application, amount=ABOVE, rate_pct="3.60", term_months=24, actor=bank_a_manager
    )
    with pytest.raises(ApplicationNotAllowed) as excinfo:
        application_second_approve(application=application, actor=bank_a_manager)
    assert excinfo.value.http_status == 403
    assert "The person who proposed cannot approve" in excinfo.value.message
    application.refresh_from_db()
    assert (application.status, application.approved_by) == (S.AWAITING_SECOND_APPROVAL, None)


def test_an_officer_who_is_not_a_manager_cannot_second_approve(
    make_request, walk, bank_a_branch, bank_a_officer, make_user, english
):
    from portal.accounts.models import Role

    colleague = make_user("bank_a_officer2", bank_a_branch, Role.BANK_OFFICER)
    application = walk(application_of(make_request(), bank_a_branch), S.AWAITING_SECOND_APPROVAL)
    for actor in (colleague, bank_a_officer):
        with pytest.raises(ApplicationNotAllowed) as excinfo:
            application_second_approve(application=application, actor=actor)
        assert excinfo.value.http_status == 403
    application.refresh_from_db()
    assert application.status == S.AWAITING_SECOND_APPROVAL


@pytest.mark.parametrize("checker", ["bank_a_manager", "bank_a_branch_manager"])
def test_a_colleague_manager_approves_the_proposal(
    make_request, walk, bank_a_branch, bank_a_officer, enterprise_user, request, checker
):
    checker = request.getfixturevalue(checker)
    application = walk(application_of(make_request(), bank_a_branch), S.AWAITING_SECOND_APPROVAL)
    application = application_second_approve(application=application, actor=checker)
    assert application.status == S.APPROVED
    assert (application.proposed_by, application.approved_by) == (bank_a_officer, checker)
    assert application.decided_at is not None
    assert _notified(enterprise_user, "loans.application.approved")
    assert _notified(bank_a_officer, "loans.application.approved")  # the maker hears the outcome


def test_the_checker_sends_the_proposal_back_with_a_reason(
    make_request, walk, bank_a_branch, bank_a_officer, bank_a_manager
):
    application = walk(application_of(make_request(), bank_a_branch), S.AWAITING_SECOND_APPROVAL)
    with pytest.raises(ApplicationInvalid):
        application_send_back(application=application, reason="", actor=bank_a_manager)
    with pytest.raises(ApplicationNotAllowed):
        application_send_back(application=application, reason="自己撤回", actor=bank_a_officer)
    application = application_send_back(application=application, reason="利率偏低", actor=bank_a_manager)
    assert application.status == S.UNDER_REVIEW
    assert (application.offer_amount, application.proposed_by) == (None, None)
    event = application.events.order_by("-pk").first()
    assert event.reason == "利率偏低" and event.details["proposed_amount"] == str(ABOVE)
    assert _notified(bank_a_officer, "loans.application.under_review")


def test_the_threshold_is_read_from_the_policy_set(
    make_request, walk, bank_a_branch, bank_a_officer, threshold
):
    threshold("1000000.00")
    application = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    application = application_approve(
        application=application, amount=BELOW, rate_pct="3.85", term_months=12, actor=bank_a_officer
    )
    assert application.status == S.AWAITING_SECOND_APPROVAL

    threshold("6000000.00")
    other = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    other = application_approve(
        application=other, amount=ABOVE, rate_pct="3.85", term_months=12, actor=bank_a_officer
    )
    assert (other.status, other.approved_by) == (S.APPROVED, bank_a_officer)


def test_without_a_parameter_set_in_force_every_approval_needs_a_second_person(
    make_request, walk, bank_a_branch, bank_a_officer, staff_admin
):
    from django.utils.timezone import localdate

    application = walk(application_of(make_request(), bank_a_branch), S.UNDER_REVIEW)
    parameter_set = PolicyParameterSet.objects.get(year=localdate().year)
    parameter_set_update(
        parameter_set=parameter_set,
        changes={"status": ParameterSetStatus.DRAFT},
        actor=staff_admin,
        reason="test",
    )
    application = application_approve(
        application=application,
        amount=Decimal("1000000.00"),
        rate_pct="3.85",
        term_months=12,
        actor=bank_a_officer,
    )
    assert application.status == S.AWAITING_SECOND_APPROVAL


# ---------------------------------------------------------------------------------------------------
# Acceptance


def test_accepting_an_offer_withdraws_the_siblings_and_tells_their_banks(
    make_request, walk, bank_a_branch, bank_b, enterprise_user, bank_b_officer, english
):
    loan_request = make_request()
    accepted = walk(application_of(loan_request, bank_a_branch), S.APPROVED)
    sibling = walk(application_of(loan_request, bank_b), S.UNDER_REVIEW)

    _loan, _registrations, notes = application_accept(application=accepted, actor=enterprise_user)

    accepted.refresh_from_db()
    sibling.refresh_from_db()
    assert (accepted.status, sibling.status) == (S.ACCEPTED, S.WITHDRAWN)
    event = sibling.events.get(to_status=S.WITHDRAWN)
    assert (event.actor, event.from_status, event.reason) == (
        None,
        S.UNDER_REVIEW,
        "The enterprise accepted another bank's offer",
    )
    assert _notified(bank_b_officer, "loans.application.withdrawn")
    assert AuditEvent.objects.filter(
        action="loans.application.transition", object_id=str(sibling.pk), actor_id=None
    ).exists()
    assert notes == []


def test_acceptance_creates_exactly_one_loan_and_files_the_registration_draft(
    make_request, walk, bank_a_branch, enterprise, enterprise_user, patent
):
    loan_request = make_request()
    application = walk(application_of(loan_request, bank_a_branch), S.APPROVED)

    with freeze_time("2026-01-31 10:00:00+08:00"):
        loan, registrations, notes = application_accept(application=application, actor=enterprise_user)

    assert Loan.objects.count() == 1
    assert loan.reference.startswith("DK-2026-")
    assert (loan.status, loan.source, loan.bank, loan.enterprise, loan.application) == (
        LoanStatus.AWAITING_CONTRACT,
        LoanSource.PORTAL,
        bank_a_branch,
        enterprise,
        application,
    )
    assert (loan.principal, loan.annual_rate_pct, loan.term_months, loan.ip_share, loan.bank_loan_ref) == (
        BELOW,
        Decimal("3.85"),
        12,
        Decimal("1.0000"),
        "",
    )
    assert loan.created_by == enterprise_user
    assert list(LoanEvent.objects.filter(loan=loan).values_list("from_status", "to_status")) == [
        ("", LoanStatus.AWAITING_CONTRACT)
    ]
    [registration] = registrations
    assert list(loan.registrations.all()) == [registration]
    assert (registration.kind, registration.ip_kind, registration.status) == (
        RegistrationKind.PLEDGE,
        IpKind.PATENT,
        Status.DRAFT,
    )
    assert (registration.pledgor, registration.pledgee, registration.debt_amount) == (
        enterprise,
        bank_a_branch,
        BELOW,
    )
    assert (registration.debt_start, registration.debt_end) == (date(2026, 1, 31), date(2027, 1, 31))
    assert list(registration.assets.all()) == [patent]
    assert notes == []
    event = application.events.get(to_status=S.ACCEPTED)
    assert event.details["loan"] == loan.reference and event.details["registrations"] == [
        registration.reference
    ]


def test_the_debt_end_is_clamped_to_the_last_day_of_a_shorter_month(
    make_request, walk, bank_a_branch, bank_a_officer, bank_a_manager, enterprise_user
):
    short = make_product(
        author=bank_a_officer,
        manager=bank_a_manager,
        status=ProductStatus.PUBLISHED,
        name="短期贷",
        term_min_months=1,
    )
    application = walk(
        application_of(make_request(products=[short], term_months=1), bank_a_branch), S.UNDER_REVIEW
    )
    application = application_approve(
        application=application, amount=BELOW, rate_pct="3.85", term_months=1, actor=bank_a_officer
    )
    with freeze_time("2026-01-31 10:00:00+08:00"):
        _loan, [registration], _notes = application_accept(application=application, actor=enterprise_user)
    assert (registration.debt_start, registration.debt_end) == (date(2026, 1, 31), date(2026, 2, 28))


def test_one_registration_per_ip_kind(
    make_request, walk, bank_a_branch, enterprise, enterprise_user, patent, make_asset
):
    trademark = make_asset(enterprise, kind=IpKind.TRADEMARK)
    application = walk(application_of(make_request(assets=[patent, trademark]), bank_a_branch), S.APPROVED)
    loan, registrations, notes = application_accept(application=application, actor=enterprise_user)
    assert sorted(r.ip_kind for r in registrations) == [IpKind.PATENT, IpKind.TRADEMARK]
    assert {r.pk for r in loan.registrations.all()} == {r.pk for r in registrations}
    assert notes == []
    assert [asset.pk for asset in registrations[0].assets.all()] + [
        asset.pk for asset in registrations[1].assets.all()
    ] in (
        [patent.pk, trademark.pk],
        [trademark.pk, patent.pk],
    )


def test_a_second_acceptance_for_the_same_request_is_refused(
    make_request, walk, bank_a_branch, bank_b, enterprise_user
):
    loan_request = make_request()
    first = walk(application_of(loan_request, bank_a_branch), S.APPROVED)
    second = walk(application_of(loan_request, bank_b), S.APPROVED)
    application_accept(application=first, actor=enterprise_user)

    with pytest.raises(ApplicationNotAllowed) as excinfo:
        application_accept(application=second, actor=enterprise_user)
    assert excinfo.value.http_status == 409
    with pytest.raises(ApplicationNotAllowed):
        application_accept(application=first, actor=enterprise_user)
    assert Loan.objects.count() == 1
    second.refresh_from_db()
    assert second.status == S.WITHDRAWN
    assert LoanApplication.objects.filter(request=loan_request, status=S.ACCEPTED).count() == 1


def test_only_an_approved_offer_is_accepted_and_only_by_the_enterprise(
    make_request, walk, bank_a_branch, bank_b, bank_a_officer, enterprise_user
):
    loan_request = make_request()
    under_review = walk(application_of(loan_request, bank_b), S.UNDER_REVIEW)
    with pytest.raises(ApplicationNotAllowed) as excinfo:
        application_accept(application=under_review, actor=enterprise_user)
    assert excinfo.value.http_status == 409
    approved = walk(application_of(loan_request, bank_a_branch), S.APPROVED)
    with pytest.raises(ApplicationNotAllowed) as excinfo:
        application_accept(application=approved, actor=bank_a_officer)
    assert excinfo.value.http_status == 403
    assert not Loan.objects.exists()


def test_the_acceptance_stands_when_the_filing_refuses_and_says_why(
    make_request, walk, bank_a_branch, enterprise_user, patent, other_enterprise, english
):
    application = walk(application_of(make_request(), bank_a_branch), S.APPROVED)
    # The patent was transferred after the request: the filing refuses an asset outside the register.
    patent.owner = other_enterprise
    patent.save()

    loan, registrations, notes = application_accept(application=application, actor=enterprise_user)

    application.refresh_from_db()
    assert application.status == S.ACCEPTED and Loan.objects.get() == loan
    assert registrations == [] and loan.registrations.count() == 0
    assert not PledgeRegistration.objects.exists()
    [note] = notes
    assert "Start the pledge registration from the IP register" in note and patent.number in note
    assert application.events.get(to_status=S.ACCEPTED).details["registration_notes"] == notes


def test_an_asset_already_pledged_gets_no_draft_and_a_note(
    make_request, walk, bank_a_branch, bank_b, enterprise_user, patent, english
):
    application = walk(application_of(make_request(), bank_a_branch), S.APPROVED)
    pledge_over(patent, pledgee=bank_b, created_by=enterprise_user)

    loan, registrations, notes = application_accept(application=application, actor=enterprise_user)

    assert registrations == [] and loan.registrations.count() == 0
    assert "already pledged" in notes[0] and patent.number in notes[0]


def test_withdrawal_is_the_enterprises_and_final(
    make_request, walk, bank_a_branch, bank_a_officer, enterprise_user
):
    application = application_of(make_request(), bank_a_branch)
    with pytest.raises(ApplicationNotAllowed) as excinfo:
        application_withdraw(application=application, actor=bank_a_officer)
    assert excinfo.value.http_status == 403
    application = application_withdraw(application=application, reason="已获其他融资", actor=enterprise_user)
    assert application.status == S.WITHDRAWN
    assert _notified(bank_a_officer, "loans.application.withdrawn")  # nobody assigned yet: the bank's staff
    with pytest.raises(ApplicationNotAllowed) as excinfo:
        application_withdraw(application=application, actor=enterprise_user)
    assert excinfo.value.http_status == 409
    assert ApplicationEvent.objects.filter(application=application, to_status=S.WITHDRAWN).count() == 1


# ---------------------------------------------------------------------------------------------------
# Two acceptances at once (row locks: PostgreSQL only)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_acceptances_at_once_make_one_loan(make_request, walk, bank_a_branch, bank_b, enterprise_user):
    loan_request = make_request()
    offers = [walk(application_of(loan_request, bank), S.APPROVED) for bank in (bank_a_branch, bank_b)]
    start = threading.Barrier(2)
    accepted: list[int] = []
    refused: list[int] = []
    errors: list[BaseException] = []

    def accept(application):
        try:
            start.wait()
            application_accept(application=application, actor=enterprise_user)
            accepted.append(application.pk)
        except ApplicationNotAllowed:
            refused.append(application.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(offer,)) for offer in offers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(accepted) == 1 and len(refused) == 1
    assert Loan.objects.count() == 1
    statuses = dict(LoanApplication.objects.filter(request=loan_request).values_list("pk", "status"))
    assert statuses == {accepted[0]: S.ACCEPTED, refused[0]: S.WITHDRAWN}
