"""The bank API: /api/v1/registrations/ (list, start a draft, detail, confirm, send back)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pledges.models import LegalStatus, PledgeRegistration, Status
from tests.pledges import factories_api

# The shared fixtures of this area, bound here so pytest finds them.
insurer_officer = factories_api.insurer_officer
make_case = factories_api.make_case
make_patent = factories_api.make_patent

pytestmark = pytest.mark.django_db

LIST = reverse("registrations-api:list")


def detail_url(registration) -> str:
    return reverse("registrations-api:detail", args=[registration.pk])


def confirm_url(registration) -> str:
    return reverse("registrations-api:confirm", args=[registration.pk])


def send_back_url(registration) -> str:
    return reverse("registrations-api:send-back", args=[registration.pk])


def as_user(client, user):
    client.force_login(user)
    return client


def snapshot(registration) -> tuple:
    fresh = PledgeRegistration.objects.get(pk=registration.pk)
    return fresh.status, fresh.updated_at, fresh.events.count()


# --- list ------------------------------------------------------------------------------------------


def test_bank_lists_its_cases_including_its_branches(client, make_case, bank_a_manager, bank_a_officer):
    case = make_case()
    for user in (bank_a_officer, bank_a_manager):  # the branch's officer and the head office's manager
        body = as_user(client, user).get(LIST).json()
        assert [item["id"] for item in body["results"]] == [case.pk]
        item = body["results"][0]
        assert item["reference"] == case.reference
        assert item["status"] == Status.AWAITING_PLEDGEE
        assert item["debt_amount"] == "3000000.00"
        assert item["pledgor"]["uscc"] == case.pledgor.uscc


def test_bank_b_cannot_see_bank_a_cases_in_the_list(client, make_case, bank_b_officer):
    make_case()
    assert as_user(client, bank_b_officer).get(LIST).json()["results"] == []


def test_enterprise_lists_only_its_own_cases(client, make_case, enterprise_user, outsider):
    case = make_case()
    assert [item["id"] for item in as_user(client, enterprise_user).get(LIST).json()["results"]] == [case.pk]
    assert as_user(client, outsider).get(LIST).json()["results"] == []


def test_list_filters_by_status_ip_kind_and_search(client, make_case, bank_a_officer):
    awaiting = make_case()
    draft = make_case(Status.DRAFT)
    client = as_user(client, bank_a_officer)

    def ids(query):
        response = client.get(LIST, query)
        assert response.status_code == 200
        return {item["id"] for item in response.json()["results"]}

    assert ids({"status": Status.DRAFT}) == {draft.pk}
    assert ids({"status": Status.AWAITING_PLEDGEE}) == {awaiting.pk}
    assert ids({"ip_kind": "patent"}) == {awaiting.pk, draft.pk}
    assert ids({"ip_kind": "trademark"}) == set()
    assert ids({"search": awaiting.reference}) == {awaiting.pk}
    asset_number = draft.assets.get().number
    assert ids({"search": asset_number}) == {draft.pk}


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"status": "approved"}, "status"),
        ({"ip_kind": "software"}, "ip_kind"),
        ({"page_size": "0"}, "page_size"),
        ({"page_size": "101"}, "page_size"),
        ({"search": "x" * 101}, "search"),
    ],
)
def test_list_bad_filter_is_400_with_the_field(client, bank_a_officer, query, field):
    response = as_user(client, bank_a_officer).get(LIST, query)
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert response.json()["message"]


def test_list_pages_with_a_cursor_and_never_counts(client, make_case, bank_a_officer):
    cases = [make_case() for _ in range(3)]
    client = as_user(client, bank_a_officer)
    with CaptureQueriesContext(connection) as captured:
        first = client.get(LIST, {"page_size": 2}).json()
    assert not any("COUNT(" in query["sql"].upper() for query in captured.captured_queries)
    assert set(first) == {"next", "previous", "results"}
    assert [item["id"] for item in first["results"]] == [cases[2].pk, cases[1].pk]
    second = client.get(first["next"]).json()
    assert [item["id"] for item in second["results"]] == [cases[0].pk]
    assert second["next"] is None


def test_list_query_count_does_not_grow_with_the_page(client, make_case, bank_a_officer):
    make_case()
    client = as_user(client, bank_a_officer)
    with CaptureQueriesContext(connection) as one:
        client.get(LIST)
    for _ in range(3):
        make_case()
    with CaptureQueriesContext(connection) as four:
        assert len(client.get(LIST).json()["results"]) == 4
    assert len(four) == len(one)


def test_list_malformed_cursor_is_404_with_the_envelope(client, bank_a_officer):
    response = as_user(client, bank_a_officer).get(LIST, {"cursor": "not-a-cursor"})
    assert response.status_code == 404
    assert response.json()["message"]


def test_list_needs_a_login(client):
    response = client.get(LIST)
    assert response.status_code == 401
    assert response.json()["message"]


# --- detail ----------------------------------------------------------------------------------------


def test_bank_reads_a_case_with_assets_timeline_and_next_steps(client, make_case, bank_a_officer):
    case = make_case()
    body = as_user(client, bank_a_officer).get(detail_url(case), HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["reference"] == case.reference
    assert body["pledgee"]["name"] == case.pledgee.name
    assert [asset["number"] for asset in body["assets"]] == [case.assets.get().number]
    assert body["assets"][0]["legal_status"] == LegalStatus.IN_FORCE
    assert [entry["label"] for entry in body["timeline"]] == [
        "The draft was started",
        "Waiting for the pledgee's confirmation",
    ]
    assert body["timeline"][1]["actor"] == "王小明"
    assert set(body["next_steps"]) == {Status.SUBMITTED, Status.DRAFT}
    assert body["due_date"] is None and body["due_explanation"] == []


def test_detail_shows_the_due_date_with_its_skipped_days(client, make_case, bank_a_officer):
    case = make_case()
    explanation = [{"date": "2026-10-01", "reason_zh": "国庆节", "reason_en": "National Day"}]
    PledgeRegistration.objects.filter(pk=case.pk).update(
        due_date=timezone.localdate() + timedelta(days=3), due_explanation=explanation, due_provisional=True
    )
    body = as_user(client, bank_a_officer).get(detail_url(case), HTTP_ACCEPT_LANGUAGE="en").json()
    assert body["due_explanation"] == [{"date": "2026-10-01", "reason": "National Day"}]
    assert body["due_provisional"] is True


def test_skipped_days_are_named_in_chinese_by_default(client, make_case, bank_a_officer):
    case = make_case()
    explanation = [{"date": "2026-10-01", "reason_zh": "国庆节", "reason_en": "National Day"}]
    PledgeRegistration.objects.filter(pk=case.pk).update(due_explanation=explanation)
    body = as_user(client, bank_a_officer).get(detail_url(case)).json()
    assert body["due_explanation"] == [{"date": "2026-10-01", "reason": "国庆节"}]


def test_bank_b_cannot_see_bank_a_case(client, make_case, bank_b_officer):
    case = make_case()
    response = as_user(client, bank_b_officer).get(detail_url(case))
    assert response.status_code == 404
    assert response.json()["message"]


def test_outsider_cannot_see_the_case(client, make_case, outsider):
    assert as_user(client, outsider).get(detail_url(make_case())).status_code == 404


def test_enterprise_reads_its_own_case_without_bank_steps(client, make_case, enterprise_user):
    body = as_user(client, enterprise_user).get(detail_url(make_case())).json()
    assert body["next_steps"] == [Status.DRAFT, Status.WITHDRAWN]


def test_unknown_case_is_404(client, bank_a_officer):
    assert (
        as_user(client, bank_a_officer).get(reverse("registrations-api:detail", args=[999999])).status_code
        == 404
    )


# --- confirm ---------------------------------------------------------------------------------------


def test_bank_confirms_a_filing_and_it_goes_to_the_office(client, make_case, bank_a_officer, commissioner):
    case = make_case()
    response = as_user(client, bank_a_officer).post(confirm_url(case))
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == Status.SUBMITTED
    assert body["commissioner"] == "陈专员"  # assigned automatically on submission
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED and case.submitted_at is not None
    event = case.events.get(action="transition", to_status=Status.SUBMITTED)
    assert event.actor == bank_a_officer and event.from_status == Status.AWAITING_PLEDGEE


def test_head_office_manager_may_confirm_a_branch_case(client, make_case, bank_a_manager):
    case = make_case()
    assert as_user(client, bank_a_manager).post(confirm_url(case)).status_code == 200
    case.refresh_from_db()
    assert case.status == Status.SUBMITTED


def test_bank_b_cannot_confirm_bank_a_case(client, make_case, bank_b_officer):
    case = make_case()
    before = snapshot(case)
    assert as_user(client, bank_b_officer).post(confirm_url(case)).status_code == 404
    assert snapshot(case) == before


def test_enterprise_cannot_confirm_as_pledgee(client, make_case, enterprise_user):
    case = make_case()
    before = snapshot(case)
    response = as_user(client, enterprise_user).post(confirm_url(case))
    assert response.status_code == 403
    assert response.json()["message"]
    assert snapshot(case) == before


def test_commissioner_cannot_confirm_for_the_bank(client, make_case, commissioner):
    case = make_case()
    before = snapshot(case)
    assert as_user(client, commissioner).post(confirm_url(case)).status_code == 403
    assert snapshot(case) == before


def test_outsider_confirming_is_404(client, make_case, outsider):
    case = make_case()
    before = snapshot(case)
    assert as_user(client, outsider).post(confirm_url(case)).status_code == 404
    assert snapshot(case) == before


def test_confirming_a_draft_is_409_and_changes_nothing(client, make_case, bank_a_officer):
    case = make_case(Status.DRAFT)
    before = snapshot(case)
    response = as_user(client, bank_a_officer).post(confirm_url(case), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 409
    assert "Draft" in response.json()["message"]
    assert snapshot(case) == before


def test_confirming_twice_is_409(client, make_case, bank_a_officer):
    case = make_case()
    client = as_user(client, bank_a_officer)
    assert client.post(confirm_url(case)).status_code == 200
    assert client.post(confirm_url(case)).status_code == 409


def test_confirm_is_refused_when_the_register_changed_since_submission(client, make_case, bank_a_officer):
    case = make_case()
    case.assets.update(legal_status=LegalStatus.TERMINATED)
    before = snapshot(case)
    response = as_user(client, bank_a_officer).post(confirm_url(case))
    assert response.status_code == 409
    assert response.json()["errors"]["precheck"]
    assert snapshot(case) == before


# --- send back -------------------------------------------------------------------------------------


def test_bank_sends_a_filing_back_with_a_reason(client, make_case, bank_a_officer):
    case = make_case()
    response = as_user(client, bank_a_officer).post(send_back_url(case), {"reason": "请补充评估报告"})
    assert response.status_code == 200
    assert response.json()["status"] == Status.DRAFT
    assert response.json()["timeline"][-1]["reason"] == "请补充评估报告"
    case.refresh_from_db()
    assert case.status == Status.DRAFT


@pytest.mark.parametrize("data", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 1001}])
def test_send_back_without_a_usable_reason_is_400(client, make_case, bank_a_officer, data):
    case = make_case()
    before = snapshot(case)
    response = as_user(client, bank_a_officer).post(send_back_url(case), data)
    assert response.status_code == 400
    assert "reason" in response.json()["errors"]
    assert snapshot(case) == before


def test_bank_b_cannot_send_back_bank_a_case(client, make_case, bank_b_officer):
    case = make_case()
    before = snapshot(case)
    assert as_user(client, bank_b_officer).post(send_back_url(case), {"reason": "no"}).status_code == 404
    assert snapshot(case) == before


def test_enterprise_cannot_use_the_banks_send_back(client, make_case, enterprise_user):
    case = make_case()
    before = snapshot(case)
    assert as_user(client, enterprise_user).post(send_back_url(case), {"reason": "撤回"}).status_code == 403
    assert snapshot(case) == before


def test_sending_back_a_draft_is_409(client, make_case, bank_a_officer):
    case = make_case(Status.DRAFT)
    before = snapshot(case)
    assert as_user(client, bank_a_officer).post(send_back_url(case), {"reason": "again"}).status_code == 409
    assert snapshot(case) == before


# --- start a draft ---------------------------------------------------------------------------------


@pytest.fixture
def filing(make_patent, enterprise):
    """A well-formed start request for two of the enterprise's patents."""
    today = timezone.localdate()
    patents = [make_patent(enterprise), make_patent(enterprise)]
    return {
        "ip_kind": "patent",
        "pledgor_uscc": enterprise.uscc.lower(),  # normalised by the credit-code field
        "assets": [f"ZL{patents[0].number}", patents[1].number],
        "debt_amount": "5000000.00",
        "debt_start": today.isoformat(),
        "debt_end": (today + timedelta(days=730)).isoformat(),
    }


def test_bank_starts_a_draft_naming_itself_pledgee(client, filing, bank_a_officer, bank_a_branch, enterprise):
    response = as_user(client, bank_a_officer).post(LIST, filing, content_type="application/json")
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == Status.DRAFT
    case = PledgeRegistration.objects.get(pk=body["id"])
    assert case.pledgee == bank_a_branch and case.pledgor == enterprise
    assert case.channel == "online" and case.created_by == bank_a_officer
    assert [asset["number"] for asset in body["assets"]] == [
        number.removeprefix("ZL") for number in filing["assets"]
    ]
    assert str(case.debt_amount) == "5000000.00"


def test_enterprise_sees_the_draft_a_bank_started(client, filing, bank_a_officer, enterprise_user):
    created = as_user(client, bank_a_officer).post(LIST, filing, content_type="application/json").json()
    body = (
        as_user(client, enterprise_user)
        .get(detail_url(PledgeRegistration.objects.get(pk=created["id"])))
        .json()
    )
    assert Status.AWAITING_PLEDGEE in body["next_steps"]


def test_start_ignores_status_commissioner_due_date_and_another_pledgee(
    client, filing, bank_a_officer, bank_a_branch, bank_b, commissioner
):
    filing.update(
        status=Status.ACCEPTED,
        commissioner=commissioner.pk,
        due_date="2026-01-01",
        pledgee=bank_b.pk,
        pledgee_id=bank_b.pk,
    )
    response = as_user(client, bank_a_officer).post(LIST, filing, content_type="application/json")
    assert response.status_code == 201
    case = PledgeRegistration.objects.get(pk=response.json()["id"])
    assert case.status == Status.DRAFT
    assert case.pledgee == bank_a_branch
    assert case.commissioner is None and case.due_date is None


def test_guarantor_may_start_a_draft(client, filing, guarantor_officer):
    response = as_user(client, guarantor_officer).post(LIST, filing, content_type="application/json")
    assert response.status_code == 201
    assert PledgeRegistration.objects.get(pk=response.json()["id"]).pledgee == guarantor_officer.organisation


@pytest.mark.parametrize(
    "persona", ["enterprise_user", "commissioner", "insurer_officer", "joint_office_viewer"]
)
def test_only_a_pledgee_may_start_a_draft(client, filing, persona, request):
    response = as_user(client, request.getfixturevalue(persona)).post(
        LIST, filing, content_type="application/json"
    )
    assert response.status_code == 403
    assert response.json()["message"]
    assert not PledgeRegistration.objects.exists()


def test_start_needs_a_login(client, filing):
    assert client.post(LIST, filing, content_type="application/json").status_code == 401


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"pledgor_uscc": "91110108MA0000000X"}, "pledgor_uscc"),  # wrong check character
        ({"pledgor_uscc": None}, "pledgor_uscc"),
        ({"assets": []}, "assets"),
        ({"assets": ["2016100000"]}, "assets"),  # not a patent number
        ({"assets": "201610000001.1"}, "assets"),  # not a list
        ({"assets": [""]}, "assets"),
        ({"ip_kind": "trademark", "assets": ["第12345号"]}, "assets"),  # checked as the case's IP kind
        ({"ip_kind": "software"}, "ip_kind"),
        ({"kind": "transfer"}, "kind"),
        ({"debt_amount": "0"}, "debt_amount"),
        ({"debt_amount": "12.345"}, "debt_amount"),
        ({"debt_amount": "NaN"}, "debt_amount"),
        ({"debt_start": "2026-02-30"}, "debt_start"),
        ({"debt_end": "2000-01-01"}, "debt_end"),
        ({"kind": "change"}, "original"),  # a change names the registration it changes
        ({"original": "ZY-2026-000001"}, "original"),  # a new pledge does not
    ],
)
def test_start_with_bad_input_is_400_and_creates_nothing(client, filing, bank_a_officer, change, field):
    filing.update(change)
    response = as_user(client, bank_a_officer).post(LIST, filing, content_type="application/json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not PledgeRegistration.objects.exists()


def test_start_for_an_unknown_enterprise_is_400(client, filing, bank_a_officer):
    from tests.conftest import make_uscc

    filing["pledgor_uscc"] = make_uscc()
    response = as_user(client, bank_a_officer).post(LIST, filing, content_type="application/json")
    assert response.status_code == 400
    assert "pledgor_uscc" in response.json()["errors"]


def test_start_over_another_enterprises_asset_is_400(
    client, filing, bank_a_officer, make_patent, other_enterprise
):
    foreign = make_patent(other_enterprise)
    filing["assets"] = [foreign.number]
    response = as_user(client, bank_a_officer).post(LIST, filing, content_type="application/json")
    assert response.status_code == 400
    assert foreign.number in response.json()["errors"]["assets"][0]
    assert not PledgeRegistration.objects.exists()


def test_start_listing_an_asset_twice_is_400(client, filing, bank_a_officer):
    filing["assets"] = [filing["assets"][1], filing["assets"][1]]
    response = as_user(client, bank_a_officer).post(LIST, filing, content_type="application/json")
    assert response.status_code == 400
    assert "assets" in response.json()["errors"]


def test_start_of_a_change_needs_a_standing_registration_of_this_bank(
    client, filing, bank_a_officer, make_case
):
    draft = make_case(Status.DRAFT)
    filing.update(kind="change", original=draft.reference)
    response = as_user(client, bank_a_officer).post(LIST, filing, content_type="application/json")
    assert response.status_code == 400
    assert "original" in response.json()["errors"]


def test_start_of_a_change_over_a_registered_pledge(client, bank_a_officer, make_case, enterprise):
    registered = make_case(Status.DRAFT)
    PledgeRegistration.objects.filter(pk=registered.pk).update(status=Status.REGISTERED)
    today = timezone.localdate()
    data = {
        "kind": "change",
        "original": registered.reference,
        "ip_kind": "patent",
        "pledgor_uscc": enterprise.uscc,
        "assets": [registered.assets.get().number],
        "debt_amount": "4000000.00",
        "debt_start": today.isoformat(),
        "debt_end": (today + timedelta(days=365)).isoformat(),
    }
    response = as_user(client, bank_a_officer).post(LIST, data, content_type="application/json")
    assert response.status_code == 201, response.json()
    assert response.json()["original"] == registered.reference


def test_bank_b_cannot_start_a_change_of_bank_a_registration(client, bank_b_officer, make_case, enterprise):
    registered = make_case(Status.DRAFT)
    PledgeRegistration.objects.filter(pk=registered.pk).update(status=Status.REGISTERED)
    today = timezone.localdate()
    data = {
        "kind": "cancellation",
        "original": registered.reference,
        "ip_kind": "patent",
        "pledgor_uscc": enterprise.uscc,
        "assets": [registered.assets.get().number],
        "debt_amount": "4000000.00",
        "debt_start": today.isoformat(),
        "debt_end": (today + timedelta(days=365)).isoformat(),
    }
    response = as_user(client, bank_b_officer).post(LIST, data, content_type="application/json")
    assert response.status_code == 400
    assert "original" in response.json()["errors"]
    assert PledgeRegistration.objects.count() == 1


# --- schema ----------------------------------------------------------------------------------------


def test_schema_documents_the_registration_api(client):
    paths = client.get("/api/schema/", {"format": "json"}).json()["paths"]
    assert {"get", "post"} <= set(paths["/api/v1/registrations/"])
    assert "get" in paths["/api/v1/registrations/{id}/"]
    assert "post" in paths["/api/v1/registrations/{id}/confirm/"]
    send_back = paths["/api/v1/registrations/{id}/send-back/"]["post"]
    assert {"200", "400", "403", "404", "409"} <= set(send_back["responses"])
