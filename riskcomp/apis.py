"""The public risk compensation quote (api-contract.md §5): stable path, field names and units.

Money and shares go in and out as decimal strings; a well-formed request about an ineligible claim is a
200 that says why; shares not summing to 1, a dispersed part of 1 or more, recoveries larger than the
IP-secured principal, an unknown participant kind and a year with no parameter set in force are 400s.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from loans.models import ParticipantKind
from portal.api import PublicAPIView
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year
from riskcomp.calculations import Participant, Rules, quote
from subsidies.apis import StrictDecimal

_MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}
_FRACTION = {"max_digits": 5, "decimal_places": 4}


class ParticipantInSerializer(serializers.Serializer):
    ref = serializers.CharField(max_length=64)
    kind = serializers.ChoiceField(choices=ParticipantKind.values)
    share = StrictDecimal(min_value=Decimal("0.0001"), max_value=1, **_FRACTION)
    dispersed = StrictDecimal(min_value=0, max_value=Decimal("0.9999"), **_FRACTION)


class QuoteInSerializer(serializers.Serializer):
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    npl_principal = StrictDecimal(min_value=Decimal("0.01"), **_MONEY)
    ip_share = StrictDecimal(min_value=Decimal("0.0001"), max_value=1, **_FRACTION)
    recovered = StrictDecimal(min_value=0, **_MONEY)
    npl_on = serializers.DateField(input_formats=["iso-8601"])
    pledge_registered_on = serializers.DateField(input_formats=["iso-8601"])
    participants = ParticipantInSerializer(many=True, allow_empty=False, max_length=50)

    def validate(self, data):
        errors = {}
        if sum((participant["share"] for participant in data["participants"]), Decimal("0")) != 1:
            errors["participants"] = [_("The participants' shares must add up to 1.")]
        refs = [participant["ref"] for participant in data["participants"]]
        if len(set(refs)) != len(refs):
            errors.setdefault("participants", []).append(_("Each participant needs its own ref."))
        if data["recovered"] > data["npl_principal"] * data["ip_share"]:
            errors["recovered"] = [
                _("Recoveries cannot exceed the IP-secured principal (npl_principal x ip_share).")
            ]
        if errors:
            raise serializers.ValidationError(errors)
        return data


def _money(value) -> str:
    return f"{value:.2f}"


_ERROR = inline_serializer(
    name="RiskcompQuoteError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class QuoteApi(PublicAPIView):
    @extend_schema(
        operation_id="public_riskcomp_quote",
        summary="Risk compensation quote",
        description=(
            "loss = npl_principal x ip_share - recovered; base_i = loss x share_i x (1 - dispersed_i); total = "
            "min(rate x sum(base), per_loan_cap) with the year's rate and cap; payouts share total in proportion "
            "to base, in fen, largest remainder first, summing to total exactly. Ineligible: eligible false, "
            "total 0.00, payouts [], reasons with codes pledge_after_npl, ip_share_too_low."
        ),
        tags=["public"],
        request=QuoteInSerializer,
        responses={
            200: inline_serializer(
                name="RiskcompQuote",
                fields={
                    "year": serializers.IntegerField(),
                    "eligible": serializers.BooleanField(),
                    "reasons": serializers.ListField(child=serializers.DictField()),
                    "loss": serializers.CharField(),
                    "total": serializers.CharField(),
                    "cap_applied": serializers.BooleanField(),
                    "payouts": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: OpenApiResponse(_ERROR, description="Malformed input, or no parameters for the year."),
            429: OpenApiResponse(_ERROR, description="Too many requests from this address."),
        },
    )
    def post(self, request):
        incoming = QuoteInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        try:
            parameters = parameter_set_for_year(data["year"])
        except PolicyYearMissing as missing:
            raise serializers.ValidationError({"year": [str(missing)]}) from None
        result = quote(
            Rules.of(parameters),
            npl_principal=data["npl_principal"],
            ip_share=data["ip_share"],
            recovered=data["recovered"],
            npl_on=data["npl_on"],
            pledge_registered_on=data["pledge_registered_on"],
            participants=[
                Participant(item["ref"], item["share"], item["dispersed"]) for item in data["participants"]
            ],
        )
        return Response(
            {
                "year": data["year"],
                "eligible": result.eligible,
                "reasons": result.reasons,
                "loss": _money(result.loss),
                "total": _money(result.total),
                "cap_applied": result.cap_applied,
                "payouts": [
                    {"ref": payout.ref, "base": _money(payout.base), "payout": _money(payout.payout)}
                    for payout in result.payouts
                ],
            }
        )
