"""Shared pieces of the REST API: the error envelope, the public throttle and the public base view.

Every error body has the shape of api-contract.md: ``{"message": "...", "errors": {"field": ["..."]}}``,
with messages in the caller's language (``Accept-Language`` or the session's choice).
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from portal.audit.scope import record_hidden_denial
from portal.net import client_ip
from portal.ratelimit import FixedWindowThrottle


def _flatten(detail) -> dict[str, list[str]]:
    if isinstance(detail, dict):
        errors: dict[str, list[str]] = {}
        for field, value in detail.items():
            if isinstance(value, dict):
                for sub_field, messages in _flatten(value).items():
                    errors[f"{field}.{sub_field}"] = messages
            elif isinstance(value, list) and value and isinstance(value[0], dict):
                for index, item in enumerate(value):
                    for sub_field, messages in _flatten(item).items():
                        errors[f"{field}[{index}].{sub_field}"] = messages
            else:
                errors[field] = [str(message) for message in (value if isinstance(value, list) else [value])]
        return errors
    messages = detail if isinstance(detail, list) else [detail]
    return {"non_field_errors": [str(message) for message in messages]}


def exception_handler(exc, context):
    record_hidden_denial(context["request"], exc)  # another organisation's object: a 404, and audited
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        response.data = {
            "message": _("The request has invalid or missing fields."),
            "errors": errors,
        }
    elif isinstance(exc, exceptions.Throttled):
        response.data = {
            "message": _("Too many requests; try again in %(seconds)d seconds.") % {"seconds": exc.wait or 1},
            "errors": {},
        }
    else:
        detail = getattr(exc, "detail", None)
        response.data = {"message": str(detail) if detail else response.status_text, "errors": {}}
    return response


class PublicThrottle(FixedWindowThrottle):
    """Per-client-IP limit for the public endpoints (rate ``public``; subclasses name their own scope)."""

    scope = "public"

    def get_ident(self, request, view):
        # Not DRF's default, which (with NUM_PROXIES unset) keys on the whole X-Forwarded-For header, so
        # a client could dodge the limit by forging it: only hops our own proxies added count.
        return client_ip(request) or "unknown"


class PublicAPIView(APIView):
    """Base for the stable public API: no login, no session (so no CSRF), throttled per IP."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [PublicThrottle]


def query_serializer_or_400(serializer_class: type[serializers.Serializer], request) -> dict:
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data
