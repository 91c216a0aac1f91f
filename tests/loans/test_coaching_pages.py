from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils.timezone import localdate

from loans.models import CoachingRequest, CoachingSession, CoachingStatus, CoachingTopic, SessionMode
from tests.loans.coaching_factory import coaching_in, make_agency_officer, make_coaching, record_session

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


@pytest.fixture
def agency_officer(make_user):
    return make_agency_officer(make_user)


@pytest.fixture
def assigned(enterprise_user, promotion_officer, commissioner):
    return coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )


def _detail(coaching) -> str:
    return reverse("loans:coaching_detail", args=[coaching.pk])


# ---------------------------------------------------------------------------------------------------
# Asking


def test_enterprise_user_asks_for_coaching_through_the_form(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.get(reverse("loans:coaching_new")).status_code == 200
    response = client.post(
        reverse("loans:coaching_new"),
        {
            "topic": CoachingTopic.PRODUCTS,
            "message": "哪家银行的产品适合我们？",
            "contact_phone": "13800138000",
        },
    )
    coaching = CoachingRequest.objects.get()
    assert response.status_code == 302 and response.url == _detail(coaching)
    assert (coaching.enterprise, coaching.topic, coaching.contact_phone) == (
        enterprise_user.organisation,
        CoachingTopic.PRODUCTS,
        "13800138000",
    )


def test_bad_request_form_is_a_400_that_keeps_what_was_typed(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("loans:coaching_new"),
        {"topic": CoachingTopic.VALUATION, "message": "   ", "contact_phone": "call me maybe"},
        headers=EN,
    )
    assert response.status_code == 400
    assert {"message", "contact_phone"} <= set(response.context["form"].errors)
    html = response.content.decode()
    assert 'value="call me maybe"' in html
    assert 'value="valuation" selected' in html
    assert not CoachingRequest.objects.exists()


def test_only_enterprise_users_may_ask(client, bank_a_officer, promotion_officer):
    for user in (bank_a_officer, promotion_officer):
        client.force_login(user)
        assert client.get(reverse("loans:coaching_new")).status_code == 403
        assert (
            client.post(reverse("loans:coaching_new"), {"topic": "other", "message": "?"}).status_code == 403
        )
    assert not CoachingRequest.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client):
    response = client.get(reverse("loans:coaching_mine"))
    assert response.status_code == 302 and "login" in response.url


# ---------------------------------------------------------------------------------------------------
# Lists


def test_my_coaching_lists_only_our_requests(client, enterprise_user, outsider):
    ours = make_coaching(asker=enterprise_user, topic=CoachingTopic.SUBSIDY)
    theirs = make_coaching(asker=outsider, topic=CoachingTopic.REGISTRATION)
    client.force_login(enterprise_user)
    response = client.get(reverse("loans:coaching_mine"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [ours]
    assert _detail(theirs) not in response.content.decode()


def test_my_coaching_is_for_enterprises(client, bank_a_officer):
    client.force_login(bank_a_officer)
    assert client.get(reverse("loans:coaching_mine")).status_code == 403


def test_queue_shows_waiting_requests_first_with_an_assign_form(
    client, assigned, outsider, promotion_officer, commissioner, agency_officer
):
    waiting = make_coaching(asker=outsider)
    client.force_login(promotion_officer)
    response = client.get(reverse("loans:coaching_queue"))
    assert response.status_code == 200
    assert list(response.context["page"]) == [waiting, assigned]
    html = response.content.decode()
    assert reverse("loans:coaching_assign", args=[waiting.pk]) in html
    assert f'value="{agency_officer.pk}"' in html


def test_queue_filters_and_refuses_a_bad_filter(client, assigned, outsider, promotion_officer):
    make_coaching(asker=outsider)
    client.force_login(promotion_officer)
    response = client.get(reverse("loans:coaching_queue"), {"status": "assigned"})
    assert list(response.context["page"]) == [assigned]
    assert client.get(reverse("loans:coaching_queue"), {"status": "lost"}).status_code == 400


def test_queue_is_for_the_promotion_centre(client, enterprise_user, commissioner, reviewer):
    for user in (enterprise_user, commissioner, reviewer):
        client.force_login(user)
        assert client.get(reverse("loans:coaching_queue")).status_code == 403


def test_coach_sees_the_cases_assigned_to_them(client, assigned, outsider, commissioner, agency_officer):
    make_coaching(asker=outsider)
    client.force_login(commissioner)
    response = client.get(reverse("loans:coaching_cases"))
    assert response.status_code == 200 and list(response.context["page"]) == [assigned]
    client.force_login(agency_officer)
    assert list(client.get(reverse("loans:coaching_cases")).context["page"]) == []


def test_cases_are_for_coaches(client, enterprise_user, bank_a_officer):
    for user in (enterprise_user, bank_a_officer):
        client.force_login(user)
        assert client.get(reverse("loans:coaching_cases")).status_code == 403


# ---------------------------------------------------------------------------------------------------
# The request's page


def test_detail_shows_the_request_sessions_and_history(client, assigned, enterprise_user, commissioner):
    record_session(
        assigned, actor=commissioner, held_on=localdate(), advice="先做价值评估", next_steps="联系评估机构"
    )
    client.force_login(enterprise_user)
    response = client.get(_detail(assigned), headers=EN)
    assert response.status_code == 200
    html = response.content.decode()
    assert "先做价值评估" in html and "联系评估机构" in html and str(commissioner) in html
    assert response.context["assign_form"] is None and response.context["session_form"] is None
    assert [move["to"] for move in response.context["move_forms"]] == [CoachingStatus.CANCELLED]


def test_detail_offers_the_promotion_centre_every_form(client, assigned, promotion_officer):
    client.force_login(promotion_officer)
    response = client.get(_detail(assigned))
    assert response.context["assign_form"] is not None and response.context["session_form"] is not None
    assert [move["to"] for move in response.context["move_forms"]] == [
        CoachingStatus.CLOSED,
        CoachingStatus.CANCELLED,
    ]


def test_detail_offers_the_coach_sessions_and_closing(client, assigned, commissioner):
    client.force_login(commissioner)
    response = client.get(_detail(assigned))
    assert response.context["assign_form"] is None and response.context["session_form"] is not None
    assert [move["to"] for move in response.context["move_forms"]] == [CoachingStatus.CLOSED]


def test_other_enterprise_bank_and_unassigned_coach_get_a_404(
    client, assigned, outsider, bank_a_officer, agency_officer
):
    for stranger in (outsider, bank_a_officer, agency_officer):
        client.force_login(stranger)
        assert client.get(_detail(assigned)).status_code == 404
        assert client.post(reverse("loans:coaching_session", args=[assigned.pk])).status_code == 404
        assert client.post(reverse("loans:coaching_assign", args=[assigned.pk])).status_code == 404
        assert client.post(reverse("loans:coaching_transition", args=[assigned.pk])).status_code == 404


# ---------------------------------------------------------------------------------------------------
# Assigning


def test_promotion_officer_assigns_a_coach_from_the_queue(
    client, enterprise_user, promotion_officer, agency_officer
):
    coaching = make_coaching(asker=enterprise_user)
    client.force_login(promotion_officer)
    response = client.post(
        reverse("loans:coaching_assign", args=[coaching.pk]),
        {"coach": agency_officer.pk, "reason": "专利代理", "next": "queue"},
    )
    assert response.status_code == 302 and response.url == reverse("loans:coaching_queue")
    coaching.refresh_from_db()
    assert (coaching.status, coaching.coach) == (CoachingStatus.ASSIGNED, agency_officer)


def test_assign_never_redirects_outside_the_portal(client, enterprise_user, promotion_officer, commissioner):
    coaching = make_coaching(asker=enterprise_user)
    client.force_login(promotion_officer)
    response = client.post(
        reverse("loans:coaching_assign", args=[coaching.pk]),
        {"coach": commissioner.pk, "next": "https://evil.example/"},
    )
    assert response.url == _detail(coaching)


def test_assigning_a_non_coach_is_a_400_that_keeps_the_note(
    client, enterprise_user, promotion_officer, guarantor_officer
):
    coaching = make_coaching(asker=enterprise_user)
    client.force_login(promotion_officer)
    response = client.post(
        reverse("loans:coaching_assign", args=[coaching.pk]),
        {"coach": guarantor_officer.pk, "reason": "试试看"},
    )
    assert response.status_code == 400
    assert "coach" in response.context["assign_form"].errors
    assert "试试看" in response.content.decode()
    coaching.refresh_from_db()
    assert (coaching.status, coaching.coach) == (CoachingStatus.REQUESTED, None)


def test_handing_over_to_the_same_coach_is_a_400(client, assigned, promotion_officer, commissioner):
    client.force_login(promotion_officer)
    response = client.post(reverse("loans:coaching_assign", args=[assigned.pk]), {"coach": commissioner.pk})
    assert response.status_code == 400
    assert "coach" in response.context["assign_form"].errors


def test_enterprise_user_cannot_assign(client, enterprise_user, commissioner):
    coaching = make_coaching(asker=enterprise_user)
    client.force_login(enterprise_user)
    response = client.post(reverse("loans:coaching_assign", args=[coaching.pk]), {"coach": commissioner.pk})
    assert response.status_code == 403
    assert CoachingRequest.objects.get(pk=coaching.pk).coach is None


def test_assigning_a_closed_request_goes_back_with_the_reason(
    client, enterprise_user, promotion_officer, commissioner, agency_officer
):
    closed = coaching_in(
        CoachingStatus.CLOSED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    client.force_login(promotion_officer)
    response = client.post(
        reverse("loans:coaching_assign", args=[closed.pk]),
        {"coach": agency_officer.pk},
        headers=EN,
        follow=True,
    )
    assert response.redirect_chain == [(_detail(closed), 302)]
    assert "cannot move" in response.content.decode()
    assert CoachingRequest.objects.get(pk=closed.pk).coach == commissioner


# ---------------------------------------------------------------------------------------------------
# Sessions


def test_coach_records_a_session(client, assigned, commissioner):
    client.force_login(commissioner)
    response = client.post(
        reverse("loans:coaching_session", args=[assigned.pk]),
        {"held_on": localdate().isoformat(), "mode": SessionMode.VISIT, "advice": "先评估", "next_steps": ""},
    )
    assert response.status_code == 302 and response.url == _detail(assigned)
    session = CoachingSession.objects.get()
    assert (session.request, session.recorded_by, session.mode) == (assigned, commissioner, SessionMode.VISIT)


def test_session_in_the_future_is_a_400_that_keeps_the_advice(client, assigned, commissioner):
    client.force_login(commissioner)
    tomorrow = (localdate() + timedelta(days=1)).isoformat()
    response = client.post(
        reverse("loans:coaching_session", args=[assigned.pk]),
        {"held_on": tomorrow, "mode": SessionMode.PHONE, "advice": "建议先补齐年费缴纳记录"},
        headers=EN,
    )
    assert response.status_code == 400
    assert "held_on" in response.context["session_form"].errors
    html = response.content.decode()
    assert "建议先补齐年费缴纳记录" in html and tomorrow in html
    assert not CoachingSession.objects.exists()


def test_session_form_with_missing_fields_is_a_400(client, assigned, commissioner):
    client.force_login(commissioner)
    response = client.post(reverse("loans:coaching_session", args=[assigned.pk]), {"held_on": "soon"})
    assert response.status_code == 400
    assert {"held_on", "mode", "advice"} <= set(response.context["session_form"].errors)


def test_enterprise_user_cannot_record_a_session(client, assigned, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("loans:coaching_session", args=[assigned.pk]),
        {"held_on": localdate().isoformat(), "mode": SessionMode.VISIT, "advice": "自己记"},
    )
    assert response.status_code == 403
    assert not CoachingSession.objects.exists()


# ---------------------------------------------------------------------------------------------------
# Closing and cancelling


def test_coach_closes_the_coaching(client, assigned, commissioner):
    client.force_login(commissioner)
    response = client.post(
        reverse("loans:coaching_transition", args=[assigned.pk]), {"to": "closed", "reason": "已解答"}
    )
    assert response.status_code == 302
    assigned.refresh_from_db()
    assert assigned.status == CoachingStatus.CLOSED


def test_enterprise_cancels_its_request(client, enterprise_user):
    coaching = make_coaching(asker=enterprise_user)
    client.force_login(enterprise_user)
    client.post(reverse("loans:coaching_transition", args=[coaching.pk]), {"to": "cancelled"})
    assert CoachingRequest.objects.get(pk=coaching.pk).status == CoachingStatus.CANCELLED


def test_enterprise_user_cannot_close(client, assigned, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(reverse("loans:coaching_transition", args=[assigned.pk]), {"to": "closed"})
    assert response.status_code == 403
    assert CoachingRequest.objects.get(pk=assigned.pk).status == CoachingStatus.ASSIGNED


def test_a_closing_note_too_long_is_a_400(client, assigned, commissioner):
    client.force_login(commissioner)
    response = client.post(
        reverse("loans:coaching_transition", args=[assigned.pk]), {"to": "closed", "reason": "长" * 2001}
    )
    assert response.status_code == 400
    assert response.context["move_forms"][0]["form"].errors
    assert CoachingRequest.objects.get(pk=assigned.pk).status == CoachingStatus.ASSIGNED


def test_cancelling_a_closed_request_goes_back_unchanged(
    client, enterprise_user, promotion_officer, commissioner
):
    closed = coaching_in(
        CoachingStatus.CLOSED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    client.force_login(enterprise_user)
    response = client.post(reverse("loans:coaching_transition", args=[closed.pk]), {"to": "cancelled"})
    assert response.status_code == 302 and response.url == _detail(closed)
    assert CoachingRequest.objects.get(pk=closed.pk).status == CoachingStatus.CLOSED


def test_an_unknown_step_goes_back_unchanged(client, assigned, promotion_officer):
    client.force_login(promotion_officer)
    response = client.post(reverse("loans:coaching_transition", args=[assigned.pk]), {"to": "requested"})
    assert response.status_code == 302
    assert CoachingRequest.objects.get(pk=assigned.pk).status == CoachingStatus.ASSIGNED


# ---------------------------------------------------------------------------------------------------
# The timeline page


def test_enterprise_reads_its_own_timeline(client, assigned, enterprise_user, commissioner):
    record_session(assigned, actor=commissioner, held_on=localdate(), advice="时间线上的建议")
    client.force_login(enterprise_user)
    response = client.get(reverse("loans:coaching_timeline"))
    assert response.status_code == 200
    assert [entry.kind for entry in response.context["page"]] == ["session", "coaching", "coaching"]
    assert "时间线上的建议" in response.content.decode()


def test_enterprise_cannot_read_another_enterprises_timeline(client, enterprise_user, outsider):
    make_coaching(asker=outsider)
    client.force_login(enterprise_user)
    response = client.get(reverse("loans:coaching_timeline"), {"enterprise": outsider.organisation.pk})
    assert response.status_code == 404


def test_promotion_officer_reads_any_enterprises_timeline(
    client, assigned, enterprise_user, promotion_officer
):
    client.force_login(promotion_officer)
    response = client.get(reverse("loans:coaching_timeline"), {"enterprise": enterprise_user.organisation.pk})
    assert response.status_code == 200
    assert response.context["enterprise"] == enterprise_user.organisation
    assert len(response.context["page"].object_list) == 2


def test_promotion_officer_finds_the_enterprise_by_name(client, enterprise_user, promotion_officer):
    client.force_login(promotion_officer)
    assert client.get(reverse("loans:coaching_timeline")).status_code == 200
    name = enterprise_user.organisation.name
    response = client.get(reverse("loans:coaching_timeline"), {"q": name[2:6]})
    assert response.context["matches"] == [enterprise_user.organisation]
    assert f"?enterprise={enterprise_user.organisation.pk}" in response.content.decode()


def test_timeline_with_a_malformed_or_unknown_enterprise(client, bank_a_officer, promotion_officer):
    client.force_login(promotion_officer)
    assert client.get(reverse("loans:coaching_timeline"), {"enterprise": "abc"}).status_code == 400
    assert client.get(reverse("loans:coaching_timeline"), {"enterprise": 987654}).status_code == 404
    response = client.get(reverse("loans:coaching_timeline"), {"enterprise": bank_a_officer.organisation.pk})
    assert response.status_code == 404


def test_timeline_is_a_404_for_everyone_else(client, bank_a_officer, commissioner, reviewer, enterprise_user):
    for user in (bank_a_officer, commissioner, reviewer):
        client.force_login(user)
        response = client.get(
            reverse("loans:coaching_timeline"), {"enterprise": enterprise_user.organisation.pk}
        )
        assert response.status_code == 404
