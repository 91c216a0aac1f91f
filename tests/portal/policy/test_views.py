import pytest
from django.urls import reverse

from portal.policy.models import PolicyParameterSet
from portal.policy.services import parameter_set_clone, parameter_set_update

pytestmark = pytest.mark.django_db

URL = reverse("policy:overview")


def test_overview_url_is_policy():
    assert URL == "/policy/"


def test_anonymous_user_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    "persona", ["enterprise_user", "bank_a_officer", "commissioner", "joint_office_viewer"]
)
def test_signed_in_persona_sees_the_years_side_by_side_with_formatted_figures(client, request, persona):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    response = client.get(URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    page = response.content.decode()
    for year in ("2024", "2025", "2026"):
        assert f">{year}" in page
    assert "300,000.00" in page  # interest cap
    assert "20,000.00" in page  # fee cap
    assert "1,000,000.00" in page  # risk compensation per-loan cap
    assert "50%" in page and "40%" in page and "30%" in page
    assert "3.00%" in page and "3.10%" in page and "4.20%" in page  # LPR history
    assert "2025-05-20" in page and "2026-02-24" in page
    assert "20 working days" in page
    assert "12 months" in page
    assert "10 calendar days" in page
    # Issue 9's counts carry their own units: days, working days and times.
    assert "180 days" in page and "15 days" in page and "2 times" in page and "1 working day" in page
    # Every value comes with its source, and the source addresses are links.
    assert "[V-1]" in page and "[A]" in page
    assert '<a href="https://www.keceyun.com/policy/newsdetail/165403.html"' in page
    assert "Not set" in page  # the per-institution cap has no default


def test_overview_is_in_chinese_by_default_and_needs_no_cdn(client, enterprise_user):
    client.force_login(enterprise_user)
    page = client.get(URL).content.decode()
    assert "2026年度知识产权质押融资政策参数" in page
    assert "cdn" not in page.lower()


def test_a_note_that_differs_between_years_is_shown_under_each_value(client, enterprise_user, editor):
    parameter_set_update(
        parameter_set=PolicyParameterSet.objects.get(year=2026),
        changes={"sources": {"fee_ratio": "Checked against the 2026 notice"}},
        actor=editor,
    )
    client.force_login(enterprise_user)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Checked against the 2026 notice" in page
    assert "Differs by year" in page


def test_drafts_are_shown_to_staff_only(client, enterprise_user, staff_admin, editor):
    parameter_set_clone(source=PolicyParameterSet.objects.get(year=2026), year=2027, actor=editor)
    client.force_login(enterprise_user)
    assert ">2027" not in client.get(URL).content.decode()
    client.force_login(staff_admin)
    page = client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">2027" in page and "Draft" in page


def test_overview_only_answers_get(client, enterprise_user):
    client.force_login(enterprise_user)
    assert client.post(URL).status_code == 405


def test_home_links_to_the_overview(client, enterprise_user):
    client.force_login(enterprise_user)
    assert f'href="{URL}"' in client.get(reverse("home")).content.decode()
