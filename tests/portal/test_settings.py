"""Start-up refuses bad settings with a message naming the variable; production settings pass check --deploy."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import env_bool, env_database, env_int, env_rate

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "k8Jq2-prod-secret-for-tests-only-4f9a1c7e3b5d2a8c6e0f1b3d5a7c9e1f",
    "DJANGO_ALLOWED_HOSTS": "ipfin.example.gov.cn",
}


def run_manage(*args, env):
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_production_settings_pass_check_deploy():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
        ({**PRODUCTION, "DJANGO_SECRET_KEY": ""}, "DJANGO_SECRET_KEY"),
        ({**PRODUCTION, "DJANGO_SECRET_KEY": "short"}, "DJANGO_SECRET_KEY"),
        ({**PRODUCTION, "DJANGO_ALLOWED_HOSTS": ""}, "DJANGO_ALLOWED_HOSTS"),
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"SESSION_IDLE_SECONDS": "ten"}, "SESSION_IDLE_SECONDS"),
        ({"PUBLIC_API_THROTTLE": "lots"}, "PUBLIC_API_THROTTLE"),
        ({**PRODUCTION, "AUDIT_RETENTION_DAYS": "179"}, "AUDIT_RETENTION_DAYS"),  # six months at least
    ],
)
def test_bad_setting_stops_start_up_naming_the_variable(env, variable):
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert variable in result.stderr


def test_typed_readers(monkeypatch):
    monkeypatch.setenv("X_BOOL", "yes")
    monkeypatch.setenv("X_INT", "5")
    assert env_bool("X_BOOL", False) is True
    assert env_int("X_INT", 1, minimum=1) == 5
    assert env_bool("X_UNSET", True) is True
    monkeypatch.setenv("X_INT", "0")
    with pytest.raises(ImproperlyConfigured, match="X_INT must be at least 1"):
        env_int("X_INT", 1, minimum=1)
    monkeypatch.setenv("X_RATE", "60/fortnight")
    with pytest.raises(ImproperlyConfigured, match="X_RATE"):
        env_rate("X_RATE", "1/min")


def test_database_url_parsing(monkeypatch):
    monkeypatch.setenv("X_DB", "postgres://ipfin:p%40ss@db.internal:5433/ipfin?sslmode=require")
    parsed = env_database("X_DB", sqlite_path="/tmp/x.sqlite3")
    assert parsed["ENGINE"] == "portal.postgresql"
    assert (parsed["USER"], parsed["PASSWORD"], parsed["HOST"], parsed["PORT"]) == (
        "ipfin",
        "p@ss",
        "db.internal",
        "5433",
    )
    assert parsed["OPTIONS"] == {"sslmode": "require"}
    assert parsed["CONN_MAX_AGE"] > 0  # persistent connections
    monkeypatch.delenv("X_DB")
    assert env_database("X_DB", sqlite_path="/tmp/x.sqlite3")["ENGINE"] == "django.db.backends.sqlite3"
    monkeypatch.setenv("X_DB", "postgres://host-only/")
    with pytest.raises(ImproperlyConfigured, match="X_DB must name a database"):
        env_database("X_DB", sqlite_path="/tmp/x.sqlite3")


def test_database_follows_database_url(settings):
    expected = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite3"
    assert settings.DATABASES["default"]["ENGINE"].endswith(expected)
