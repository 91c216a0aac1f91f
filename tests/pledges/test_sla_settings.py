"""The SLA settings stop start-up on a bad value, naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _check(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SLA_"))}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("SLA_REMINDER_POINTS", "half_time,tomorrow"),
        ("SLA_OFFICE_HOURS", "9-5"),
        ("SLA_OFFICE_HOURS", "17:30-09:00"),
        ("SLA_OFFICE_HOURS", "09:00-24:30"),
    ],
)
def test_a_bad_sla_setting_stops_start_up(variable, value):
    result = _check({variable: value})
    assert result.returncode != 0
    assert variable in result.stderr


def test_good_sla_settings_start():
    result = _check({"SLA_REMINDER_POINTS": "due_today,overdue", "SLA_OFFICE_HOURS": "08:30-18:00"})
    assert result.returncode == 0, result.stderr
