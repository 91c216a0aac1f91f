"""Webhook notifications to the banks: the body, its HMAC-SHA256 signature, the POST and the retry schedule.

A bank that registered a webhook is told of every new delivery by a POST whose body is small JSON (never
the entries: the bank pulls them through the authenticated API at the ``url`` the body names). The
signature covers the timestamp and the raw body, so a replayed or altered notification fails the check
(docs/whitelist-webhooks.md shows a bank how to verify it):

    X-Whitelist-Timestamp: 1767225600
    X-Whitelist-Signature: sha256=<hex HMAC-SHA256 of "1767225600." + body, keyed with the secret>

Pure HTTP and arithmetic here; the notification rows (claim, record, resend) are whitelist.deliveries'.
"""

import hashlib
import hmac
import ipaddress
import json
import socket
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _

EVENT = "whitelist.delivery"
TIMESTAMP_HEADER = "X-Whitelist-Timestamp"
SIGNATURE_HEADER = "X-Whitelist-Signature"
TIMEOUT_SECONDS = 10
# Attempts in all: the first and five retries, 1, 2, 4, 8 and 16 minutes after the one before (about half
# an hour in all, while the bank's staff may not even know their endpoint is down); then the notification
# is failed, shown first on the staff's deliveries page, and staff may resend it.
MAX_ATTEMPTS = 6
BACKOFF_BASE = timedelta(minutes=1)
_ERROR_MAX = 500


def backoff(attempt: int) -> timedelta:
    """The wait after failed attempt ``attempt`` (1-based): 1, 2, 4, 8, 16 minutes."""
    return BACKOFF_BASE * 2 ** (attempt - 1)


def body_bytes(payload: dict) -> bytes:
    """The exact bytes sent and signed (compact JSON, UTF-8)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """``sha256=<hex>`` of HMAC-SHA256 over ``f"{timestamp}.{body}"``."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def signed_headers(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "ipfin-portal-webhook/1",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
    }


# --- Where the portal may POST ---------------------------------------------------------------------------


def allow_local() -> bool:
    # Plain http and addresses inside our own network only for a local run and the tests: in production a
    # bank's URL pointing at 127.0.0.1 or 10.x would make the portal probe its own network for whoever set
    # it (SSRF). settings.WHITELIST_WEBHOOK_ALLOW_LOCAL (default: DEBUG) decides.
    return settings.WHITELIST_WEBHOOK_ALLOW_LOCAL


def _is_internal(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    return not ip.is_global or ip.is_multicast


def url_refusal(url: str, *, resolve: bool = False) -> str:
    """Why the portal will not POST to ``url``, or "" when it may. With ``resolve`` the host name is looked
    up too (at send time), so a name that points inside our network is refused as well."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("The URL is not valid.")
    local = allow_local()
    if parts.scheme not in (("https", "http") if local else ("https",)):
        return _("The URL must start with https://.")
    if not parts.hostname or parts.username or parts.password:
        return _("The URL must name a host, without a user name or password.")
    if local:
        return ""
    host = parts.hostname
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    private = _("Use the address of your server on the internet, not one inside a private network.")
    if literal is not None:
        return private if _is_internal(host) else ""
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return private
    if resolve:
        try:
            addresses = {
                info[4][0] for info in socket.getaddrinfo(host, port or 443, type=socket.SOCK_STREAM)
            }
        except OSError:
            return _("The host name could not be resolved.")
        if any(_is_internal(address) for address in addresses):
            return _("The host name resolves to an address inside a private network.")
    return ""


# --- Sending -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    ok: bool
    status_code: int | None
    error: str


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect is an answer we do not follow: it could lead the POST anywhere, inside our network too.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


def post(url: str, body: bytes, secret: str, *, timestamp: int | None = None) -> Outcome:
    """POST the signed body once. A 2xx is success; any other answer, a timeout or a network error is a
    failure, described in ``error`` (what the bank's staff see on their webhook page)."""
    refusal = url_refusal(url, resolve=True)
    if refusal:
        return Outcome(False, None, refusal)
    request = urllib.request.Request(  # noqa: S310 (the scheme is checked above: http(s) only)
        url, data=body, headers=signed_headers(secret, body, timestamp), method="POST"
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            code = response.status
    except urllib.error.HTTPError as error:
        code = error.code
        error.close()
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Outcome(False, None, (_("No answer: %(reason)s") % {"reason": reason})[:_ERROR_MAX])
    if 200 <= code < 300:
        return Outcome(True, code, "")
    return Outcome(False, code, _("The endpoint answered HTTP %(code)s.") % {"code": code})
