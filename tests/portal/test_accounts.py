import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse

from portal.accounts.models import Membership, Organisation, OrgKind, Role
from portal.accounts.selectors import organisation_get_for_user, organisation_list
from portal.accounts.services import membership_grant, organisation_create
from tests.conftest import PASSWORD, make_uscc

pytestmark = pytest.mark.django_db


def test_enterprise_user_sees_own_enterprise_but_not_another(enterprise_user, enterprise, other_enterprise):
    visible = organisation_list(user=enterprise_user)
    assert enterprise in visible
    assert other_enterprise not in visible
    with pytest.raises(Http404):
        organisation_get_for_user(user=enterprise_user, pk=other_enterprise.pk)


def test_bank_officer_sees_own_group_and_institutions_not_enterprises(
    bank_a_officer, bank_a, bank_a_branch, bank_b, enterprise
):
    visible = set(organisation_list(user=bank_a_officer))
    assert {bank_a, bank_a_branch, bank_b} <= visible
    assert enterprise not in visible


def test_scope_applies_before_user_filters(bank_a_officer, enterprise):
    assert not organisation_list(user=bank_a_officer, filters={"search": enterprise.uscc}).exists()


def test_government_sees_every_organisation(reviewer, enterprise, other_enterprise, bank_b):
    assert {enterprise, other_enterprise, bank_b} <= set(organisation_list(user=reviewer))


def test_user_without_membership_sees_nothing(db, django_user_model):
    loner = django_user_model.objects.create_user("loner", password=PASSWORD)
    assert not organisation_list(user=loner).exists()


def test_only_bank_branches_have_a_head_office(bank_a, registration_office):
    with pytest.raises(ValidationError):
        organisation_create(name="某担保公司", kind=OrgKind.GUARANTOR, parent=bank_a)
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(name="坏数据", kind=OrgKind.GUARANTOR, parent=bank_a)


def test_branch_of_a_branch_is_refused(bank_a_branch):
    with pytest.raises(ValidationError):
        organisation_create(name="二级支行", kind=OrgKind.BANK, parent=bank_a_branch, uscc=make_uscc())


def test_enterprise_credit_code_is_validated_and_unique(enterprise):
    with pytest.raises(ValidationError) as raised:
        organisation_create(name="错码企业", kind=OrgKind.ENTERPRISE, uscc="91110108551385082A")
    assert "uscc" in raised.value.message_dict
    with pytest.raises(ValidationError):
        organisation_create(name="重复企业", kind=OrgKind.ENTERPRISE, uscc=enterprise.uscc.lower())


def test_role_must_fit_the_organisation_kind(enterprise_user, bank_a):
    with pytest.raises(ValidationError):
        membership_grant(user=enterprise_user, organisation=bank_a, role=Role.REVIEWER)


def test_login_lands_on_home_with_organisation(client, enterprise_user, enterprise):
    response = client.post(reverse("login"), {"username": "ent_user", "password": PASSWORD}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("home")
    assert enterprise.name in response.content.decode()


def test_home_requires_login(client):
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


def test_user_switches_acting_organisation(client, bank_a_officer, bank_b, bank_a_branch):
    second = membership_grant(user=bank_a_officer, organisation=bank_b, role=Role.BANK_OFFICER)
    client.force_login(bank_a_officer)
    assert client.get(reverse("home")).context["membership"].organisation == bank_a_branch
    client.post(reverse("switch_acting"), {"membership": second.pk})
    assert client.get(reverse("home")).context["membership"].organisation == bank_b


def test_cannot_switch_to_someone_elses_membership(client, bank_a_officer, bank_b_officer, bank_a_branch):
    foreign = Membership.objects.get(user=bank_b_officer)
    client.force_login(bank_a_officer)
    client.post(reverse("switch_acting"), {"membership": foreign.pk})
    assert client.get(reverse("home")).context["membership"].organisation == bank_a_branch


def test_revoked_membership_stops_acting(client, bank_a_officer, bank_b, bank_a_branch):
    second = membership_grant(user=bank_a_officer, organisation=bank_b, role=Role.BANK_OFFICER)
    client.force_login(bank_a_officer)
    client.post(reverse("switch_acting"), {"membership": second.pk})
    Membership.objects.filter(pk=second.pk).update(is_active=False)
    assert client.get(reverse("home")).context["membership"].organisation == bank_a_branch


def test_logout_is_post_and_ends_the_session(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.post(reverse("logout")).status_code == 302
    assert client.get(reverse("home")).status_code == 302


def test_language_switch_shows_english(client, enterprise_user):
    client.force_login(enterprise_user)
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    assert "Welcome" in client.get(reverse("home")).content.decode()


@pytest.mark.parametrize(
    "persona",
    [
        "enterprise_user",
        "enterprise_admin",
        "bank_a_officer",
        "bank_a_manager",
        "bank_b_officer",
        "guarantor_officer",
        "commissioner",
        "promotion_officer",
        "reviewer",
        "finance_officer",
        "joint_office_viewer",
        "park_admin",
    ],
)
def test_every_role_lands_on_its_home_with_its_organisation(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert response.context["membership"].organisation == user.organisation
    assert user.organisation.name in response.content.decode()


def test_password_change_requires_the_old_password_and_keeps_the_user_signed_in(client, enterprise_user):
    client.force_login(enterprise_user)
    url = reverse("password_change")
    new = "Pledge-2026-river-lantern"
    refused = client.post(url, {"old_password": "wrong", "new_password1": new, "new_password2": new})
    assert refused.status_code == 200 and refused.context["form"].errors
    done = client.post(url, {"old_password": PASSWORD, "new_password1": new, "new_password2": new})
    assert done.status_code == 302
    enterprise_user.refresh_from_db()
    assert enterprise_user.check_password(new)
    assert client.get(reverse("home")).status_code == 200


def test_common_or_short_passwords_are_refused(client, enterprise_user):
    client.force_login(enterprise_user)
    for weak in ("password123", "Ab1!"):
        response = client.post(
            reverse("password_change"),
            {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
        )
        assert response.context["form"].errors["new_password2"]


def test_schema_lists_the_public_endpoints(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/public/identifiers/uscc/",
        "/api/v1/public/identifiers/patent/",
        "/api/v1/public/calendar/due-date/",
    ):
        assert path in paths and "get" in paths[path]


def test_api_docs_are_served_without_a_cdn(client):
    page = client.get("/api/docs/").content.decode()
    assert "cdn" not in page.lower() and "unpkg" not in page.lower()
