"""DRF authentication by bearer token (RFC 6750), for partner systems (portal.apiauth)."""

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from portal.apiauth.services import token_user


class BearerTokenAuthentication(BaseAuthentication):
    """``Authorization: Bearer <token>``. A request without the header is left to the next class (the
    browser's session); a request with a bad, expired or revoked token is a 401, never a session's."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != b"bearer":
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("The Authorization header must read 'Bearer <token>'."))
        try:
            token = parts[1].decode("ascii")
        except UnicodeDecodeError:
            raise AuthenticationFailed(_("The access token is invalid, expired or revoked.")) from None
        user = token_user(token)
        if user is None:
            raise AuthenticationFailed(
                _(
                    "The access token is invalid, expired or revoked: request a new one at /api/v1/oauth/token/."
                )
            )
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
