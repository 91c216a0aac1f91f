"""A user's password change or deactivation revokes the tokens of API clients acting as that user (check 14)."""

from django.dispatch import receiver
from django.utils import timezone

from portal.accounts.sessions import credentials_revoked
from portal.apiauth.models import AccessToken


@receiver(credentials_revoked, dispatch_uid="apiauth_revoke_tokens_of_user")
def revoke_tokens_of_user(sender, user, reason, **kwargs) -> int:
    now = timezone.now()
    return AccessToken.objects.filter(
        client__membership__user=user, revoked_at__isnull=True, expires_at__gt=now
    ).update(revoked_at=now)
