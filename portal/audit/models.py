"""The security audit log: one row per security event, never changed or removed.

Actor, organisation and role are plain columns, not foreign keys: deleting a user must leave the rows
that record what that user did exactly as they were (ASVS 16.4.2; GB/T 22239-2019 8.1.4.3 c).
"""

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditLogAppendOnlyError(Exception):
    """Raised on any attempt to change or delete an audit row through the ORM."""


_REFUSAL = "The audit log is append-only: audit events cannot be changed or deleted."


class AuditAction(models.TextChoices):
    """Actions with a fixed meaning. Other dotted names (``subsidy.approve``) are allowed as well."""

    LOGIN_SUCCESS = "login.success", _("Login succeeded")
    LOGIN_FAILURE = "login.failure", _("Login failed")
    LOGOUT = "logout", _("Logout")
    AUTHZ_DENIED = "authz.denied", _("Access denied")
    DATA_EXPORT = "data.export", _("Data export")
    ROLE_GRANT = "role.grant", _("Role granted")


class Outcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    DENIED = "denied", _("Denied")


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditLogAppendOnlyError(_REFUSAL)

    def delete(self):
        raise AuditLogAppendOnlyError(_REFUSAL)

    def _raw_delete(self, using):
        raise AuditLogAppendOnlyError(_REFUSAL)

    def bulk_update(self, objs, fields, batch_size=None):
        raise AuditLogAppendOnlyError(_REFUSAL)

    # update_or_create() ends in save(), which refuses to change an existing row.


class AuditEvent(models.Model):
    at = models.DateTimeField(_("time"), default=timezone.now, editable=False)
    actor_id = models.BigIntegerField(_("actor id"), null=True, blank=True)
    actor_username = models.CharField(_("actor username"), max_length=150, blank=True)
    organisation_id = models.BigIntegerField(_("organisation id"), null=True, blank=True)
    role = models.CharField(_("role"), max_length=32, blank=True)
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    # No choices on the column: later features add their own dotted names without a migration.
    action = models.CharField(_("action"), max_length=64)
    object_type = models.CharField(_("object type"), max_length=64, blank=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.SUCCESS)
    details = models.JSONField(_("details"), default=dict, blank=True, encoder=DjangoJSONEncoder)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [
            models.Index(fields=["action", "at"], name="audit_action_at_idx"),
            models.Index(fields=["actor_id", "at"], name="audit_actor_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_username or '-'} {self.outcome}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AuditLogAppendOnlyError(_REFUSAL)
        # Never an UPDATE, even for an instance built with the primary key of an existing row.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditLogAppendOnlyError(_REFUSAL)
