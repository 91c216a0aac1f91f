"""Authenticated JSON API for the pledgee (a bank or guarantor): query, start and confirm its cases.

Pledge registration is a joint filing (domain.md §2.1.1-§2.1.3): the pledgor files, the pledgee
confirms. So a bank does not file *for* an enterprise here. What it may do:

- list and read the cases it is the pledgee of (its head office and branches count as one bank);
- start a draft that names the caller's own organisation as pledgee and an enterprise (by credit
  code) as pledgor, with that enterprise's assets by number. The draft then waits for the
  ENTERPRISE, which checks it, adds its materials and submits it to the bank (draft -> awaiting
  pledgee); nothing reaches the office before both parties have acted;
- confirm a case the enterprise submitted (awaiting pledgee -> submitted), or send it back with a
  reason (-> draft).

The pledgee is always the caller's organisation: no input names the pledgee, a status, a
commissioner or a due date. A case outside the caller's scope is a 404 whatever the route; a route
for pledgees called by anyone else is a 403; a move the case's status does not allow is a 409.
Session authentication for now (issue 10 adds API tokens).
"""

from decimal import Decimal

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from pledges.errors import PledgeError, TransitionNotAllowed
from pledges.models import (
    PLEDGED_STATUSES,
    PLEDGEE_ROLES,
    IpAsset,
    PledgeRegistration,
    RegistrationKind,
    Status,
)
from pledges.permissions import acts_as, available_transitions, can_file_as_pledgee
from pledges.selectors import registration_get_for_user, registration_list, registration_scope
from pledges.services.filing import (
    registration_confirm,
    registration_draft_create,
    registration_send_back,
)
from pledges.services.sla import skipped_days_for_reader
from portal.accounts.models import Organisation, OrgKind
from portal.api import query_serializer_or_400
from portal.identifiers.fields import (
    MAX_INPUT_LENGTH,
    CopyrightNumberSerializerField,
    PatentNumberSerializerField,
    TrademarkNumberSerializerField,
    UsccSerializerField,
)
from portal.policy.models import Channel, IpKind

MAX_ASSETS_PER_FILING = 50

# The number field each IP kind's asset numbers are checked with; data-IP certificates have no
# national numbering standard to check against.
_NUMBER_FIELDS = {
    IpKind.PATENT: PatentNumberSerializerField,
    IpKind.TRADEMARK: TrademarkNumberSerializerField,
    IpKind.COPYRIGHT: CopyrightNumberSerializerField,
}

# Plain-language labels of the timeline's non-move entries (a move is labelled by the status reached).
_TIMELINE_ACTIONS = {
    "created": gettext_lazy("The draft was started"),
    "edited": gettext_lazy("The draft was edited"),
    "material_uploaded": gettext_lazy("A document was uploaded"),
    "waiver_confirmed": gettext_lazy("A party waived a refusal ground"),
    "assign": gettext_lazy("A service commissioner took the case"),
    "reassign": gettext_lazy("The case was handed to another service commissioner"),
}


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = gettext_lazy("The case's status does not allow this step.")
    default_code = "conflict"


def _raise_for(error: PledgeError):
    """Turn a domain refusal into the API's error envelope with the status the error carries."""
    if error.http_status == status.HTTP_400_BAD_REQUEST:
        raise serializers.ValidationError(
            getattr(error, "errors", None) or {"non_field_errors": [error.message]}
        )
    if error.http_status == status.HTTP_403_FORBIDDEN:
        raise exceptions.PermissionDenied(error.message)
    if error.http_status == status.HTTP_404_NOT_FOUND:
        raise exceptions.NotFound(error.message)
    raise Conflict(error.message)


def _django_errors(error: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): [str(message) for message in messages]
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": [str(message) for message in error.messages]}


class IsPledgee(BasePermission):
    """Routes for pledgees only (pledges.permissions.can_file_as_pledgee)."""

    message = gettext_lazy("Only a bank or guarantor acting as pledgee may do this.")

    def has_permission(self, request, view) -> bool:
        return can_file_as_pledgee(request.user)[0]


def _require_pledgee_of(user, registration: PledgeRegistration) -> None:
    # A bank manager of the head office sees a branch's cases and may act on them; an enterprise or the
    # office sees the case but is not its pledgee.
    if not acts_as(user, registration) & PLEDGEE_ROLES:
        raise exceptions.PermissionDenied(_("Only the pledgee of this case may do this."))


# --- Output ----------------------------------------------------------------------------------------


class PartySerializer(serializers.Serializer):
    name = serializers.CharField()
    uscc = serializers.CharField(allow_null=True)


class RegistrationSummarySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(help_text=gettext_lazy("The case number."))
    kind = serializers.ChoiceField(choices=RegistrationKind.choices)
    ip_kind = serializers.ChoiceField(choices=IpKind.choices)
    channel = serializers.ChoiceField(choices=Channel.choices)
    status = serializers.ChoiceField(choices=Status.choices)
    status_label = serializers.CharField(source="get_status_display")
    pledgor = PartySerializer()
    pledgee = PartySerializer()
    debt_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    debt_start = serializers.DateField()
    debt_end = serializers.DateField()
    commissioner = serializers.SerializerMethodField()
    due_date = serializers.DateField(allow_null=True)
    due_provisional = serializers.BooleanField()
    created_at = serializers.DateTimeField()

    def get_commissioner(self, registration) -> str | None:
        commissioner = registration.commissioner
        return str(commissioner) if commissioner is not None else None


class DueSkippedDaySerializer(serializers.Serializer):
    date = serializers.DateField()
    reason = serializers.CharField()


class RegistrationAssetSerializer(serializers.Serializer):
    number = serializers.CharField(source="asset.number")
    kind = serializers.CharField(source="asset.kind")
    title = serializers.CharField(source="asset.title")
    legal_status = serializers.CharField(source="asset.legal_status")
    legal_status_label = serializers.CharField(source="asset.get_legal_status_display")
    co_owner_consent = serializers.BooleanField()


class TimelineEntrySerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    label = serializers.SerializerMethodField(help_text=gettext_lazy("What happened, in plain language."))
    reason = serializers.CharField()
    actor = serializers.SerializerMethodField()

    def get_label(self, event) -> str:
        if event.action == "transition":
            return str(Status(event.to_status).label)
        return str(_TIMELINE_ACTIONS.get(event.action, event.action))

    def get_actor(self, event) -> str | None:
        return str(event.actor) if event.actor is not None else None


class RegistrationDetailSerializer(RegistrationSummarySerializer):
    original = serializers.CharField(source="original.reference", allow_null=True, default=None)
    submitted_at = serializers.DateTimeField(allow_null=True)
    clock_started_on = serializers.DateField(allow_null=True)
    sla_days = serializers.IntegerField(allow_null=True)
    sla_basis = serializers.CharField()
    due_explanation = serializers.SerializerMethodField()
    completed_on = serializers.DateField(allow_null=True)
    registered_on = serializers.DateField(allow_null=True)
    notice_number = serializers.CharField()
    refusal_reasons = serializers.ListField(child=serializers.CharField())
    assets = RegistrationAssetSerializer(source="asset_links.all", many=True)
    timeline = TimelineEntrySerializer(source="events.all", many=True)
    next_steps = serializers.SerializerMethodField()

    @extend_schema_field(DueSkippedDaySerializer(many=True))
    def get_due_explanation(self, registration) -> list[dict]:
        """Every non-working day passed over in counting the due date, and why."""
        return skipped_days_for_reader(registration.due_explanation)

    @extend_schema_field(
        serializers.ListField(child=serializers.CharField(help_text=gettext_lazy("A value of `status`.")))
    )
    def get_next_steps(self, registration) -> list[str]:
        """The statuses the caller may move the case to now."""
        return available_transitions(registration, self.context["user"])


def _detail(request, registration: PledgeRegistration) -> dict:
    registration = (
        PledgeRegistration.objects.select_related("pledgor", "pledgee", "commissioner", "original")
        .prefetch_related("asset_links__asset", "events__actor")
        .get(pk=registration.pk)
    )
    return RegistrationDetailSerializer(registration, context={"user": request.user}).data


_ERROR = inline_serializer(
    name="RegistrationApiError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)
_NOT_FOUND = OpenApiResponse(_ERROR, description="No such case among those the caller is party to.")
_FORBIDDEN = OpenApiResponse(_ERROR, description="Not signed in, or the caller is not a pledgee.")


# --- List and start ------------------------------------------------------------------------------


class RegistrationCursorPagination(CursorPagination):
    # A cursor, never a page number: a page number needs COUNT(*) over the caller's cases on every
    # request (docs/performance.md §1).
    ordering = ("-created_at", "-id")
    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 100


class RegistrationListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    ip_kind = serializers.ChoiceField(choices=IpKind.choices, required=False)
    search = serializers.CharField(
        required=False,
        max_length=100,
        help_text=gettext_lazy("Case number, enterprise name or credit code, or an asset number."),
    )
    cursor = serializers.CharField(required=False, help_text=gettext_lazy("From the previous page's links."))
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=100)


class RegistrationCreateInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=RegistrationKind.choices, default=RegistrationKind.PLEDGE)
    ip_kind = serializers.ChoiceField(choices=IpKind.choices)
    pledgor_uscc = UsccSerializerField(help_text=gettext_lazy("The enterprise's unified social credit code."))
    assets = serializers.ListField(
        # Blank numbers are reported with the others under "assets", not per index.
        child=serializers.CharField(max_length=MAX_INPUT_LENGTH, allow_blank=True),
        min_length=1,
        max_length=MAX_ASSETS_PER_FILING,
        help_text=gettext_lazy("Numbers of the enterprise's assets to pledge, all of the case's IP kind."),
    )
    debt_amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    debt_start = serializers.DateField()
    debt_end = serializers.DateField()
    original = serializers.CharField(
        required=False,
        max_length=20,
        help_text=gettext_lazy(
            "For a change, cancellation or term extension: the case number of the registration it applies to."
        ),
    )

    def validate(self, data):
        errors: dict[str, list[str]] = {}
        if data["debt_end"] < data["debt_start"]:
            errors["debt_end"] = [_("The debt term cannot end before it starts.")]
        if data["kind"] == RegistrationKind.PLEDGE and data.get("original"):
            errors["original"] = [_("A new pledge registration does not apply to an earlier one.")]
        if data["kind"] != RegistrationKind.PLEDGE and not data.get("original"):
            errors["original"] = [_("Name the registration this filing applies to.")]
        numbers, number_errors = self._normalised_numbers(data["ip_kind"], data["assets"])
        if number_errors:
            errors["assets"] = number_errors
        if errors:
            raise serializers.ValidationError(errors)
        data["assets"] = numbers
        return data

    @staticmethod
    def _normalised_numbers(ip_kind: str, raw: list[str]) -> tuple[list[str], list[str]]:
        field_class = _NUMBER_FIELDS.get(ip_kind)
        numbers: list[str] = []
        errors: list[str] = []
        for value in raw:
            try:
                number = field_class().run_validation(value) if field_class else value.strip()
            except serializers.ValidationError as error:
                errors += [f"{value}: {message}" for message in error.detail]
                continue
            if not number:
                errors.append(_("An asset number cannot be blank."))
            elif number in numbers:
                errors.append(_("%(number)s is listed twice.") % {"number": number})
            else:
                numbers.append(number)
        return numbers, errors


def _resolve_parties(user, data) -> dict:
    """Credit code and numbers to rows; an unknown one is a 400 on its field (nothing is created)."""
    pledgor = Organisation.objects.filter(
        kind=OrgKind.ENTERPRISE, uscc=data["pledgor_uscc"], is_active=True
    ).first()
    if pledgor is None:
        raise serializers.ValidationError(
            {"pledgor_uscc": [_("No enterprise with this credit code is registered on the portal.")]}
        )
    assets = list(IpAsset.objects.filter(owner=pledgor, kind=data["ip_kind"], number__in=data["assets"]))
    found = {asset.number for asset in assets}
    missing = [number for number in data["assets"] if number not in found]
    if missing:
        raise serializers.ValidationError(
            {
                "assets": [
                    _("%(number)s is not in this enterprise's register as a %(kind)s.")
                    % {"number": number, "kind": IpKind(data["ip_kind"]).label}
                    for number in missing
                ]
            }
        )
    assets.sort(key=lambda asset: data["assets"].index(asset.number))
    original = None
    if data.get("original"):
        # Only a registration this bank holds can be changed or cancelled through it.
        original = (
            registration_scope(user=user)
            .filter(reference=data["original"], pledgor=pledgor, status__in=PLEDGED_STATUSES)
            .first()
        )
        if original is None:
            raise serializers.ValidationError(
                {"original": [_("No standing registration of yours with this case number and enterprise.")]}
            )
    return {"pledgor": pledgor, "assets": assets, "original": original}


class RegistrationListCreateApi(APIView):
    def get_permissions(self):
        # Anyone signed in may list (the scope decides what they see); only a pledgee may start a draft.
        if self.request.method == "POST":
            return [IsAuthenticated(), IsPledgee()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="registrations_list",
        summary="Cases the caller is party to",
        description=(
            "Newest first, a page at a time: follow `next` (a cursor; there is no page count). "
            "A bank sees the cases of its head office and all its branches."
        ),
        tags=["registrations"],
        parameters=[RegistrationListQuerySerializer],
        responses={
            200: inline_serializer(
                name="RegistrationPage",
                fields={
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": RegistrationSummarySerializer(many=True),
                },
            ),
            400: OpenApiResponse(_ERROR, description="A filter is malformed."),
            403: _FORBIDDEN,
            404: OpenApiResponse(_ERROR, description="The cursor is malformed."),
        },
    )
    def get(self, request):
        query = query_serializer_or_400(RegistrationListQuerySerializer, request)
        registrations = registration_list(user=request.user, filters=query)
        paginator = RegistrationCursorPagination()
        page = paginator.paginate_queryset(registrations, request, view=self)
        return paginator.get_paginated_response(RegistrationSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="registrations_start",
        summary="Start a draft as pledgee",
        description=(
            "Starts a draft naming the caller's organisation as pledgee and the enterprise with this "
            "credit code as pledgor, over that enterprise's assets (by number). Online channel. The "
            "draft waits for the enterprise: it checks it, adds its materials and submits it to the "
            "bank, which then confirms it with `confirm/`. Status, commissioner and due date are the "
            "office's and cannot be sent."
        ),
        tags=["registrations"],
        request=RegistrationCreateInputSerializer,
        responses={
            201: RegistrationDetailSerializer,
            400: OpenApiResponse(
                _ERROR, description="Missing or invalid fields, unknown enterprise or asset."
            ),
            403: _FORBIDDEN,
        },
    )
    def post(self, request):
        serializer = RegistrationCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        parties = _resolve_parties(request.user, data)
        try:
            registration = registration_draft_create(
                pledgor=parties["pledgor"],
                pledgee=request.user.organisation,
                kind=data["kind"],
                ip_kind=data["ip_kind"],
                channel=Channel.ONLINE,
                assets=parties["assets"],
                debt_amount=data["debt_amount"],
                debt_start=data["debt_start"],
                debt_end=data["debt_end"],
                original=parties["original"],
                actor=request.user,
            )
        except DjangoValidationError as error:
            raise serializers.ValidationError(_django_errors(error)) from error
        except PledgeError as error:
            _raise_for(error)
        return Response(_detail(request, registration), status=status.HTTP_201_CREATED)


# --- Detail and moves -------------------------------------------------------------------------------


class RegistrationDetailApi(APIView):
    # Any signed-in user; the case's scope (a 404) and the pledgee's role (a 403) are checked per case.
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="registrations_detail",
        summary="One case: parties, assets, timeline, due date and why",
        tags=["registrations"],
        responses={200: RegistrationDetailSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def get(self, request, pk: int):
        registration = registration_get_for_user(user=request.user, pk=pk)
        return Response(_detail(request, registration))


class _PledgeeMoveApi(APIView):
    """A step only the case's pledgee takes."""

    # Any signed-in user; the case's scope (a 404) and the pledgee's role (a 403) are checked per case.
    permission_classes = [IsAuthenticated]

    def registration_for_move(self, request, pk: int) -> PledgeRegistration:
        # Scope first: a case the caller cannot see is a 404 (another bank's, an outsider's), and its row
        # is never locked; only then is a party without the pledgee's role told 403.
        registration = registration_get_for_user(user=request.user, pk=pk)
        _require_pledgee_of(request.user, registration)
        return registration

    def refused(self, error: PledgeError, registration: PledgeRegistration) -> Response:
        # The caller is this case's pledgee, so a refusal is about the case, not the caller: its status
        # does not allow the step, or the register shows a ground for refusal (listed in errors).
        if isinstance(error, TransitionNotAllowed):
            message = _(
                "This case is %(status)s: the pledgee confirms or sends back only a case waiting for its "
                "confirmation."
            ) % {"status": registration.get_status_display()}
            return Response({"message": message, "errors": {}}, status=status.HTTP_409_CONFLICT)
        errors = getattr(error, "errors", None) or {}
        if set(errors) == {"precheck"}:
            return Response({"message": error.message, "errors": errors}, status=status.HTTP_409_CONFLICT)
        _raise_for(error)


_MOVE_RESPONSES = {
    200: RegistrationDetailSerializer,
    403: _FORBIDDEN,
    404: _NOT_FOUND,
    409: OpenApiResponse(
        _ERROR,
        description=(
            "The case is not waiting for the pledgee, or the precheck finds a ground for refusal "
            "(listed in `errors.precheck`)."
        ),
    ),
}


class RegistrationConfirmApi(_PledgeeMoveApi):
    @extend_schema(
        operation_id="registrations_confirm",
        summary="Confirm the enterprise's filing as pledgee",
        description=(
            "Awaiting the pledgee -> submitted: the case goes to the registration office, which assigns a "
            "service commissioner. The precheck runs again first (the register may have changed)."
        ),
        tags=["registrations"],
        request=None,
        responses=_MOVE_RESPONSES,
    )
    def post(self, request, pk: int):
        registration = self.registration_for_move(request, pk)
        try:
            registration_confirm(registration=registration, actor=request.user)
        except PledgeError as error:
            return self.refused(error, registration)
        return Response(_detail(request, registration))


class RegistrationSendBackApi(_PledgeeMoveApi):
    class InputSerializer(serializers.Serializer):
        reason = serializers.CharField(
            max_length=1000, help_text=gettext_lazy("What the enterprise should change; shown to it.")
        )

    @extend_schema(
        operation_id="registrations_send_back",
        summary="Send the filing back to the enterprise",
        description="Awaiting the pledgee -> draft, with the reason the enterprise will read.",
        tags=["registrations"],
        request=InputSerializer,
        responses={
            **_MOVE_RESPONSES,
            400: OpenApiResponse(_ERROR, description="The reason is missing or too long."),
        },
    )
    def post(self, request, pk: int):
        registration = self.registration_for_move(request, pk)
        serializer = self.InputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            registration_send_back(
                registration=registration, reason=serializer.validated_data["reason"], actor=request.user
            )
        except PledgeError as error:
            return self.refused(error, registration)
        return Response(_detail(request, registration))
