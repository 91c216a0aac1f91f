"""GET /api/v1/public/calendar/due-date/ against api-contract.md §2."""

from datetime import date

import pytest
from django.test import override_settings
from drf_spectacular.generators import SchemaGenerator

from portal.workdays.apis import DueDateSerializer, due_date_representation
from portal.workdays.services import add_calendar_days_rolled, add_working_days
from tests.conftest import PASSWORD
from tests.portal.workdays.conftest import DUE_DATE_URL

pytestmark = pytest.mark.django_db

CONTRACT_KEYS = {"start", "working_days", "calendar_days", "due_date", "provisional", "skipped", "warnings"}


def test_contract_example_e3_in_english(due_date_api):
    response = due_date_api(start="2026-09-30", working_days="3")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == CONTRACT_KEYS
    assert body["start"] == "2026-09-30"
    assert body["working_days"] == 3
    assert body["calendar_days"] is None
    assert body["due_date"] == "2026-10-10"
    assert body["provisional"] is False
    assert body["warnings"] == []
    assert body["skipped"] == [{"date": f"2026-10-0{d}", "reason": "National Day"} for d in range(1, 8)]


def test_reasons_are_in_chinese_for_a_chinese_caller(due_date_api):
    body = due_date_api("zh-hans", start="2026-09-30", working_days="3").json()
    assert {item["reason"] for item in body["skipped"]} == {"国庆节"}


def test_response_varies_on_accept_language(due_date_api):
    response = due_date_api(start="2026-09-30", working_days="3")
    assert "Accept-Language" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("start", "n", "due"),
    [("2026-02-12", 3, "2026-02-24"), ("2026-04-30", 1, "2026-05-06"), ("2026-09-30", 3, "2026-10-10")],
)
def test_worked_examples_e1_to_e3(due_date_api, start, n, due):
    assert due_date_api(start=start, working_days=str(n)).json()["due_date"] == due


def test_e1_lists_the_spring_festival_but_not_the_makeup_saturday(due_date_api):
    skipped = due_date_api(start="2026-02-12", working_days="3").json()["skipped"]
    assert [item["date"] for item in skipped] == [f"2026-02-{d}" for d in range(15, 24)]
    assert "2026-02-14" not in {item["date"] for item in skipped}


def test_calendar_days_roll_past_national_day(due_date_api):
    body = due_date_api(start="2026-09-24", calendar_days="7").json()
    assert body["working_days"] is None
    assert body["calendar_days"] == 7
    assert body["due_date"] == "2026-10-08"
    assert len(body["skipped"]) == 7


def test_ordinary_weekend_is_named_weekend(due_date_api):
    body = due_date_api(start="2026-11-20", calendar_days="1").json()
    assert body["skipped"] == [
        {"date": "2026-11-21", "reason": "Weekend"},
        {"date": "2026-11-22", "reason": "Weekend"},
    ]


def test_deadline_in_2027_is_provisional_and_warns(due_date_api):
    body = due_date_api(start="2026-12-30", working_days="3").json()
    assert body["due_date"] == "2027-01-05"
    assert body["provisional"] is True
    assert len(body["warnings"]) == 1
    assert "2027" in body["warnings"][0]


def test_longest_period_answers(due_date_api):
    body = due_date_api(start="2026-01-05", working_days="365").json()
    assert body["provisional"] is True
    assert body["due_date"].startswith("2027-")


def test_public_endpoint_needs_no_login_and_ignores_a_session(client, due_date_api, outsider):
    assert due_date_api(start="2026-09-30", working_days="3").status_code == 200
    client.login(username="outsider", password=PASSWORD)
    assert due_date_api(start="2026-09-30", working_days="3").status_code == 200


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"working_days": "3"}, "start"),
        ({"start": "", "working_days": "3"}, "start"),
        ({"start": "2026-13-01", "working_days": "3"}, "start"),
        ({"start": "2026-02-30", "working_days": "3"}, "start"),
        ({"start": "30/09/2026", "working_days": "3"}, "start"),
        ({"start": "1800-01-01", "working_days": "3"}, "start"),
        ({"start": "9999-12-31", "calendar_days": "365"}, "start"),
        ({"start": "2026-09-30"}, "working_days"),
        ({"start": "2026-09-30", "working_days": "3", "calendar_days": "3"}, "calendar_days"),
        ({"start": "2026-09-30", "working_days": "0"}, "working_days"),
        ({"start": "2026-09-30", "working_days": "366"}, "working_days"),
        ({"start": "2026-09-30", "working_days": "-2"}, "working_days"),
        ({"start": "2026-09-30", "working_days": "three"}, "working_days"),
        ({"start": "2026-09-30", "working_days": "1.5"}, "working_days"),
        ({"start": "2026-09-30", "working_days": ""}, "working_days"),
        ({"start": "2026-09-30", "calendar_days": "0"}, "calendar_days"),
        ({"start": "2026-09-30", "calendar_days": "1000000000000000000000"}, "calendar_days"),
    ],
)
def test_bad_input_is_a_400_envelope_naming_the_field(due_date_api, params, field):
    response = due_date_api(**params)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert body["message"]
    assert body["errors"][field]
    assert all(isinstance(message, str) and message for message in body["errors"][field])


def test_both_and_neither_put_the_message_on_both_fields(due_date_api):
    for params in (
        {"start": "2026-09-30"},
        {"start": "2026-09-30", "working_days": "1", "calendar_days": "1"},
    ):
        errors = due_date_api(**params).json()["errors"]
        assert set(errors) == {"working_days", "calendar_days"}


def test_writes_are_not_allowed(client):
    response = client.post(DUE_DATE_URL, {"start": "2026-09-30", "working_days": "3"})
    assert response.status_code == 405
    assert set(response.json()) == {"message", "errors"}


@override_settings(
    REST_FRAMEWORK={
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "EXCEPTION_HANDLER": "portal.api.exception_handler",
        "DEFAULT_THROTTLE_RATES": {"public": "2/min"},
    }
)
def test_too_many_requests_from_one_address_get_429_with_retry_after(due_date_api):
    for _ in range(2):
        assert due_date_api(start="2026-09-30", working_days="3").status_code == 200
    response = due_date_api(start="2026-09-30", working_days="3")
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert response.json()["message"]


def test_openapi_schema_documents_the_query_and_the_response():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operation = schema["paths"]["/api/v1/public/calendar/due-date/"]["get"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert set(parameters) == {"start", "working_days", "calendar_days"}
    assert parameters["start"]["required"] is True
    assert parameters["start"]["schema"]["format"] == "date"
    assert parameters["working_days"]["schema"]["maximum"] == 365
    assert operation["security"] == [{}]  # no authentication
    response = operation["responses"]["200"]["content"]["application/json"]["schema"]
    component = schema["components"]["schemas"][response["$ref"].rsplit("/", 1)[-1]]
    assert set(component["properties"]) == CONTRACT_KEYS
    assert set(operation["responses"]) == {"200", "400", "429"}


@pytest.mark.parametrize(
    ("start", "working_days", "calendar_days"),
    [(date(2026, 9, 30), 3, None), (date(2026, 9, 24), None, 7), (date(2026, 12, 30), 3, None)],
)
def test_direct_representation_equals_the_documented_serializer(start, working_days, calendar_days):
    if working_days:
        result = add_working_days(start, working_days)
    else:
        result = add_calendar_days_rolled(start, calendar_days)
    documented = DueDateSerializer(
        {
            "start": start,
            "working_days": working_days,
            "calendar_days": calendar_days,
            "due_date": result.due_date,
            "provisional": result.provisional,
            "skipped": [{"date": day, "reason": reason} for day, reason in result.skipped],
            "warnings": result.warnings,
        }
    ).data
    assert due_date_representation(start, working_days, calendar_days, result) == documented
