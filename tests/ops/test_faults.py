"""Fault drills against real services (issue 10 "Nothing lost"; security.md checks 33-35).

Each drill starts what it breaks: its own throwaway Redis (never the shared one), its own Celery worker,
its own gunicorn, all on this test run's PostgreSQL database. Run by ``make test-ops``; skipped (with the
reason) without PostgreSQL or without ``redis-server``.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import psycopg
import pytest
import redis
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from pledges.models import PledgeRegistration, RegistrationEvent, Status
from portal.celery import app as celery_app
from portal.notifications.models import Notification
from portal.outbox import services as outbox
from portal.outbox.models import OutboxMessage
from tests.pledges import factories_filing

ROOT = Path(__file__).resolve().parents[2]
VISIBILITY_TIMEOUT = 3  # seconds: the drill's broker hands an unacknowledged task back quickly

_filing_media = factories_filing._filing_media
make_draft = factories_filing.make_draft
make_patent = factories_filing.make_patent

pytestmark = [
    pytest.mark.ops,
    pytest.mark.postgres,
    pytest.mark.skipif(
        settings.DATABASES["default"]["ENGINE"] != "portal.postgresql",
        reason="fault drills need PostgreSQL (set DATABASE_URL=postgres://...)",
    ),
    pytest.mark.skipif(
        shutil.which("redis-server") is None, reason="fault drills need redis-server installed"
    ),
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(predicate, *, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out after {timeout} s waiting for {what}"
        time.sleep(step)


class ThrowawayRedis:
    """A private redis-server on a free port, without persistence; stop() and start() it at will."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait(self._answers, timeout=10, what="redis-server to answer")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)

    def _answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def client(self) -> redis.Redis:
        return redis.Redis(port=self.port, socket_timeout=2)


@pytest.fixture
def throwaway_redis():
    server = ThrowawayRedis()
    server.start()
    yield server
    server.stop()


def _reset_broker_pools():
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def _publishing_to(url: str):
    """This test process publishes to ``url`` for real (not eagerly), as a web process does."""
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_transport_options, conf.task_always_eager
    _reset_broker_pools()
    conf.broker_url = url
    conf.broker_transport_options = {"visibility_timeout": VISIBILITY_TIMEOUT}
    conf.task_always_eager = False
    outbox.breaker_reset()
    try:
        yield
    finally:
        _reset_broker_pools()
        conf.broker_url, conf.broker_transport_options, conf.task_always_eager = saved
        outbox.breaker_reset()


def _database_url(**options) -> str:
    db = connection.settings_dict
    query = "&".join(f"{key}={value}" for key, value in options.items())
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}" + (
        f"?{query}" if query else ""
    )


def _child_env(tmp_path: Path, *, broker_url: str, **extra) -> dict:
    env = dict(os.environ)
    env.update(
        DATABASE_URL=_database_url(application_name="ipfin-fault-drill"),
        REDIS_URL=broker_url,
        PORTAL_VAR_DIR=str(tmp_path / "var"),
        DJANGO_DEBUG="1",
        CELERY_TASK_ALWAYS_EAGER="0",
        **extra,
    )
    return env


# A worker whose first run stops inside the task's transaction (after its notices are written, at the
# first outbox row) so the test can kill it there; mail goes to files, one per message.
_WORKER = """
import os, pathlib, time
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
import portal.settings as s
s.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
s.EMAIL_FILE_PATH = os.environ["FAULT_MAIL_DIR"]
import django
django.setup()
from django.db.models.signals import post_save
from portal.outbox.models import OutboxMessage
marker = pathlib.Path(os.environ["FAULT_MARKER"])
def pause(sender, **kwargs):
    if not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(300)
post_save.connect(pause, sender=OutboxMessage, weak=False)
from portal.celery import app
app.conf.broker_transport_options = {"visibility_timeout": int(os.environ["FAULT_VISIBILITY"])}
app.worker_main(["worker", "--pool=solo", "--loglevel=" + os.environ.get("FAULT_LOGLEVEL", "WARNING"), "--without-gossip", "--without-mingle"])
"""


def _start_worker(env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", _WORKER], cwd=ROOT, env=env, start_new_session=True)


def _stop(process: subprocess.Popen, sig=signal.SIGTERM) -> None:
    if process.poll() is None:
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_worker_killed_mid_task_is_redelivered_and_the_effect_happens_once(
    throwaway_redis, tmp_path, staff_admin, make_user, ip_bureau
):
    """SIGKILL while the calendar warning's transaction is open: nothing of it stays; after the restart
    Redis hands the unacknowledged task back, and each staff user gets one notice and one e-mail."""
    from portal.workdays.tasks import warn_if_next_year_not_official

    second = make_user("ops_staff", ip_bureau, "org_admin", is_staff=True)
    staff = {staff_admin.pk, second.pk}
    mail_dir, marker = tmp_path / "mail", tmp_path / "paused"
    mail_dir.mkdir()
    env = _child_env(
        tmp_path,
        broker_url=throwaway_redis.url,
        FAULT_MAIL_DIR=str(mail_dir),
        FAULT_MARKER=str(marker),
        FAULT_VISIBILITY=str(VISIBILITY_TIMEOUT),
    )
    worker = _start_worker(env)
    try:
        with _publishing_to(throwaway_redis.url):
            warn_if_next_year_not_official.apply_async()
        _wait(marker.exists, timeout=60, what="the worker to start the task")
        time.sleep(0.5)  # inside the transaction: notices written, the first outbox row too
        _stop(worker, signal.SIGKILL)
        assert not Notification.objects.filter(kind="calendar.missing_year").exists()  # all rolled back
        assert not OutboxMessage.objects.exists()

        # Redis hands back a message unacknowledged for longer than the visibility timeout when a worker
        # (re)starts and checks; restarting sooner leaves it to kombu's periodic check.
        time.sleep(VISIBILITY_TIMEOUT + 1)
        worker = _start_worker(env)  # the marker stays: this worker does not pause
        _wait(
            lambda: len(list(mail_dir.iterdir())) >= len(staff),
            timeout=90,
            what="the redelivered task and its e-mails",
        )
        time.sleep(VISIBILITY_TIMEOUT * 2 + 1)  # a second redelivery would show by now
    finally:
        _stop(worker)

    notices = Notification.objects.filter(kind="calendar.missing_year")
    assert sorted(notices.values_list("recipient", flat=True)) == sorted(staff)
    assert len(list(mail_dir.iterdir())) == len(staff)
    assert notices.filter(email_sent_at=None).count() == 0
    assert OutboxMessage.objects.filter(sent_at=None).count() == 0


def test_with_redis_down_pages_work_the_outbox_keeps_the_work_and_the_relay_drains_it(
    throwaway_redis, make_draft, enterprise_user, bank_a_officer, commissioner
):
    registration = make_draft()
    client = Client()
    client.force_login(enterprise_user)
    # One Redis for the broker and the cache, as deployed (docker-compose.yml); both go down together.
    cache_on_it = {"default": {"BACKEND": "portal.cache.PooledRedisCache", "LOCATION": throwaway_redis.url}}
    with _publishing_to(throwaway_redis.url), override_settings(CACHES=cache_on_it):
        throwaway_redis.stop()

        assert client.get(reverse("home")).status_code == 200
        assert client.get(reverse("healthz")).status_code == 200  # reads the cache: a miss, not an error
        started = time.monotonic()
        response = client.post(reverse("pledges:submit", args=[registration.pk]))
        assert response.status_code == 302
        assert time.monotonic() - started < 15  # the outage costs one failed connection, not a hang
        registration.refresh_from_db()
        assert registration.status != Status.DRAFT
        waiting = OutboxMessage.objects.filter(sent_at=None)
        assert waiting.exists()
        assert set(waiting.values_list("task", flat=True)) == {
            "portal.notifications.tasks.send_notification_email"
        }
        queued = waiting.count()

        throwaway_redis.start()  # the same port: the broker is back, empty
        assert outbox.relay(now=timezone.now() + timedelta(hours=2)) == queued
        assert not OutboxMessage.objects.filter(sent_at=None).exists()
        assert throwaway_redis.client().llen("celery") == queued  # every task reached the broker


def _backends(application_name: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = %s",
            [application_name],
        )
        return [pid for (pid,) in cursor.fetchall()]


def _terminate(pids) -> None:
    with connection.cursor() as cursor:
        for pid in pids:
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=20) as response:
        return response.status


def test_a_killed_database_connection_is_replaced_on_the_next_request(tmp_path):
    port = _free_port()
    # The shared Redis (or the file broker) stays up here: only the database connection is cut.
    env = _child_env(tmp_path, broker_url=os.environ.get("REDIS_URL", ""))
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}{reverse('healthz')}"
    try:
        _wait(lambda: _answers(url), timeout=60, what="gunicorn to serve")
        assert _get(url) == 200
        before = _wait(lambda: _backends("ipfin-fault-drill"), timeout=10, what="the web's connection")
        _terminate(before)  # what a failover or a PostgreSQL restart does to a pooled connection
        _wait(lambda: not set(before) & set(_backends("ipfin-fault-drill")), timeout=10, what="termination")
        assert _get(url) == 200  # CONN_HEALTH_CHECKS: the dead connection is noticed and replaced
        after = _backends("ipfin-fault-drill")
        assert after and not set(after) & set(before)
    finally:
        _stop(web)


def _answers(url: str) -> bool:
    try:
        return _get(url) == 200
    except OSError:
        return False


def test_a_request_cut_off_inside_its_transaction_leaves_nothing_half_applied(
    make_draft, enterprise_user, bank_a_officer, commissioner
):
    """The submission writes the new status, its event and the notices, then waits at the outbox (the
    test holds that table); its connection is terminated there. None of it may remain."""
    registration = make_draft()
    events_before = RegistrationEvent.objects.filter(registration=registration).count()
    client = Client()
    client.force_login(enterprise_user)
    outcome: list = []

    def submit():
        try:
            outcome.append(client.post(reverse("pledges:submit", args=[registration.pk])).status_code)
        except Exception as error:  # the view's database call fails when its connection dies
            outcome.append(error)
        finally:
            connection.close()

    blocker = psycopg.connect(_database_url().replace("postgres://", "postgresql://"), autocommit=False)
    try:
        blocker.execute("LOCK TABLE outbox_outboxmessage IN EXCLUSIVE MODE")
        thread = threading.Thread(target=submit)
        thread.start()
        waiting = _wait(_lock_waiters, timeout=30, what="the request to reach the outbox")
        _terminate(waiting)
        blocker.rollback()
        thread.join(timeout=30)
    finally:
        blocker.close()

    assert len(outcome) == 1 and isinstance(outcome[0], Exception), outcome
    registration.refresh_from_db()
    assert registration.status == Status.DRAFT
    assert RegistrationEvent.objects.filter(registration=registration).count() == events_before
    assert not Notification.objects.filter(kind__startswith="pledges.registration.").exists()
    assert not OutboxMessage.objects.exists()
    # And the next attempt goes through, once.
    client.force_login(enterprise_user)
    assert client.post(reverse("pledges:submit", args=[registration.pk])).status_code == 302
    assert PledgeRegistration.objects.get(pk=registration.pk).status != Status.DRAFT


def _lock_waiters() -> list[int]:
    # Asked on the test's own connection, outside any transaction: pg_stat_activity is a snapshot per
    # transaction, so the blocker's connection would never see the request arrive.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return [pid for (pid,) in cursor.fetchall()]
