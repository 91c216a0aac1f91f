"""Rate limit for partner systems' business calls, per API client (security.md check 39; API4:2023)."""

from portal.ratelimit import FixedWindowThrottle


class BankClientThrottle(FixedWindowThrottle):
    """``bank`` scope: counts calls authenticated by a bearer token, keyed by the client's service user (one
    per client). Session and anonymous calls are not counted here."""

    scope = "bank"

    def get_ident(self, request, view):
        # Imported here: DRF imports this class while building APIView, before the views module is done.
        from portal.apiauth.authentication import BearerTokenAuthentication

        if not isinstance(request.successful_authenticator, BearerTokenAuthentication):
            return None
        return str(request.user.pk)
