"""Public due-date API (api-contract.md §2): stable paths, field names and units."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from portal.api import PublicAPIView, query_serializer_or_400
from portal.workdays.calculations import MAX_DAYS
from portal.workdays.services import (
    EARLIEST_START,
    LATEST_START,
    DueDate,
    add_calendar_days_rolled,
    add_working_days,
)


class DueDateQuerySerializer(serializers.Serializer):
    start = serializers.DateField(
        input_formats=["iso-8601"],
        help_text=_("The day the period starts from (YYYY-MM-DD, Beijing date); it is not counted."),
    )
    working_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_("Count this many working days after start. Give this or calendar_days, not both."),
    )
    calendar_days = serializers.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_DAYS,
        help_text=_(
            "Count this many calendar days after start, then roll forward to a working day. "
            "Give this or working_days, not both."
        ),
    )

    def validate_start(self, value):
        if not EARLIEST_START <= value <= LATEST_START:
            raise serializers.ValidationError(
                _("Enter a date from %(first)s to %(last)s.")
                % {"first": EARLIEST_START.isoformat(), "last": LATEST_START.isoformat()}
            )
        return value

    def validate(self, attrs):
        given = [name for name in ("working_days", "calendar_days") if name in attrs]
        if len(given) != 1:
            message = (
                _("Give either working_days or calendar_days, not both.")
                if given
                else _("Give working_days or calendar_days.")
            )
            raise serializers.ValidationError({"working_days": [message], "calendar_days": [message]})
        return attrs


class SkippedDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField(help_text=_("The holiday's name, or Weekend, in the caller's language."))


class DueDateSerializer(serializers.Serializer):
    start = serializers.DateField()
    working_days = serializers.IntegerField(allow_null=True)
    calendar_days = serializers.IntegerField(allow_null=True)
    due_date = serializers.DateField()
    provisional = serializers.BooleanField(
        help_text=_("True when a day that decided the result lies in a year without an official calendar.")
    )
    skipped = SkippedDaySerializer(many=True, help_text=_("Every non-working day passed over."))
    warnings = serializers.ListField(
        child=serializers.CharField(), help_text=_("Which years are provisional; empty otherwise.")
    )


_ERROR = inline_serializer(
    name="DueDateError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class DueDateApi(PublicAPIView):
    @extend_schema(
        operation_id="public_calendar_due_date",
        summary="Due date on the working-day calendar",
        description=(
            "The N-th working day after start (makeup working days count; statutory holidays and "
            "weekends don't), or start + N calendar days rolled forward to the next working day "
            "(Civil Code Art. 203). Exactly one of working_days and calendar_days, 1..365. "
            "Holiday names in skipped follow Accept-Language (zh-hans or en)."
        ),
        tags=["public"],
        parameters=[DueDateQuerySerializer],
        responses={
            200: DueDateSerializer,
            400: OpenApiResponse(_ERROR, description="Missing, malformed or out-of-range parameters."),
            429: OpenApiResponse(_ERROR, description="Too many requests from this address."),
        },
        examples=[
            OpenApiExample(
                "Three working days over National Day 2026",
                response_only=True,
                value={
                    "start": "2026-09-30",
                    "working_days": 3,
                    "calendar_days": None,
                    "due_date": "2026-10-10",
                    "provisional": False,
                    "skipped": [
                        {"date": "2026-10-01", "reason": "National Day"},
                        {"date": "2026-10-02", "reason": "National Day"},
                        {"date": "2026-10-03", "reason": "National Day"},
                        {"date": "2026-10-04", "reason": "National Day"},
                        {"date": "2026-10-05", "reason": "National Day"},
                        {"date": "2026-10-06", "reason": "National Day"},
                        {"date": "2026-10-07", "reason": "National Day"},
                    ],
                    "warnings": [],
                },
            )
        ],
    )
    def get(self, request):
        query = query_serializer_or_400(DueDateQuerySerializer, request)
        start = query["start"]
        working_days = query.get("working_days")
        calendar_days = query.get("calendar_days")
        if working_days is not None:
            result = add_working_days(start, working_days)
        else:
            result = add_calendar_days_rolled(start, calendar_days)
        return Response(due_date_representation(start, working_days, calendar_days, result))


def due_date_representation(start, working_days, calendar_days, result: DueDate) -> dict:
    """What ``DueDateSerializer(...).data`` gives, built directly.

    Instantiating a serializer deep-copies its declared fields, nested ones included: about a quarter of
    this endpoint's time, which the throughput goal cannot afford (performance.md). test_api checks that
    both give the same body.
    """
    return {
        "start": start.isoformat(),
        "working_days": working_days,
        "calendar_days": calendar_days,
        "due_date": result.due_date.isoformat(),
        "provisional": result.provisional,
        "skipped": [{"date": day.isoformat(), "reason": reason} for day, reason in result.skipped],
        "warnings": list(result.warnings),
    }
