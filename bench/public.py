"""`public`: the due-date endpoint against a minimal Django JSON view, under the same gunicorn.

Goal (issue 2): the due-date endpoint serves at least 25 % of the minimal view's throughput, which
holds only if the calendar does not cost a query per day counted.
"""

import random
from datetime import date, timedelta

from bench.harness import Goal, gunicorn, interleaved_ratio

DESCRIPTION = "public due-date endpoint vs a minimal JSON view (throughput ratio, target >= 0.25)"


def _due_date_paths(count: int = 500) -> list[str]:
    rng = random.Random(2026)  # fixed seed: the same mix of requests every run
    first = date(2025, 1, 1)
    paths = []
    for _ in range(count):
        start = first + timedelta(days=rng.randrange(730))
        if rng.random() < 0.7:
            query = f"working_days={rng.randint(1, 30)}"
        else:
            query = f"calendar_days={rng.randint(1, 60)}"
        paths.append(f"/api/v1/public/calendar/due-date/?start={start.isoformat()}&{query}")
    return paths


def run() -> list[Goal]:
    with gunicorn() as host:
        ratio = interleaved_ratio(
            host, baseline=["/livez"], candidate=_due_date_paths(), label="due-date vs minimal view"
        )
    return [Goal("due_date_vs_minimal_view_throughput", ratio, 0.25)]
