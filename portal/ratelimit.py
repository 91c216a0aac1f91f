"""Request rate limits counted in a fixed window in the shared cache (security.md check 39; ASVS 2.4.1).

Redis in production, a file cache locally, so every web process counts the same requests. Rates read like
DRF's: ``20/min``. Used by the sign-in pages (portal.accounts.views) and, through ``FixedWindowThrottle``,
by the API: DRF's own throttles keep every request's time in a list they read and rewrite on each request
(two round trips, a list as long as the rate, and concurrent requests overwrite each other's counts); a
counter is one atomic increment.
"""

import time
from abc import ABC, abstractmethod

from django.conf import settings
from django.core.cache import cache, caches
from rest_framework.throttling import BaseThrottle

from portal.cache import PooledRedisCache

_PERIODS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    number, _sep, period = rate.partition("/")
    return int(number), _PERIODS[period]


def _count(key: str, timeout: int) -> int:
    # ``cache`` is Django's proxy to this thread's cache object, never an instance of its class: ask the
    # object itself.
    backend = caches["default"]
    if isinstance(backend, PooledRedisCache):
        return backend.incr_window(key, timeout)
    # add() is atomic: the first request of the window creates the counter, incr() is atomic after it.
    if cache.add(key, 1, timeout=timeout):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=timeout)
        return 1


def rate_limit_hit(*, scope: str, ident: str, rate: str) -> int | None:
    """Count one request; None while within the rate, else the seconds until the window ends."""
    limit, period = parse_rate(rate)
    now = time.time()
    window = int(now // period)
    count = _count(f"ratelimit:{scope}:{ident}:{window}", period + 1)
    if count <= limit:
        return None
    return max(1, int((window + 1) * period - now) + 1)


class FixedWindowThrottle(BaseThrottle, ABC):
    """A DRF throttle over ``rate_limit_hit``: ``scope`` names the rate in REST_FRAMEWORK's
    DEFAULT_THROTTLE_RATES (read per request, so a test's settings override applies); ``get_ident``
    returns who is counted, or None for a request this throttle does not count. A refusal is DRF's 429
    with Retry-After."""

    scope = ""

    @abstractmethod
    def get_ident(self, request, view) -> str | None:
        """Who is counted (an address, a client), or None for a request this throttle does not count."""

    def allow_request(self, request, view) -> bool:
        ident = self.get_ident(request, view)
        if ident is None:
            return True
        rate = settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"][self.scope]
        self._wait = rate_limit_hit(scope=self.scope, ident=ident, rate=rate)
        return self._wait is None

    def wait(self):
        return self._wait
