"""The public calculator page: the same figures as the quote API, reasons shown, bad input kept."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db
URL = "/subsidies/calculator/"


def form(**overrides) -> dict:
    data = {
        "batch_year": "2026",
        "loan-TOTAL_FORMS": "3",
        "loan-INITIAL_FORMS": "0",
        "loan-0-ref": "A",
        "loan-0-interest_paid": "175000.00",
        "loan-0-annual_rate_pct": "3.50",
        "loan-0-ip_share": "1",
        "loan-0-disbursed_on": "2025-01-15",
        "loan-0-settled_on": "2025-11-30",
        "loan-0-pledge_registered_on": "2025-01-10",
        "fee-TOTAL_FORMS": "3",
        "fee-INITIAL_FORMS": "0",
        "fee-0-kind": "evaluation",
        "fee-0-amount": "30000.00",
        # What the browser sends for the untouched rows: their initial values.
        "loan-1-ip_share": "1",
        "loan-2-ip_share": "1",
        "fee-1-kind": "",
        "fee-2-kind": "",
    }
    data.update(overrides)
    return data


def test_any_visitor_opens_the_calculator(client):
    assert reverse("subsidies:calculator") == URL
    response = client.get(URL)
    assert response.status_code == 200
    assert 'data-testid="calculator-form"' in response.content.decode()


def test_the_sheet_shows_the_contracts_figures(client):
    response = client.post(URL, form(), headers={"accept-language": "en"})
    assert response.status_code == 200
    interest = response.context["interest"]
    assert [str(loan.subsidy) for loan in interest.loans] == ["87500.00"]
    assert (str(interest.loans[0].lpr_pct), str(interest.loans[0].cap_rate_pct)) == ("3.10", "4.34")
    assert str(response.context["fee"]["total"]) == "15000.00"
    page = response.content.decode()
    assert "87,500.00" in page and "4.34" in page


def test_an_ineligible_loan_says_why(client):
    response = client.post(
        URL, form(**{"loan-0-settled_on": "2026-02-01"}), headers={"accept-language": "en"}
    )
    assert response.status_code == 200
    assert "this batch covers loans settled from 2025-01-01 to 2025-12-31" in response.content.decode()


def test_bad_input_is_a_400_with_what_was_typed(client):
    response = client.post(
        URL, form(**{"loan-0-annual_rate_pct": "abc", "loan-0-interest_paid": "175000.00"})
    )
    assert response.status_code == 400
    assert 'value="175000.00"' in response.content.decode()


def test_a_year_without_parameters_is_refused(client):
    response = client.post(URL, form(batch_year="2040"), headers={"accept-language": "en"})
    assert response.status_code == 400
    assert "2040" in response.content.decode()


def test_nothing_entered_is_refused(client):
    data = form()
    for key in [k for k in data if k.startswith(("loan-0-", "fee-0-"))]:
        data.pop(key)
    response = client.post(URL, data)
    assert response.status_code == 400
