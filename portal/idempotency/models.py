"""One row per (client, Idempotency-Key): what the first request with that key asked, and what it got.

Stripe's model, with the IETF draft's status codes (security.md, "Idempotent API writes"): a retry with
the same key and the same request gets the stored answer and changes nothing; the same key with another
request is refused (422); a retry while the first is still running is refused (409).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class KeyState(models.TextChoices):
    IN_FLIGHT = "in_flight", _("In flight")
    COMPLETED = "completed", _("Completed: retries get the stored response")
    # The view raised before it produced an answer: nothing to replay, so a retry runs the write again.
    FAILED = "failed", _("Failed: a retry runs again")


class IdempotencyKey(models.Model):
    # The client the key belongs to: "org:<id>" for the caller's acting organisation, so two banks (or a
    # bank's two branches) never share a key space.
    scope = models.CharField(_("client"), max_length=64)
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=8)
    path = models.CharField(_("path"), max_length=500)
    # SHA-256 of the canonical request body (JSON parsed, keys sorted, numbers by value).
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=KeyState.choices, default=KeyState.IN_FLIGHT)
    # When the running request took the key; a request that takes it over (after a crash) restamps it, so
    # the first one's late answer is not stored over the second's.
    claimed_at = models.DateTimeField(_("claimed at"))
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    created_at = models.DateTimeField(_("first used at"), auto_now_add=True, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["scope", "key"], name="idempotency_key_unique_per_client")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.key}"
