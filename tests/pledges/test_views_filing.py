import pytest
from django.urls import reverse

from pledges.models import LegalStatus, PledgeRegistration, Status
from pledges.services.filing import material_upload
from tests.conftest import PASSWORD
from tests.pledges import factories_filing
from tests.pledges.factories_filing import upload

_filing_media = factories_filing._filing_media
make_draft = factories_filing.make_draft
make_patent = factories_filing.make_patent
walk = factories_filing.walk

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_enterprise_sees_only_its_own_filings(client, make_draft, make_patent, enterprise_user, outsider):
    mine = make_draft()
    other = make_draft(
        pledgor=outsider.organisation,
        assets=[make_patent(outsider.organisation)],
        actor=outsider,
    )
    _login(client, enterprise_user)
    response = client.get(reverse("pledges:my_filings"))
    assert response.status_code == 200
    body = response.content.decode()
    assert mine.reference in body and other.reference not in body
    # A draft shows the date it would be done by if filed today, and the next step in plain words.
    [row] = response.context["rows"]
    assert row.expected is not None and row.next_step
    assert client.get(reverse("pledges:registration_detail", args=[other.pk])).status_code == 404


def test_bank_b_never_sees_bank_a_case(client, make_draft, bank_b_officer):
    registration = make_draft()
    _login(client, bank_b_officer)
    assert client.get(reverse("pledges:registration_detail", args=[registration.pk])).status_code == 404
    assert client.post(reverse("pledges:confirm", args=[registration.pk])).status_code == 404
    assert registration.reference not in client.get(reverse("pledges:to_confirm")).content.decode()


def test_wrong_roles_get_403_on_the_lists(client, bank_a_officer, enterprise_user, joint_office_viewer):
    _login(client, bank_a_officer)
    assert client.get(reverse("pledges:my_filings")).status_code == 403
    assert client.get(reverse("pledges:filing_new")).status_code == 403
    assert client.get(reverse("pledges:workbench")).status_code == 403
    _login(client, enterprise_user)
    assert client.get(reverse("pledges:to_confirm")).status_code == 403
    _login(client, joint_office_viewer)
    assert client.get(reverse("pledges:workbench")).status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get(reverse("pledges:my_filings"))
    assert response.status_code == 302 and "login" in response["Location"]


def _filing_post(asset, bank, **extra):
    data = {
        "kind": "pledge",
        "ip_kind": "patent",
        "pledgee": bank.pk,
        "channel": "online",
        "assets": [asset.pk],
        "debt_amount": "2500000.00",
        "debt_start": "2026-01-05",
        "debt_end": "2027-01-04",
    }
    data.update(extra)
    return data


def test_new_filing_page_creates_a_draft(client, enterprise_user, enterprise, make_patent, bank_a_branch):
    asset = make_patent(enterprise)
    _login(client, enterprise_user)
    assert client.get(reverse("pledges:filing_new")).status_code == 200
    response = client.post(reverse("pledges:filing_new"), _filing_post(asset, bank_a_branch))
    registration = PledgeRegistration.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:registration_detail", args=[registration.pk])
    assert registration.pledgee == bank_a_branch and registration.status == Status.DRAFT


@pytest.mark.parametrize(
    "bad",
    [
        {"debt_amount": "-5"},
        {"debt_amount": "abc"},
        {"debt_end": "2025-01-01"},
        {"assets": []},
        {"pledgee": "999999"},
        {"ip_kind": "trademark"},
        {"debt_start": "not-a-date"},
    ],
)
def test_new_filing_page_shows_errors_for_bad_input(
    client, enterprise_user, enterprise, make_patent, bank_a_branch, bad
):
    asset = make_patent(enterprise)
    _login(client, enterprise_user)
    response = client.post(reverse("pledges:filing_new"), _filing_post(asset, bank_a_branch, **bad))
    assert response.status_code == 200
    assert response.context["form"].errors
    assert not PledgeRegistration.objects.exists()


def test_edit_page_changes_the_draft(client, make_draft, enterprise_user, bank_a):
    registration = make_draft()
    asset = registration.assets.get()
    _login(client, enterprise_user)
    assert client.get(reverse("pledges:filing_edit", args=[registration.pk])).status_code == 200
    response = client.post(
        reverse("pledges:filing_edit", args=[registration.pk]),
        _filing_post(asset, bank_a, debt_amount="10.00"),
    )
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.pledgee == bank_a and str(registration.debt_amount) == "10.00"


def test_case_page_shows_checklist_precheck_and_waiver_button(
    client, make_draft, make_patent, enterprise, enterprise_user
):
    registration = make_draft(
        assets=[make_patent(enterprise, legal_status=LegalStatus.INVALIDATION_REQUESTED)]
    )
    _login(client, enterprise_user)
    response = client.get(reverse("pledges:registration_detail", args=[registration.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-testid="waive-invalidation_proceeding_started"' in body
    assert 'data-item="request_form"' in body
    response = client.post(
        reverse("pledges:waive", args=[registration.pk]), {"reason": "invalidation_proceeding_started"}
    )
    assert response.status_code == 302
    assert registration.waivers.count() == 1
    # A non-waivable code is a form error, not a crash.
    response = client.post(reverse("pledges:waive", args=[registration.pk]), {"reason": "other"})
    assert response.status_code == 302 and registration.waivers.count() == 1


def test_refused_submission_shows_the_reason(
    client, make_draft, make_patent, enterprise, enterprise_user, english
):
    registration = make_draft(assets=[make_patent(enterprise, grant_date=None)])
    _login(client, enterprise_user)
    response = client.post(
        reverse("pledges:submit", args=[registration.pk]), follow=True, HTTP_ACCEPT_LANGUAGE="en"
    )
    messages = [str(m) for m in response.context["messages"]]
    assert any("not yet granted" in message for message in messages)
    registration.refresh_from_db()
    assert registration.status == Status.DRAFT


def test_joint_filing_through_the_pages(client, make_draft, enterprise_user, bank_a_officer, commissioner):
    registration = make_draft()
    _login(client, enterprise_user)
    client.post(reverse("pledges:submit", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == Status.AWAITING_PLEDGEE

    _login(client, bank_a_officer)
    listing = client.get(reverse("pledges:to_confirm"))
    assert [row.registration.pk for row in listing.context["waiting"]] == [registration.pk]
    # Sending back needs a reason.
    client.post(reverse("pledges:send_back", args=[registration.pk]), {"reason": ""})
    registration.refresh_from_db()
    assert registration.status == Status.AWAITING_PLEDGEE
    client.post(reverse("pledges:confirm", args=[registration.pk]))
    registration.refresh_from_db()
    assert registration.status == Status.SUBMITTED and registration.commissioner == commissioner


def test_pledgee_sends_back_with_a_reason(client, make_draft, enterprise_user, bank_a_officer):
    registration = make_draft()
    _login(client, enterprise_user)
    client.post(reverse("pledges:submit", args=[registration.pk]))
    _login(client, bank_a_officer)
    client.post(reverse("pledges:send_back", args=[registration.pk]), {"reason": "借款期限有误"})
    registration.refresh_from_db()
    assert registration.status == Status.DRAFT
    assert registration.events.filter(to_status=Status.DRAFT, reason="借款期限有误").exists()


def test_office_moves_register_with_notice_number(client, make_draft, walk, commissioner):
    registration = walk(make_draft(), Status.UNDER_REVIEW)
    _login(client, commissioner)
    page = client.get(reverse("pledges:registration_detail", args=[registration.pk]))
    assert 'data-testid="move-registered"' in page.content.decode()
    # Without a notice number the move is refused with a message.
    client.post(reverse("pledges:move", args=[registration.pk]), {"to": "registered", "notice_number": ""})
    registration.refresh_from_db()
    assert registration.status == Status.UNDER_REVIEW
    client.post(
        reverse("pledges:move", args=[registration.pk]),
        {
            "to": "registered",
            "notice_number": "Y2026110000123",
            "registered_on": registration.clock_started_on,
        },
    )
    registration.refresh_from_db()
    assert registration.status == Status.REGISTERED and registration.notice_number == "Y2026110000123"


def test_office_refusal_needs_grounds(client, make_draft, walk, commissioner):
    registration = walk(make_draft(), Status.UNDER_REVIEW)
    _login(client, commissioner)
    client.post(reverse("pledges:move", args=[registration.pk]), {"to": "refused"})
    registration.refresh_from_db()
    assert registration.status == Status.UNDER_REVIEW
    client.post(
        reverse("pledges:move", args=[registration.pk]),
        {"to": "refused", "refusal_reasons": ["contract_noncompliant"]},
    )
    registration.refresh_from_db()
    assert registration.status == Status.REFUSED and registration.refusal_reasons == ["contract_noncompliant"]


def test_a_move_not_offered_is_refused(client, make_draft, walk, commissioner, enterprise_user):
    registration = walk(make_draft(), Status.PRECHECK)
    _login(client, commissioner)
    client.post(reverse("pledges:move", args=[registration.pk]), {"to": "registered", "notice_number": "X"})
    registration.refresh_from_db()
    assert registration.status == Status.PRECHECK
    _login(client, enterprise_user)
    assert client.post(reverse("pledges:move", args=[registration.pk]), {"to": "accepted"}).status_code == 403


def test_office_case_page_has_contact_log_ticks_and_correction(
    client, make_draft, walk, commissioner, enterprise_user
):
    registration = make_draft()
    material = material_upload(
        registration=registration, item="request_form", uploaded_file=upload(), actor=enterprise_user
    )
    registration = walk(registration, Status.PRECHECK)
    _login(client, commissioner)
    response = client.post(
        reverse("pledges:material_tick", args=[material.pk]),
        {"accepted": "0", "comment": "未签字"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "未签字" in response.content.decode()
    client.post(reverse("pledges:contact", args=[registration.pk]), {"kind": "call", "note": "电话沟通"})
    assert registration.contacts.count() == 1
    page = client.get(reverse("pledges:registration_detail", args=[registration.pk]))
    failing = [item.code for item in page.context["failing"]]
    assert failing == ["request_form", "pledge_contract", "identity_or_commitment"]
    client.post(reverse("pledges:correction", args=[registration.pk]), {"note": ""})
    registration.refresh_from_db()
    assert registration.status == Status.NEEDS_CORRECTION
    _login(client, enterprise_user)
    page = client.get(reverse("pledges:registration_detail", args=[registration.pk]))
    assert 'data-testid="correction-notice"' in page.content.decode()
    assert "contact-log" not in page.content.decode()


def test_home_page_links_by_role(client, enterprise_user, bank_a_officer, commissioner):
    _login(client, enterprise_user)
    assert reverse("pledges:my_filings") in client.get(reverse("home")).content.decode()
    _login(client, bank_a_officer)
    assert reverse("pledges:to_confirm") in client.get(reverse("home")).content.decode()
    _login(client, commissioner)
    assert reverse("pledges:workbench") in client.get(reverse("home")).content.decode()
