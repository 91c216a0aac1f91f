"""The public risk compensation calculator page: the same figures as the quote API (E8 and E9 of domain.md
§5), the reasons of an ineligible claim, and the API's bad inputs as form errors (400, input kept)."""

from decimal import Decimal

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = "/riskcomp/calculator/"
EN = {"accept-language": "en"}
D = Decimal


def form(participants, **overrides) -> dict:
    """E8 by default: 2,000,000 outstanding, IP only; ``participants``: (ref, kind, share, dispersed)."""
    rows = 4
    data = {
        "year": "2026",
        "npl_principal": "2000000.00",
        "ip_share": "1",
        "recovered": "0",
        "npl_on": "2026-06-01",
        "pledge_registered_on": "2025-12-01",
        "participant-TOTAL_FORMS": str(rows),
        "participant-INITIAL_FORMS": "0",
    }
    for index in range(rows):
        # What the browser sends for an untouched row: its initial values.
        data[f"participant-{index}-dispersed"] = "0"
    for index, (ref, kind, share, dispersed) in enumerate(participants):
        data.update(
            {
                f"participant-{index}-ref": ref,
                f"participant-{index}-kind": kind,
                f"participant-{index}-share": share,
                f"participant-{index}-dispersed": dispersed,
            }
        )
    data.update(overrides)
    return data


E8 = [("bank", "bank", "0.20", "0"), ("g1", "guarantor", "0.80", "0.50")]
E9 = [
    ("bank", "bank", "0.30", "0"),
    ("insurer", "insurer", "0.50", "0.20"),
    ("agency", "ip_agency", "0.20", "0"),
]


def test_any_visitor_opens_the_calculator(client):
    assert reverse("riskcomp:calculator") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert 'data-testid="calculator-form"' in response.content.decode()
    assert 'data-testid="calculation-sheet"' not in response.content.decode()


def test_e8_bank_and_guarantor_with_its_re_guaranteed_half(client):
    response = client.post(URL, form(E8), headers=EN)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.eligible and result.loss == D("2000000.00") and result.total == D("360000.00")
    assert not result.cap_applied
    assert [(line["base"], line["payout"]) for line in response.context["lines"]] == [
        (D("400000.00"), D("120000.00")),
        (D("800000.00"), D("240000.00")),
    ]
    page = response.content.decode()
    for text in ("2,000,000.00", "400,000.00", "800,000.00", "120,000.00", "240,000.00", "360,000.00"):
        assert text in page
    assert "30%" in page and "1,000,000.00" in page  # the year's rate and cap per loan
    assert 'data-testid="cap-applied"' not in page


def test_e9_the_per_loan_cap_shared_by_largest_remainder(client):
    response = client.post(URL, form(E9, npl_principal="5000000.00"), headers=EN)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.raw_total == D("1350000.00") and result.cap_applied and result.total == D("1000000.00")
    lines = response.context["lines"]
    assert [line["base"] for line in lines] == [D("1500000.00"), D("2000000.00"), D("1000000.00")]
    assert [line["payout"] for line in lines] == [D("333333.33"), D("444444.45"), D("222222.22")]
    page = response.content.decode()
    assert 'data-testid="cap-applied"' in page and "1,350,000.00" in page
    assert "333,333.33" in page and "444,444.45" in page and "222,222.22" in page
    assert "Insurer" in page and "IP agency" in page


def test_a_combination_loan_with_recoveries(client):
    response = client.post(URL, form(E8, ip_share="0.60", recovered="200000.00"), headers=EN)
    assert response.status_code == 200
    result = response.context["result"]
    assert result.loss == D("1000000.00")  # 2,000,000 x 0.60 - 200,000
    assert result.total == D("180000.00")


def test_an_ineligible_claim_says_why(client):
    response = client.post(URL, form(E8, pledge_registered_on="2026-06-02", ip_share="0.40"), headers=EN)
    assert response.status_code == 200
    result = response.context["result"]
    assert not result.eligible and result.total == D("0.00")
    assert [reason["code"] for reason in result.reasons] == ["pledge_after_npl", "ip_share_too_low"]
    page = response.content.decode()
    assert 'data-testid="ineligible"' in page
    assert "after the loan became non-performing on 2026-06-01" in page and "below the minimum of 0.5" in page


def test_a_pledge_registered_on_the_non_performing_day_is_eligible(client):
    response = client.post(URL, form(E8, pledge_registered_on="2026-06-01"), headers=EN)
    assert response.status_code == 200 and response.context["result"].eligible


def test_shares_not_summing_to_one_are_a_400_with_the_input_kept(client):
    response = client.post(
        URL, form([("bank", "bank", "0.20", "0"), ("g1", "guarantor", "0.70", "0.50")]), headers=EN
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The participants&#x27; shares must add up to 1." in page and 'value="0.70"' in page
    assert "result" not in response.context


def test_a_dispersed_part_of_one_is_a_400(client):
    response = client.post(URL, form([("bank", "bank", "0.20", "0"), ("g1", "guarantor", "0.80", "1")]))
    assert response.status_code == 400
    assert response.context["participants"].forms[1].errors["dispersed"]


def test_recoveries_larger_than_the_ip_secured_principal_are_a_400(client):
    response = client.post(URL, form(E8, ip_share="0.50", recovered="1000000.01"), headers=EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Recoveries cannot exceed the IP-secured principal" in page and 'value="1000000.01"' in page


def test_an_unknown_kind_and_a_missing_participant_are_400s(client):
    response = client.post(URL, form([("bank", "bank", "0.20", "0"), ("x", "charity", "0.80", "0")]))
    assert response.status_code == 400 and response.context["participants"].forms[1].errors["kind"]
    response = client.post(URL, form([]), headers=EN)
    assert response.status_code == 400 and "Enter at least one participant." in response.content.decode()


def test_the_same_name_twice_is_a_400(client):
    response = client.post(
        URL, form([("A", "bank", "0.50", "0"), ("A", "guarantor", "0.50", "0")]), headers=EN
    )
    assert response.status_code == 400 and "Each participant needs its own name." in response.content.decode()


def test_bad_numbers_are_a_400_with_what_was_typed(client):
    response = client.post(URL, form(E8, npl_principal="abc", recovered="12.50"))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="abc"' in page and 'value="12.50"' in page


def test_a_year_without_parameters_is_refused(client):
    response = client.post(URL, form(E8, year="2040"), headers=EN)
    assert response.status_code == 400 and "2040" in response.content.decode()


def test_the_api_and_the_page_agree(client):
    api = client.post(
        "/api/v1/public/riskcomp/quote/",
        {
            "year": 2026,
            "npl_principal": "5000000.00",
            "ip_share": "1",
            "recovered": "0.00",
            "npl_on": "2026-06-01",
            "pledge_registered_on": "2025-12-01",
            "participants": [
                {"ref": ref, "kind": kind, "share": share, "dispersed": dispersed}
                for ref, kind, share, dispersed in E9
            ],
        },
        content_type="application/json",
    ).json()
    page = client.post(URL, form(E9, npl_principal="5000000.00"))
    assert [f"{line['payout']:.2f}" for line in page.context["lines"]] == [
        p["payout"] for p in api["payouts"]
    ]
    assert f"{page.context['result'].total:.2f}" == api["total"]
