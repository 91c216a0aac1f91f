"""Authenticated JSON API for loans: banks report contracts and facts, every reader lists its scope.

Issue 4: "Banks report loan facts through the authenticated API with an ``Idempotency-Key`` header."

- Every write (a contract, a fact) needs an ``Idempotency-Key`` (portal.idempotency): the same key and
  body return the stored response and create nothing; the same key with another body is a 422; a twin
  still running is a 409; no key is a 400. A second line of defence: a bank's own loan reference is
  unique per bank, so a replay without a key is a 409, never a second loan.
- The bank is always the caller's organisation: no input names a bank, a status, a loan number or a
  figure the ledger computes (disbursed, repaid, ...); such fields are ignored.
- Reads go through ``loans.selectors.loan_scope``: a bank sees its review scope's loans, an enterprise its
  own borrowing, the oversight roles all. Another organisation's loan is a 404 on every route (and an
  ``authz.denied`` audit row); a role that may not write gets 403 whatever the id.
- Lists use a cursor over "-id" (no COUNT, no OFFSET: docs/performance.md §1), with bank and borrower
  fetched with the page, so a page of 200 costs the queries of a page of 10.

Session authentication for now, like the registrations API (issue 10 adds API tokens).
"""

from decimal import Decimal

from django.db import connection
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import CursorPagination
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.response import Response

from loans.errors import LoanConflict, LoanError
from loans.models import (
    LENDER_ROLES,
    Classification,
    FactKind,
    Loan,
    LoanEvent,
    LoanFact,
    LoanParticipant,
    LoanSource,
    LoanStatus,
    ParticipantKind,
)
from loans.selectors import loan_get_for_user, loan_list
from loans.services.facts import loan_contract_record, loan_create, loan_fact_record
from portal.accounts.models import Organisation, OrgKind
from portal.api import query_serializer_or_400
from portal.idempotency.api import (
    IDEMPOTENCY_KEY_PARAMETER,
    IDEMPOTENCY_RESPONSES,
    IdempotentAPIView,
    idempotent,
)
from portal.identifiers.fields import UsccSerializerField
from portal.postgresql import prepared_statements

MAX_PARTICIPANTS = 20
ZERO = Decimal("0")
ONE = Decimal("1")


class IsLender(BasePermission):
    """Writes are the lending bank's: its officers and managers (loans.permissions.can_record_loan then
    checks the loan's bank is in the caller's scope)."""

    message = gettext_lazy("Only a bank's loan officers and managers may report loans and their facts.")

    def has_permission(self, request, view) -> bool:
        organisation = getattr(request.user, "organisation", None)
        return (
            organisation is not None
            and organisation.kind == OrgKind.BANK
            and request.user.role in LENDER_ROLES
        )


def _refused(error: LoanError) -> Response:
    """A domain refusal in the API's error envelope, with the status the error carries."""
    if error.http_status == status.HTTP_400_BAD_REQUEST:
        raise serializers.ValidationError(
            getattr(error, "errors", None) or {"non_field_errors": [error.message]}
        )
    if error.http_status == status.HTTP_403_FORBIDDEN:
        raise exceptions.PermissionDenied(error.message)
    if error.http_status == status.HTTP_404_NOT_FOUND:
        raise exceptions.NotFound(error.message)
    errors = {}
    if isinstance(error, LoanConflict) and error.code == "duplicate_bank_loan_ref":
        errors = {"bank_loan_ref": [error.message]}
    return Response({"message": error.message, "errors": errors}, status=error.http_status)


# --- Output ----------------------------------------------------------------------------------------


class OrganisationRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    uscc = serializers.CharField(allow_null=True)


def _moment(value, zone) -> str:
    """An aware datetime as DRF's DateTimeField writes it (the current time zone; UTC as "Z")."""
    text = value.astimezone(zone).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


class LoanSummaryListSerializer(serializers.ListSerializer):
    """A page of loans written from plain rows (``loan_list_page``) without DRF's per-field machinery or
    model instances, which together cost several times the page's query (a list over a million loans
    must stay cheap: docs/performance.md §1). The output is exactly what the declared fields write for a
    loan (a test compares the two); the declared fields stay the schema."""

    def to_representation(self, data):
        labels = {value: str(label) for value, label in LoanStatus.choices}
        zone = timezone.get_current_timezone()
        return [
            {
                "id": row.id,
                "reference": row.reference,
                "bank": {"id": row.bank_id, "name": row.bank__name, "uscc": row.bank__uscc},
                "bank_loan_ref": row.bank_loan_ref,
                "enterprise": {
                    "id": row.enterprise_id,
                    "name": row.enterprise__name,
                    "uscc": row.enterprise__uscc,
                },
                "source": row.source,
                "status": row.status,
                "status_label": labels.get(row.status, row.status),
                "contract_number": row.contract_number,
                "contract_signed_on": row.contract_signed_on and row.contract_signed_on.isoformat(),
                "principal": f"{row.principal:.2f}",
                "annual_rate_pct": f"{row.annual_rate_pct:.2f}",
                "term_months": row.term_months,
                "maturity_date": row.maturity_date and row.maturity_date.isoformat(),
                "is_combination": row.is_combination,
                "ip_share": f"{row.ip_share:.4f}",
                "disbursed_on": row.disbursed_on and row.disbursed_on.isoformat(),
                "disbursed_amount": f"{row.disbursed_amount:.2f}",
                "principal_repaid": f"{row.principal_repaid:.2f}",
                "outstanding": f"{row.disbursed_amount - row.principal_repaid:.2f}",
                "interest_paid": f"{row.interest_paid:.2f}",
                "settled_on": row.settled_on and row.settled_on.isoformat(),
                "overdue_days": row.overdue_days,
                "classification": row.classification,
                "non_performing_on": row.non_performing_on and row.non_performing_on.isoformat(),
                "updated_at": _moment(row.updated_at, zone),
            }
            for row in data
        ]


# The columns a list page writes, fetched as named tuples: nothing else is read or decoded, and neither a
# model instance (three per loan with its bank and borrower, most of a page's cost) nor a dict is built.
_SUMMARY_COLUMNS = (
    "id",
    "reference",
    "bank_id",
    "bank__name",
    "bank__uscc",
    "bank_loan_ref",
    "enterprise_id",
    "enterprise__name",
    "enterprise__uscc",
    "source",
    "status",
    "contract_number",
    "contract_signed_on",
    "principal",
    "annual_rate_pct",
    "term_months",
    "maturity_date",
    "is_combination",
    "ip_share",
    "disbursed_on",
    "disbursed_amount",
    "principal_repaid",
    "interest_paid",
    "settled_on",
    "overdue_days",
    "classification",
    "non_performing_on",
    "updated_at",
)


def loan_list_page(*, user, filters: dict):
    """``loans.selectors.loan_list`` as the rows (named tuples) a list page writes."""
    return loan_list(user=user, filters=filters).values_list(*_SUMMARY_COLUMNS, named=True)


class LoanSummarySerializer(serializers.Serializer):
    class Meta:
        list_serializer_class = LoanSummaryListSerializer

    id = serializers.IntegerField()
    reference = serializers.CharField(help_text=gettext_lazy("The portal's loan number."))
    bank = OrganisationRefSerializer(help_text=gettext_lazy("The lending bank (head office or branch)."))
    bank_loan_ref = serializers.CharField(help_text=gettext_lazy("The bank's own reference for the loan."))
    enterprise = OrganisationRefSerializer(help_text=gettext_lazy("The borrower."))
    source = serializers.ChoiceField(choices=LoanSource.choices)
    status = serializers.ChoiceField(choices=LoanStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    contract_number = serializers.CharField()
    contract_signed_on = serializers.DateField(allow_null=True)
    principal = serializers.DecimalField(max_digits=14, decimal_places=2)
    annual_rate_pct = serializers.DecimalField(max_digits=5, decimal_places=2)
    term_months = serializers.IntegerField()
    maturity_date = serializers.DateField(allow_null=True)
    is_combination = serializers.BooleanField()
    ip_share = serializers.DecimalField(max_digits=5, decimal_places=4)
    disbursed_on = serializers.DateField(allow_null=True)
    disbursed_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    principal_repaid = serializers.DecimalField(max_digits=14, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2)
    interest_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    settled_on = serializers.DateField(allow_null=True)
    overdue_days = serializers.IntegerField()
    classification = serializers.ChoiceField(choices=Classification.choices)
    non_performing_on = serializers.DateField(allow_null=True)
    updated_at = serializers.DateTimeField()


class ParticipantSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ParticipantKind.choices)
    name = serializers.CharField()
    organisation_uscc = serializers.CharField(source="organisation.uscc", allow_null=True, default=None)
    risk_share = serializers.DecimalField(max_digits=5, decimal_places=4)
    dispersed = serializers.DecimalField(max_digits=5, decimal_places=4)


class FactSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=FactKind.choices)
    kind_label = serializers.CharField(source="get_kind_display")
    occurred_on = serializers.DateField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    overdue_days = serializers.IntegerField(allow_null=True)
    classification = serializers.CharField(help_text=gettext_lazy("A Classification value, or empty."))
    note = serializers.CharField()
    source = serializers.ChoiceField(choices=LoanSource.choices)
    reported_at = serializers.DateTimeField()


class LoanEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    reason = serializers.CharField()
    actor = serializers.StringRelatedField()


class LoanDetailSerializer(LoanSummarySerializer):
    ip_share_certified_by = serializers.CharField()
    overdue_since = serializers.DateField(allow_null=True)
    classified_on = serializers.DateField(allow_null=True)
    written_off_on = serializers.DateField(allow_null=True)
    created_at = serializers.DateTimeField()
    participants = ParticipantSerializer(many=True, source="participants.all")
    facts = FactSerializer(many=True, source="facts.all", help_text=gettext_lazy("The ledger, oldest first."))
    history = LoanEventSerializer(many=True, source="events.all")


class LoanFiguresSerializer(serializers.Serializer):
    """The loan's figures after a fact: what the ledger made of it."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LoanStatus.choices)
    disbursed_on = serializers.DateField(allow_null=True)
    disbursed_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    principal_repaid = serializers.DecimalField(max_digits=14, decimal_places=2)
    outstanding = serializers.DecimalField(max_digits=14, decimal_places=2)
    interest_paid = serializers.DecimalField(max_digits=14, decimal_places=2)
    settled_on = serializers.DateField(allow_null=True)
    overdue_days = serializers.IntegerField()
    overdue_since = serializers.DateField(allow_null=True)
    classification = serializers.ChoiceField(choices=Classification.choices)
    non_performing_on = serializers.DateField(allow_null=True)
    written_off_on = serializers.DateField(allow_null=True)


def _detail(loan: Loan) -> dict:
    loan = (
        Loan.objects.select_related("bank", "enterprise")
        .prefetch_related(
            Prefetch("participants", queryset=LoanParticipant.objects.select_related("organisation")),
            "facts",
            Prefetch("events", queryset=LoanEvent.objects.select_related("actor")),
        )
        .get(pk=loan.pk)
    )
    return LoanDetailSerializer(loan).data


_ERROR = inline_serializer(
    name="LoanApiError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)
_NOT_FOUND = OpenApiResponse(_ERROR, description="No such loan among those the caller may see.")
_FORBIDDEN = OpenApiResponse(_ERROR, description="Not signed in, or not a loan officer or manager of a bank.")
_BAD_INPUT = OpenApiResponse(
    _ERROR, description="Missing or invalid fields (listed in `errors`), or no Idempotency-Key header."
)


# --- Input -----------------------------------------------------------------------------------------


class ParticipantInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ParticipantKind.choices)
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("Needed unless organisation_uscc names an institution registered here."),
    )
    organisation_uscc = UsccSerializerField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("The institution's credit code, when it is registered on the portal."),
    )
    risk_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=ZERO,
        max_value=ONE,
        help_text=gettext_lazy("Its share of the loss, 0 to 1; the shares add up to 1."),
    )
    dispersed = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=ZERO,
        max_value=ONE,
        default=ZERO,
        help_text=gettext_lazy("Part of its own share passed on by re-guarantee or reinsurance (below 1)."),
    )


class _ContractFieldsSerializer(serializers.Serializer):
    bank_loan_ref = serializers.CharField(
        max_length=64, help_text=gettext_lazy("The bank's own reference; unique within the bank.")
    )
    contract_number = serializers.CharField(max_length=64)
    contract_signed_on = serializers.DateField()
    maturity_date = serializers.DateField(
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Defaults to the signing date plus the term."),
    )
    is_combination = serializers.BooleanField(
        default=False, help_text=gettext_lazy("Secured by IP together with other collateral.")
    )
    ip_share = serializers.DecimalField(
        max_digits=5,
        decimal_places=4,
        min_value=ZERO,
        max_value=ONE,
        default=ONE,
        help_text=gettext_lazy(
            "The IP-secured share: 1 for a pure IP loan; certified for a combination loan."
        ),
    )
    ip_share_certified_by = serializers.CharField(
        max_length=100, required=False, allow_blank=True, default=""
    )
    participants = ParticipantInputSerializer(
        many=True, required=False, default=list, max_length=MAX_PARTICIPANTS
    )


class LoanCreateInputSerializer(_ContractFieldsSerializer):
    enterprise_uscc = UsccSerializerField(
        help_text=gettext_lazy("The borrower's credit code; it must be registered on the portal.")
    )
    principal = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    annual_rate_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=ZERO, help_text=gettext_lazy("Percent per annum.")
    )
    term_months = serializers.IntegerField(min_value=1, max_value=600)


class LoanContractInputSerializer(_ContractFieldsSerializer):
    """The accepted offer's amount, rate and term stand unless the contract says otherwise."""

    principal = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
    )
    annual_rate_pct = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=ZERO, required=False, allow_null=True, default=None
    )
    term_months = serializers.IntegerField(
        min_value=1, max_value=600, required=False, allow_null=True, default=None
    )


class FactInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FactKind.choices)
    occurred_on = serializers.DateField()
    amount = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("Yuan: required for disbursement, interest and repayment."),
    )
    overdue_days = serializers.IntegerField(
        min_value=0,
        max_value=100_000,
        required=False,
        allow_null=True,
        default=None,
        help_text=gettext_lazy("For an overdue fact: days overdue on that date (0 when cured)."),
    )
    classification = serializers.ChoiceField(
        choices=Classification.choices,
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("For a classification fact: the five-category class."),
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class LoanListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=LoanStatus.choices, required=False)
    classification = serializers.ChoiceField(choices=Classification.choices, required=False)
    bank_loan_ref = serializers.CharField(required=False, max_length=64)
    enterprise = UsccSerializerField(required=False, help_text=gettext_lazy("The borrower's credit code."))
    bank = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text=gettext_lazy("A bank's id (a head office also finds its branches'); inside your scope."),
    )
    cursor = serializers.CharField(required=False, help_text=gettext_lazy("From the previous page's links."))
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)


def _validated(serializer: serializers.Serializer) -> dict:
    """The serializer's data, or a 400 whose participant errors are keyed ``participants[0].name``, as
    the ledger's own checks (services.facts) key them; DRF keys a list's errors by index in a dict."""
    if serializer.is_valid():
        return serializer.validated_data
    errors = dict(serializer.errors)
    rows = errors.get("participants")
    if isinstance(rows, dict) and rows and all(isinstance(index, int) for index in rows):
        del errors["participants"]
        for index, row_errors in rows.items():
            for field, messages in row_errors.items():
                errors[f"participants[{index}].{field}"] = messages
    raise serializers.ValidationError(errors)


def _participants(rows: list[dict]) -> list[dict]:
    """Credit codes to organisations; an unknown one is a 400 on its field (nothing is created)."""
    codes = {row["organisation_uscc"] for row in rows if row.get("organisation_uscc")}
    found = {org.uscc: org for org in Organisation.objects.filter(uscc__in=codes, is_active=True)}
    errors: dict[str, list[str]] = {}
    participants = []
    for index, row in enumerate(rows):
        code = row.get("organisation_uscc")
        if code and code not in found:
            errors[f"participants[{index}].organisation_uscc"] = [
                _("No institution with this credit code is registered on the portal.")
            ]
        participants.append(
            {
                "kind": row["kind"],
                "name": row.get("name", ""),
                "organisation": found.get(code) if code else None,
                "risk_share": row["risk_share"],
                "dispersed": row.get("dispersed", ZERO),
            }
        )
    if errors:
        raise serializers.ValidationError(errors)
    return participants


def _contract_values(data: dict) -> dict:
    return {
        "bank_loan_ref": data["bank_loan_ref"],
        "contract_number": data["contract_number"],
        "contract_signed_on": data["contract_signed_on"],
        "principal": data["principal"],
        "annual_rate_pct": data["annual_rate_pct"],
        "term_months": data["term_months"],
        "maturity_date": data["maturity_date"],
        "is_combination": data["is_combination"],
        "ip_share": data["ip_share"],
        "ip_share_certified_by": data["ip_share_certified_by"],
        "participants": _participants(data["participants"]),
    }


# --- List and report a contract -------------------------------------------------------------------


class LoanCursorPagination(CursorPagination):
    # A cursor, never a page number: a page number needs COUNT(*) over the caller's loans on every
    # request, a million of them for the promotion centre (docs/performance.md §1).
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


class LoanListCreateApi(IdempotentAPIView):
    def get_permissions(self):
        # Anyone signed in may list (the scope decides what they see); only a lender may report a loan.
        if self.request.method == "POST":
            return [IsAuthenticated(), IsLender()]
        return [IsAuthenticated()]

    @extend_schema(
        operation_id="loans_list",
        summary="Loans the caller may see",
        description=(
            "Newest first, a page at a time: follow `next` (a cursor; there is no page count). A bank sees "
            "its own loans (a head office also its branches'), an enterprise its borrowing, the promotion "
            "centre, reviewers, the joint-meeting office and the finance bureau all. Filters apply inside "
            "that scope."
        ),
        tags=["loans"],
        parameters=[LoanListQuerySerializer],
        responses={
            200: inline_serializer(
                name="LoanPage",
                fields={
                    "next": serializers.URLField(allow_null=True),
                    "previous": serializers.URLField(allow_null=True),
                    "results": LoanSummarySerializer(many=True),
                },
            ),
            400: OpenApiResponse(_ERROR, description="A filter is malformed."),
            403: _FORBIDDEN,
            404: OpenApiResponse(_ERROR, description="The cursor is malformed."),
        },
    )
    def get(self, request):
        # Following a page's "next" link sends only its cursor, which the paginator checks itself: nothing
        # for the query serializer to do (it costs a tenth of a page).
        only_cursor = set(request.query_params) <= {"cursor"}
        query = {} if only_cursor else query_serializer_or_400(LoanListQuerySerializer, request)
        filters = {
            name: query[name]
            for name in ("status", "classification", "bank_loan_ref", "enterprise", "bank")
            if name in query
        }
        paginator = LoanCursorPagination()
        # Partner systems page through this list all day: its query is prepared once per connection.
        with prepared_statements(connection):
            page = paginator.paginate_queryset(
                loan_list_page(user=request.user, filters=filters), request, view=self
            )
        return paginator.get_paginated_response(LoanSummarySerializer(page, many=True).data)

    @extend_schema(
        operation_id="loans_report",
        summary="Report a signed loan contract",
        description=(
            "The lending bank is the caller's organisation. Status, loan number and the ledger's figures "
            "(disbursed, repaid, ...) cannot be sent: facts move them (`facts/`). A reference the bank "
            "already used is a 409."
        ),
        tags=["loans"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=LoanCreateInputSerializer,
        responses={
            201: LoanDetailSerializer,
            400: _BAD_INPUT,
            403: _FORBIDDEN,
            **IDEMPOTENCY_RESPONSES,
        },
    )
    @idempotent
    def post(self, request):
        data = _validated(LoanCreateInputSerializer(data=request.data))
        enterprise = Organisation.objects.filter(
            kind=OrgKind.ENTERPRISE, uscc=data["enterprise_uscc"], is_active=True
        ).first()
        if enterprise is None:
            raise serializers.ValidationError(
                {"enterprise_uscc": [_("No enterprise with this credit code is registered on the portal.")]}
            )
        try:
            loan = loan_create(
                bank=request.user.organisation,
                enterprise=enterprise,
                source=LoanSource.API,
                actor=request.user,
                **_contract_values(data),
            )
        except LoanError as error:
            return _refused(error)
        return Response(_detail(loan), status=status.HTTP_201_CREATED)


# --- One loan --------------------------------------------------------------------------------------


class _LoanObjectApi(IdempotentAPIView):
    """Routes on one loan. DRF's ``initial`` checks the role first (a reader who may not write is told 403
    whatever the id), then the loan is looked up in the caller's scope (404 for anyone else's), both
    before a handler runs, and so before an idempotency key is taken."""

    write_permission_classes = [IsAuthenticated, IsLender]

    def get_permissions(self):
        if self.request.method == "GET":
            return [IsAuthenticated()]
        return [permission() for permission in self.write_permission_classes]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        self.loan = loan_get_for_user(user=request.user, pk=kwargs["pk"])


class LoanDetailApi(_LoanObjectApi):
    @extend_schema(
        operation_id="loans_detail",
        summary="One loan: contract, figures, participants, the facts ledger and its status history",
        tags=["loans"],
        responses={200: LoanDetailSerializer, 403: _FORBIDDEN, 404: _NOT_FOUND},
    )
    def get(self, request, pk: int):
        return Response(_detail(self.loan))


class LoanContractApi(_LoanObjectApi):
    @extend_schema(
        operation_id="loans_contract",
        summary="Record the signed contract of a loan born from an accepted offer",
        description=(
            "Awaiting contract -> contracted. Principal, rate and term default to the accepted offer's. "
            "A loan whose contract is already recorded is a 409."
        ),
        tags=["loans"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=LoanContractInputSerializer,
        responses={
            200: LoanDetailSerializer,
            400: _BAD_INPUT,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            **IDEMPOTENCY_RESPONSES,
        },
    )
    @idempotent
    def post(self, request, pk: int):
        data = _validated(LoanContractInputSerializer(data=request.data))
        try:
            loan = loan_contract_record(loan=self.loan, actor=request.user, **_contract_values(data))
        except LoanError as error:
            return _refused(error)
        return Response(_detail(loan))


class LoanFactListCreateApi(_LoanObjectApi):
    @extend_schema(
        operation_id="loans_facts_list",
        summary="The loan's facts ledger, oldest first",
        tags=["loans"],
        responses={
            200: inline_serializer(name="LoanFactList", fields={"results": FactSerializer(many=True)}),
            403: _FORBIDDEN,
            404: _NOT_FOUND,
        },
    )
    def get(self, request, pk: int):
        facts = LoanFact.objects.filter(loan=self.loan).order_by("occurred_on", "pk")
        return Response({"results": FactSerializer(facts, many=True).data})

    @extend_schema(
        operation_id="loans_facts_report",
        summary="Report a fact: disbursement, interest, repayment, settlement, overdue, classification, write-off",
        description=(
            "Applied by the same ledger rules as the portal's forms and file uploads; the loan's status moves "
            "when the fact says so. Answers with the fact and the loan's new figures."
        ),
        tags=["loans"],
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        request=FactInputSerializer,
        responses={
            201: inline_serializer(
                name="LoanFactReported", fields={"fact": FactSerializer(), "loan": LoanFiguresSerializer()}
            ),
            400: _BAD_INPUT,
            403: _FORBIDDEN,
            404: _NOT_FOUND,
            **IDEMPOTENCY_RESPONSES,
        },
    )
    @idempotent
    def post(self, request, pk: int):
        serializer = FactInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            fact = loan_fact_record(loan=self.loan, source=LoanSource.API, actor=request.user, **data)
        except LoanError as error:
            return _refused(error)
        loan = Loan.objects.get(pk=self.loan.pk)
        return Response(
            {"fact": FactSerializer(fact).data, "loan": LoanFiguresSerializer(loan).data},
            status=status.HTTP_201_CREATED,
        )
