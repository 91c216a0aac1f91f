"""The pages: happy paths, another organisation's object (404), a wrong role (403), bad input (400 with the
input kept)."""

import re

import pytest
from django.urls import reverse

from ratings.models import FollowUp, FollowUpKind, FollowUpStatus, InvitationStatus, Rating
from tests.ratings.factories import rate, refreshed


@pytest.fixture
def bad_rated(invitation, enterprise_user):
    rate(invitation, enterprise_user, 1, "等了很久")
    return refreshed(invitation)


def _rating_post(score, comment=""):
    return {"score": score, "timeliness": score, "helpfulness": score, "clarity": score, "comment": comment}


# --- The rater ---------------------------------------------------------------------------------------------


def test_the_enterprise_sees_its_case_to_rate_and_rates_it(client, invitation, enterprise_user):
    client.force_login(enterprise_user)
    listing = client.get(reverse("ratings:to-give"))
    assert listing.status_code == 200
    assert invitation.reference in listing.content.decode()
    page = client.get(reverse("ratings:invitation-detail", args=[invitation.pk]))
    assert page.status_code == 200
    assert 'data-testid="scale-score"' in page.content.decode()
    response = client.post(reverse("ratings:invitation-rate", args=[invitation.pk]), _rating_post(5))
    assert response.status_code == 302
    assert refreshed(invitation).status == InvitationStatus.RATED
    mine = client.get(reverse("ratings:given"))
    assert mine.status_code == 200 and invitation.reference in mine.content.decode()


def test_a_bad_rating_without_a_comment_is_refused_and_the_answers_kept(client, invitation, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("ratings:invitation-rate", args=[invitation.pk]), _rating_post(2), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert len(re.findall(r'value="2"[^>]*checked', html)) == 4  # every scale keeps its answer
    assert "Required for a dissatisfied rating." in html
    assert not Rating.objects.exists()


def test_an_unanswered_scale_is_refused(client, invitation, enterprise_user):
    client.force_login(enterprise_user)
    data = _rating_post(4)
    del data["clarity"]
    response = client.post(
        reverse("ratings:invitation-rate", args=[invitation.pk]), data, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    assert "Choose one of the five answers." in response.content.decode()


def test_another_enterprise_cannot_see_or_rate_the_case(client, invitation, outsider):
    client.force_login(outsider)
    assert client.get(reverse("ratings:invitation-detail", args=[invitation.pk])).status_code == 404
    assert (
        client.post(reverse("ratings:invitation-rate", args=[invitation.pk]), _rating_post(5)).status_code
        == 404
    )
    assert invitation.reference not in client.get(reverse("ratings:to-give")).content.decode()


def test_roles_without_ratings_to_give_are_refused(client, invitation, commissioner, park_admin):
    client.force_login(commissioner)
    assert client.get(reverse("ratings:to-give")).status_code == 403
    assert (
        client.post(reverse("ratings:invitation-rate", args=[invitation.pk]), _rating_post(5)).status_code
        == 403
    )
    client.force_login(park_admin)
    assert client.get(reverse("ratings:invitation-detail", args=[invitation.pk])).status_code == 403


def test_the_rater_declines(client, invitation, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(reverse("ratings:invitation-decline", args=[invitation.pk]), {"reason": "不需要"})
    assert response.status_code == 302
    assert refreshed(invitation).status == InvitationStatus.CLOSED


# --- The responsible party ---------------------------------------------------------------------------------


def test_the_commissioner_records_the_callback_then_the_rectification(client, bad_rated, commissioner):
    client.force_login(commissioner)
    queue = client.get(reverse("ratings:follow-ups"))
    assert queue.status_code == 200
    assert queue.content.decode().count('data-testid="queue-row"') == 2
    callback = FollowUp.objects.get(kind=FollowUpKind.CALLBACK)
    rectification = FollowUp.objects.get(kind=FollowUpKind.RECTIFICATION)
    page = client.get(reverse("ratings:follow-up-detail", args=[callback.pk]))
    assert page.status_code == 200 and "等了很久" in page.content.decode()
    too_early = client.post(reverse("ratings:follow-up-detail", args=[rectification.pk]), {"note": "已整改"})
    assert too_early.status_code == 400 and "已整改" in too_early.content.decode()
    assert (
        client.post(reverse("ratings:follow-up-detail", args=[callback.pk]), {"note": "已回访"}).status_code
        == 302
    )
    assert (
        client.post(
            reverse("ratings:follow-up-detail", args=[rectification.pk]), {"note": "已整改"}
        ).status_code
        == 302
    )
    assert refreshed(bad_rated).status == InvitationStatus.REINVITED
    assert FollowUp.objects.filter(status=FollowUpStatus.DONE).count() == 2


def test_an_empty_follow_up_record_is_refused(client, bad_rated, commissioner):
    client.force_login(commissioner)
    callback = FollowUp.objects.get(kind=FollowUpKind.CALLBACK)
    response = client.post(reverse("ratings:follow-up-detail", args=[callback.pk]), {"note": "  "})
    assert response.status_code == 400
    assert FollowUp.objects.get(pk=callback.pk).status == FollowUpStatus.OPEN


def test_a_bad_filter_is_refused(client, bad_rated, commissioner):
    client.force_login(commissioner)
    assert client.get(reverse("ratings:follow-ups"), {"status": "nonsense"}).status_code == 400


def test_bank_b_cannot_see_bank_a_follow_ups(
    client, loan_invitation, bank_a_officer, bank_b_officer, enterprise_user
):
    invitation = loan_invitation
    rate(invitation, enterprise_user, 1)
    follow_up = FollowUp.objects.filter(invitation=invitation).first()
    client.force_login(bank_b_officer)
    assert client.get(reverse("ratings:follow-up-detail", args=[follow_up.pk])).status_code == 404
    assert client.get(reverse("ratings:invitation-detail", args=[invitation.pk])).status_code == 404
    assert 'data-testid="queue-row"' not in client.get(reverse("ratings:follow-ups")).content.decode()
    client.force_login(bank_a_officer)
    assert client.get(reverse("ratings:follow-up-detail", args=[follow_up.pk])).status_code == 200


def test_the_enterprise_cannot_open_the_follow_up_queue(client, bad_rated, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("ratings:follow-ups")).status_code == 403
    callback = FollowUp.objects.get(kind=FollowUpKind.CALLBACK)
    assert client.get(reverse("ratings:follow-up-detail", args=[callback.pk])).status_code == 403


# --- The report --------------------------------------------------------------------------------------------


def test_the_report_for_the_oversight_roles(client, bad_rated, promotion_officer, joint_office_viewer):
    for user in (promotion_officer, joint_office_viewer):
        client.force_login(user)
        response = client.get(
            reverse("ratings:report"), {"date_from": "2020-01-01", "date_to": "2030-12-31", "cut": "office"}
        )
        assert response.status_code == 200
        assert 'data-testid="report-row"' in response.content.decode()


def test_a_supervisor_sees_their_office_and_a_bank_manager_only_the_bank_cut(
    client, bad_rated, make_user, registration_office, bank_a_manager
):
    from portal.accounts.models import Role

    supervisor = make_user("sup", registration_office, Role.REGISTRATION_SUPERVISOR)
    client.force_login(supervisor)
    response = client.get(
        reverse("ratings:report"), {"date_from": "2020-01-01", "date_to": "2030-12-31", "cut": "commissioner"}
    )
    assert response.status_code == 200 and "陈专员" in response.content.decode()
    client.force_login(bank_a_manager)
    assert client.get(reverse("ratings:report")).status_code == 200
    refused = client.get(
        reverse("ratings:report"), {"date_from": "2020-01-01", "date_to": "2030-12-31", "cut": "office"}
    )
    assert refused.status_code == 400


def test_the_report_refuses_other_roles_and_bad_periods(client, enterprise_user, promotion_officer):
    client.force_login(enterprise_user)
    assert client.get(reverse("ratings:report")).status_code == 403
    client.force_login(promotion_officer)
    response = client.get(
        reverse("ratings:report"), {"date_from": "2026-12-01", "date_to": "2026-01-01", "cut": "bank"}
    )
    assert response.status_code == 400
    assert 'value="2026-12-01"' in response.content.decode()


def test_home_links_follow_the_roles(client, enterprise_user, commissioner, promotion_officer):
    from django.apps import apps

    config = apps.get_app_config("ratings")
    assert [url for _label, url in config.home_links(enterprise_user)[0]["links"]] == [
        "/ratings/",
        "/ratings/mine/",
    ]
    assert [url for _label, url in config.home_links(commissioner)[0]["links"]] == ["/ratings/follow-ups/"]
    assert "/ratings/report/" in [url for _label, url in config.home_links(promotion_officer)[0]["links"]]
