"""``POST /api/v1/oauth/token/``: the OAuth 2 client-credentials grant (RFC 6749 §4.4, errors §5.2).

The client authenticates with HTTP Basic (``client_id:client_secret``, RFC 6749 §2.3.1) or with
``client_id`` and ``client_secret`` in the form body; ``grant_type`` must be ``client_credentials``.
The answer is never cached (``Cache-Control: no-store``).
"""

import base64
import binascii
from urllib.parse import unquote

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import ParseError, UnsupportedMediaType
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal.api import PublicThrottle
from portal.apiauth.services import InvalidClient, token_issue


class TokenThrottle(PublicThrottle):
    scope = "token"


def _basic_credentials(request) -> tuple[str, str] | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() != "basic" or not value:
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return ("", "")
    client_id, _sep, secret = decoded.partition(":")
    return unquote(client_id), unquote(secret)


def _error(status: int, code: str, description: str, *, basic: bool = False) -> Response:
    response = Response({"error": code, "error_description": description}, status=status)
    if basic:
        response["WWW-Authenticate"] = 'Basic realm="api"'
    return response


_TOKEN = inline_serializer(
    name="AccessTokenResponse",
    fields={
        "access_token": serializers.CharField(),
        "token_type": serializers.ChoiceField(choices=["Bearer"]),
        "expires_in": serializers.IntegerField(help_text="Seconds (at most 3600)."),
    },
)
_OAUTH_ERROR = inline_serializer(
    name="OAuthError",
    fields={"error": serializers.CharField(), "error_description": serializers.CharField()},
)


class TokenApi(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [TokenThrottle]
    parser_classes = [FormParser, MultiPartParser, JSONParser]

    @extend_schema(
        operation_id="oauth_token",
        summary="Get an access token (client credentials)",
        description=(
            "Send `grant_type=client_credentials` with the client's id and secret (HTTP Basic, or "
            "`client_id` and `client_secret` in the body). Call the API with `Authorization: Bearer "
            "<access_token>` until it expires, then ask again."
        ),
        tags=["auth"],
        auth=[],
        request=inline_serializer(
            name="TokenRequest",
            fields={
                "grant_type": serializers.ChoiceField(choices=["client_credentials"]),
                "client_id": serializers.CharField(required=False),
                "client_secret": serializers.CharField(required=False),
            },
        ),
        responses={
            200: _TOKEN,
            400: OpenApiResponse(_OAUTH_ERROR, description="`invalid_request` or `unsupported_grant_type`."),
            401: OpenApiResponse(_OAUTH_ERROR, description="`invalid_client`."),
            429: OpenApiResponse(description="Too many requests from this address."),
        },
    )
    def post(self, request):
        # RFC 6749 §5.2: a body that cannot be read is an invalid_request in the OAuth error shape, not the
        # portal's generic envelope (schema fuzzing sent undecodable JSON and a JSON array).
        try:
            data = request.data
        except (ParseError, UnsupportedMediaType):
            data = None
        if not hasattr(data, "get"):
            return _error(400, "invalid_request", _("The body must be a form or a JSON object."))
        basic = _basic_credentials(request)
        body_id = str(data.get("client_id", ""))
        body_secret = str(data.get("client_secret", ""))
        if basic is not None and (body_id or body_secret):
            return _error(
                400,
                "invalid_request",
                _("Send the client's credentials once: in the Authorization header or in the body."),
            )
        grant_type = data.get("grant_type")
        if not grant_type:
            return _error(400, "invalid_request", _("grant_type is required."))
        if grant_type != "client_credentials":
            return _error(
                400, "unsupported_grant_type", _("Only grant_type=client_credentials is supported.")
            )
        client_id, secret = basic if basic is not None else (body_id, body_secret)
        if not client_id or not secret:
            return _error(
                401, "invalid_client", _("The client's id and secret are required."), basic=basic is not None
            )
        try:
            issued = token_issue(client_id=client_id, secret=secret, request=request)
        except InvalidClient:
            return _error(
                401,
                "invalid_client",
                _("Unknown client, wrong secret, or the client is deactivated."),
                basic=basic is not None,
            )
        response = Response(
            {"access_token": issued.access_token, "token_type": "Bearer", "expires_in": issued.expires_in}  # nosec B105 # the OAuth token type, not a secret
        )
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response
