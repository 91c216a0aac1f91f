"""Banks recommend enterprises for the whitelist (by credit code, with the reason and the IP offered);
IP bureau staff accept them into the next screening or decline them with a reason. Each bank sees only
its own group's recommendations; every move writes a RecommendationEvent."""

import pytest
from django.http import Http404
from django.urls import reverse

from portal.notifications.models import Notification
from tests.conftest import make_uscc
from tests.portal.test_apiauth import bearer, get_token
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.feedback import (
    recommendation_create,
    recommendation_decide,
    recommendation_get_for_user,
    recommendation_scope,
)
from whitelist.models import Recommendation, RecommendationEvent, RecommendationStatus

pytestmark = pytest.mark.django_db

API = "/api/v1/whitelist/recommendations/"
KEY = "0d9e8f7a-6b5c-4d3e-9f1a-2b3c4d5e6f70"


def recommend(actor, code=None, name="北京未名新材料有限公司", **extra):
    return recommendation_create(
        actor=actor,
        enterprise_uscc=code or make_uscc(),
        enterprise_name=name,
        reason=extra.pop("reason", "我行授信客户，专利质量高"),
        ip_offered=extra.pop("ip_offered", "ZL202310001234.5 一种电池隔膜"),
    )


@pytest.fixture
def recommendation(bank_a_officer):
    return recommend(bank_a_officer)


def events(recommendation):
    return list(
        RecommendationEvent.objects.filter(recommendation=recommendation).values_list(
            "from_status", "to_status", "reason"
        )
    )


# --- Services -----------------------------------------------------------------------------------------


def test_a_bank_recommends_a_registered_enterprise_and_it_is_linked(bank_a, bank_a_officer, enterprise):
    recommendation = recommend(bank_a_officer, code=enterprise.uscc.lower(), name="")
    assert recommendation.bank == bank_a  # the head office, for the group
    assert (recommendation.enterprise, recommendation.enterprise_name) == (enterprise, enterprise.name)
    assert recommendation.enterprise_uscc == enterprise.uscc  # normalised
    assert recommendation.status == RecommendationStatus.SUBMITTED
    assert events(recommendation) == [("", "submitted", "")]


def test_an_unregistered_enterprise_is_recommended_by_name(bank_a_officer):
    recommendation = recommend(bank_a_officer, name="北京尚未注册科技有限公司")
    assert recommendation.enterprise is None
    with pytest.raises(WhitelistValidationError) as refused:
        recommend(bank_a_officer, name="")
    assert "enterprise_name" in refused.value.errors


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("91110108MA0000000", "18 characters"),
        ("91110108MA000000IO", "capital letters except I, O"),
        ("", "credit code"),
    ],
)
def test_an_invalid_credit_code_is_refused_with_a_clear_error(bank_a_officer, english, code, says):
    with pytest.raises(WhitelistValidationError) as refused:
        recommend(bank_a_officer, code=code or " ")
    assert says in refused.value.errors["enterprise_uscc"][0]
    assert says in refused.value.message
    assert not Recommendation.objects.exists()


def test_a_wrong_check_character_names_the_right_one(bank_a_officer, english):
    code = make_uscc()
    wrong = code[:-1] + ("0" if code[-1] != "0" else "1")
    with pytest.raises(WhitelistValidationError) as refused:
        recommend(bank_a_officer, code=wrong)
    assert f"should be {code[-1]}" in refused.value.errors["enterprise_uscc"][0]


def test_a_reason_is_required(bank_a_officer):
    with pytest.raises(WhitelistValidationError) as refused:
        recommend(bank_a_officer, reason="  ")
    assert "reason" in refused.value.errors


def test_one_open_recommendation_per_bank_and_enterprise(bank_a_officer, bank_a_manager, bank_b_officer):
    code = make_uscc()
    recommend(bank_a_officer, code=code)
    with pytest.raises(WhitelistValidationError):
        recommend(bank_a_manager, code=code)  # the same group
    recommend(bank_b_officer, code=code)  # another bank may recommend it too


@pytest.mark.parametrize("persona", ["reviewer", "enterprise_user", "joint_office_viewer"])
def test_only_bank_officers_and_managers_recommend(persona, request):
    with pytest.raises(WhitelistNotAllowed):
        recommend(request.getfixturevalue(persona))


def test_staff_accept_a_recommendation_into_the_next_screening(recommendation, reviewer, bank_a_officer):
    decided = recommendation_decide(
        recommendation=recommendation, actor=reviewer, to=RecommendationStatus.ACCEPTED, reason=""
    )
    assert (decided.status, decided.decided_by) == (RecommendationStatus.ACCEPTED, reviewer)
    assert decided.decided_at is not None
    assert events(recommendation) == [("", "submitted", ""), ("submitted", "accepted", "")]
    notice = Notification.objects.get(recipient=bank_a_officer)
    assert notice.link == reverse("whitelist:recommendation_detail", args=[recommendation.pk])


def test_a_decline_needs_a_reason(recommendation, promotion_officer, english):
    with pytest.raises(WhitelistValidationError) as refused:
        recommendation_decide(
            recommendation=recommendation,
            actor=promotion_officer,
            to=RecommendationStatus.DECLINED,
            reason=" ",
        )
    assert "reason" in refused.value.errors
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.SUBMITTED
    decided = recommendation_decide(
        recommendation=recommendation,
        actor=promotion_officer,
        to=RecommendationStatus.DECLINED,
        reason="该企业已在第3批白名单中",
    )
    assert (decided.status, decided.decision_reason) == ("declined", "该企业已在第3批白名单中")
    assert events(recommendation)[-1] == ("submitted", "declined", "该企业已在第3批白名单中")


def test_a_decided_recommendation_cannot_be_decided_again(recommendation, reviewer):
    recommendation_decide(recommendation=recommendation, actor=reviewer, to=RecommendationStatus.ACCEPTED)
    with pytest.raises(WhitelistValidationError):
        recommendation_decide(
            recommendation=recommendation, actor=reviewer, to=RecommendationStatus.DECLINED, reason="改主意"
        )
    assert len(events(recommendation)) == 2


@pytest.mark.parametrize("persona", ["bank_a_manager", "joint_office_viewer"])
def test_only_staff_decide(recommendation, persona, request):
    with pytest.raises(WhitelistNotAllowed):
        recommendation_decide(
            recommendation=recommendation,
            actor=request.getfixturevalue(persona),
            to=RecommendationStatus.ACCEPTED,
        )


def test_each_bank_sees_only_its_own_groups_recommendations(
    recommendation, bank_a_manager, bank_b_officer, reviewer
):
    theirs = recommend(bank_b_officer)
    assert set(recommendation_scope(bank_a_manager)) == {recommendation}
    assert set(recommendation_scope(bank_b_officer)) == {theirs}
    assert set(recommendation_scope(reviewer)) == {recommendation, theirs}
    with pytest.raises(Exception) as not_found:
        recommendation_get_for_user(user=bank_b_officer, pk=recommendation.pk)
    assert isinstance(not_found.value, Http404)  # a 404: existence does not leak


# --- Pages --------------------------------------------------------------------------------------------


LIST = "whitelist:recommendation_list"


def detail(recommendation):
    return reverse("whitelist:recommendation_detail", args=[recommendation.pk])


def test_a_bank_recommends_on_the_page(client, bank_a_officer):
    client.force_login(bank_a_officer)
    page = client.get(reverse(LIST))
    assert page.status_code == 200 and 'data-testid="recommendation-form"' in page.content.decode()
    code = make_uscc()
    response = client.post(
        reverse(LIST),
        {
            "enterprise_uscc": code,
            "enterprise_name": "北京新材科技有限公司",
            "reason": "优质客户",
            "ip_offered": "",
        },
    )
    recommendation = Recommendation.objects.get()
    assert response.status_code == 302 and response["Location"] == detail(recommendation)
    assert client.get(reverse(LIST)).content.decode().count('data-testid="recommendation-row"') == 1


def test_an_invalid_code_on_the_page_is_a_400_with_the_input_kept(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(
        reverse(LIST),
        {"enterprise_uscc": "91110108MA00000", "enterprise_name": "某某公司", "reason": "原因写在这里"},
        headers={"accept-language": "en"},
    )
    assert response.status_code == 400
    assert response.context["form"].errors["enterprise_uscc"]
    content = response.content.decode()
    assert "91110108MA00000" in content and "原因写在这里" in content
    assert not Recommendation.objects.exists()


def test_staff_list_every_banks_recommendations_by_status(client, recommendation, bank_b_officer, reviewer):
    recommend(bank_b_officer)
    recommendation_decide(recommendation=recommendation, actor=reviewer, to=RecommendationStatus.ACCEPTED)
    client.force_login(reviewer)
    everything = client.get(reverse(LIST))
    assert everything.status_code == 200 and everything.context["form"] is None
    assert everything.context["page"].paginator.count == 2
    accepted = client.get(reverse(LIST), {"status": "accepted"})
    assert list(accepted.context["page"]) == [recommendation]


def test_bank_b_sees_only_its_own_list(client, recommendation, bank_b_officer):
    client.force_login(bank_b_officer)
    assert client.get(reverse(LIST)).context["page"].paginator.count == 0


@pytest.mark.parametrize("persona", ["enterprise_user", "joint_office_viewer"])
def test_outsiders_get_403_on_the_list(client, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse(LIST)).status_code == 403


def test_staff_decline_on_the_page_and_the_bank_sees_the_decision(
    client, recommendation, reviewer, bank_a_manager
):
    client.force_login(reviewer)
    assert 'data-testid="decide-form"' in client.get(detail(recommendation)).content.decode()
    refused = client.post(detail(recommendation), {"to": "declined", "reason": ""})
    assert refused.status_code == 400 and refused.context["form"].errors["reason"]
    response = client.post(detail(recommendation), {"to": "declined", "reason": "不符合北京注册要求"})
    assert response.status_code == 302
    client.force_login(bank_a_manager)
    page = client.get(detail(recommendation))
    assert page.status_code == 200
    content = page.content.decode()
    assert 'data-testid="decision-reason"' in content and "不符合北京注册要求" in content
    assert 'data-testid="decide-form"' not in content


def test_a_bank_cannot_decide_and_another_bank_gets_404(
    client, recommendation, bank_a_officer, bank_b_officer
):
    client.force_login(bank_a_officer)
    assert client.post(detail(recommendation), {"to": "accepted"}).status_code == 403
    client.force_login(bank_b_officer)
    assert client.get(detail(recommendation)).status_code == 404
    assert client.post(detail(recommendation), {"to": "accepted"}).status_code == 404
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.SUBMITTED


# --- API ----------------------------------------------------------------------------------------------


@pytest.fixture
def token_b(client, bank_b, make_user):
    from portal.accounts.models import Role
    from portal.apiauth.services import api_client_create

    manager = make_user("bank_b_manager", bank_b, Role.BANK_MANAGER)
    api_client, secret = api_client_create(
        organisation=bank_b, role=Role.BANK_OFFICER, name="Bank B gateway", actor=manager
    )
    return get_token(client, api_client, secret)


def api_post(client, body, token, key=KEY):
    headers = {**bearer(token), "Idempotency-Key": key}
    return client.post(API, body, content_type="application/json", headers=headers)


def api_body(**extra):
    return {
        "enterprise_uscc": make_uscc(),
        "enterprise_name": "北京星河科技有限公司",
        "reason": "授信意向强",
        **extra,
    }


def test_a_banks_system_recommends_and_a_replay_returns_the_stored_answer(client, bank_b, token_b):
    body = api_body(ip_offered="ZL2021100001.1")
    first = api_post(client, body, token_b)
    again = api_post(client, body, token_b)
    assert first.status_code == again.status_code == 201, first.json()
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert Recommendation.objects.count() == 1
    data = first.json()
    assert (data["bank"]["id"], data["status"], data["enterprise_registered"]) == (
        bank_b.pk,
        "submitted",
        False,
    )
    assert [event["to_status"] for event in data["history"]] == ["submitted"]


def test_an_invalid_credit_code_is_a_400_on_its_field(client, token_b):
    response = api_post(client, api_body(enterprise_uscc="91110108MA0000000X"), token_b)
    assert response.status_code == 400
    assert "credit code" in response.json()["errors"]["enterprise_uscc"][0]
    assert not Recommendation.objects.exists()


def test_the_list_is_the_callers_groups_a_page_at_a_time(client, token_b, bank_b_officer, bank_a_officer):
    recommend(bank_a_officer)
    own = [recommend(bank_b_officer) for _ in range(3)]
    first = client.get(API, {"page_size": 2}, headers=bearer(token_b))
    assert first.status_code == 200
    page = first.json()
    assert [row["id"] for row in page["results"]] == [own[2].pk, own[1].pk]
    second = client.get(page["next"], headers=bearer(token_b)).json()
    assert [row["id"] for row in second["results"]] == [own[0].pk]
    assert second["next"] is None


def test_a_role_that_may_not_recommend_gets_403(client, reviewer):
    client.force_login(reviewer)
    response = client.post(API, api_body(), content_type="application/json", headers={"Idempotency-Key": KEY})
    assert response.status_code == 403
    assert not Recommendation.objects.exists()
