"""Onboarding (issue 11): an enterprise registers itself, the promotion centre verifies or rejects it, an
unverified enterprise cannot apply for a loan, and administrators invite colleagues, manage their roles and
(at a bank) open branches. Happy paths, outsiders (404), wrong roles (403), bad input (400)."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from loans.errors import ApplicationNotAllowed
from portal.accounts import onboarding
from portal.accounts.models import (
    District,
    EnterpriseProfile,
    Invitation,
    Membership,
    Organisation,
    OrganisationEvent,
    OrgKind,
    Park,
    Role,
    User,
    VerificationStatus,
)
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.conftest import make_uscc
from tests.loans import applications_factory as factory

_application_settings = factory._application_settings
bank_b_manager = factory.bank_b_manager
make_asset = factory.make_asset
make_request = factory.make_request
patent = factory.patent
product_a = factory.product_a
product_b = factory.product_b
threshold = factory.threshold

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW_PASSWORD = "Quantum-Leap-2026!"
LINK_RE = re.compile(r"/accounts/invitation/([0-9a-f]{64})/")


def _registration(**overrides) -> dict:
    park = Park.objects.filter(district=District.HAIDIAN).first()
    data = {
        "uscc": make_uscc(District.HAIDIAN),
        "name": "北京星河量子科技有限公司",
        "district": District.HAIDIAN,
        "park": park.pk if park else "",
        "contact_name": "许晨曦",
        "contact_phone": "13912345678",
        "contact_email": "xu@xinghe.example",
        "username": "xinghe_admin",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    data.update(overrides)
    return data


def _counts() -> tuple[int, int, int]:
    return Organisation.objects.count(), User.objects.count(), Membership.objects.count()


@pytest.fixture
def pending_enterprise(make_enterprise):
    return make_enterprise("北京待核验科技有限公司", verification_status=VerificationStatus.PENDING)


@pytest.fixture
def bank_admin(make_user, bank_a):
    return make_user("bank_admin", bank_a, Role.ORG_ADMIN, full_name="刘管理")


# ---------------------------------------------------------------------------------------------------------
# Registration


def test_the_login_page_links_to_registration(client):
    page = client.get(reverse("login")).content.decode()
    assert reverse("onboarding:register") in page


def test_the_registration_form_checks_the_credit_code_as_it_types(client):
    page = client.get(reverse("onboarding:register")).content.decode()
    assert 'data-identifier="uscc"' in page
    assert "js/identifier-check.js" in page


def test_an_enterprise_registers_itself_pending_verification(client, promotion_officer, english):
    data = _registration()
    response = client.post(reverse("onboarding:register"), data)
    assert response.status_code == 302 and response["Location"] == reverse("login")

    organisation = Organisation.objects.get(uscc=data["uscc"])
    assert organisation.kind == OrgKind.ENTERPRISE
    assert organisation.verification_status == VerificationStatus.PENDING
    assert organisation.district == District.HAIDIAN
    profile = organisation.enterprise_profile
    assert (profile.contact_name, profile.contact_phone, profile.contact_email) == (
        "许晨曦",
        "13912345678",
        "xu@xinghe.example",
    )
    assert profile.park_id == data["park"]
    user = User.objects.get(username="xinghe_admin")
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.filter(
        user=user, organisation=organisation, role=Role.ORG_ADMIN, is_active=True
    ).exists()
    event = OrganisationEvent.objects.get(organisation=organisation)
    assert (event.from_status, event.to_status, event.actor) == ("", VerificationStatus.PENDING, user)
    assert AuditEvent.objects.filter(
        action="accounts.enterprise.register", object_id=str(organisation.pk)
    ).exists()
    notice = Notification.objects.get(recipient=promotion_officer, kind="accounts.registered")
    assert notice.link == reverse("onboarding:verification_detail", args=[organisation.pk])


def test_a_taken_credit_code_is_refused_and_nothing_is_created(client, enterprise):
    before = _counts()
    response = client.post(reverse("onboarding:register"), _registration(uscc=enterprise.uscc), **EN)
    assert response.status_code == 400
    assert "already registered" in response.content.decode()
    assert _counts() == before


def test_an_invalid_credit_code_is_refused(client):
    before = _counts()
    code = make_uscc(District.HAIDIAN)
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    response = client.post(reverse("onboarding:register"), _registration(uscc=wrong))
    assert response.status_code == 400
    assert "uscc" in response.context["form"].errors
    assert _counts() == before


def test_a_weak_password_is_refused_by_the_validators(client):
    before = _counts()
    response = client.post(
        reverse("onboarding:register"), _registration(password="password", password_confirm="password")
    )
    assert response.status_code == 400
    assert response.context["form"].errors["password"]
    assert _counts() == before


def test_a_taken_username_is_refused(client, enterprise_user):
    before = _counts()
    response = client.post(reverse("onboarding:register"), _registration(username="ENT_USER"))
    assert response.status_code == 400
    assert response.context["form"].errors["username"]
    assert _counts() == before


def test_a_park_outside_the_chosen_district_is_refused(client):
    park = Park.objects.exclude(district="").exclude(district=District.CHANGPING).first()
    response = client.post(
        reverse("onboarding:register"), _registration(district=District.CHANGPING, park=park.pk)
    )
    assert response.status_code == 400
    assert response.context["form"].errors["park"]


def test_registration_posts_are_rate_limited(client, settings):
    settings.REGISTRATION_THROTTLE = "2/hour"
    for _ in range(2):
        assert client.post(reverse("onboarding:register"), _registration(uscc="bad")).status_code == 400
    response = client.post(reverse("onboarding:register"), _registration())
    assert response.status_code == 429 and "Retry-After" in response
    assert not User.objects.filter(username="xinghe_admin").exists()


# ---------------------------------------------------------------------------------------------------------
# Verification


def test_the_promotion_centre_sees_the_queue_and_verifies(
    client, promotion_officer, pending_enterprise, make_user
):
    member = make_user("pending_admin", pending_enterprise, Role.ORG_ADMIN)
    client.force_login(promotion_officer)
    queue = client.get(reverse("onboarding:verification_queue")).content.decode()
    assert pending_enterprise.name in queue

    url = reverse("onboarding:verification_detail", args=[pending_enterprise.pk])
    EnterpriseProfile.objects.filter(organisation=pending_enterprise).update(contact_phone="13912345678")
    page = client.get(url)
    assert page.status_code == 200
    assert "139****5678" in page.content.decode() and "13912345678" not in page.content.decode()
    response = client.post(url, {"decision": VerificationStatus.VERIFIED, "reason": ""})
    assert response.status_code == 302

    pending_enterprise.refresh_from_db()
    assert pending_enterprise.verification_status == VerificationStatus.VERIFIED
    event = pending_enterprise.events.get()
    assert (event.actor, event.from_status, event.to_status) == (
        promotion_officer,
        VerificationStatus.PENDING,
        VerificationStatus.VERIFIED,
    )
    audit = AuditEvent.objects.get(action="accounts.organisation.verification")
    assert audit.actor_id == promotion_officer.pk and audit.details["to"] == VerificationStatus.VERIFIED
    assert Notification.objects.filter(recipient=member, kind="accounts.verification").exists()


def test_a_rejection_needs_its_reason_and_the_enterprise_reads_it(
    client, promotion_officer, pending_enterprise, make_user
):
    member = make_user("pending_admin", pending_enterprise, Role.ORG_ADMIN)
    client.force_login(promotion_officer)
    url = reverse("onboarding:verification_detail", args=[pending_enterprise.pk])

    response = client.post(url, {"decision": VerificationStatus.REJECTED, "reason": "  "})
    assert response.status_code == 400
    assert response.context["form"].errors["reason"]
    pending_enterprise.refresh_from_db()
    assert pending_enterprise.verification_status == VerificationStatus.PENDING
    assert not pending_enterprise.events.exists()

    client.post(url, {"decision": VerificationStatus.REJECTED, "reason": "营业执照与信用代码不符"})
    pending_enterprise.refresh_from_db()
    assert pending_enterprise.verification_status == VerificationStatus.REJECTED
    assert pending_enterprise.events.get().reason == "营业执照与信用代码不符"
    notice = Notification.objects.get(recipient=member, kind="accounts.verification")
    assert "营业执照与信用代码不符" in notice.body


@pytest.mark.parametrize("persona", ["enterprise_admin", "reviewer", "bank_a_officer", "commissioner"])
def test_only_the_promotion_centre_verifies(client, request, persona, pending_enterprise):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("onboarding:verification_queue")).status_code == 403
    url = reverse("onboarding:verification_detail", args=[pending_enterprise.pk])
    assert client.post(url, {"decision": VerificationStatus.VERIFIED}).status_code == 403
    pending_enterprise.refresh_from_db()
    assert pending_enterprise.verification_status == VerificationStatus.PENDING


def test_an_unknown_organisation_is_a_404_for_the_promotion_centre(client, promotion_officer, bank_a):
    client.force_login(promotion_officer)
    assert client.get(reverse("onboarding:verification_detail", args=[999_999])).status_code == 404
    # Only enterprises are verified here: a bank is not in the list.
    assert client.get(reverse("onboarding:verification_detail", args=[bank_a.pk])).status_code == 404


def test_the_transition_table_refuses_unlisted_moves(promotion_officer, enterprise, english):
    with pytest.raises(onboarding.OnboardingNotAllowed, match="cannot become"):
        onboarding.verification_transition(
            organisation=enterprise, to=VerificationStatus.REJECTED, reason="x", actor=promotion_officer
        )


def test_existing_and_service_made_organisations_are_verified(enterprise, bank_a, ip_bureau):
    assert {enterprise.verification_status, bank_a.verification_status, ip_bureau.verification_status} == {
        VerificationStatus.VERIFIED
    }


# ---------------------------------------------------------------------------------------------------------
# The loan application gate


def test_a_pending_enterprise_sees_why_it_cannot_apply(client, pending_enterprise, make_user):
    user = make_user("pending_user", pending_enterprise, Role.ENTERPRISE_USER)
    client.force_login(user)
    response = client.get(reverse("loans:application_apply"), **EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert "awaiting verification by the promotion centre" in page
    assert 'data-testid="apply-form"' not in page
    assert client.post(reverse("loans:application_apply"), {}).status_code == 409


def test_a_rejected_enterprise_is_told_the_reason(client, pending_enterprise, make_user, promotion_officer):
    onboarding.verification_transition(
        organisation=pending_enterprise,
        to=VerificationStatus.REJECTED,
        reason="材料不全",
        actor=promotion_officer,
    )
    client.force_login(make_user("pending_user", pending_enterprise, Role.ENTERPRISE_USER))
    page = client.get(reverse("loans:application_apply"), **EN).content.decode()
    assert "rejected" in page and "材料不全" in page


def test_the_application_is_gated_until_verified(enterprise, make_request, promotion_officer, english):
    Organisation.objects.filter(pk=enterprise.pk).update(verification_status=VerificationStatus.PENDING)
    enterprise.refresh_from_db()
    with pytest.raises(ApplicationNotAllowed, match="awaiting verification"):
        make_request()
    onboarding.verification_transition(
        organisation=enterprise, to=VerificationStatus.VERIFIED, actor=promotion_officer
    )
    enterprise.refresh_from_db()
    assert make_request().applications.count() == 2


# ---------------------------------------------------------------------------------------------------------
# Invitations


def _invite(client, admin, django_capture_on_commit_callbacks, **data):
    client.force_login(admin)
    values = {
        "organisation": admin.organisation.pk,
        "email": "new.colleague@example.com",
        "role": Role.ENTERPRISE_USER,
    }
    values.update(data)
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("onboarding:invitation_create"), values)


def _token_from_mail() -> str:
    match = LINK_RE.search(mail.outbox[-1].body)
    assert match, mail.outbox[-1].body
    return match.group(1)


def _accept(client, token, headers=None, **data):
    values = {
        "full_name": "赵同事",
        "username": "zhao_colleague",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
    }
    values.update(data)
    return client.post(reverse("onboarding:invitation_accept", args=[token]), values, headers=headers)


def test_an_invitation_is_mailed_and_accepted_once(
    client, enterprise_admin, django_capture_on_commit_callbacks
):
    response = _invite(client, enterprise_admin, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["new.colleague@example.com"]
    token = _token_from_mail()
    assert token not in (invitation.token_hash, invitation.nonce)  # only a hash of the token is stored
    assert invitation.emailed_at is not None
    # The mail task may run twice (at least once delivery): one mail.
    assert onboarding.invitation_send_email(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1

    client.logout()
    assert client.get(reverse("onboarding:invitation_accept", args=[token])).status_code == 200
    assert _accept(client, token).status_code == 302
    user = User.objects.get(username="zhao_colleague")
    assert user.email == "new.colleague@example.com"
    membership = user.memberships.get()
    assert (membership.organisation, membership.role) == (enterprise_admin.organisation, Role.ENTERPRISE_USER)
    invitation.refresh_from_db()
    assert invitation.accepted_by == user

    again = _accept(client, token, headers={"Accept-Language": "en"}, username="someone_else")
    assert again.status_code == 410 and "already been used" in again.content.decode()
    assert not User.objects.filter(username="someone_else").exists()


def test_an_expired_invitation_cannot_be_used(client, enterprise_admin, django_capture_on_commit_callbacks):
    _invite(client, enterprise_admin, django_capture_on_commit_callbacks)
    token = _token_from_mail()
    Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    client.logout()
    response = client.get(reverse("onboarding:invitation_accept", args=[token]), **EN)
    assert response.status_code == 410 and "expired" in response.content.decode()
    assert _accept(client, token).status_code == 410
    assert not User.objects.filter(username="zhao_colleague").exists()


def test_a_revoked_invitation_cannot_be_used(client, enterprise_admin, django_capture_on_commit_callbacks):
    _invite(client, enterprise_admin, django_capture_on_commit_callbacks)
    token = _token_from_mail()
    invitation = Invitation.objects.get()
    page = client.get(reverse("onboarding:members")).content.decode()
    assert "new.colleague@example.com" in page
    assert client.post(reverse("onboarding:invitation_revoke", args=[invitation.pk])).status_code == 302
    invitation.refresh_from_db()
    assert invitation.revoked_by == enterprise_admin
    assert AuditEvent.objects.filter(action="accounts.invitation.revoke").exists()
    client.logout()
    assert _accept(client, token).status_code == 410
    assert not User.objects.filter(username="zhao_colleague").exists()


def test_an_unknown_token_is_a_404(client):
    assert client.get(reverse("onboarding:invitation_accept", args=["0" * 64])).status_code == 404


def test_the_invited_password_must_pass_the_validators(
    client, enterprise_admin, django_capture_on_commit_callbacks
):
    _invite(client, enterprise_admin, django_capture_on_commit_callbacks)
    token = _token_from_mail()
    client.logout()
    response = _accept(client, token, password="12345678", password_confirm="12345678")
    assert response.status_code == 400
    assert Invitation.objects.get().accepted_at is None


def test_a_role_the_organisation_kind_cannot_give_is_refused(
    client, enterprise_admin, django_capture_on_commit_callbacks, english
):
    response = _invite(client, enterprise_admin, django_capture_on_commit_callbacks, role=Role.BANK_OFFICER)
    assert response.status_code == 400
    assert not Invitation.objects.exists() and not mail.outbox
    with pytest.raises(onboarding.OnboardingInvalid) as raised:
        onboarding.invitation_create(
            organisation=enterprise_admin.organisation,
            email="x@example.com",
            role=Role.REVIEWER,
            actor=enterprise_admin,
        )
    assert "role" in raised.value.errors


def test_another_organisations_admin_gets_404(
    client, enterprise_admin, make_user, other_enterprise, enterprise_user
):
    other_admin = make_user("other_admin", other_enterprise, Role.ORG_ADMIN)
    invitation = onboarding.invitation_create(
        organisation=enterprise_admin.organisation,
        email="a@example.com",
        role=Role.ENTERPRISE_USER,
        actor=enterprise_admin,
    )
    membership = enterprise_user.memberships.get()
    client.force_login(other_admin)
    assert client.post(reverse("onboarding:invitation_revoke", args=[invitation.pk])).status_code == 404
    assert (
        client.post(
            reverse("onboarding:member_update", args=[membership.pk]), {"action": "deactivate"}
        ).status_code
        == 404
    )
    invitation.refresh_from_db()
    membership.refresh_from_db()
    assert invitation.revoked_at is None and membership.is_active
    assert "a@example.com" not in client.get(reverse("onboarding:members")).content.decode()
    # Inviting into another organisation is refused by the service too.
    with pytest.raises(onboarding.OnboardingNotAllowed):
        onboarding.invitation_create(
            organisation=enterprise_admin.organisation,
            email="b@example.com",
            role=Role.ENTERPRISE_USER,
            actor=other_admin,
        )


def test_a_plain_member_cannot_administer(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("onboarding:members")).status_code == 403
    assert client.post(reverse("onboarding:invitation_create"), {"email": "x@example.com"}).status_code == 403


def test_the_admin_changes_a_role_and_deactivates_a_member(client, enterprise_admin, enterprise_user):
    membership = enterprise_user.memberships.get()
    client.force_login(enterprise_admin)
    url = reverse("onboarding:member_update", args=[membership.pk])
    client.post(url, {"action": "role", f"m{membership.pk}-role": Role.ORG_ADMIN})
    membership.refresh_from_db()
    assert membership.role == Role.ORG_ADMIN
    assert AuditEvent.objects.filter(action="role.grant", object_id=str(membership.pk)).exists()
    client.post(url, {"action": "role", f"m{membership.pk}-role": Role.BANK_MANAGER})
    membership.refresh_from_db()
    assert membership.role == Role.ORG_ADMIN  # not a role an enterprise gives
    client.post(url, {"action": "deactivate"})
    membership.refresh_from_db()
    assert not membership.is_active


def test_an_admin_cannot_change_their_own_membership(client, enterprise_admin):
    membership = enterprise_admin.memberships.get()
    client.force_login(enterprise_admin)
    client.post(reverse("onboarding:member_update", args=[membership.pk]), {"action": "deactivate"})
    membership.refresh_from_db()
    assert membership.is_active


# ---------------------------------------------------------------------------------------------------------
# Bank branches


def test_a_bank_admin_opens_a_branch_and_invites_its_officer(
    client, bank_admin, bank_a, django_capture_on_commit_callbacks
):
    client.force_login(bank_admin)
    assert client.get(reverse("onboarding:branch_create")).status_code == 200
    response = client.post(
        reverse("onboarding:branch_create"), {"name": "中关村银行朝阳支行", "district": District.CHAOYANG}
    )
    assert response.status_code == 302
    branch = Organisation.objects.get(name="中关村银行朝阳支行")
    assert (branch.kind, branch.parent, branch.verification_status) == (
        OrgKind.BANK,
        bank_a,
        VerificationStatus.VERIFIED,
    )
    assert client.post(reverse("onboarding:branch_create"), {"name": "中关村银行朝阳支行"}).status_code == 400

    response = _invite(
        client,
        bank_admin,
        django_capture_on_commit_callbacks,
        organisation=branch.pk,
        role=Role.BANK_OFFICER,
        email="officer@bank.example",
    )
    assert response.status_code == 302
    token = _token_from_mail()
    client.logout()
    assert _accept(client, token, username="chaoyang_officer").status_code == 302
    membership = User.objects.get(username="chaoyang_officer").memberships.get()
    assert (membership.organisation, membership.role) == (branch, Role.BANK_OFFICER)


def test_only_a_head_office_admin_opens_branches(
    client, make_user, bank_a_branch, enterprise_admin, bank_a_officer
):
    branch_admin = make_user("branch_admin", bank_a_branch, Role.ORG_ADMIN)
    for user in (branch_admin, enterprise_admin, bank_a_officer):
        client.force_login(user)
        assert client.get(reverse("onboarding:branch_create")).status_code == 403
        assert client.post(reverse("onboarding:branch_create"), {"name": "假支行"}).status_code == 403
    assert not Organisation.objects.filter(name="假支行").exists()


def test_home_links_for_admins_and_the_promotion_centre(
    client, enterprise_admin, promotion_officer, pending_enterprise
):
    client.force_login(enterprise_admin)
    assert reverse("onboarding:members") in client.get(reverse("home")).content.decode()
    client.force_login(promotion_officer)
    assert reverse("onboarding:verification_queue") in client.get(reverse("home")).content.decode()
