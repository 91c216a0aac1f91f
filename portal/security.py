"""Response headers Django's SecurityMiddleware does not set (security.md check 38; ASVS 3.4, 14.3.2).

- ``Content-Security-Policy`` (``settings.PORTAL_CSP``): scripts only from our own static files, so an
  injected ``<script>`` or ``onclick=`` does not run; ``frame-ancestors 'none'`` against clickjacking.
  Templates therefore carry no inline scripts or event handlers (static/js/portal.js wires the few
  behaviours they had). Styles keep ``'unsafe-inline'``: htmx injects its indicator style and the
  admin uses style attributes, and a style cannot run code.
- ``Cache-Control: private, no-store`` on every response to a signed-in user and on every API response
  outside the public, anonymous API: a shared or back-button cache must not keep a bank's or an
  enterprise's data. Static files (served by WhiteNoise before authentication) and public pages keep their
  own caching; a response that already says ``no-store`` is left as its view wrote it.
- ``Content-Type: application/json; charset=utf-8``: DRF names no charset for JSON (RFC 8259 makes it
  UTF-8); saying so keeps every client from guessing (security.md check 38).
"""

from django.conf import settings

PUBLIC_API_PREFIX = "/api/v1/public/"


def _is_private(request) -> bool:
    # ``request.user`` is absent when WhiteNoise answered before AuthenticationMiddleware ran (static files).
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return True
    return request.path.startswith("/api/") and not request.path.startswith(PUBLIC_API_PREFIX)


class SecurityHeadersMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = settings.PORTAL_CSP

    def __call__(self, request):
        response = self.get_response(request)
        if self.policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = self.policy
        if _is_private(request) and "no-store" not in response.get("Cache-Control", ""):
            response["Cache-Control"] = "private, no-store"
        if response.get("Content-Type") == "application/json":
            response["Content-Type"] = "application/json; charset=utf-8"
        return response
