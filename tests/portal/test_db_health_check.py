"""The PostgreSQL backend's health check (portal.postgresql): no round trip while the connection is fine,
and a connection the server hung up on is reported unusable, so Django replaces it before the request's
first query (tests/ops/test_faults.py drills the same through gunicorn)."""

import time
from unittest import mock

import pytest
from django.db import connection, connections

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the check is PostgreSQL's"),
    pytest.mark.django_db,
]


@pytest.fixture
def other():
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def test_a_healthy_connection_is_usable_without_a_query(other):
    # psycopg's own execute: the check must not call it (the SELECT 1 Django would otherwise send).
    with mock.patch.object(other.connection, "execute", side_effect=AssertionError("a round trip")):
        assert other.is_usable()


def test_a_connection_the_server_terminated_is_not_usable(other):
    pid = other.connection.info.backend_pid
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    deadline = time.monotonic() + 5
    while other.is_usable() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not other.is_usable()
    other.health_check_done = False  # what Django resets when a request starts
    other.close_if_health_check_failed()
    assert other.connection is None
    with other.cursor() as cursor:  # a fresh connection
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid


def test_a_closed_connection_is_not_usable(other):
    other.connection.close()
    assert not other.is_usable()
