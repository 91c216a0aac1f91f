"""In-portal notifications, each optionally mailed once to its recipient."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(
        _("kind"), max_length=64, help_text=_("A dotted slug, e.g. calendar.missing_year.")
    )
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    # Kept beside the text so the mail task sends exactly what was rendered at notify time.
    body_html = models.TextField(_("HTML body"), blank=True)
    link = models.CharField(_("link"), max_length=500, blank=True, help_text=_("A path inside the portal."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # Doubles as the claim of the mail task: set before sending, so a redelivered task never mails twice.
    email_sent_at = models.DateTimeField(_("e-mail sent at"), null=True, blank=True)
    # NULL, not "", means "no key": the partial unique constraint below then ignores the row.
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, null=True, blank=True)  # noqa: DJ001

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "dedupe_key"],
                condition=models.Q(dedupe_key__isnull=False),
                name="notification_unique_dedupe_key",
            ),
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_inbox_idx")]

    def __str__(self) -> str:
        return self.subject

    @property
    def is_read(self) -> bool:
        return self.read_at is not None
