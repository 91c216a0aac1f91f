"""``@idempotent`` for the handler of a DRF write, and the pieces its schema needs.

    class LoanCreateApi(IdempotentAPIView):
        @extend_schema(parameters=[IDEMPOTENCY_KEY_PARAMETER], responses={..., **IDEMPOTENCY_RESPONSES})
        @idempotent
        def post(self, request): ...

Authentication, permissions and throttles run first (DRF's ``initial``), so a caller refused there never
takes a key. Then: a missing or malformed key is a 400; a key used for another request (body, method or
path) a 422; a key whose first request is still running a 409; a key already answered gets that answer
again with ``Idempotent-Replayed: true`` and nothing runs. Otherwise the handler runs in a transaction
that also stores its answer, 4xx included (Stripe-style: the same mistake gets the same answer); an
unexpected exception stores nothing and frees the key for a retry.
"""

import functools
import json

from django.db import transaction
from django.http.request import RawPostDataException
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder
from rest_framework.views import APIView

from portal.idempotency.services import (
    IN_FLIGHT,
    MISMATCH,
    REPLAY,
    InvalidKey,
    client_scope,
    idempotency_claim,
    idempotency_complete,
    idempotency_release,
    key_validate,
    request_fingerprint,
)

KEY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    name=KEY_HEADER,
    type=OpenApiTypes.STR,
    location=OpenApiParameter.HEADER,
    required=True,
    description=(
        "A new unique value (a V4 UUID) for each new write; send the same value again to retry it safely. "
        "The same key with the same request returns the stored response (header `Idempotent-Replayed: "
        "true`) and changes nothing; with a different request it is a 422; while the first request is "
        "still running, a 409. Keys are kept at least 24 hours, per client organisation."
    ),
)

_ERROR = inline_serializer(
    name="IdempotencyError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)
IDEMPOTENCY_RESPONSES = {
    409: OpenApiResponse(
        _ERROR, description="A request with this Idempotency-Key is still running (or a domain conflict)."
    ),
    422: OpenApiResponse(_ERROR, description="This Idempotency-Key was used for a different request."),
}


def _error(status_code: int, message: str, errors: dict | None = None) -> Response:
    return Response({"message": message, "errors": errors or {}}, status=status_code)


def _fingerprint(request) -> str:
    try:
        body = request._request.body
    except RawPostDataException:
        # A multipart body was already parsed (Django's CSRF check reads form posts): fingerprint the
        # parsed form instead, files by name and size.
        data = (
            {key: request.data.getlist(key) for key in request.data}
            if hasattr(request.data, "getlist")
            else {}
        )
        files = {key: [(f.name, f.size) for f in request.FILES.getlist(key)] for key in request.FILES}
        body = json.dumps({"data": data, "files": files}, sort_keys=True, default=str).encode()
        return request_fingerprint(body=body, content_type="application/json")
    return request_fingerprint(body=body, content_type=request.content_type or "")


def _json(data):
    """The response data as plain JSON (Decimals and dates as the renderer writes them)."""
    return json.loads(json.dumps(data, cls=JSONEncoder))


def idempotent(handler):
    @functools.wraps(handler)
    def wrapper(view: APIView, request, *args, **kwargs):
        try:
            key = key_validate(request.headers.get(KEY_HEADER))
        except InvalidKey as error:
            return _error(status.HTTP_400_BAD_REQUEST, error.message, {KEY_HEADER: [error.message]})
        claim = idempotency_claim(
            scope=client_scope(request.user),
            key=key,
            method=request.method,
            path=request.path,
            fingerprint=_fingerprint(request),
        )
        if claim.outcome == MISMATCH:
            message = _("This Idempotency-Key was already used for a different request; use a new key.")
            return _error(status.HTTP_422_UNPROCESSABLE_ENTITY, message, {KEY_HEADER: [message]})
        if claim.outcome == IN_FLIGHT:
            message = _("A request with this Idempotency-Key is still being processed; retry in a moment.")
            return _error(status.HTTP_409_CONFLICT, message, {KEY_HEADER: [message]})
        if claim.outcome == REPLAY:
            record = claim.record
            return Response(
                record.response_body, status=record.response_status, headers={REPLAYED_HEADER: "true"}
            )
        record = claim.record
        try:
            # The write and its stored answer commit together (services: a crash leaves neither).
            with transaction.atomic():
                response = handler(view, request, *args, **kwargs)
                if response.status_code < 500 and not idempotency_complete(
                    record=record, status=response.status_code, body=_json(response.data)
                ):
                    raise _TakenOver
        except _TakenOver:
            message = _("A retry with this Idempotency-Key took over the request; its answer stands.")
            return _error(status.HTTP_409_CONFLICT, message, {KEY_HEADER: [message]})
        except Exception as exc:
            try:
                response = view.handle_exception(exc)
            except BaseException:
                idempotency_release(record=record)
                raise
            if response.status_code < 500:
                idempotency_complete(record=record, status=response.status_code, body=_json(response.data))
                return response
        if response.status_code >= 500:
            idempotency_release(record=record)
        return response

    return wrapper


class _TakenOver(Exception):
    pass


class IdempotentAPIView(APIView):
    """Base of views with ``@idempotent`` handlers: never wrapped in ATOMIC_REQUESTS, because the key's
    claim must commit on its own before the write starts (services.idempotency_claim)."""

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))
