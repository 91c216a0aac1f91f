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
    # Sign-in security (portal.accounts: lockout, sessions, second factor).
    ACCOUNT_LOCKED = "login.locked", _("Sign-in locked")
    ACCOUNT_UNLOCKED = "login.unlocked", _("Sign-in unlocked")
    SESSION_EXPIRED = "session.expired", _("Session ended at its absolute limit")
    SESSIONS_REVOKED = "session.revoked", _("Sessions and tokens revoked")
    PASSWORD_CHANGE = "password.change", _("Password changed")
    MFA_ENROLLED = "mfa.enrolled", _("Second factor enrolled")
    MFA_VERIFIED = "mfa.verified", _("Second factor verified")
    MFA_FAILED = "mfa.failed", _("Second factor failed")
    MFA_RECOVERY_USED = "mfa.recovery_used", _("Recovery code used")
    MFA_RECOVERY_REGENERATED = "mfa.recovery_regenerated", _("Recovery codes regenerated")
    MFA_DISABLED = "mfa.disabled", _("Second factor disabled")
    MFA_RESET = "mfa.reset", _("Second factor reset by staff")


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


class AuditArchive(models.Model):
    """One archive file of audit rows past the retention period (security.md check 20).

    The rows ``first_id``..``last_id`` older than ``cutoff`` are in ``file`` (JSON lines, gzip, under
    ``settings.AUDIT_ARCHIVE_DIR``), whose sha256 is ``sha256``. The database lets those rows be deleted
    only while such a row covers them (portal/audit/triggers.py), so the archive row is written first.
    """

    created_at = models.DateTimeField(_("archived at"), default=timezone.now, editable=False)
    cutoff = models.DateTimeField(_("archived rows older than"))
    file = models.CharField(_("file"), max_length=255, unique=True)
    first_id = models.BigIntegerField(_("first id"))
    last_id = models.BigIntegerField(_("last id"))
    row_count = models.PositiveIntegerField(_("rows"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    purged_at = models.DateTimeField(_("rows deleted at"), null=True, blank=True)

    class Meta:
        ordering = ["-first_id"]
        verbose_name = _("audit archive")
        verbose_name_plural = _("audit archives")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(first_id__lte=models.F("last_id")), name="audit_archive_id_range"
            ),
            models.CheckConstraint(condition=models.Q(row_count__gt=0), name="audit_archive_not_empty"),
        ]
        indexes = [models.Index(fields=["first_id", "last_id"], name="audit_archive_range_idx")]

    def __str__(self) -> str:
        return f"{self.file} ({self.first_id}-{self.last_id}, {self.row_count})"
