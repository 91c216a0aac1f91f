import contextlib
import smtplib

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import translation

from portal.celery import app as celery_app
from portal.notifications.models import Notification
from portal.notifications.services import notify, notify_staff
from portal.notifications.tasks import send_notification_email
from tests.portal.notifications.backends import FailingBackend

pytestmark = pytest.mark.django_db

FAILING_BACKEND = "tests.portal.notifications.backends.FailingBackend"


def _notify(recipients, **extra):
    return notify(
        recipients=recipients,
        kind=extra.pop("kind", "loan.submitted"),
        template="notice",
        context=extra.pop(
            "context", {"subject": "New loan application", "body": "Application 7 awaits you."}
        ),
        link=extra.pop("link", "/loans/7/"),
        **extra,
    )


def test_notify_creates_rows_and_mails_only_after_commit(
    enterprise_user, bank_a_officer, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.PORTAL_BASE_URL = "https://ipfin.example.cn/"
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = _notify([enterprise_user, bank_a_officer])
        assert Notification.objects.count() == 2
        assert mailoutbox == []
    assert len(created) == 2
    assert len(callbacks) == 2
    assert sorted(message.to[0] for message in mailoutbox) == sorted(
        [enterprise_user.email, bank_a_officer.email]
    )
    message = next(message for message in mailoutbox if message.to == [bank_a_officer.email])
    assert message.subject == "New loan application"
    assert "Application 7 awaits you." in message.body
    assert bank_a_officer.full_name in message.body
    assert "https://ipfin.example.cn/loans/7/" in message.body
    html, mimetype = message.alternatives[0]
    assert mimetype == "text/html"
    assert 'href="https://ipfin.example.cn/loans/7/"' in html
    assert message.extra_headers["Auto-Submitted"] == "auto-generated"
    assert not Notification.objects.filter(email_sent_at=None).exists()


def test_nothing_is_mailed_when_the_transaction_rolls_back(
    enterprise_user, django_capture_on_commit_callbacks, mailoutbox
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        contextlib.suppress(RuntimeError),
        transaction.atomic(),
    ):
        _notify([enterprise_user])
        raise RuntimeError("the business write failed after notify")
    assert callbacks == []
    assert mailoutbox == []
    assert not Notification.objects.exists()


def test_same_dedupe_key_twice_is_a_no_op(enterprise_user, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify([enterprise_user], dedupe_key="loan-7-submitted")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = _notify([enterprise_user], dedupe_key="loan-7-submitted")
    assert len(first) == 1
    assert second == []
    assert callbacks == []
    assert Notification.objects.count() == 1
    assert len(mailoutbox) == 1


def test_dedupe_key_is_per_recipient(enterprise_user, bank_a_officer):
    _notify([enterprise_user], dedupe_key="loan-7-submitted", email=False)
    created = _notify([enterprise_user, bank_a_officer], dedupe_key="loan-7-submitted", email=False)
    assert [notification.recipient for notification in created] == [bank_a_officer]


def test_running_the_email_task_twice_sends_one_mail(enterprise_user, mailoutbox):
    notification = _notify([enterprise_user], email=False)[0]
    assert send_notification_email.apply(args=[notification.pk]).get() is True
    # Redelivered after acks_late, or queued twice: the claimed row is not mailed again.
    assert send_notification_email.apply(args=[notification.pk]).get() is False
    assert len(mailoutbox) == 1
    notification.refresh_from_db()
    assert notification.email_sent_at is not None


def test_a_failing_send_releases_the_claim_for_the_retry(enterprise_user, mailoutbox, settings):
    notification = _notify([enterprise_user], email=False)[0]
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with pytest.raises(smtplib.SMTPServerDisconnected):
        send_notification_email(notification.pk)
    notification.refresh_from_db()
    assert notification.email_sent_at is None

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_notification_email(notification.pk) is True
    assert len(mailoutbox) == 1


def test_the_task_retries_a_failing_send_five_times_then_gives_up(enterprise_user, settings, monkeypatch):
    notification = _notify([enterprise_user], email=False)[0]
    settings.EMAIL_BACKEND = FAILING_BACKEND
    attempts = []
    original = FailingBackend.send_messages
    monkeypatch.setattr(
        FailingBackend, "send_messages", lambda self, messages: attempts.append(1) or original(self, messages)
    )
    # Without propagation, eager mode runs each retry inline, as a worker would run it later.
    propagates = celery_app.conf.task_eager_propagates
    celery_app.conf.task_eager_propagates = False
    try:
        result = send_notification_email.apply(args=[notification.pk])
    finally:
        celery_app.conf.task_eager_propagates = propagates
    assert result.state == "FAILURE"
    assert isinstance(result.result, smtplib.SMTPServerDisconnected)
    assert len(attempts) == 1 + 5
    notification.refresh_from_db()
    assert notification.email_sent_at is None


def test_the_task_retry_policy_backs_off_with_jitter():
    assert send_notification_email.max_retries == 5
    assert send_notification_email.retry_backoff is True
    assert send_notification_email.retry_jitter is True
    assert OSError in send_notification_email.autoretry_for
    assert issubclass(smtplib.SMTPException, OSError)


def test_a_mail_outage_does_not_break_the_committed_request(
    enterprise_user, django_capture_on_commit_callbacks, mailoutbox, settings
):
    settings.EMAIL_BACKEND = FAILING_BACKEND
    with django_capture_on_commit_callbacks(execute=True):
        _notify([enterprise_user])
    notification = Notification.objects.get()
    assert notification.email_sent_at is None
    assert mailoutbox == []


def test_recipient_without_email_gets_the_notice_but_no_mail(
    make_user, enterprise, django_capture_on_commit_callbacks
):
    no_mail = make_user("no_mail", enterprise, "enterprise_user", email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = _notify([no_mail])
    assert len(created) == 1
    assert callbacks == []
    assert send_notification_email(created[0].pk) is False


def test_email_false_creates_the_notice_without_mail(enterprise_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        created = _notify([enterprise_user], email=False)
    assert len(created) == 1
    assert callbacks == []


def test_inactive_and_repeated_recipients_are_skipped(enterprise_user, bank_a_officer):
    bank_a_officer.is_active = False
    bank_a_officer.save()
    created = _notify([enterprise_user, enterprise_user, bank_a_officer], email=False)
    assert [notification.recipient for notification in created] == [enterprise_user]


def test_notify_renders_in_the_portal_language_without_html_escaping(enterprise_user, probe_templates):
    with translation.override("en"):
        notification = notify(
            recipients=[enterprise_user],
            kind="test.probe",
            template="probe",
            context={"title": "R&D <loan>"},
            email=False,
        )[0]
    assert notification.subject == "Probe R&D <loan> in zh-hans"
    assert notification.body == f"Hello {enterprise_user.username}: R&D <loan> & more"
    assert notification.body_html == ""


def test_subject_is_one_line_so_no_header_can_be_injected(enterprise_user, mailoutbox):
    notification = _notify(
        [enterprise_user],
        context={"subject": "Loan approved\r\nBcc: victim@example.com", "body": "x"},
        email=False,
    )[0]
    assert notification.subject == "Loan approved Bcc: victim@example.com"
    send_notification_email(notification.pk)
    assert mailoutbox[0].to == [enterprise_user.email]
    assert mailoutbox[0].bcc == []


@pytest.mark.parametrize(
    "link", ["https://evil.example/", "//evil.example/", "loans/7/", "/\\evil.example", "/loans/7/\r\nX: y"]
)
def test_a_link_must_be_a_path_inside_the_portal(enterprise_user, link):
    with pytest.raises(ValueError):
        _notify([enterprise_user], link=link)
    assert not Notification.objects.exists()


def test_notify_staff_reaches_every_active_staff_user_once(
    staff_admin, make_user, ip_bureau, enterprise_user, django_capture_on_commit_callbacks, mailoutbox
):
    make_user("retired_admin", ip_bureau, "org_admin", is_staff=True).__class__.objects.filter(
        username="retired_admin"
    ).update(is_active=False)
    second_staff = make_user("ops_admin", ip_bureau, "org_admin", is_staff=True)
    with django_capture_on_commit_callbacks(execute=True):
        count = notify_staff(
            kind="calendar.missing_year",
            subject="Working-day calendar for 2027 is missing",
            body="Enter the State Council notice for 2027.",
            link="/admin/",
            dedupe_key="calendar.missing_year:2027",
        )
    assert count == 2
    recipients = set(Notification.objects.values_list("recipient__username", flat=True))
    assert recipients == {staff_admin.username, second_staff.username}
    notification = Notification.objects.filter(recipient=staff_admin).get()
    assert notification.subject == "Working-day calendar for 2027 is missing"
    assert "Enter the State Council notice for 2027." in notification.body
    assert len(mailoutbox) == 2
    assert get_user_model().objects.filter(notifications__isnull=False).count() == 2

    again = notify_staff(
        kind="calendar.missing_year",
        subject="Working-day calendar for 2027 is missing",
        body="Enter the State Council notice for 2027.",
        dedupe_key="calendar.missing_year:2027",
    )
    assert again == 0
