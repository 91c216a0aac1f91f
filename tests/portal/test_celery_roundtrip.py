"""A task travels through the real Redis broker to a real worker process (CI provides REDIS_URL)."""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.core.cache import cache

from portal.celery import app as celery_app
from portal.tasks import HEARTBEAT_KEY, heartbeat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.redis


@pytest.mark.skipif(not os.environ.get("REDIS_URL"), reason="needs a real Redis broker: set REDIS_URL")
def test_task_round_trip_through_redis_and_a_real_worker():
    celery_app.conf.task_always_eager = False
    queue = f"roundtrip-{uuid.uuid4().hex[:8]}"  # a private queue: no other worker steals the task
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "portal",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--loglevel=WARNING",
        ],
        cwd=ROOT,
        env=dict(os.environ),
    )
    source = uuid.uuid4().hex
    try:
        heartbeat.apply_async(args=[source], queue=queue)
        deadline = time.monotonic() + 60
        while cache.get(HEARTBEAT_KEY.format(source=source)) is None:
            assert worker.poll() is None, "the worker died"
            assert time.monotonic() < deadline, "the worker did not run the task within 60 s"
            time.sleep(0.3)
    finally:
        worker.terminate()
        worker.wait(timeout=20)
