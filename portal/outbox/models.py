from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """A Celery task to publish, written in the transaction whose commit it follows.

    The row commits or rolls back with the work that asked for it, so a broker outage at commit time
    delays the task instead of losing it: the relay (portal.outbox.tasks.relay) publishes what is left.
    """

    task = models.CharField(_("task"), max_length=200)
    args = models.JSONField(_("positional arguments"), default=list, blank=True)
    kwargs = models.JSONField(_("keyword arguments"), default=dict, blank=True)
    dedupe_key = models.CharField(_("dedupe key"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    # The relay leaves a row alone until then: the immediate publish after commit goes first, and a
    # broker error pushes the next try back (exponential backoff).
    available_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox messages")
        ordering = ["id"]
        constraints = [
            # One pending message per key: a second enqueue while the first waits is the same work.
            models.UniqueConstraint(
                fields=["dedupe_key"],
                condition=Q(sent_at__isnull=True) & ~Q(dedupe_key=""),
                name="outbox_pending_dedupe_key_unique",
            )
        ]
        indexes = [
            models.Index(
                fields=["available_at", "id"], condition=Q(sent_at__isnull=True), name="outbox_unsent_idx"
            ),
            models.Index(fields=["sent_at"], condition=Q(sent_at__isnull=False), name="outbox_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.task} #{self.pk}"
