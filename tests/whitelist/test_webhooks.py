"""Webhook notifications of new deliveries, sent to a real HTTP receiver started by each test on
127.0.0.1: the signature, retries with exponential backoff, failure after the last try, the staff's
resend, and a task run twice that sends once."""

import hashlib
import hmac
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from portal.audit.models import AuditEvent
from tests.whitelist.test_deliveries import publish
from whitelist import webhooks
from whitelist.deliveries import (
    delivery_resend,
    webhook_disable,
    webhook_notification_send,
    webhook_notifications_sweep,
    webhook_set,
)
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import Delivery, NotificationStatus, WebhookNotification
from whitelist.tasks import webhook_notification_send_task, webhook_notifications_sweep_task

pytestmark = pytest.mark.django_db


class Receiver:
    """A bank's endpoint: answers each POST with the next status code of ``codes`` (then ``then``)."""

    def __init__(self, codes=(), then=200):
        self.codes = list(codes)
        self.then = then
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                code = receiver.codes.pop(0) if receiver.codes else receiver.then
                self.send_response(code)
                if 300 <= code < 400:
                    self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/whitelist/notify"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receivers(settings):
    # The test's receiver listens on 127.0.0.1, which production refuses (SSRF).
    settings.WHITELIST_WEBHOOK_ALLOW_LOCAL = True
    started = []

    def start(codes=(), then=200) -> Receiver:
        receiver = Receiver(codes, then)
        started.append(receiver)
        return receiver

    yield start
    for receiver in started:
        receiver.stop()


def publish_notified(run, reviewer, promotion_officer, bank):
    """Publish with the on-commit callbacks run, as after a real commit: the first attempt is made."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        batch = publish(run, reviewer, promotion_officer)
    delivery = Delivery.objects.get(batch=batch, bank=bank)
    return delivery, WebhookNotification.objects.get(delivery=delivery)


def time_passes(notification):
    """The backoff has elapsed: the notification is due now."""
    WebhookNotification.objects.filter(pk=notification.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


# --- Signing -------------------------------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_over_the_timestamp_and_the_body():
    body = b'{"event":"whitelist.delivery","delivery_id":7}'
    expected = hmac.new(b"s3cret", b"1767225600." + body, hashlib.sha256).hexdigest()
    assert webhooks.signature("s3cret", 1767225600, body) == f"sha256={expected}"
    headers = webhooks.signed_headers("s3cret", body, 1767225600)
    assert headers["X-Whitelist-Timestamp"] == "1767225600"
    assert headers["X-Whitelist-Signature"] == f"sha256={expected}"


def test_the_backoff_doubles_from_one_minute():
    assert [webhooks.backoff(n) for n in range(1, webhooks.MAX_ATTEMPTS)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16)
    ]


# --- Delivery to a local receiver ----------------------------------------------------------------------


def test_retries_with_backoff_then_success_and_a_verifiable_signature(
    receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    receiver = receivers(codes=[500, 500], then=200)
    secret = webhook_set(bank_a, receiver.url, bank_a_manager)
    delivery, notification = publish_notified(run, reviewer, promotion_officer, bank_a)
    # Only bank A has a webhook.
    assert WebhookNotification.objects.count() == 1

    # The first attempt, made after commit: answered 500, retried in a minute.
    assert len(receiver.requests) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_status_code) == ("pending", 1, 500)
    assert notification.next_attempt_at - notification.last_attempt_at == timedelta(minutes=1)
    assert "500" in notification.last_error

    # The bank verifies what it received, as docs/whitelist-webhooks.md tells it to.
    headers, body = receiver.requests[0]
    timestamp = headers["x-whitelist-timestamp"]
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-whitelist-signature"], f"sha256={expected}")
    assert abs(int(timestamp) - timezone.now().timestamp()) < 300
    payload = json.loads(body)
    assert payload == {
        "event": "whitelist.delivery",
        "delivery_id": delivery.pk,
        "batch_number": delivery.batch.number,
        "entries": 2,
        "published_at": timezone.localtime(delivery.batch.published_at).isoformat(),
        "url": f"http://127.0.0.1:8000/api/v1/whitelist/deliveries/{delivery.pk}/entries/",
    }

    # Not due yet: neither the task nor the sweep sends.
    assert webhook_notification_send_task.delay(notification.pk).get() is False
    assert webhook_notifications_sweep() == 0
    assert len(receiver.requests) == 1

    time_passes(notification)
    webhook_notifications_sweep_task.delay()
    assert len(receiver.requests) == 2
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("pending", 2)
    assert notification.next_attempt_at - notification.last_attempt_at == timedelta(minutes=2)

    time_passes(notification)
    webhook_notifications_sweep_task.delay()
    assert len(receiver.requests) == 3
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_status_code) == ("sent", 3, 200)
    assert notification.next_attempt_at is None and notification.last_error == ""
    # Each attempt is signed afresh.
    assert all(
        headers["x-whitelist-signature"]
        == webhooks.signature(secret, int(headers["x-whitelist-timestamp"]), body)
        for headers, body in receiver.requests
    )


def test_a_receiver_that_always_fails_ends_failed_shown_to_staff_who_resend(
    client, receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    receiver = receivers(then=503)
    webhook_set(bank_a, receiver.url, bank_a_manager)
    delivery, notification = publish_notified(run, reviewer, promotion_officer, bank_a)
    waits = []
    for _attempt in range(webhooks.MAX_ATTEMPTS - 1):
        notification.refresh_from_db()
        waits.append(notification.next_attempt_at - notification.last_attempt_at)
        time_passes(notification)
        webhook_notification_send(notification_id=notification.pk)
    notification.refresh_from_db()
    assert waits == [timedelta(minutes=m) for m in (1, 2, 4, 8, 16)]
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS
    assert (notification.status, notification.attempts) == ("failed", webhooks.MAX_ATTEMPTS)
    assert notification.next_attempt_at is None and notification.last_status_code == 503
    time_passes(notification)
    assert webhook_notification_send(notification_id=notification.pk) is False  # never tried again
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS

    # The staff's page lists the failed delivery first, with a resend button.
    client.force_login(reviewer)
    page = client.get(reverse("whitelist:delivery_list"))
    assert page.context["page"].object_list[0] == delivery
    assert page.context["page"].object_list[0].notification_status == NotificationStatus.FAILED
    assert f'data-testid="resend-{delivery.pk}"' in page.content.decode()

    # The bank fixed its endpoint; staff resend.
    receiver.then = 200
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(reverse("whitelist:delivery_resend", args=[delivery.pk]))
    assert response.status_code == 302
    latest = delivery.notifications.order_by("-pk").first()
    assert latest.pk != notification.pk
    assert (latest.status, latest.attempts, latest.last_status_code) == ("sent", 1, 200)
    assert len(receiver.requests) == webhooks.MAX_ATTEMPTS + 1
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED  # kept as history
    assert AuditEvent.objects.filter(action="whitelist.webhook.resend").count() == 1


def test_only_staff_resend_and_not_while_a_notification_is_pending(
    client, receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b, bank_a_officer
):
    receiver = receivers(then=500)
    webhook_set(bank_a, receiver.url, bank_a_manager)
    delivery, _notification = publish_notified(run, reviewer, promotion_officer, bank_a)
    with pytest.raises(WhitelistNotAllowed):
        delivery_resend(delivery, bank_a_officer)
    client.force_login(bank_a_officer)
    assert client.post(reverse("whitelist:delivery_resend", args=[delivery.pk])).status_code == 403
    with pytest.raises(WhitelistValidationError):
        delivery_resend(delivery, reviewer)  # the first one is still being retried
    client.force_login(reviewer)
    response = client.post(reverse("whitelist:delivery_resend", args=[delivery.pk]))
    assert response.status_code == 400
    assert delivery.notifications.count() == 1


def test_a_task_run_twice_sends_once(
    receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    receiver = receivers(then=200)
    webhook_set(bank_a, receiver.url, bank_a_manager)
    # Published without running the on-commit callbacks: the notification waits, due.
    publish(run, reviewer, promotion_officer)
    notification = WebhookNotification.objects.get()
    assert (notification.status, notification.attempts) == ("pending", 0)
    # As if redelivered after acks_late, or queued by both the publication and the sweep.
    assert webhook_notification_send_task.delay(notification.pk).get() is True
    assert webhook_notification_send_task.delay(notification.pk).get() is False
    assert webhook_notifications_sweep() == 0
    assert len(receiver.requests) == 1
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)


def test_a_claimed_attempt_is_not_taken_by_a_twin(
    receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    receiver = receivers(then=200)
    webhook_set(bank_a, receiver.url, bank_a_manager)
    publish(run, reviewer, promotion_officer)
    notification = WebhookNotification.objects.get()
    # Another worker claimed the attempt a moment ago and is still waiting for the answer.
    now = timezone.now()
    WebhookNotification.objects.filter(pk=notification.pk).update(
        attempts=1, last_attempt_at=now, next_attempt_at=now + webhooks.backoff(1)
    )
    assert webhook_notification_send(notification_id=notification.pk) is False
    assert receiver.requests == []


def test_a_redirect_is_not_followed(
    receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    receiver = receivers(codes=[302])
    webhook_set(bank_a, receiver.url, bank_a_manager)
    _delivery, notification = publish_notified(run, reviewer, promotion_officer, bank_a)
    notification.refresh_from_db()
    assert (notification.status, notification.last_status_code) == ("pending", 302)
    assert len(receiver.requests) == 1


def test_an_unreachable_endpoint_is_retried(
    receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    receiver = receivers()
    webhook_set(bank_a, receiver.url, bank_a_manager)
    receiver.stop()
    receivers_url_dead = receiver.url
    _delivery, notification = publish_notified(run, reviewer, promotion_officer, bank_a)
    notification.refresh_from_db()
    assert notification.url == receivers_url_dead
    assert (notification.status, notification.attempts, notification.last_status_code) == ("pending", 1, None)
    assert notification.last_error


def test_a_disabled_webhook_fails_its_waiting_notifications(
    receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    receiver = receivers()
    webhook_set(bank_a, receiver.url, bank_a_manager)
    publish(run, reviewer, promotion_officer)
    webhook_disable(bank_a, bank_a_manager)
    notification = WebhookNotification.objects.get()
    assert webhook_notification_send(notification_id=notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == NotificationStatus.FAILED
    assert receiver.requests == []


def test_a_new_url_takes_the_waiting_notifications(
    receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    broken = receivers(then=500)
    fixed = receivers(then=200)
    webhook_set(bank_a, broken.url, bank_a_manager)
    _delivery, notification = publish_notified(run, reviewer, promotion_officer, bank_a)
    secret = webhook_set(bank_a, fixed.url, bank_a_manager)
    time_passes(notification)
    assert webhook_notification_send(notification_id=notification.pk) is True
    headers, body = fixed.requests[0]
    assert headers["x-whitelist-signature"] == webhooks.signature(
        secret, int(headers["x-whitelist-timestamp"]), body
    )


def test_the_bank_sees_its_recent_notifications(
    client, receivers, run, reviewer, promotion_officer, bank_a, bank_a_manager, bank_b
):
    receiver = receivers(codes=[500])
    webhook_set(bank_a, receiver.url, bank_a_manager)
    publish_notified(run, reviewer, promotion_officer, bank_a)
    client.force_login(bank_a_manager)
    page = client.get(reverse("whitelist:webhook_settings"))
    assert page.status_code == 200
    assert len(page.context["notifications"]) == 1
    assert "HTTP 500" in page.content.decode()


# --- Where the portal may POST ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://hooks.example-bank.cn/",
        "https://127.0.0.1/hook",
        "https://10.1.2.3/hook",
        "https://192.168.0.10/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hook",
        "https://localhost:8443/hook",
        "https://user:pass@hooks.example-bank.cn/",
    ],
)
def test_production_refuses_plain_http_and_private_addresses(settings, url):
    settings.WHITELIST_WEBHOOK_ALLOW_LOCAL = False
    assert webhooks.url_refusal(url)


def test_production_accepts_a_public_https_url(settings):
    settings.WHITELIST_WEBHOOK_ALLOW_LOCAL = False
    assert webhooks.url_refusal("https://hooks.example-bank.cn/whitelist") == ""
    assert webhooks.url_refusal("https://203.0.113.9/hook") != ""  # documentation range: not global
    assert webhooks.url_refusal("https://8.8.8.8/hook") == ""


def test_a_name_resolving_inside_the_network_is_refused_at_send_time(settings, monkeypatch):
    settings.WHITELIST_WEBHOOK_ALLOW_LOCAL = False
    monkeypatch.setattr(
        webhooks.socket, "getaddrinfo", lambda *args, **kwargs: [(2, 1, 6, "", ("10.0.0.5", 443))]
    )
    outcome = webhooks.post("https://hooks.example-bank.cn/", b"{}", "secret")
    assert not outcome.ok and outcome.status_code is None and outcome.error
