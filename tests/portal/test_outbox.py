"""The outbox: work after a commit is written with the commit, published right after it, and relayed
later when the broker was down then. At least once, never lost."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time
from kombu.exceptions import OperationalError

from portal.celery import app as celery_app
from portal.outbox import enqueue
from portal.outbox import services as outbox
from portal.outbox.models import OutboxMessage
from portal.tasks import HEARTBEAT_KEY, heartbeat

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _breaker_closed():
    outbox.breaker_reset()
    yield
    outbox.breaker_reset()


@pytest.fixture
def broker_down(monkeypatch):
    """The broker refuses every publish (what kombu raises when Redis is unreachable); tasks are no longer
    run inline, as in production."""
    calls: list[tuple] = []

    def refuse(args=None, kwargs=None, **options):
        calls.append((tuple(args or ()), options))
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(_heartbeat_task(), "apply_async", refuse)
    celery_app.conf.task_always_eager = False
    yield calls
    monkeypatch.undo()
    celery_app.conf.task_always_eager = True


def _heartbeat_task():
    """The registered task object (``heartbeat`` is a proxy to it)."""
    return celery_app.tasks[heartbeat.name]


def _beat_of(source: str):
    return cache.get(HEARTBEAT_KEY.format(source=source))


def test_the_task_runs_after_the_commit_and_the_row_is_marked_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        message = enqueue(heartbeat, "after-commit")
        assert _beat_of("after-commit") is None  # nothing before the commit
    assert len(callbacks) == 1
    assert _beat_of("after-commit") is not None
    message.refresh_from_db()
    assert message.task == "portal.tasks.heartbeat"
    assert message.args == ["after-commit"] and message.kwargs == {}
    assert message.sent_at is not None and message.attempts == 1 and message.last_error == ""


def test_a_rolled_back_transaction_leaves_no_message_and_runs_nothing(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        enqueue(heartbeat, "rolled-back")
        raise RuntimeError("the request failed")
    assert not OutboxMessage.objects.exists()
    assert _beat_of("rolled-back") is None


def test_keyword_arguments_and_task_names_travel_too(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue("portal.tasks.heartbeat", source="by-name")
    assert _beat_of("by-name") is not None
    assert OutboxMessage.objects.get(pk=message.pk).kwargs == {"source": "by-name"}


def test_a_broker_outage_keeps_the_message_and_the_relay_sends_it_later(
    broker_down, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        message = enqueue(heartbeat, "outage")
    assert len(broker_down) == 1 and broker_down[0][1]["retry"] is False  # the request is not held up
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 1
    assert "Connection refused" in message.last_error
    assert message.available_at > timezone.now() + timedelta(seconds=20)  # backs off before the relay tries

    # While the broker is down the relay tries once per run, then stops: the row backs off further.
    with freeze_time(timezone.now() + timedelta(minutes=1)):
        assert outbox.relay() == 0
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 2

    broker_down_calls = len(broker_down)
    monkeypatch.undo()  # the broker is back (tasks run inline in tests)
    celery_app.conf.task_always_eager = True
    with freeze_time(timezone.now() + timedelta(minutes=1)):
        assert outbox.relay() == 0  # still backing off (60 s after the second failure)
    with freeze_time(timezone.now() + timedelta(minutes=3)):
        assert outbox.relay() == 1
    assert len(broker_down) == broker_down_calls
    message.refresh_from_db()
    assert message.sent_at is not None and message.attempts == 3
    assert _beat_of("outage") is not None


def test_after_a_failure_the_process_stops_publishing_at_once_for_a_while(
    broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        for source in ("a", "b", "c"):
            enqueue(heartbeat, source)
    assert len(broker_down) == 1  # one failed connection, not one per message
    assert OutboxMessage.objects.filter(sent_at=None).count() == 3
    assert list(OutboxMessage.objects.order_by("pk").values_list("attempts", flat=True)) == [1, 0, 0]


def test_the_relay_sends_oldest_first_and_stops_at_the_first_broker_error(monkeypatch):
    with freeze_time(timezone.now() - timedelta(minutes=5)):
        first, second, third = (enqueue(heartbeat, source) for source in ("one", "two", "three"))
    sent: list[str] = []

    def publish(args=None, kwargs=None, **options):
        if args == ["two"]:
            raise OperationalError("Connection refused")
        sent.append(args[0])

    monkeypatch.setattr(_heartbeat_task(), "apply_async", publish)
    celery_app.conf.task_always_eager = False
    assert outbox.relay() == 1
    assert sent == ["one"]
    states = {m.pk: (m.sent_at is not None, m.attempts) for m in OutboxMessage.objects.all()}
    assert states == {first.pk: (True, 1), second.pk: (False, 1), third.pk: (False, 0)}


def test_the_relay_leaves_fresh_messages_to_their_own_commit():
    enqueue(heartbeat, "fresh")  # never committed in this test: the after-commit publish has not run
    assert outbox.relay() == 0
    assert outbox.relay(grace=timedelta(0)) == 1
    assert _beat_of("fresh") is not None


def test_the_backoff_doubles_up_to_an_hour():
    assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert outbox.backoff(20) == timedelta(hours=1)


def test_a_dedupe_key_keeps_one_pending_message():
    assert enqueue(heartbeat, "x", dedupe_key="beat:x") is not None
    assert enqueue(heartbeat, "x", dedupe_key="beat:x") is None
    assert OutboxMessage.objects.count() == 1
    OutboxMessage.objects.update(sent_at=timezone.now())
    assert enqueue(heartbeat, "x", dedupe_key="beat:x") is not None  # the first one went: a new one may
    assert enqueue(heartbeat, "x") is not None and enqueue(heartbeat, "x") is not None  # no key: no limit


def test_sent_messages_are_pruned_after_the_keep_period(settings):
    settings.OUTBOX_KEEP_DAYS = 7
    now = timezone.now()
    old, recent, unsent = (enqueue(heartbeat, source) for source in ("old", "recent", "unsent"))
    OutboxMessage.objects.filter(pk=old.pk).update(sent_at=now - timedelta(days=8))
    OutboxMessage.objects.filter(pk=recent.pk).update(sent_at=now - timedelta(days=6))
    OutboxMessage.objects.filter(pk=unsent.pk).update(created_at=now - timedelta(days=30))
    assert outbox.prune(chunk=1) == 1
    assert set(OutboxMessage.objects.values_list("pk", flat=True)) == {recent.pk, unsent.pk}


def test_the_relay_task_relays_and_prunes():
    from portal.outbox.tasks import relay

    with freeze_time(timezone.now() - timedelta(minutes=1)):
        enqueue(heartbeat, "via-task")
    assert relay.delay().get() == 1
    assert _beat_of("via-task") is not None


def test_staff_see_the_outbox_read_only(client, staff_admin, enterprise_user):
    message = enqueue(heartbeat, "admin")
    client.force_login(staff_admin)
    listing = client.get(reverse("admin:outbox_outboxmessage_changelist"), {"sent": "no"})
    assert listing.status_code == 200
    assert "portal.tasks.heartbeat" in listing.content.decode()
    assert client.get(reverse("admin:outbox_outboxmessage_change", args=[message.pk])).status_code == 200
    assert client.get(reverse("admin:outbox_outboxmessage_add")).status_code == 403
    assert client.post(reverse("admin:outbox_outboxmessage_delete", args=[message.pk])).status_code == 403
    client.force_login(enterprise_user)
    assert client.get(reverse("admin:outbox_outboxmessage_changelist")).status_code == 302  # not staff


def test_no_app_code_queues_a_task_from_on_commit_any_more():
    """After-commit work goes through portal.outbox.enqueue (architecture.md, "Outbox")."""
    pattern = re.compile(r"on_commit\([^\n]*(\.delay\(|apply_async)")
    offenders = []
    for path in ROOT.rglob("*.py"):
        relative = path.relative_to(ROOT)
        if relative.parts[0] in {".venv", "tests", "bench", "node_modules"} or "site-packages" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        offenders += [f"{relative}:{m.group(0)}" for m in pattern.finditer(text)]
    assert offenders == []
