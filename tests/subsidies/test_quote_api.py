"""The public policy calculator (api-contract.md §3 and §4), cases written from the contract and domain.md
§2.4-§2.5 before the code."""

from decimal import Decimal

import pytest

from portal.policy.models import PolicyParameterSet

pytestmark = pytest.mark.django_db

INTEREST = "/api/v1/public/subsidies/interest/quote/"
FEE = "/api/v1/public/subsidies/fee/quote/"
EN = {"accept-language": "en"}


def loan(**overrides) -> dict:
    body = {
        "ref": "A",
        "interest_paid": "175000.00",
        "annual_rate_pct": "3.50",
        "ip_share": "1",
        "disbursed_on": "2025-01-15",
        "settled_on": "2025-11-30",
        "pledge_registered_on": "2025-01-10",
    }
    body.update(overrides)
    return body


def quote(client, url, body):
    return client.post(url, body, content_type="application/json", headers=EN)


def test_the_contracts_interest_example(client):
    response = quote(client, INTEREST, {"batch_year": 2026, "loans": [loan()]})
    assert response.status_code == 200
    assert response.json() == {
        "batch_year": 2026,
        "total": "87500.00",
        "cap_applied": False,
        "loans": [
            {
                "ref": "A",
                "eligible": True,
                "reasons": [],
                "lpr_pct": "3.10",
                "cap_rate_pct": "4.34",
                "eligible_interest": "175000.00",
                "subsidy": "87500.00",
            }
        ],
    }


def test_a_rate_above_the_cap_counts_only_up_to_lpr_times_one_point_four(client):
    # 6.20% against a cap of 3.10 x 1.4 = 4.34%: 100,000 x 4.34 / 6.20 = 70,000 eligible, 35,000 paid back.
    body = quote(
        client,
        INTEREST,
        {"batch_year": 2026, "loans": [loan(interest_paid="100000.00", annual_rate_pct="6.20")]},
    ).json()
    assert (body["loans"][0]["eligible_interest"], body["loans"][0]["subsidy"]) == ("70000.00", "35000.00")


def test_only_the_ip_share_of_a_combination_loan_counts_and_rounds_half_up_to_the_fen(client):
    # 12,345.67 x 0.6 = 7,407.402 -> 7,407.40 eligible; x 0.5 = 3,703.70.
    body = quote(
        client, INTEREST, {"batch_year": 2026, "loans": [loan(interest_paid="12345.67", ip_share="0.6")]}
    ).json()
    assert (body["loans"][0]["eligible_interest"], body["loans"][0]["subsidy"]) == ("7407.40", "3703.70")
    # 0.01 x 0.5 = 0.005 -> 0.01 (half-up, never banker's rounding).
    body = quote(client, INTEREST, {"batch_year": 2026, "loans": [loan(interest_paid="0.01")]}).json()
    assert body["loans"][0]["subsidy"] == "0.01"


def test_the_per_enterprise_cap_applies_to_the_sum(client):
    loans = [loan(ref="A", interest_paid="400000.00"), loan(ref="B", interest_paid="300000.00")]
    body = quote(client, INTEREST, {"batch_year": 2026, "loans": loans}).json()
    assert [row["subsidy"] for row in body["loans"]] == ["200000.00", "150000.00"]
    assert (body["total"], body["cap_applied"]) == ("300000.00", True)


def test_a_total_exactly_at_the_cap_is_not_capped(client):
    body = quote(client, INTEREST, {"batch_year": 2026, "loans": [loan(interest_paid="600000.00")]}).json()
    assert (body["total"], body["cap_applied"]) == ("300000.00", False)


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        (
            {"settled_on": "2024-12-31", "disbursed_on": "2024-01-15", "pledge_registered_on": "2024-01-10"},
            "settled_outside_window",
        ),
        ({"settled_on": "2026-01-01"}, "settled_outside_window"),
        ({"pledge_registered_on": "2025-12-01"}, "pledge_after_settlement"),
        ({"ip_share": "0.1"}, "ip_share_too_low"),
    ],
)
def test_an_ineligible_loan_is_a_200_that_says_why(client, overrides, code):
    PolicyParameterSet.objects.filter(year=2026).update(interest_min_ip_share=Decimal("0.3"))
    response = quote(client, INTEREST, {"batch_year": 2026, "loans": [loan(**overrides), loan(ref="B")]})
    assert response.status_code == 200
    body = response.json()
    first = body["loans"][0]
    assert (first["eligible"], first["subsidy"]) == (False, "0.00")
    assert [reason["code"] for reason in first["reasons"]] == [code]
    assert first["reasons"][0]["message"]
    assert body["total"] == "87500.00"  # the eligible loan only


def test_a_pledge_registered_on_the_settlement_day_counts(client):
    body = quote(
        client, INTEREST, {"batch_year": 2026, "loans": [loan(pledge_registered_on="2025-11-30")]}
    ).json()
    assert body["loans"][0]["eligible"]


def test_the_batch_years_own_parameters_are_used(client):
    PolicyParameterSet.objects.filter(year=2026).update(
        interest_ratio=Decimal("0.4"), lpr_markup=Decimal("0.3")
    )
    body = quote(
        client,
        INTEREST,
        {"batch_year": 2026, "loans": [loan(interest_paid="100000.00", annual_rate_pct="6.20")]},
    ).json()
    row = body["loans"][0]
    # cap 3.10 x 1.3 = 4.03; 100,000 x 4.03 / 6.20 = 65,000; x 0.4 = 26,000.
    assert (row["cap_rate_pct"], row["eligible_interest"], row["subsidy"]) == ("4.03", "65000.00", "26000.00")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"batch_year": 1999, "loans": [loan()]}, "batch_year"),
        ({"batch_year": 2026, "loans": []}, "loans"),
        ({"batch_year": 2026, "loans": [loan(interest_paid="-1.00")]}, "loans.0.interest_paid"),
        ({"batch_year": 2026, "loans": [loan(interest_paid=175000.5)]}, "loans.0.interest_paid"),
        ({"batch_year": 2026, "loans": [loan(annual_rate_pct="0")]}, "loans.0.annual_rate_pct"),
        ({"batch_year": 2026, "loans": [loan(ip_share="1.2")]}, "loans.0.ip_share"),
        ({"batch_year": 2026, "loans": [loan(disbursed_on="2025-13-01")]}, "loans.0.disbursed_on"),
        ({"batch_year": 2026, "loans": [loan(disbursed_on="1990-01-01")]}, "loans.0.disbursed_on"),
    ],
)
def test_malformed_input_is_a_400_naming_the_field(client, body, field):
    response = quote(client, INTEREST, body)
    assert response.status_code == 400
    assert any(key == field or key.startswith(f"{field}.") for key in response.json()["errors"]), (
        response.json()
    )
    assert response.json()["message"]


def test_the_contracts_fee_example(client):
    body = {
        "batch_year": 2026,
        "fees": [{"kind": "evaluation", "amount": "30000.00"}, {"kind": "guarantee", "amount": "75000.00"}],
    }
    response = quote(client, FEE, body)
    assert response.status_code == 200
    assert response.json() == {"batch_year": 2026, "total": "20000.00", "cap_applied": True}


def test_fees_under_the_cap_are_half_paid_back_rounded_half_up(client):
    body = {"batch_year": 2026, "fees": [{"kind": "evaluation", "amount": "10000.01"}]}
    assert quote(client, FEE, body).json() == {"batch_year": 2026, "total": "5000.01", "cap_applied": False}


def test_insurance_counts_only_when_the_year_says_so(client):
    body = {"batch_year": 2026, "fees": [{"kind": "insurance", "amount": "8000.00"}]}
    assert quote(client, FEE, body).json()["total"] == "4000.00"
    PolicyParameterSet.objects.filter(year=2026).update(fee_insurance_eligible=False)
    assert quote(client, FEE, body).json()["total"] == "0.00"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"batch_year": 2026, "fees": [{"kind": "lawyer", "amount": "1.00"}]}, "fees.0.kind"),
        ({"batch_year": 2026, "fees": [{"kind": "evaluation", "amount": "1.001"}]}, "fees.0.amount"),
        ({"batch_year": 2026, "fees": []}, "fees"),
        ({"batch_year": 2040, "fees": [{"kind": "evaluation", "amount": "1.00"}]}, "batch_year"),
    ],
)
def test_malformed_fees_are_a_400_naming_the_field(client, body, field):
    response = quote(client, FEE, body)
    assert response.status_code == 400
    assert any(key == field or key.startswith(f"{field}.") for key in response.json()["errors"]), (
        response.json()
    )


def test_the_quotes_need_no_login_and_are_throttled(client, settings):
    from django.core.cache import cache

    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "public": "2/min"},
    }
    cache.clear()
    body = {"batch_year": 2026, "fees": [{"kind": "evaluation", "amount": "1.00"}]}
    assert [quote(client, FEE, body).status_code for _ in range(3)] == [200, 200, 429]
