"""``GET /api/v1/whitelist/enterprises/<uscc>/profile/``: the enterprise IP profile as JSON, for the same
readers as the page (a bank: whitelisted or consenting enterprises only; anyone else 404)."""

from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from whitelist.profile import enterprise_for_profile, enterprise_profile


def _day(value):
    return value.isoformat() if value else None


class ProfileApi(APIView):
    # Any signed-in user; whitelist.profile.profile_visible decides whose profile (else a 404).
    permission_classes = [IsAuthenticated]

    @extend_schema(
        operation_id="whitelist_enterprise_profile",
        summary="An enterprise's IP profile",
        description=(
            "Its IP by type with remaining terms, legal status and annual-fee standing, current pledges and "
            "pledge history, indicators, the rules it met in the latest screening, and the score with each "
            "part's points and cap. Banks see whitelisted or consenting enterprises only."
        ),
        tags=["whitelist"],
        responses={
            200: inline_serializer(name="EnterpriseProfile", fields={"enterprise": serializers.DictField()}),
            404: OpenApiResponse(description="No such enterprise among those the caller may see."),
        },
    )
    def get(self, request, uscc: str):
        enterprise = enterprise_for_profile(user=request.user, uscc=uscc)
        profile = enterprise_profile(enterprise)
        indicator, candidate = profile.indicator, profile.candidate
        return Response(
            {
                "enterprise": {
                    "name": enterprise.name,
                    "uscc": enterprise.uscc,
                    "district": enterprise.district,
                },
                "consented": profile.consented,
                "whitelisted_until": _day(profile.whitelisted_until),
                "counts": profile.counts,
                "assets": [
                    {
                        "kind": row.asset.kind,
                        "number": row.asset.number,
                        "title": row.asset.title,
                        "patent_type": row.asset.patent_type,
                        "legal_status": row.asset.legal_status,
                        "valid": row.valid,
                        "expires_on": _day(row.expires_on),
                        "remaining_years": str(row.remaining_years)
                        if row.remaining_years is not None
                        else None,
                        "annual_fee_paid_through": _day(row.asset.annual_fee_paid_through),
                        "fee_in_grace": row.fee_in_grace,
                        "pledged": row.pledged,
                        "pledgee": row.pledgee.name if row.pledgee else None,
                    }
                    for row in profile.assets
                ],
                "pledges": [
                    {
                        "reference": pledge.reference,
                        "status": pledge.status,
                        "pledgee": pledge.pledgee.name,
                        "debt_amount": f"{pledge.debt_amount:.2f}",
                        "registered_on": _day(pledge.registered_on),
                        "debt_end": _day(pledge.debt_end),
                    }
                    for pledge in profile.pledges
                ],
                "indicators": None
                if indicator is None
                else {
                    "rd_ratio_pct": str(indicator.rd_ratio_pct)
                    if indicator.rd_ratio_pct is not None
                    else None,
                    "revenue_band": indicator.revenue_band,
                    "credit_rating": indicator.credit_rating,
                    "serious_dishonesty": indicator.serious_dishonesty,
                    "source": indicator.source,
                    "as_of": _day(indicator.as_of),
                },
                "screening": None
                if candidate is None
                else {
                    "rules_version": candidate.run.rule_set.version,
                    "screened_at": candidate.run.finished_at.isoformat()
                    if candidate.run.finished_at
                    else None,
                    "passed": candidate.passed,
                    "rules": [{"rule": label, "met": met} for label, met in candidate.rules()],
                },
                "score": {
                    "total": profile.score,
                    "withheld": profile.score_withheld,
                    "parts": [
                        {
                            "part": str(row["part"].label),
                            "rule": str(row["part"].rule),
                            "points": row["points"],
                            "cap": row["part"].cap,
                        }
                        for row in profile.score_rows
                    ],
                },
            }
        )
