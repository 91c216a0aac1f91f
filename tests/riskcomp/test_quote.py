"""Risk compensation: the formulas of domain.md §2.6 and the public quote of api-contract.md §5, cases written
from the documents (E8, E9) and from the rules' edges before the code."""

from datetime import date
from decimal import Decimal

import pytest

from riskcomp.calculations import Participant, Rules, clawback, largest_remainder, quote

D = Decimal
URL = "/api/v1/public/riskcomp/quote/"
EN = {"accept-language": "en"}
RULES = Rules(rate=D("0.30"), per_loan_cap=D("1000000.00"), min_ip_share=D("0.50"))


def run(
    participants,
    *,
    principal="2000000.00",
    share="1",
    recovered="0",
    npl=date(2026, 6, 1),
    pledged=date(2025, 12, 1),
):
    return quote(
        RULES,
        npl_principal=D(principal),
        ip_share=D(share),
        recovered=D(recovered),
        npl_on=npl,
        pledge_registered_on=pledged,
        participants=participants,
    )


def test_e8_bank_and_guarantor_with_its_re_guaranteed_half():
    result = run([Participant("bank", D("0.20")), Participant("g1", D("0.80"), D("0.50"))])
    assert result.eligible and result.loss == D("2000000.00")
    assert [(p.base, p.payout) for p in result.payouts] == [
        (D("400000.00"), D("120000.00")),
        (D("800000.00"), D("240000.00")),
    ]
    assert result.total == D("360000.00") and not result.cap_applied


def test_e9_the_per_loan_cap_shared_by_largest_remainder():
    result = run(
        [
            Participant("bank", D("0.30")),
            Participant("insurer", D("0.50"), D("0.20")),
            Participant("agency", D("0.20")),
        ],
        principal="5000000.00",
    )
    assert [p.base for p in result.payouts] == [D("1500000.00"), D("2000000.00"), D("1000000.00")]
    assert result.raw_total == D("1350000.00") and result.cap_applied
    assert [p.payout for p in result.payouts] == [D("333333.33"), D("444444.45"), D("222222.22")]
    assert sum(p.payout for p in result.payouts) == D("1000000.00")


def test_a_total_exactly_at_the_cap_is_not_capped():
    result = run(
        [Participant("bank", D("1"))], principal="3333333.33"
    )  # 0.3 x 3,333,333.33 = 999,999.999 -> 1,000,000.00
    assert result.total == D("1000000.00") and not result.cap_applied


def test_combination_loans_count_only_the_ip_part_and_recoveries_reduce_the_loss():
    result = run([Participant("bank", D("1"))], share="0.60", recovered="200000.00")
    assert result.loss == D("1000000.00") and result.total == D("300000.00")


def test_a_pledge_registered_on_the_non_performing_day_is_in_time_the_next_day_is_not():
    assert run([Participant("bank", D("1"))], pledged=date(2026, 6, 1)).eligible
    late = run([Participant("bank", D("1"))], pledged=date(2026, 6, 2))
    assert not late.eligible and late.total == D("0.00") and late.payouts == []
    assert [reason["code"] for reason in late.reasons] == ["pledge_after_npl"]


def test_an_ip_share_at_the_minimum_is_eligible_below_it_is_not():
    assert run([Participant("bank", D("1"))], share="0.50").eligible
    assert [r["code"] for r in run([Participant("bank", D("1"))], share="0.4999").reasons] == [
        "ip_share_too_low"
    ]


@pytest.mark.parametrize(
    "total, weights",
    [
        ("100.00", ["1", "1", "1"]),
        ("0.02", ["1", "1", "1"]),
        ("1000000.00", ["1", "2", "3", "4", "5", "6", "7"]),
        ("999999.99", ["0.3333", "0.3333", "0.3334"]),
    ],
)
def test_largest_remainder_always_sums_to_the_total(total, weights):
    shares = largest_remainder(D(total), [D(w) for w in weights])
    assert sum(shares) == D(total) and all(share >= 0 for share in shares)
    assert all(share == share.quantize(D("0.01")) for share in shares)


def test_largest_remainder_breaks_ties_in_order():
    assert largest_remainder(D("100.00"), [D("1"), D("1"), D("1")]) == [D("33.34"), D("33.33"), D("33.33")]


def test_clawback_takes_the_same_fraction_never_more_than_was_paid():
    # The fund paid 360,000 of a 2,000,000 loss (18 %): a recovery of 500,000 gives back 90,000.
    due, shares = clawback(
        recovery=D("500000.00"),
        paid=D("360000.00"),
        loss=D("2000000.00"),
        clawed_so_far=D("0"),
        payouts=[D("120000.00"), D("240000.00")],
    )
    assert due == D("90000.00") and shares == [D("30000.00"), D("60000.00")]
    due, _shares = clawback(
        recovery=D("5000000.00"),
        paid=D("360000.00"),
        loss=D("2000000.00"),
        clawed_so_far=D("300000.00"),
        payouts=[D("120000.00"), D("240000.00")],
    )
    assert due == D("60000.00")


# --- The public API (api-contract.md §5) -------------------------------------------------------------


def body(**overrides):
    data = {
        "year": 2026,
        "npl_principal": "2000000.00",
        "ip_share": "1",
        "recovered": "0.00",
        "npl_on": "2026-06-01",
        "pledge_registered_on": "2025-12-01",
        "participants": [
            {"ref": "bank", "kind": "bank", "share": "0.20", "dispersed": "0"},
            {"ref": "g1", "kind": "guarantor", "share": "0.80", "dispersed": "0.50"},
        ],
    }
    data.update(overrides)
    return data


def post(client, data):
    return client.post(URL, data, content_type="application/json", headers=EN)


@pytest.mark.django_db
def test_the_contracts_example(client):
    response = post(client, body())
    assert response.status_code == 200
    assert response.json() == {
        "year": 2026,
        "eligible": True,
        "reasons": [],
        "loss": "2000000.00",
        "total": "360000.00",
        "cap_applied": False,
        "payouts": [
            {"ref": "bank", "base": "400000.00", "payout": "120000.00"},
            {"ref": "g1", "base": "800000.00", "payout": "240000.00"},
        ],
    }


@pytest.mark.django_db
def test_an_ineligible_claim_is_a_200_that_says_why(client):
    response = post(client, body(pledge_registered_on="2026-06-02"))
    data = response.json()
    assert response.status_code == 200 and data["eligible"] is False
    assert data["total"] == "0.00" and data["payouts"] == []
    assert [reason["code"] for reason in data["reasons"]] == ["pledge_after_npl"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        (
            {"participants": [{"ref": "bank", "kind": "bank", "share": "0.5", "dispersed": "0"}]},
            "participants",
        ),
        ({"participants": [{"ref": "bank", "kind": "bank", "share": "1", "dispersed": "1"}]}, "participants"),
        (
            {"participants": [{"ref": "x", "kind": "hedge_fund", "share": "1", "dispersed": "0"}]},
            "participants",
        ),
        ({"recovered": "2000000.01"}, "recovered"),
        ({"npl_principal": "-1.00"}, "npl_principal"),
        ({"npl_principal": 2000000}, "npl_principal"),
        ({"ip_share": "1.5"}, "ip_share"),
        ({"year": 1999}, "year"),
        ({"year": 2031}, "year"),
        ({"participants": []}, "participants"),
        ({"npl_on": "2026-02-30"}, "npl_on"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(client, overrides, field):
    response = post(client, body(**overrides))
    assert response.status_code == 400
    assert any(key.split(".")[0] == field for key in response.json()["errors"])


@pytest.mark.django_db
def test_the_rate_and_cap_come_from_the_years_parameters(client):
    from portal.policy.models import PolicyParameterSet

    PolicyParameterSet.objects.filter(year=2026).update(
        riskcomp_rate=D("0.50"), riskcomp_per_loan_cap=D("100000.00")
    )
    data = post(client, body()).json()
    assert data["total"] == "100000.00" and data["cap_applied"] is True
