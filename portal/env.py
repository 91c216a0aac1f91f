"""Typed readers for settings that come from the environment.

Each reader refuses a bad value at start-up with a message that names the variable, so a typo in a
deployment stops the process instead of running with a silent default.
"""

import os
from urllib.parse import parse_qs, unquote, urlparse

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    value = os.environ.get(name)
    return None if value is None else value.strip()


def env_str(name: str, default: str = "") -> str:
    value = _raw(name)
    return default if value is None or value == "" else value


def env_bool(name: str, default: bool) -> bool:
    value = _raw(name)
    if value is None:
        return default
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = _raw(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {value!r}") from None
    if minimum is not None and number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = _raw(name)
    if value is None:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: set[str]) -> str:
    value = env_str(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {sorted(choices)}; got {value!r}")
    return value


def env_rate(name: str, default: str) -> str:
    """A throttle rate such as ``60/min``."""
    value = env_str(name, default)
    number, _, period = value.partition("/")
    if not number.isdigit() or period not in {"s", "sec", "m", "min", "h", "hour", "d", "day"}:
        raise ImproperlyConfigured(f"{name} must look like 60/min (N/s, N/min, N/hour, N/day); got {value!r}")
    return value


def _sqlite(path: str) -> dict:
    """The local run's database, shared by the web server, the Celery worker and beat (``make run``).
    A transaction takes the write lock when it begins, so two processes never both hold a read lock they
    each want to upgrade ("database is locked" at once, whatever the timeout); a writer waits up to 20 s;
    write-ahead logging lets pages read while the worker writes."""
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": path,
        "OPTIONS": {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        },
    }


def env_database(name: str, *, sqlite_path: str) -> dict:
    """``DATABASE_URL`` as a Django DATABASES entry; SQLite when unset.

    Accepts ``postgres://``/``postgresql://`` and ``sqlite:///path``.
    """
    value = _raw(name)
    if not value:
        return _sqlite(sqlite_path)
    url = urlparse(value)
    if url.scheme == "sqlite":
        path = unquote(url.path)[1:] if url.path.startswith("//") else unquote(url.path)
        return _sqlite(path or sqlite_path)
    if url.scheme not in {"postgres", "postgresql"}:
        raise ImproperlyConfigured(
            f"{name} must start with postgres://, postgresql:// or sqlite:///; got scheme {url.scheme!r}"
        )
    dbname = unquote(url.path.lstrip("/"))
    if not dbname:
        raise ImproperlyConfigured(
            f"{name} must name a database, e.g. postgres://postgres@127.0.0.1:5432/ipfin"
        )
    try:
        port = url.port
    except ValueError:
        raise ImproperlyConfigured(f"{name} has a port that is not a number") from None
    options = {key: values[-1] for key, values in parse_qs(url.query).items()}
    return {
        # Django's backend with a health check that needs no round trip (portal.postgresql.base).
        "ENGINE": "portal.postgresql",
        "NAME": dbname,
        "USER": unquote(url.username or ""),
        "PASSWORD": unquote(url.password or ""),
        "HOST": url.hostname or "",
        "PORT": str(port or ""),
        "OPTIONS": options,
        # Persistent connections: every request would otherwise pay a PostgreSQL connection set-up
        # (performance.md, "CONN_MAX_AGE=60").
        "CONN_MAX_AGE": env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0),
        "CONN_HEALTH_CHECKS": True,
    }
