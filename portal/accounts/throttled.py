"""The sign-in pages' answer to too many attempts (the counting is portal.ratelimit)."""

from django.shortcuts import render
from django.utils.translation import gettext as _


def too_many_requests(request, retry_after: int):
    """The 429 page in the portal's look, with Retry-After."""
    response = render(
        request,
        "accounts/throttled.html",
        {"retry_after": retry_after, "message": _("Too many attempts. Please wait and try again.")},
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response
