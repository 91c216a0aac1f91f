"""The short form of the load test (issue 10) for CI: ``python -m ops.load`` for about 30 seconds.

It runs as a subprocess because locust patches the standard library with gevent on import, and against
its own database (DATABASE_URL's name + ``_load``), served by gunicorn on loopback. The full form is
``python -m ops.load --minutes 2``; its figures are in the README's operations section.
"""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.ops,
    pytest.mark.postgres,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the load test runs against PostgreSQL"),
]


def test_mixed_load_serves_no_5xx_and_loses_or_duplicates_no_write(tmp_path):
    result_path = tmp_path / "load.json"
    process = subprocess.run(
        [sys.executable, "-m", "ops.load", "--seconds", "30", "--users", "12", "--json", str(result_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    print(process.stdout)  # the latency table, kept in the test's report
    assert result_path.exists(), process.stdout[-4000:] + process.stderr[-4000:]
    result = json.loads(result_path.read_text(encoding="utf-8"))
    writes = result["writes"]

    assert writes["server_errors"] == 0, writes["server_error_samples"]
    assert writes["problems"] == []
    assert result["aggregate"]["failures"] == 0, [row for row in result["endpoints"] if row["failures"]]
    # The workload did write, and retried answered keys, so the counts above mean something.
    assert writes["facts_answered"] > 0
    assert writes["retries"] > 0
    assert (
        writes["facts_answered"]
        <= writes["facts_stored"]
        <= writes["facts_answered"] + writes["facts_in_flight"]
    )
    assert process.returncode == 0, process.stdout[-4000:]
