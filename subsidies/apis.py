"""The public policy calculator (api-contract.md §3 and §4): stable paths, field names and units.

Money and rates go in and out as decimal strings; a well-formed request about an ineligible loan is a
200 that says why; a batch year with no parameter set in force is a 400 on ``batch_year``.
"""

from decimal import Decimal

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from portal.api import PublicAPIView
from portal.policy.errors import LprMissing, PolicyYearMissing
from portal.policy.selectors import lpr_on, parameter_set_for_year
from subsidies.calculations import FEE_KINDS, InterestRules, LoanFigures, fee_quote, interest_quote

_MONEY = {"max_digits": 14, "decimal_places": 2, "coerce_to_string": True}


class _Strict:
    """Decimals given as JSON numbers are refused: the contract sends them as strings (no floats)."""

    def to_internal_value(self, data):
        if isinstance(data, float | int) and not isinstance(data, bool):
            raise serializers.ValidationError(_('Send the value as a string, e.g. "87500.00".'))
        return super().to_internal_value(data)


class StrictDecimal(_Strict, serializers.DecimalField):
    pass


class LoanInSerializer(serializers.Serializer):
    ref = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")
    interest_paid = StrictDecimal(min_value=0, **_MONEY)
    annual_rate_pct = StrictDecimal(
        max_digits=5, decimal_places=2, min_value=Decimal("0.01"), max_value=Decimal("100")
    )
    ip_share = StrictDecimal(max_digits=5, decimal_places=4, min_value=0, max_value=1)
    disbursed_on = serializers.DateField(input_formats=["iso-8601"])
    settled_on = serializers.DateField(input_formats=["iso-8601"])
    pledge_registered_on = serializers.DateField(input_formats=["iso-8601"])

    def validate_disbursed_on(self, value):
        try:
            self.context.setdefault("lpr", {})[value] = lpr_on(value).one_year_pct
        except LprMissing as missing:
            raise serializers.ValidationError(str(missing)) from None
        return value


def _parameters(year: int):
    try:
        return parameter_set_for_year(year)
    except PolicyYearMissing as missing:
        raise serializers.ValidationError({"batch_year": [str(missing)]}) from None


class InterestQuoteInSerializer(serializers.Serializer):
    batch_year = serializers.IntegerField(min_value=2000, max_value=2100)
    loans = LoanInSerializer(many=True, allow_empty=False, max_length=200)


class FeeInSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FEE_KINDS)
    amount = StrictDecimal(min_value=0, **_MONEY)


class FeeQuoteInSerializer(serializers.Serializer):
    batch_year = serializers.IntegerField(min_value=2000, max_value=2100)
    fees = FeeInSerializer(many=True, allow_empty=False, max_length=200)


def _money(value) -> str:
    return f"{value:.2f}"


_ERROR = inline_serializer(
    name="QuoteError",
    fields={
        "message": serializers.CharField(),
        "errors": serializers.DictField(child=serializers.ListField(child=serializers.CharField())),
    },
)


class InterestQuoteApi(PublicAPIView):
    @extend_schema(
        operation_id="public_subsidies_interest_quote",
        summary="Interest subsidy quote",
        description=(
            "The year's parameters (ratio, LPR markup, per-enterprise cap, minimum IP share, settlement "
            "window) apply; lpr_pct is the 1-year LPR in effect on disbursed_on; cap_rate_pct = lpr_pct x "
            "(1 + markup); eligible_interest = interest_paid x ip_share x min(1, cap_rate_pct / "
            "annual_rate_pct); subsidy = ratio x eligible_interest, half-up to the fen; total = min(cap, "
            "sum). All loans belong to one enterprise. Ineligible loans: eligible false, subsidy 0.00, "
            "reasons with codes settled_outside_window, pledge_after_settlement, ip_share_too_low."
        ),
        tags=["public"],
        request=InterestQuoteInSerializer,
        responses={
            200: inline_serializer(
                name="InterestQuote",
                fields={
                    "batch_year": serializers.IntegerField(),
                    "total": serializers.CharField(),
                    "cap_applied": serializers.BooleanField(),
                    "loans": serializers.ListField(child=serializers.DictField()),
                },
            ),
            400: OpenApiResponse(_ERROR, description="Malformed input, or no parameters for batch_year."),
            429: OpenApiResponse(_ERROR, description="Too many requests from this address."),
        },
    )
    def post(self, request):
        incoming = InterestQuoteInSerializer(data=request.data, context={})
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        parameters = _parameters(data["batch_year"])
        rates = incoming.context.get("lpr", {})
        rules = InterestRules.of(parameters)
        result = interest_quote(
            rules, [LoanFigures(**loan, lpr_pct=rates[loan["disbursed_on"]]) for loan in data["loans"]]
        )
        return Response(
            {
                "batch_year": data["batch_year"],
                "total": _money(result.total),
                "cap_applied": result.cap_applied,
                "loans": [
                    {
                        "ref": loan.ref,
                        "eligible": loan.eligible,
                        "reasons": loan.reasons,
                        "lpr_pct": _money(loan.lpr_pct),
                        "cap_rate_pct": _money(loan.cap_rate_pct),
                        "eligible_interest": _money(loan.eligible_interest),
                        "subsidy": _money(loan.subsidy),
                    }
                    for loan in result.loans
                ],
            }
        )


class FeeQuoteApi(PublicAPIView):
    @extend_schema(
        operation_id="public_subsidies_fee_quote",
        summary="Fee subsidy quote",
        description=(
            "total = min(cap, ratio x the fees), half-up to the fen, with the year's ratio and "
            "per-enterprise cap; kind is evaluation, guarantee or insurance (insurance premiums count only "
            "in years whose parameters say so)."
        ),
        tags=["public"],
        request=FeeQuoteInSerializer,
        responses={
            200: inline_serializer(
                name="FeeQuote",
                fields={
                    "batch_year": serializers.IntegerField(),
                    "total": serializers.CharField(),
                    "cap_applied": serializers.BooleanField(),
                },
            ),
            400: OpenApiResponse(_ERROR, description="Malformed input, or no parameters for batch_year."),
            429: OpenApiResponse(_ERROR, description="Too many requests from this address."),
        },
    )
    def post(self, request):
        incoming = FeeQuoteInSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        parameters = _parameters(data["batch_year"])
        total, capped = fee_quote(
            ratio=parameters.fee_ratio,
            cap=parameters.fee_cap_per_enterprise,
            insurance_eligible=parameters.fee_insurance_eligible,
            fees=[(fee["kind"], fee["amount"]) for fee in data["fees"]],
        )
        return Response({"batch_year": data["batch_year"], "total": _money(total), "cap_applied": capped})
