"""Writes for notifications: create (and queue the mail after commit), mark read, send the mail once."""

import logging
from collections.abc import Iterable

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.template import Context, TemplateDoesNotExist, engines
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.html import escape
from django.utils.translation import gettext as _

from portal.notifications.models import Notification
from portal.outbox import enqueue

logger = logging.getLogger(__name__)

User = get_user_model()

_SUBJECT_MAX = Notification._meta.get_field("subject").max_length


def _check_link(link: str) -> None:
    # The link ends up in mail as PORTAL_BASE_URL + link: anything but a plain path would let a caller
    # turn a portal notice into a pointer to another site.
    if not link:
        return
    if not link.startswith("/") or link.startswith("//") or "\\" in link or any(ch.isspace() for ch in link):
        raise ValueError(
            f"A notification link must be a path inside the portal such as /loans/3/; got {link!r}"
        )


def _render_text(template_name: str, context: dict) -> str:
    # Plain-text mail must not be HTML-escaped ("R&D" stays "R&D"), so render without autoescape.
    template = engines["django"].engine.get_template(template_name)
    return template.render(Context(context, autoescape=False))


def _render(template: str, context: dict) -> tuple[str, str, str]:
    subject = _render_text(f"emails/{template}.subject.txt", context)
    # One line: mail headers refuse CR/LF, and the inbox shows the subject as a title.
    subject = " ".join(subject.split())[:_SUBJECT_MAX]
    body = _render_text(f"emails/{template}.body.txt", context).strip()
    try:
        body_html = render_to_string(f"emails/{template}.body.html", context).strip()
    except TemplateDoesNotExist:
        body_html = ""
    return subject, body, body_html


def _unique_active(recipients: Iterable) -> list:
    seen: set[int] = set()
    users = []
    for user in recipients:
        # An inactive account can no longer sign in to read the notice, nor should it receive mail.
        if user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        users.append(user)
    return users


def _queue_email(notification: Notification) -> None:
    # Imported here: the task module imports this one.
    from portal.notifications.tasks import send_notification_email

    # Through the outbox: written with the notice, published after commit, and relayed later if the
    # broker is down then (the notice is in the inbox either way).
    enqueue(send_notification_email, notification.pk)


# All or nothing: without an outer transaction, a failure at the third recipient must not leave two
# notices behind whose mails already went out.
@transaction.atomic
def notify(
    *,
    recipients,
    kind: str,
    template: str,
    context: dict,
    link: str = "",
    dedupe_key: str | None = None,
    email: bool = True,
) -> list[Notification]:
    """Create one notification per active recipient and mail it after the transaction commits.

    Subject and body come from ``templates/emails/<template>.subject.txt`` and ``.body.txt`` (and the
    optional ``.body.html``), rendered in the portal language whatever language the current request
    uses; the context also gets ``recipient``. With a ``dedupe_key``, a recipient who already has a
    notification with that key is skipped, so calling twice is a no-op. Returns the new rows only.
    """
    _check_link(link)
    created: list[Notification] = []
    for user in _unique_active(recipients):
        if (
            dedupe_key is not None
            and Notification.objects.filter(recipient=user, dedupe_key=dedupe_key).exists()
        ):
            continue
        with translation.override(settings.LANGUAGE_CODE):
            subject, body, body_html = _render(template, {**context, "recipient": user})
        notification = Notification(
            recipient=user,
            kind=kind,
            subject=subject,
            body=body,
            body_html=body_html,
            link=link,
            dedupe_key=dedupe_key,
        )
        if dedupe_key is None:
            notification.save()
        else:
            try:
                # A concurrent call with the same key may win the race; the unique constraint decides.
                with transaction.atomic():
                    notification.save()
            except IntegrityError:
                continue
        created.append(notification)
        if email and user.email:
            _queue_email(notification)
    return created


def notify_staff(*, kind: str, subject: str, body: str, link: str = "", dedupe_key: str | None = None) -> int:
    """Notify every active staff user with a ready-made subject and body; returns how many were new."""
    staff = User.objects.filter(is_staff=True, is_active=True).order_by("pk")
    created = notify(
        recipients=staff,
        kind=kind,
        template="notice",
        context={"subject": subject, "body": body},
        link=link,
        dedupe_key=dedupe_key,
    )
    return len(created)


def notification_mark_read(*, notification: Notification, actor) -> Notification:
    if notification.recipient_id != actor.pk:
        # Callers fetch through notification_get_for_user, so this is a programming error, not a user's.
        raise PermissionDenied("Only the recipient can mark a notification read")
    now = timezone.now()
    # Conditional: the first read time stays, however often the button is pressed.
    if Notification.objects.filter(pk=notification.pk, read_at=None).update(read_at=now):
        notification.read_at = now
    elif notification.read_at is None:
        notification.refresh_from_db(fields=["read_at"])
    return notification


def notification_mark_all_read(*, actor) -> int:
    return Notification.objects.filter(recipient=actor, read_at=None).update(read_at=timezone.now())


def _absolute_url(link: str) -> str:
    return settings.PORTAL_BASE_URL.rstrip("/") + link


def _build_email(notification: Notification) -> EmailMultiAlternatives:
    # The row holds the message as the inbox shows it; the mail adds greeting, link and signature.
    recipient = notification.recipient
    with translation.override(settings.LANGUAGE_CODE):
        greeting = _("Dear %(name)s,") % {"name": recipient}
        signature = _("This message was sent by the Beijing IP Pledge Financing One-Stop Portal.")
        text_parts = [greeting, notification.body]
        html_parts = [f"<p>{escape(greeting)}</p>", notification.body_html]
        if notification.link:
            url = _absolute_url(notification.link)
            text_parts.append(_("Open it in the portal: %(url)s") % {"url": url})
            html_parts.append(f'<p><a href="{escape(url)}">{escape(_("Open it in the portal"))}</a></p>')
        text_parts.append(f"-- \n{signature}")
        html_parts.append(f"<p>{escape(signature)}</p>")
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body="\n\n".join(text_parts),
        to=[recipient.email],
        # RFC 3834: stops out-of-office replies from bouncing back at the portal's mailbox.
        headers={"Auto-Submitted": "auto-generated"},
    )
    if notification.body_html:
        message.attach_alternative("\n".join(html_parts), "text/html")
    return message


def notification_send_email(*, notification_id: int) -> bool:
    """Mail one notification at most once; returns whether this call sent it.

    The row is claimed with a conditional UPDATE before sending, so a task redelivered after
    ``acks_late`` (or queued twice) finds it claimed and does nothing. If sending fails the claim is
    released and the error re-raised, so the task's retry can try again. A worker killed between the
    claim and the send loses that one mail (at most once, never twice); the notice stays in the inbox.
    """
    notification = Notification.objects.select_related("recipient").filter(pk=notification_id).first()
    if notification is None or not notification.recipient.email or not notification.recipient.is_active:
        return False
    claimed_at = timezone.now()
    if not Notification.objects.filter(pk=notification_id, email_sent_at=None).update(
        email_sent_at=claimed_at
    ):
        return False
    try:
        _build_email(notification).send()
    except Exception:
        Notification.objects.filter(pk=notification_id, email_sent_at=claimed_at).update(email_sent_at=None)
        logger.warning("Mail for notification %s failed; released for retry", notification_id, exc_info=True)
        raise
    return True
