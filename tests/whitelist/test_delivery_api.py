"""The deliveries API as a bank's system calls it (an OAuth 2 bearer token): scope, the entries' cursor,
"changes since", acknowledgement and the schema."""

import base64
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from rest_framework import serializers

from portal.accounts.models import Role
from portal.apiauth.services import api_client_create
from portal.audit.models import AuditEvent
from tests.whitelist.test_deliveries import grow, publish
from whitelist.delivery_apis import DeliverySerializer, EntrySerializer
from whitelist.models import Delivery

pytestmark = pytest.mark.django_db

EN = {"accept-language": "en"}
LIST_URL = "/api/v1/whitelist/deliveries/"


def token_for(client, organisation, role, actor) -> dict:
    api_client, secret = api_client_create(organisation=organisation, role=role, name="core", actor=actor)
    credentials = base64.b64encode(f"{api_client.client_id}:{secret}".encode()).decode()
    response = client.post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials"},
        headers={"authorization": f"Basic {credentials}"},
    )
    assert response.status_code == 200, response.content
    return {**EN, "authorization": f"Bearer {response.json()['access_token']}"}


@pytest.fixture
def published(run, reviewer, promotion_officer, bank_a, bank_a_branch, bank_b):
    return publish(run, reviewer, promotion_officer)


@pytest.fixture
def delivery_a(published, bank_a):
    return Delivery.objects.get(batch=published, bank=bank_a)


@pytest.fixture
def delivery_b(published, bank_b):
    return Delivery.objects.get(batch=published, bank=bank_b)


@pytest.fixture
def bank_a_token(client, bank_a_branch, bank_a_manager):
    # A branch's system: it sees its head office's deliveries.
    return token_for(client, bank_a_branch, Role.BANK_OFFICER, bank_a_manager)


@pytest.fixture
def bank_b_token(client, bank_b, bank_b_officer):
    return token_for(client, bank_b, Role.BANK_OFFICER, bank_b_officer)


def detail_url(delivery, action="") -> str:
    return f"{LIST_URL}{delivery.pk}/{action}"


# --- Scope ---------------------------------------------------------------------------------------------


def test_a_bank_lists_only_its_own_deliveries(client, delivery_a, delivery_b, bank_a_token, bank_b_token):
    response = client.get(LIST_URL, headers=bank_a_token)
    assert response.status_code == 200
    body = response.json()
    assert [row["id"] for row in body["results"]] == [delivery_a.pk]
    row = body["results"][0]
    assert row["bank"]["id"] == delivery_a.bank_id
    assert row["entries"] == 2 and row["acknowledged"] is False
    assert row["entries_url"].endswith(detail_url(delivery_a, "entries/"))
    assert "count" not in body
    assert [row["id"] for row in client.get(LIST_URL, headers=bank_b_token).json()["results"]] == [
        delivery_b.pk
    ]


@pytest.mark.parametrize(("method", "action"), [("get", ""), ("get", "entries/"), ("post", "ack/")])
def test_bank_b_gets_404_on_every_route_of_bank_a_delivery(client, delivery_a, bank_b_token, method, action):
    response = getattr(client, method)(detail_url(delivery_a, action), headers=bank_b_token)
    assert response.status_code == 404
    delivery_a.refresh_from_db()
    assert delivery_a.acknowledged_at is None
    denial = AuditEvent.objects.get(action="authz.denied")
    assert (denial.object_type, denial.object_id) == ("whitelist.delivery", str(delivery_a.pk))


def test_an_enterprise_is_refused_and_staff_read_all_but_cannot_acknowledge(
    client, delivery_a, delivery_b, enterprise_user, reviewer
):
    client.force_login(enterprise_user)
    assert client.get(LIST_URL, headers=EN).status_code == 403
    assert client.get(detail_url(delivery_a), headers=EN).status_code == 403
    client.force_login(reviewer)
    ids = {row["id"] for row in client.get(LIST_URL).json()["results"]}
    assert ids == {delivery_a.pk, delivery_b.pk}
    assert client.get(detail_url(delivery_b, "entries/")).status_code == 200
    assert client.post(detail_url(delivery_a, "ack/"), headers=EN).status_code == 403


def test_no_token_is_a_401(client, delivery_a):
    assert client.get(LIST_URL, headers=EN).status_code == 401
    assert (
        client.get(detail_url(delivery_a, "entries/"), headers={"authorization": "Bearer nope"}).status_code
        == 401
    )


# --- Entries -------------------------------------------------------------------------------------------


def test_an_entry_holds_exactly_the_documented_fields(client, delivery_a, bank_a_token):
    response = client.get(detail_url(delivery_a, "entries/"), headers=bank_a_token)
    assert response.status_code == 200
    entries = response.json()["results"]
    assert len(entries) == 2
    entry = entries[0]
    assert list(entry) == list(EntrySerializer().fields)
    assert set(entry["indicators"]) == set(EntrySerializer().fields["indicators"].fields)
    assert entry["name"] == "白名单企业0"
    assert entry["categories"] == ["high_tech"]
    assert entry["indicators"]["invention_patents"] == 1
    assert entry["valid_until"] == delivery_a.batch.valid_until.isoformat()
    assert sorted(asset["kind"] for asset in entry["assets"]) == ["patent", "trademark"]
    assert set(entry["assets"][0]) == {"kind", "number", "title", "patent_type"}
    # Nothing the bank must not see: no review notes, decisions or consent details.
    assert not {"note", "decision", "exclusion_reason", "consented", "decided_by"} & set(entry)


def test_the_summary_holds_exactly_the_documented_fields(client, delivery_a, bank_a_token):
    body = client.get(detail_url(delivery_a), headers=bank_a_token).json()
    assert list(body) == list(DeliverySerializer().fields)
    assert body["batch_number"] == delivery_a.batch.number


def test_entries_are_pulled_page_by_page_with_a_cursor(client, delivery_a, bank_a_token, make_enterprise):
    added = grow(delivery_a.batch, make_enterprise, 5)
    expected = list(
        delivery_a.batch.entries.filter(published=True).order_by("id").values_list("id", flat=True)
    )
    assert set(added) < set(expected) and len(expected) == 7
    seen, url, pages = [], detail_url(delivery_a, "entries/"), 0
    params = {"page_size": 3}
    while url:
        body = client.get(url, params, headers=bank_a_token).json()
        seen += [entry["id"] for entry in body["results"]]
        url, params, pages = body["next"], None, pages + 1
        assert pages < 10
    assert seen == expected and pages == 3


def test_the_entries_query_count_does_not_grow_with_the_page_size(
    client, delivery_a, bank_a_token, make_enterprise
):
    grow(delivery_a.batch, make_enterprise, 30)
    url = detail_url(delivery_a, "entries/")
    client.get(url, headers=bank_a_token)  # warm
    with CaptureQueriesContext(connection) as small:
        assert len(client.get(url, {"page_size": 2}, headers=bank_a_token).json()["results"]) == 2
    with CaptureQueriesContext(connection) as large:
        assert len(client.get(url, {"page_size": 2000}, headers=bank_a_token).json()["results"]) == 32
    assert len(large) == len(small)
    assert not any("COUNT(" in query["sql"].upper() for query in large.captured_queries)


def test_a_malformed_cursor_is_a_404_and_a_bad_page_size_a_400(client, delivery_a, bank_a_token):
    url = detail_url(delivery_a, "entries/")
    assert client.get(url, {"cursor": "garbage"}, headers=bank_a_token).status_code == 404
    assert client.get(url, {"page_size": 5000}, headers=bank_a_token).status_code == 400


def test_entries_since_a_moment_are_all_or_nothing_as_a_batch_never_changes(client, delivery_a, bank_a_token):
    url = detail_url(delivery_a, "entries/")
    before = (delivery_a.created_at - timedelta(minutes=1)).isoformat()
    after = (delivery_a.created_at + timedelta(minutes=1)).isoformat()
    assert len(client.get(url, {"since": before}, headers=bank_a_token).json()["results"]) == 2
    assert client.get(url, {"since": after}, headers=bank_a_token).json() == {
        "next": None,
        "previous": None,
        "results": [],
    }


def test_since_also_takes_a_cursor(client, delivery_a, bank_a_token):
    url = detail_url(delivery_a, "entries/")
    first = client.get(url, {"page_size": 1}, headers=bank_a_token).json()
    cursor = first["next"].split("cursor=")[1].split("&")[0]
    from urllib.parse import unquote

    second = client.get(url, {"page_size": 1, "since": unquote(cursor)}, headers=bank_a_token).json()
    assert [entry["id"] for entry in second["results"]] != [entry["id"] for entry in first["results"]]
    assert len(second["results"]) == 1


# --- Changes since, on the list ------------------------------------------------------------------------


def test_polling_with_since_gets_only_new_deliveries(
    client, run, reviewer, promotion_officer, delivery_a, bank_a, bank_a_token
):
    seen = client.get(LIST_URL, headers=bank_a_token).json()["results"]
    last_seen = seen[0]["delivered_at"]
    assert client.get(LIST_URL, {"since": last_seen}, headers=bank_a_token).json()["results"] == []
    second = publish(run, reviewer, promotion_officer)
    Delivery.objects.filter(batch=second).update(created_at=delivery_a.created_at + timedelta(seconds=5))
    new = client.get(LIST_URL, {"since": last_seen}, headers=bank_a_token).json()["results"]
    assert [row["batch_number"] for row in new] == [second.number]
    # "+08:00" sent without URL encoding arrives as a space; it is still read as meant.
    local = timezone.localtime(delivery_a.created_at).isoformat()
    raw = client.get(f"{LIST_URL}?since={local}", headers=bank_a_token)
    assert raw.status_code == 200 and [row["batch_number"] for row in raw.json()["results"]] == [
        second.number
    ]
    both = client.get(LIST_URL, headers=bank_a_token).json()["results"]
    assert [row["batch_number"] for row in both] == [second.number, delivery_a.batch.number]  # newest first


def test_a_malformed_since_is_a_400(client, delivery_a, bank_a_token):
    response = client.get(LIST_URL, {"since": "yesterday"}, headers=bank_a_token)
    assert response.status_code == 400
    assert "since" in response.json()["errors"]


# --- Acknowledgement -----------------------------------------------------------------------------------


def test_acknowledging_through_the_api_is_idempotent(client, delivery_a, bank_a_token):
    first = client.post(detail_url(delivery_a, "ack/"), headers=bank_a_token)
    assert first.status_code == 200 and first.json()["acknowledged"] is True
    second = client.post(detail_url(delivery_a, "ack/"), headers=bank_a_token)
    assert second.status_code == 200
    assert second.json()["acknowledged_at"] == first.json()["acknowledged_at"]
    assert AuditEvent.objects.filter(action="whitelist.delivery.acknowledge").count() == 1
    unacknowledged = client.get(LIST_URL, {"acknowledged": "false"}, headers=bank_a_token).json()["results"]
    assert unacknowledged == []
    assert len(client.get(LIST_URL, {"acknowledged": "true"}, headers=bank_a_token).json()["results"]) == 1


# --- Schema --------------------------------------------------------------------------------------------


def test_the_schema_documents_the_deliveries_api(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "get" in paths["/api/v1/whitelist/deliveries/"]
    assert "get" in paths["/api/v1/whitelist/deliveries/{id}/"]
    entries = paths["/api/v1/whitelist/deliveries/{id}/entries/"]["get"]
    assert {"since", "cursor", "page_size"} <= {p["name"] for p in entries["parameters"]}
    assert "Changes since" in entries["description"]
    listing = paths["/api/v1/whitelist/deliveries/"]["get"]
    assert {"since", "acknowledged"} <= {p["name"] for p in listing["parameters"]}
    assert "post" in paths["/api/v1/whitelist/deliveries/{id}/ack/"]
    assert reverse("whitelist-api:delivery_entries", args=[1]) == "/api/v1/whitelist/deliveries/1/entries/"


def test_the_fast_writers_match_the_declared_fields(delivery_a):
    from whitelist.delivery_apis import DELIVERY_COLUMNS, delivery_summary

    row = Delivery.objects.filter(pk=delivery_a.pk).values(*DELIVERY_COLUMNS).get()
    written = delivery_summary(row)
    # Every value the fast path writes is one the declared field accepts.
    serializer = DeliverySerializer(data=written)
    assert serializer.is_valid(), serializer.errors
    assert isinstance(serializer.fields["bank"], serializers.Serializer)
