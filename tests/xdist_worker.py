"""Each pytest-xdist worker gets a Redis database and a var folder of its own (``make test`` runs two).

Loaded as a plugin (``-p tests.xdist_worker`` in pyproject.toml's addopts), so it runs before pytest-django
reads the settings, which take both from the environment. The test databases are already per worker
(pytest-django adds ``_gw0``, ``_gw1`` to their names); without this the workers would share the rest:
every test empties the cache before and after itself (tests/conftest.py ``_fresh_cache``), and with one
Redis database that is a FLUSHDB in the middle of the other worker's test (a rate limit's count, a
lockout's window or a Celery round trip lost). Setting the environment rather than overriding settings
keeps the Celery broker, the cache and any worker process a test starts (tests/portal/
test_celery_roundtrip.py passes its environment on) on the same database.

Outside xdist, and on the first worker, nothing changes: ``gw0`` keeps ``REDIS_URL`` and ``PORTAL_VAR_DIR``.
"""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

REDIS_DATABASES = 16  # Redis's default ``databases``


def _worker_redis_url(url: str, number: int) -> str:
    parts = urlsplit(url)
    base = int(parts.path.strip("/") or 0)
    return urlunsplit(parts._replace(path=f"/{(base + number) % REDIS_DATABASES}"))


def _isolate_worker() -> None:
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")  # set by xdist before the worker parses its config
    if not worker.startswith("gw") or worker == "gw0":
        return
    number = int(worker.removeprefix("gw"))
    if os.environ.get("REDIS_URL"):
        os.environ["REDIS_URL"] = _worker_redis_url(os.environ["REDIS_URL"], number)
    var_dir = Path(os.environ.get("PORTAL_VAR_DIR") or Path(__file__).resolve().parents[1] / "var")
    os.environ["PORTAL_VAR_DIR"] = str(var_dir / "xdist" / worker)


_isolate_worker()
