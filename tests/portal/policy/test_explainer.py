"""The policy explainer: public, one section per section of the seed policy, figures from the parameters."""

from decimal import Decimal

import pytest
from django.urls import reverse
from freezegun import freeze_time

from portal.policy.models import ParameterSetStatus, PolicyParameterSet

pytestmark = pytest.mark.django_db

URL = reverse("policy:explainer")


def test_anyone_reads_the_explainer_without_signing_in(client):
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('data-testid="explainer-section"') == 10
    assert "The policy explained" in page


@freeze_time("2026-06-01 10:00:00+08:00")
def test_figures_are_this_years_parameters_not_text(client):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "The figures are the 2026 policy parameters in force." in page
    assert "at most 1,000,000.00 yuan per loan" in page
    assert "3 working days at the window, 1 working day online" in page
    assert "stays in the pool for 180 days" in page
    PolicyParameterSet.objects.filter(year=2026).update(
        demand_expiry_days=90, auction_reserve_step=Decimal("0.1500")
    )
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "stays in the pool for 90 days" in page
    assert "lowers the reserve price by 15%" in page


@freeze_time("2026-06-01 10:00:00+08:00")
def test_without_a_set_in_force_the_page_says_so_and_shows_no_figures(client):
    PolicyParameterSet.objects.filter(year=2026).update(status=ParameterSetStatus.DRAFT)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No policy parameters are in force for this year yet" in page
    assert "yuan per loan" not in page


def test_every_section_points_to_where_the_work_happens(client):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for name in (
        "loans:product_catalogue",
        "riskcomp:calculator",
        "subsidies:calculator",
        "stats:overview",
        "ratings:to-give",
        "matchmaking:event-calendar",
        "disposal:listing-list",
        "training:programme-list",
    ):
        assert f'href="{reverse(name)}"' in page


def test_the_explainer_is_chinese_by_default(client):
    page = client.get(URL).content.decode()
    assert 'lang="zh-hans"' in page


def test_the_window_title_names_the_page_then_the_portal(client):
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "<title>The policy explained · Beijing IP Pledge Financing One-Stop Portal</title>" in page


def test_every_home_page_links_to_the_explainer(client, enterprise_user):
    client.force_login(enterprise_user)
    page = client.get(reverse("home")).content.decode()
    assert f'href="{URL}" data-testid="home-policy-explainer"' in page
