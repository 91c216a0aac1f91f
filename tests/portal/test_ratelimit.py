"""portal.ratelimit: a fixed window counted in the shared cache; on Redis, one round trip a request."""

from unittest import mock

import pytest
import redis
from django.conf import settings
from django.core.cache import caches

from portal.cache import PooledRedisCache
from portal.ratelimit import rate_limit_hit


def test_requests_within_the_rate_pass_and_the_next_waits_for_the_window():
    ident = "test-window-passes"
    assert [rate_limit_hit(scope="test", ident=ident, rate="3/min") for _ in range(3)] == [None] * 3
    wait = rate_limit_hit(scope="test", ident=ident, rate="3/min")
    assert wait is not None and 1 <= wait <= 61


@pytest.mark.skipif(not settings.REDIS_URL, reason="the Redis counter needs REDIS_URL")
def test_on_redis_a_request_is_counted_in_one_round_trip():
    # Django's ``cache`` is a proxy, never an instance of the backend's class: the counter must still be
    # the single INCR + EXPIRE NX pipeline, not add() then incr() (two or three round trips).
    assert isinstance(caches["default"], PooledRedisCache)
    rate_limit_hit(scope="test", ident="test-one-round-trip", rate="100/min")  # a connection is open
    sent = []
    original = redis.connection.Connection.send_packed_command

    def send(connection, command, check_health=True):
        sent.append(command)
        return original(connection, command, check_health)

    with mock.patch.object(redis.connection.Connection, "send_packed_command", send):
        counts = [rate_limit_hit(scope="test", ident="test-one-round-trip", rate="100/min") for _ in range(5)]
    assert counts == [None] * 5
    assert len(sent) == 5
