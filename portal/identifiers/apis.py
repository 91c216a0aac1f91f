"""Public identifier checks (api-contract.md §1): stable paths and field names, no login, throttled.

A malformed request (no ``value``) is a 400; a well-formed request about an invalid identifier is a
200 whose body says why, so forms can show the reason as the user types.
"""

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from portal.api import PublicAPIView, query_serializer_or_400
from portal.identifiers.patent import PatentType, check_patent
from portal.identifiers.result import CheckResult
from portal.identifiers.uscc import check_uscc

# Long enough for any spelling the checks accept; longer input is refused before it is parsed.
MAX_VALUE_LENGTH = 100


class UsccCheckQuerySerializer(serializers.Serializer):
    # Not trimmed: the response echoes the value exactly as sent, and the check normalises it.
    value = serializers.CharField(
        max_length=MAX_VALUE_LENGTH,
        trim_whitespace=False,
        help_text="The 18-character code as typed, e.g. 91110108551385082Q; case and surrounding spaces "
        "do not matter.",
    )


class PatentCheckQuerySerializer(serializers.Serializer):
    value = serializers.CharField(
        max_length=MAX_VALUE_LENGTH,
        trim_whitespace=False,
        help_text="The number as typed, e.g. ZL201310699744.2, CN 2010 8 0063196.9 or 90101673.X.",
    )


class UsccCheckErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["format", "check_digit"])
    message = serializers.CharField(help_text="What is wrong, in the request's language.")


class PatentCheckErrorSerializer(serializers.Serializer):
    code = serializers.ChoiceField(choices=["format", "type", "year", "check_digit"])
    message = serializers.CharField(help_text="What is wrong, in the request's language.")


class UsccCheckResultSerializer(serializers.Serializer):
    value = serializers.CharField()
    valid = serializers.BooleanField()
    normalized = serializers.CharField(allow_null=True)
    error = UsccCheckErrorSerializer(allow_null=True)


class PatentCheckResultSerializer(serializers.Serializer):
    value = serializers.CharField()
    valid = serializers.BooleanField()
    normalized = serializers.CharField(allow_null=True)
    patent_type = serializers.ChoiceField(choices=PatentType.choices, allow_null=True)
    filing_year = serializers.IntegerField(allow_null=True)
    error = PatentCheckErrorSerializer(allow_null=True)


class IdentifierCheckProblemSerializer(serializers.Serializer):
    """The error envelope of portal.api.exception_handler (400 and 429)."""

    message = serializers.CharField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


def _result_payload(result: CheckResult) -> dict:
    error = None if result.valid else {"code": result.error_code, "message": result.message}
    return {"value": result.value, "valid": result.valid, "normalized": result.normalized, "error": error}


_ERROR_RESPONSES = {
    400: OpenApiResponse(
        IdentifierCheckProblemSerializer, description="`value` is missing, empty or too long."
    ),
    429: OpenApiResponse(
        IdentifierCheckProblemSerializer, description="Too many requests from this client; see Retry-After."
    ),
}


class UsccCheckApi(PublicAPIView):
    """Check a unified social credit code; an invalid code is a 200 with ``valid: false`` and the reason."""

    @extend_schema(
        operation_id="public_identifiers_uscc_check",
        summary="Check a unified social credit code (GB 32100-2015)",
        tags=["public"],
        parameters=[UsccCheckQuerySerializer],
        responses={200: UsccCheckResultSerializer, **_ERROR_RESPONSES},
    )
    def get(self, request):
        query = query_serializer_or_400(UsccCheckQuerySerializer, request)
        result = check_uscc(query["value"])
        return Response(UsccCheckResultSerializer(_result_payload(result)).data)


class PatentCheckApi(PublicAPIView):
    """Check a patent application or patent number (ZL/CN prefix optional); invalid is a 200 with the reason."""

    @extend_schema(
        operation_id="public_identifiers_patent_check",
        summary="Check a Chinese patent application or patent number",
        tags=["public"],
        parameters=[PatentCheckQuerySerializer],
        responses={200: PatentCheckResultSerializer, **_ERROR_RESPONSES},
    )
    def get(self, request):
        query = query_serializer_or_400(PatentCheckQuerySerializer, request)
        result = check_patent(query["value"])
        payload = _result_payload(result)
        payload["patent_type"] = result.details.get("patent_type")
        payload["filing_year"] = result.details.get("filing_year")
        return Response(PatentCheckResultSerializer(payload).data)
