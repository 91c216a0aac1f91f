"""Delivery of published batches to the banks (issue 5): one delivery per bank head office (for its whole
group) per batch, created in one INSERT ... SELECT when the batch is published.

- Banks pull a delivery's entries through the API (whitelist.delivery_apis, a keyset over entry ids) or
  download it as Excel, and acknowledge receipt (``delivery_acknowledge``); an unacknowledged delivery is
  chased (``deliveries_chase``).
- A bank that registered a webhook (``webhook_set``) is notified of each new delivery: the notification
  row is written in the publication's transaction, the POST is sent after commit by a Celery task that
  claims the row first (``webhook_notification_send``), failures are retried with exponential backoff by
  the sweep (``webhook_notifications_sweep``), and after the last try the notification is failed, shown
  to staff, who may resend it (``delivery_resend``). Signing and HTTP are whitelist.webhooks'.
- ``delivery_scope`` is the one scoping function of every list and detail (API, pages, Excel).
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import connection, transaction
from django.db.models import Min, Q, QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.models import Organisation, OrgKind, Role, User
from portal.audit.scope import get_in_scope
from portal.audit.services import audit_record
from portal.outbox import enqueue
from whitelist import webhooks
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.models import (
    Batch,
    BatchEntry,
    Delivery,
    EntryAsset,
    NotificationStatus,
    WebhookEndpoint,
    WebhookNotification,
)
from whitelist.permissions import (
    BANK_ROLES,
    acting_organisation,
    can_acknowledge_delivery,
    can_resend_notification,
    can_set_webhook,
    is_report_viewer,
)

# An unacknowledged delivery is chased once it is this many working days old, and again every this many
# (calendar) days until the bank acknowledges it or the batch expires. Five working days is a week: long
# enough for a bank's weekly intake, short enough that a batch is not forgotten before its feedback is due.
CHASE_AFTER_WORKING_DAYS = 5
# Bounded work per run of the jobs (architecture.md §3.3): the rest waits for the next run.
SWEEP_BATCH = 200
CHASE_BATCH = 500

# The category flags of a candidate's snapshot as the API names them, in the order they are shown.
CATEGORIES = (
    ("is_high_tech", "high_tech"),
    ("is_specialised", "specialised"),
    ("is_little_giant", "little_giant"),
    ("is_tech_sme", "tech_sme"),
    ("is_ip_advantage", "ip_advantage"),
)
INDICATORS = (
    "invention_patents",
    "utility_patents",
    "design_patents",
    "trademarks",
    "rd_ratio_pct",
    "revenue_band",
    "credit_rating",
)
# The columns an entry is written from (API, page and Excel alike), fetched as plain rows.
ENTRY_COLUMNS = (
    "id",
    "enterprise__uscc",
    "enterprise__name",
    *(f"candidate__{flag}" for flag, _code in CATEGORIES),
    *(f"candidate__{name}" for name in INDICATORS),
)


# --- Creation at publication ---------------------------------------------------------------------------


def deliveries_create(batch: Batch) -> int:
    """A delivery of ``batch`` to every active bank head office; returns how many. Runs inside the
    publication's transaction."""
    banks = Organisation.objects.filter(kind=OrgKind.BANK, parent__isnull=True, is_active=True).values("id")
    bank_sql, bank_params = banks.query.sql_with_params()
    table = connection.ops.quote_name(Delivery._meta.db_table)
    # Adapted as the ORM would: raw SQL would store an aware datetime on SQLite as text with its offset,
    # which then compares wrongly with the ORM's values (``created_at > since``).
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (batch_id, bank_id, created_at) "  # noqa: S608  # nosec B608 # model names, bound values
            f"SELECT %s, b.id, %s FROM ({bank_sql}) b",
            [batch.pk, now, *bank_params],
        )
        created = cursor.rowcount
    # The rows are written with the publication, so a notification is never lost between the commit and
    # the broker: their sends go through the outbox, and the sweep finds any still pending.
    from whitelist.tasks import webhook_notification_send_task

    for pk in _notifications_create(batch):
        enqueue(webhook_notification_send_task, pk)
    return created


def _notifications_create(batch: Batch) -> list[int]:
    rows = (
        Delivery.objects.filter(batch=batch, bank__whitelist_webhook__is_active=True)
        .order_by()
        .values_list("pk", "bank__whitelist_webhook__url")
    )
    now = timezone.now()
    created = WebhookNotification.objects.bulk_create(
        [WebhookNotification(delivery_id=pk, url=url, next_attempt_at=now) for pk, url in rows]
    )
    return [notification.pk for notification in created]


def _queue(notification_id: int) -> None:
    from whitelist.tasks import webhook_notification_send_task

    webhook_notification_send_task.delay(notification_id)


# --- Reads ---------------------------------------------------------------------------------------------


def delivery_scope(user: User) -> QuerySet[Delivery]:
    """Every delivery the user may see, before any filter: a bank user (head office or branch) its head
    office's, the IP bureau's whitelist staff and the joint-meeting office all, anyone else none. Every
    list and detail (API, pages, Excel) starts here, so another bank's delivery is a 404 everywhere."""
    queryset = Delivery.objects.all()
    organisation = acting_organisation(user)
    if organisation is None:
        return queryset.none()
    if organisation.kind == OrgKind.BANK:
        if user.role not in BANK_ROLES:
            return queryset.none()
        return queryset.filter(bank_id=organisation.parent_id or organisation.pk)
    if is_report_viewer(user):
        return queryset
    return queryset.none()


def delivery_get_for_user(*, user: User, pk: int) -> Delivery:
    """The delivery with its batch and bank, or 404 when it is outside the user's scope."""
    return get_in_scope(delivery_scope(user).select_related("batch", "bank"), pk)


def delivery_list(*, user: User, filters: dict | None = None) -> QuerySet[Delivery]:
    """Scoped deliveries, newest first ("-id": deliveries are created in publication order), with:

    - ``since``: only deliveries created after this moment (a bank polling for new ones);
    - ``acknowledged``: True or False, only deliveries the bank has (not) acknowledged."""
    queryset = delivery_scope(user)
    filters = filters or {}
    if (since := filters.get("since")) is not None:
        queryset = queryset.filter(created_at__gt=since)
    if (acknowledged := filters.get("acknowledged")) is not None:
        queryset = queryset.filter(acknowledged_at__isnull=not acknowledged)
    return queryset.order_by("-id")


def delivery_entries(delivery: Delivery) -> QuerySet:
    """The delivery's entries (its batch's published ones) as plain rows of ``ENTRY_COLUMNS``, by id: the
    keyset the API's cursor, the pages and the Excel file walk."""
    return (
        BatchEntry.objects.filter(batch_id=delivery.batch_id, published=True)
        .order_by("id")
        .values(*ENTRY_COLUMNS)
    )


def entry_assets(entry_ids: list[int]) -> dict[int, list[dict]]:
    """The pledgeable IP of these entries in one query: {entry id: [{kind, number, title, patent_type}]}."""
    assets: dict[int, list[dict]] = {pk: [] for pk in entry_ids}
    rows = (
        EntryAsset.objects.filter(entry_id__in=entry_ids)
        .order_by("entry_id", "kind", "number")
        .values_list("entry_id", "kind", "number", "title", "patent_type")
    )
    for entry_id, kind, number, title, patent_type in rows:
        assets[entry_id].append({"kind": kind, "number": number, "title": title, "patent_type": patent_type})
    return assets


def delivery_entry_chunks(delivery: Delivery, size: int = 2000):
    """The delivery's entries with their IP, ``size`` at a time (a keyset walk: memory stays flat however
    large the batch)."""
    entries = delivery_entries(delivery)
    last = 0
    while True:
        rows = list(entries.filter(id__gt=last)[:size])
        if not rows:
            return
        yield rows, entry_assets([row["id"] for row in rows])
        last = rows[-1]["id"]


def entry_categories(row: dict) -> list[str]:
    return [code for flag, code in CATEGORIES if row[f"candidate__{flag}"]]


def delivery_entries_url(delivery_id: int) -> str:
    """The absolute API address a bank pulls the delivery's entries from."""
    path = reverse("whitelist-api:delivery_entries", args=[delivery_id])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def webhook_notification_list(*, bank_id: int) -> QuerySet[WebhookNotification]:
    """A bank's notifications, newest first, with their delivery's batch."""
    return (
        WebhookNotification.objects.filter(delivery__bank_id=bank_id)
        .select_related("delivery__batch")
        .order_by("-created_at", "-pk")
    )


# --- Acknowledgement -----------------------------------------------------------------------------------


def delivery_acknowledge(delivery: Delivery, actor: User) -> Delivery:
    """The bank confirms it received the delivery. Idempotent: a second acknowledgement changes nothing
    and the first time and user stay."""
    allowed, reason = can_acknowledge_delivery(actor)
    if not allowed:
        raise WhitelistNotAllowed(reason)
    if not delivery_scope(actor).filter(pk=delivery.pk).exists():
        raise WhitelistNotAllowed(_("This delivery was made to another bank."))
    now = timezone.now()
    with transaction.atomic():
        # Conditional: two clicks (or a retried API call) race here and exactly one wins.
        if Delivery.objects.filter(pk=delivery.pk, acknowledged_at__isnull=True).update(
            acknowledged_at=now, acknowledged_by=actor
        ):
            audit_record(
                action="whitelist.delivery.acknowledge",
                actor=actor,
                object_type="whitelist.delivery",
                object_id=delivery.pk,
                details={"batch_id": delivery.batch_id, "bank_id": delivery.bank_id},
            )
    delivery.refresh_from_db(fields=["acknowledged_at", "acknowledged_by"])
    return delivery


# --- The bank's webhook --------------------------------------------------------------------------------


def _check_url(url: str) -> str:
    url = (url or "").strip()
    max_length = WebhookEndpoint._meta.get_field("url").max_length
    message = ""
    if not url:
        message = _("Enter the URL the portal should notify.")
    elif len(url) > max_length:
        message = _("The URL may be at most %(count)d characters long.") % {"count": max_length}
    else:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError:
            message = _("Enter a full URL such as https://api.example-bank.cn/whitelist/notify.")
        else:
            message = webhooks.url_refusal(url)
    if message:
        raise WhitelistValidationError(message, {"url": [message]})
    return url


@transaction.atomic
def webhook_set(bank: Organisation, url: str, actor: User) -> str:
    """Point the bank's webhook at ``url`` with a new signing secret, which is returned to be shown this
    once (the portal keeps it to sign, but never shows it again). Notifications still waiting to be sent
    go to the new URL, signed with the new secret."""
    allowed, reason = can_set_webhook(actor)
    if not allowed or actor.organisation.pk != bank.pk:
        raise WhitelistNotAllowed(reason or _("You may only set up your own bank's webhook."))
    url = _check_url(url)
    secret = secrets.token_urlsafe(32)
    endpoint, created = WebhookEndpoint.objects.update_or_create(
        bank=bank, defaults={"url": url, "secret": secret, "is_active": True, "updated_by": actor}
    )
    WebhookNotification.objects.filter(delivery__bank=bank, status=NotificationStatus.PENDING).update(url=url)
    audit_record(
        action="whitelist.webhook.set",
        actor=actor,
        object_type="whitelist.webhookendpoint",
        object_id=endpoint.pk,
        details={"bank_id": bank.pk, "url": url, "created": created},  # never the secret
    )
    return secret


@transaction.atomic
def webhook_disable(bank: Organisation, actor: User) -> None:
    """Stop notifying the bank (it still pulls through the API); notifications still waiting fail."""
    allowed, reason = can_set_webhook(actor)
    if not allowed or actor.organisation.pk != bank.pk:
        raise WhitelistNotAllowed(reason or _("You may only set up your own bank's webhook."))
    if WebhookEndpoint.objects.filter(bank=bank, is_active=True).update(is_active=False):
        audit_record(
            action="whitelist.webhook.disable",
            actor=actor,
            object_type="whitelist.webhookendpoint",
            object_id=bank.whitelist_webhook.pk,
            details={"bank_id": bank.pk},
        )


# --- Sending -------------------------------------------------------------------------------------------


def notification_payload(delivery: Delivery) -> dict:
    """The body of a notification: what was delivered and where to pull it; never the entries."""
    batch = delivery.batch
    return {
        "event": webhooks.EVENT,
        "delivery_id": delivery.pk,
        "batch_number": batch.number,
        "entries": batch.published_count,
        "published_at": timezone.localtime(batch.published_at).isoformat() if batch.published_at else None,
        "url": delivery_entries_url(delivery.pk),
    }


def _record(notification_id: int, attempt: int, **values) -> None:
    WebhookNotification.objects.filter(
        pk=notification_id, attempts=attempt, status=NotificationStatus.PENDING
    ).update(**values)


def webhook_notification_send(*, notification_id: int) -> bool:
    """One attempt at a notification, if it is due; returns whether the bank's endpoint took it (2xx).

    Safe to run twice or concurrently: the attempt is claimed with a conditional UPDATE (still pending,
    still the attempt count read, due) that also sets the next attempt's time, so a twin task, or the
    sweep, finds it not due and does nothing. A worker lost mid-attempt leaves the notification pending,
    due again after the backoff: at least once, never twice at the same moment (the body's delivery_id
    lets a bank ignore a repeat). After ``webhooks.MAX_ATTEMPTS`` failures the notification is failed."""
    now = timezone.now()
    notification = (
        WebhookNotification.objects.select_related("delivery__batch").filter(pk=notification_id).first()
    )
    if (
        notification is None
        or notification.status != NotificationStatus.PENDING
        or (notification.next_attempt_at is not None and notification.next_attempt_at > now)
    ):
        return False
    if notification.attempts >= webhooks.MAX_ATTEMPTS:
        # The last attempt's worker was lost before it could record the answer.
        _record(
            notification.pk,
            notification.attempts,
            status=NotificationStatus.FAILED,
            next_attempt_at=None,
            last_error=_("No answer was recorded for the last attempt."),
        )
        return False
    attempt = notification.attempts + 1
    claimed = (
        WebhookNotification.objects.filter(
            pk=notification.pk, status=NotificationStatus.PENDING, attempts=notification.attempts
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .update(attempts=attempt, last_attempt_at=now, next_attempt_at=now + webhooks.backoff(attempt))
    )
    if not claimed:
        return False
    endpoint = WebhookEndpoint.objects.filter(bank_id=notification.delivery.bank_id, is_active=True).first()
    if endpoint is None:
        _record(
            notification.pk,
            attempt,
            status=NotificationStatus.FAILED,
            next_attempt_at=None,
            last_error=_("The bank has no active webhook any more."),
        )
        return False
    body = webhooks.body_bytes(notification_payload(notification.delivery))
    with translation.override(settings.LANGUAGE_CODE):
        outcome = webhooks.post(notification.url, body, endpoint.secret)
    if outcome.ok:
        _record(
            notification.pk,
            attempt,
            status=NotificationStatus.SENT,
            next_attempt_at=None,
            last_status_code=outcome.status_code,
            last_error="",
        )
        return True
    last = {"last_status_code": outcome.status_code, "last_error": outcome.error[:500]}
    if attempt >= webhooks.MAX_ATTEMPTS:
        _record(notification.pk, attempt, status=NotificationStatus.FAILED, next_attempt_at=None, **last)
    else:
        _record(notification.pk, attempt, **last)  # due again at the time the claim set
    return False


def webhook_notifications_sweep() -> int:
    """Queue a send for every pending notification that is due (first tries whose queueing was lost, and
    retries); returns how many were queued. Run every minute by beat; queueing one twice is harmless."""
    ids = list(
        WebhookNotification.objects.filter(
            status=NotificationStatus.PENDING, next_attempt_at__lte=timezone.now()
        )
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in ids:
        _queue(pk)
    return len(ids)


@transaction.atomic
def delivery_resend(delivery: Delivery, actor: User) -> WebhookNotification:
    """Staff send a delivery's notification again (after it failed, or when a bank asks): a new
    notification with a fresh set of attempts, to the bank's current URL; the old one stays as history."""
    allowed, reason = can_resend_notification(actor)
    if not allowed:
        raise WhitelistNotAllowed(reason)
    delivery = Delivery.objects.select_for_update().get(pk=delivery.pk)  # one resend at a time
    endpoint = WebhookEndpoint.objects.filter(bank_id=delivery.bank_id, is_active=True).first()
    if endpoint is None:
        raise WhitelistValidationError(
            _("This bank has no active webhook: it pulls its deliveries through the API or downloads them.")
        )
    if delivery.notifications.filter(status=NotificationStatus.PENDING).exists():
        raise WhitelistValidationError(
            _("A notification of this delivery is still being sent; wait for its result.")
        )
    notification = WebhookNotification.objects.create(
        delivery=delivery, url=endpoint.url, next_attempt_at=timezone.now()
    )
    audit_record(
        action="whitelist.webhook.resend",
        actor=actor,
        object_type="whitelist.delivery",
        object_id=delivery.pk,
        details={"notification_id": notification.pk, "bank_id": delivery.bank_id},
    )
    from whitelist.tasks import webhook_notification_send_task

    enqueue(webhook_notification_send_task, notification.pk)
    return notification


# --- Chasing unacknowledged deliveries ----------------------------------------------------------------


def _chase_due_batches(today) -> list[int]:
    from portal.workdays.services import add_working_days

    # One row per batch (its deliveries share their creation time): a handful, whatever the bank count.
    batches = (
        Delivery.objects.filter(acknowledged_at__isnull=True, batch__valid_until__gte=today)
        .order_by()
        .values("batch_id")
        .annotate(created=Min("created_at"))
    )
    return [
        row["batch_id"]
        for row in batches
        if add_working_days(timezone.localdate(row["created"]), CHASE_AFTER_WORKING_DAYS).due_date <= today
    ]


def _bank_managers(bank_id: int) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        memberships__organisation_id=bank_id,
        memberships__role=Role.BANK_MANAGER,
        memberships__is_active=True,
    ).distinct()


def deliveries_chase() -> int:
    """Remind the head office's managers of each delivery still unacknowledged ``CHASE_AFTER_WORKING_DAYS``
    working days after it was made (batches still valid only), at most once every that many days; returns
    how many deliveries were chased. Safe to run twice or concurrently: each delivery is claimed by a
    conditional UPDATE of ``chased_at``, in the same transaction as its reminders."""
    from portal.notifications.services import notify

    now = timezone.now()
    batch_ids = _chase_due_batches(timezone.localdate(now))
    if not batch_ids:
        return 0
    not_recently = Q(chased_at__isnull=True) | Q(
        chased_at__lte=now - timedelta(days=CHASE_AFTER_WORKING_DAYS)
    )
    candidates = list(
        Delivery.objects.filter(not_recently, batch_id__in=batch_ids, acknowledged_at__isnull=True)
        .select_related("batch", "bank")
        .order_by("pk")[:CHASE_BATCH]
    )
    chased = 0
    for delivery in candidates:
        with transaction.atomic():
            claimed = (
                Delivery.objects.filter(not_recently, pk=delivery.pk, acknowledged_at__isnull=True)
                .order_by()
                .update(chased_at=now)
            )
            if not claimed:
                continue
            with translation.override(settings.LANGUAGE_CODE):
                values = {
                    "number": delivery.batch.number,
                    "date": timezone.localdate(delivery.created_at).isoformat(),
                }
                subject = _("Please acknowledge whitelist batch %(number)s") % values
                body = (
                    _(
                        "Whitelist batch %(number)s was delivered to your bank on %(date)s and its receipt has "
                        "not been acknowledged yet. Pull it through the API or download it as Excel from the "
                        "portal, then acknowledge receipt."
                    )
                    % values
                )
            notify(
                recipients=_bank_managers(delivery.bank_id),
                kind="whitelist.delivery_chase",
                template="notice",
                context={"subject": subject, "body": body},
                link=reverse("whitelist:delivery_list"),
                dedupe_key=f"whitelist.delivery_chase:{delivery.pk}:{timezone.localdate(now).isoformat()}",
            )
            chased += 1
    return chased
