"""Partner systems calling the API: OAuth 2 clients (client-credentials grant) and their access tokens.

A bank's core system, or a department's data platform, is an ``ApiClient``: it trades its id and secret
for a bearer token valid at most an hour (security.md checks 14 and 16, ASVS 13.2.1: no static API key
reaches a business endpoint). Each client acts as its own service user, a member of one organisation
with one role, so every scope, permission and audit row treats it like that organisation's staff and
names it.

Neither the secret nor a token is stored, only their SHA-256: both are 256-bit random values, for which a
fast hash is as strong as a slow one, and a token is looked up by its digest on every call.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Membership


class ApiClient(models.Model):
    client_id = models.CharField(_("client id"), max_length=40, unique=True)
    secret_digest = models.CharField(_("secret (SHA-256)"), max_length=64)
    name = models.CharField(
        _("name"), max_length=100, help_text=_("The system, e.g. its core-banking gateway.")
    )
    membership = models.OneToOneField(
        Membership,
        on_delete=models.PROTECT,
        related_name="api_client",
        verbose_name=_("acts as"),
        help_text=_("The client's service user, its organisation and its role."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    secret_set_at = models.DateTimeField(_("secret set at"))
    last_token_at = models.DateTimeField(_("last token issued at"), null=True, blank=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("API client")
        verbose_name_plural = _("API clients")

    def __str__(self) -> str:
        return f"{self.name} ({self.client_id})"


class AccessToken(models.Model):
    digest = models.CharField(_("token (SHA-256)"), max_length=64, unique=True)
    client = models.ForeignKey(
        ApiClient, on_delete=models.CASCADE, related_name="tokens", verbose_name=_("client")
    )
    issued_at = models.DateTimeField(_("issued at"))
    expires_at = models.DateTimeField(_("expires at"), db_index=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("access token")
        verbose_name_plural = _("access tokens")

    def __str__(self) -> str:
        return f"{self.client_id} {self.issued_at:%Y-%m-%d %H:%M}"
