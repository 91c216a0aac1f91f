"""What the schema fuzzing (tests/ops/test_schema_fuzz.py, security.md check 22) found, pinned as fast tests so
`make test` keeps it fixed: JSON 404s under /api/, the token endpoint's OAuth errors for an unreadable body,
and a served schema that documents the refusals every authenticated operation can answer."""

import pytest

pytestmark = pytest.mark.django_db


def test_an_api_path_no_route_matches_is_a_json_404(client):
    response = client.get("/api/v1/loans/not-a-number/", headers={"accept-language": "en"})
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"message": "Not found.", "errors": {}}


def test_a_page_no_route_matches_is_still_the_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"\xe2\x16\xf1", "application/json"), (b"[1, 2]", "application/json"), (b"x", "text/plain")],
)
def test_the_token_endpoint_answers_an_unreadable_body_with_an_oauth_error(client, body, content_type):
    response = client.post("/api/v1/oauth/token/", data=body, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_the_served_schema_documents_what_authenticated_operations_refuse(client):
    schema = client.get("/api/schema/?format=json").json()
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            secured = any(requirement for requirement in operation.get("security", []))
            if secured:
                assert "401" in responses, (method, path)
            if "bearerAuth" in {
                name for requirement in operation.get("security", []) for name in requirement
            }:
                assert "429" in responses, (method, path)
            if "requestBody" in operation:
                assert "415" in responses, (method, path)
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "query" and not parameter.get("required"):
                    assert parameter.get("allowEmptyValue") is True, (method, path, parameter["name"])
