"""Pages show phones masked; showing one in full takes ``privacy.view_full_pii``, a reason, and leaves an audit
row (security.md check 37)."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from loans.models import CoachingStatus
from portal.audit.models import AuditEvent
from subsidies import applications as subsidy_apps
from tests.loans.coaching_factory import coaching_in
from tests.subsidies.factories import complete_details, make_batch, make_settled_loan, submitted_application

pytestmark = pytest.mark.django_db

UNMASK = "/privacy/unmask/"
JSON = {"HTTP_ACCEPT": "application/json", "HTTP_ACCEPT_LANGUAGE": "en"}
FULL = "13800138000"  # the subsidy factory's contact phone
MASKED = "138****8000"


def grant_full_pii(user):
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="privacy", codename="view_full_pii")
    )


@pytest.fixture
def application(reviewer, enterprise_user):
    """A draft with its contact details filled in (the reviewers' scope holds every application)."""
    application = subsidy_apps.application_open(batch=make_batch(reviewer), actor=enterprise_user)
    return complete_details(application, enterprise_user)


@pytest.fixture
def coaching(enterprise_user, promotion_officer, commissioner):
    return coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )


def _unmask(
    client, obj, label, reason="Calling the applicant about a missing document", field="contact_phone"
):
    return client.post(UNMASK, {"record": label, "pk": obj.pk, "field": field, "reason": reason}, **JSON)


def test_permitted_reviewer_sees_the_full_number_and_it_is_audited(client, reviewer, application):
    grant_full_pii(reviewer)
    client.force_login(reviewer)
    response = _unmask(client, application, "subsidies.application")
    assert response.status_code == 200
    assert response.json()["value"] == FULL
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="pii.unmask")
    assert (event.actor_id, event.object_type, event.object_id) == (
        reviewer.pk,
        "subsidies.application",
        str(application.pk),
    )
    assert event.outcome == "success"
    assert event.details["field"] == "contact_phone"
    assert event.details["reason"] == "Calling the applicant about a missing document"
    assert event.details["owner_organisation_id"] == application.enterprise_id
    assert event.source_ip == "127.0.0.1"


def test_htmx_swaps_in_the_full_number(client, reviewer, application):
    grant_full_pii(reviewer)
    client.force_login(reviewer)
    response = client.post(
        UNMASK,
        {"record": "subsidies.application", "pk": application.pk, "field": "contact_phone", "reason": "call"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert FULL in response.content.decode()
    assert "<html" not in response.content.decode()


def test_without_the_permission_unmasking_is_403_and_audited(client, reviewer, application):
    client.force_login(reviewer)
    response = _unmask(client, application, "subsidies.application")
    assert response.status_code == 403
    assert FULL not in response.content.decode()
    assert AuditEvent.objects.filter(action="pii.unmask", outcome="denied", actor_id=reviewer.pk).exists()


def test_the_record_owner_without_the_permission_gets_403_too(client, enterprise_user, application):
    client.force_login(enterprise_user)
    assert _unmask(client, application, "subsidies.application").status_code == 403


def test_a_reason_is_required(client, reviewer, application):
    grant_full_pii(reviewer)
    client.force_login(reviewer)
    response = _unmask(client, application, "subsidies.application", reason="   ")
    assert response.status_code == 400
    assert response.json()["errors"]["reason"] == ["Give the reason for showing the full number."]
    assert not AuditEvent.objects.filter(action="pii.unmask").exists()


@pytest.mark.parametrize(("label", "field"), [("subsidies.application", "bank_account_number"), ("x.y", "z")])
def test_only_registered_fields_can_be_unmasked(client, reviewer, application, label, field):
    grant_full_pii(reviewer)
    client.force_login(reviewer)
    response = _unmask(client, application, label, field=field)
    assert response.status_code == 400
    assert "field" in response.json()["errors"]


def test_a_record_outside_the_users_scope_is_404(client, bank_a_officer, application):
    grant_full_pii(bank_a_officer)  # a bank sees no subsidy application, permission or not
    client.force_login(bank_a_officer)
    assert _unmask(client, application, "subsidies.application").status_code == 404
    assert not AuditEvent.objects.filter(action="pii.unmask", outcome="success").exists()


def test_anonymous_and_get_are_refused(client, application):
    assert client.post(UNMASK, {}).status_code == 302  # to the sign-in page
    assert client.get(UNMASK).status_code in (302, 405)


def test_coaching_page_shows_the_phone_masked_with_no_unmask_form(client, coaching, promotion_officer):
    client.force_login(promotion_officer)
    page = client.get(reverse("loans:coaching_detail", args=[coaching.pk])).content.decode()
    assert "010-****5678" in page
    assert "010-62345678" not in page
    assert 'data-testid="pii-unmask-form"' not in page


def test_coaching_page_offers_the_unmask_form_to_a_permitted_user(client, coaching, promotion_officer):
    grant_full_pii(promotion_officer)
    client.force_login(promotion_officer)
    page = client.get(reverse("loans:coaching_detail", args=[coaching.pk])).content.decode()
    assert "010-****5678" in page
    assert "010-62345678" not in page
    assert 'data-testid="pii-unmask-form"' in page
    response = _unmask(client, coaching, "loans.coachingrequest", reason="arrange the session")
    assert response.json()["value"] == "010-62345678"


def test_subsidy_pages_show_the_phone_masked(
    client, reviewer, enterprise_user, enterprise, bank_a_branch, bank_a_officer
):
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    application = submitted_application(make_batch(reviewer), enterprise_user, loan)
    for user, url in (
        (reviewer, reverse("subsidies:review-detail", args=[application.pk])),
        (enterprise_user, reverse("subsidies:application-detail", args=[application.pk])),
    ):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == 200
        page = response.content.decode()
        assert MASKED in page, url
        assert FULL not in page, url


def test_admin_change_page_shows_the_phone_masked(client, staff_admin, application, coaching):
    client.force_login(staff_admin)
    for url in (
        reverse("admin:subsidies_application_change", args=[application.pk]),
        reverse("admin:loans_coachingrequest_change", args=[coaching.pk]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert FULL not in page and "010-62345678" not in page, url
    assert "010-****5678" in page


def test_objection_contacts_are_masked_on_the_page_and_in_the_admin(
    client, reviewer, second_reviewer, enterprise_user, enterprise, bank_a_branch, bank_a_officer, staff_admin
):
    from subsidies import payments
    from tests.subsidies.test_staff_pages import approved

    batch = make_batch(reviewer)
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    application = approved(batch, enterprise_user, loan, reviewer, second_reviewer)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    objection = payments.objection_lodge(
        publicity=publicity, application=application, name="李某", contact="13900001111", text="已迁出北京"
    )
    grant_full_pii(reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("subsidies:objection-list", args=[batch.pk])).content.decode()
    assert "139****1111" in page and "13900001111" not in page
    assert 'data-testid="pii-unmask-form"' in page
    response = _unmask(client, objection, "subsidies.objection", field="contact", reason="call the objector")
    assert response.json()["value"] == "13900001111"
    event = AuditEvent.objects.get(action="pii.unmask", object_type="subsidies.objection")
    assert event.details["field"] == "contact"

    client.force_login(staff_admin)
    for admin_url in (
        reverse("admin:subsidies_objection_change", args=[objection.pk]),
        reverse("admin:subsidies_publicity_change", args=[publicity.pk]),
    ):
        page = client.get(admin_url).content.decode()
        assert "139****1111" in page and "13900001111" not in page, admin_url
