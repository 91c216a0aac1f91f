"""A failure nobody handled answers a generic 500 with a reference id, never the failure's detail; the
operators find the reference in the log beside the traceback (security.md check 25)."""

import logging

import pytest

from tests.portal.logs_clean_urls import ID_NUMBER

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.portal.logs_clean_urls")]

LEAKS = ("Traceback", "ValueError", "cannot handle", ID_NUMBER, "logs_clean_urls", "/work/", "SECRET_KEY")


@pytest.fixture
def failing_client(client, settings):
    settings.DEBUG = False
    client.raise_request_exception = False
    return client


def test_a_page_that_fails_shows_the_portal_page_with_a_reference(failing_client, caplog):
    caplog.set_level(logging.ERROR)
    response = failing_client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    reference = response["X-Request-ID"]
    assert reference and reference in body and "服务暂时不可用" in body
    assert not any(leak in body for leak in LEAKS)
    assert f"reference {reference}" in caplog.text and "ValueError" in caplog.text


def test_an_api_call_that_fails_answers_the_json_envelope_with_the_reference(failing_client, caplog):
    caplog.set_level(logging.ERROR)
    response = failing_client.get("/api/boom/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 500 and response["Content-Type"].startswith("application/json")
    reference = response["X-Request-ID"]
    assert response.json() == {
        "message": f"The server failed to answer. Quote this reference to support: {reference}",
        "errors": {},
    }
    assert not any(leak in response.content.decode() for leak in LEAKS)
    assert f"reference {reference}" in caplog.text
