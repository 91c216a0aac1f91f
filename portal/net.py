"""Who is on the other end of a request."""

import ipaddress

from django.conf import settings


def client_ip(request) -> str | None:
    """The client's address, believing only the X-Forwarded-For hops our own proxies added.

    With ``settings.NUM_PROXIES = n`` the client is the n-th entry from the right: each trusted proxy
    appends the address it saw, and everything to its left may be forged by the client. With 0
    proxies the header is ignored (ASVS 15.3.4). Too few hops means the request bypassed the proxies,
    so the peer address is used.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR", ""))
    proxies = settings.NUM_PROXIES
    if proxies <= 0:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote
    return _valid_ip(hops[-proxies]) or remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None
