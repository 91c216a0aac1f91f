import pytest
from django.urls import include, path, reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from portal.identifiers.patent import check_patent
from portal.identifiers.uscc import check_uscc
from tests.conftest import PASSWORD

USCC_URL = "/api/v1/public/identifiers/uscc/"
PATENT_URL = "/api/v1/public/identifiers/patent/"
USCC_KEYS = {"value", "valid", "normalized", "error"}
PATENT_KEYS = USCC_KEYS | {"patent_type", "filing_year"}


def test_paths_are_the_contracts():
    assert reverse("public-identifier-uscc") == USCC_URL
    assert reverse("public-identifier-patent") == PATENT_URL


def test_valid_credit_code_has_exactly_the_contract_fields(client):
    response = client.get(USCC_URL, {"value": "91110108551385082Q"})
    assert response.status_code == 200
    assert response.json() == {
        "value": "91110108551385082Q",
        "valid": True,
        "normalized": "91110108551385082Q",
        "error": None,
    }


def test_credit_code_is_normalised_and_value_echoed_as_sent(client):
    body = client.get(USCC_URL, {"value": " 91110108551385082q "}).json()
    assert body["value"] == " 91110108551385082q "
    assert body["valid"] is True
    assert body["normalized"] == "91110108551385082Q"


@pytest.mark.parametrize(
    ("value", "code"),
    [("91350100M0001TGQXM", "check_digit"), ("9111010855138508", "format"), ("91110108551385O82Q", "format")],
)
def test_invalid_credit_code_is_a_200_with_error_code_and_message(client, value, code):
    response = client.get(USCC_URL, {"value": value}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == USCC_KEYS
    assert body["valid"] is False
    assert body["normalized"] is None
    assert set(body["error"]) == {"code", "message"}
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_valid_patent_number_has_exactly_the_contract_fields(client):
    response = client.get(PATENT_URL, {"value": "ZL201310699744.2"})
    assert response.status_code == 200
    assert response.json() == {
        "value": "ZL201310699744.2",
        "valid": True,
        "normalized": "201310699744.2",
        "patent_type": "invention",
        "filing_year": 2013,
        "error": None,
    }


@pytest.mark.parametrize(
    ("value", "normalized", "patent_type", "year"),
    [
        ("CN 2010 8 0063196.9", "201080063196.9", "pct_invention", 2010),
        ("90101673.X", "90101673.X", "invention", 1990),
        ("88400017.6", "88400017.6", None, 1988),
    ],
)
def test_patent_numbers_with_spaces_and_old_format(client, value, normalized, patent_type, year):
    body = client.get(PATENT_URL, {"value": value}).json()
    assert set(body) == PATENT_KEYS
    assert (body["valid"], body["normalized"], body["patent_type"], body["filing_year"]) == (
        True,
        normalized,
        patent_type,
        year,
    )


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("ZL201310699744.3", "check_digit"),
        ("203010699744.2", "year"),
        ("201340699744.2", "type"),
        ("CN 2010 8 00631 96.9", "format"),
    ],
)
def test_invalid_patent_number_is_a_200_with_nulls_and_error(client, value, code):
    response = client.get(PATENT_URL, {"value": value})
    assert response.status_code == 200
    body = response.json()
    assert set(body) == PATENT_KEYS
    assert body["valid"] is False
    assert body["normalized"] is None
    assert body["patent_type"] is None
    assert body["filing_year"] is None
    assert body["error"]["code"] == code


@pytest.mark.parametrize("url", [USCC_URL, PATENT_URL])
@pytest.mark.parametrize(
    ("query", "field_error"),
    [
        ({}, "This field is required."),
        ({"value": ""}, "This field may not be blank."),
        ({"value": "9" * 101}, "Ensure this field has no more than 100 characters."),
        ({"value": "9111\x00"}, "Null characters are not allowed."),
    ],
)
def test_missing_or_malformed_value_is_a_400_envelope(client, url, query, field_error):
    response = client.get(url, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert body["errors"] == {"value": [field_error]}


def test_messages_follow_accept_language(client):
    chinese = client.get(USCC_URL, HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").json()
    english = client.get(USCC_URL, HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").json()
    assert chinese["errors"]["value"] == ["该字段是必填项。"]
    assert english["errors"]["value"] == ["This field is required."]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_check_messages_are_rendered_in_the_requested_language(client, language):
    response = client.get(PATENT_URL, {"value": "ZL201310699744.3"}, HTTP_ACCEPT_LANGUAGE=language)
    assert response["Content-Language"] == language
    with translation.override(language):
        expected = check_patent("ZL201310699744.3").message
    assert response.json()["error"]["message"] == expected
    response = client.get(USCC_URL, {"value": "91350100M0001TGQXM"}, HTTP_ACCEPT_LANGUAGE=language)
    with translation.override(language):
        assert response.json()["error"]["message"] == check_uscc("91350100M0001TGQXM").message


def test_default_language_is_chinese(client):
    response = client.get(USCC_URL)
    assert response["Content-Language"] == "zh-hans"
    assert response.json()["errors"]["value"] == ["该字段是必填项。"]


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete"])
def test_only_get_is_allowed(client, method):
    response = getattr(client, method)(USCC_URL, {"value": "91110108551385082Q"})
    assert response.status_code == 405
    assert set(response.json()) == {"message", "errors"}


@pytest.mark.django_db
def test_signed_in_users_get_the_same_answer(client, enterprise_user):
    assert client.login(username="ent_user", password=PASSWORD)
    response = client.get(PATENT_URL, {"value": "90101673.X"})
    assert response.status_code == 200
    assert response.json()["valid"] is True


@pytest.fixture
def public_rate_3_per_minute(settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "3/min"},
    }


def test_fourth_request_in_a_minute_is_429_with_retry_after(client, public_rate_3_per_minute):
    for _ in range(3):
        assert client.get(USCC_URL, {"value": "91110108551385082Q"}).status_code == 200
    response = client.get(USCC_URL, {"value": "91110108551385082Q"})
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    body = response.json()
    assert set(body) == {"message", "errors"}
    assert body["errors"] == {}


def test_limit_is_shared_by_both_checks_and_counted_per_client_ip(client, public_rate_3_per_minute):
    client.get(USCC_URL, {"value": "91110108551385082Q"})
    client.get(PATENT_URL, {"value": "90101673.X"})
    client.get(PATENT_URL)  # a bad request still counts
    assert client.get(PATENT_URL, {"value": "90101673.X"}).status_code == 429
    other = client.get(PATENT_URL, {"value": "90101673.X"}, REMOTE_ADDR="10.0.0.7")
    assert other.status_code == 200


def test_a_forged_forwarded_for_header_does_not_dodge_the_limit(client, public_rate_3_per_minute):
    for hop in range(3):
        client.get(USCC_URL, {"value": "91110108551385082Q"}, HTTP_X_FORWARDED_FOR=f"203.0.113.{hop}")
    refused = client.get(USCC_URL, {"value": "91110108551385082Q"}, HTTP_X_FORWARDED_FOR="203.0.113.99")
    assert refused.status_code == 429


def test_behind_one_trusted_proxy_the_limit_counts_the_forwarded_client(
    client, settings, public_rate_3_per_minute
):
    settings.NUM_PROXIES = 1
    for _ in range(3):
        client.get(USCC_URL, {"value": "91110108551385082Q"}, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client.get(USCC_URL, {"value": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert client.get(USCC_URL, {"value": "x"}, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200


def test_schema_documents_query_parameter_responses_and_no_authentication():
    patterns = [path("api/v1/public/identifiers/", include("portal.identifiers.api_urls"))]
    schema = SchemaGenerator(patterns=patterns).get_schema(request=None, public=True)
    for kind, component in [("uscc", "UsccCheckResult"), ("patent", "PatentCheckResult")]:
        operation = schema["paths"][f"/api/v1/public/identifiers/{kind}/"]["get"]
        assert operation["operationId"] == f"public_identifiers_{kind}_check"
        [parameter] = operation["parameters"]
        assert (parameter["name"], parameter["in"], parameter["required"]) == ("value", "query", True)
        assert set(operation["responses"]) == {"200", "400", "429"}
        ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
        assert ok == {"$ref": f"#/components/schemas/{component}"}
        assert operation["security"] == [{}]
    components = schema["components"]["schemas"]
    assert set(components["UsccCheckResult"]["properties"]) == USCC_KEYS
    assert set(components["PatentCheckResult"]["properties"]) == PATENT_KEYS
    assert components["PatentCheckErrorCodeEnum"]["enum"] == ["format", "type", "year", "check_digit"]
    assert components["UsccCheckErrorCodeEnum"]["enum"] == ["format", "check_digit"]


def test_endpoints_appear_in_the_served_schema(client):
    response = client.get("/api/schema/", {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert USCC_URL in paths
    assert PATENT_URL in paths
