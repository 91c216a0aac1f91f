"""The due-date calculator: the page without JavaScript, and the partial on the home page."""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse

pytestmark = pytest.mark.django_db

STABLE_IDS = ('id="due-date-form"', 'id="due-start"', 'id="due-n"', 'id="due-mode"', 'id="due-result"')


def get(client, language="en", **params):
    return client.get(reverse("workdays:calculator"), params, headers={"accept-language": language})


def test_calculator_page_is_public_and_shows_an_empty_form(client):
    response = get(client)
    assert response.status_code == 200
    html = response.content.decode()
    for stable_id in STABLE_IDS:
        assert stable_id in html
    assert response.context["due_result"] is None
    assert 'src="/static/js/due-date.js"' in html
    assert 'data-api-url="/api/v1/public/calendar/due-date/"' in html


def test_calculator_answers_server_side_without_javascript(client):
    response = get(client, start="2026-09-30", n="3", mode="working_days")
    assert response.status_code == 200
    assert response.context["due_result"].due_date.isoformat() == "2026-10-10"
    html = response.content.decode()
    assert 'datetime="2026-10-10"' in html
    assert "National Day" in html
    assert 'value="2026-09-30"' in html


def test_calculator_answers_in_chinese(client):
    html = get(client, "zh-hans", start="2026-09-30", n="3", mode="working_days").content.decode()
    assert "国庆节" in html


def test_calendar_days_mode_and_provisional_warning(client):
    response = get(client, start="2026-12-25", n="7", mode="calendar_days")
    result = response.context["due_result"]
    assert result.due_date.isoformat() == "2027-01-04"
    assert result.provisional is True
    html = response.content.decode()
    assert result.warnings[0] in html
    assert '<option value="calendar_days" selected>' in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2026-09-30", "n": "0", "mode": "working_days"}, "n"),
        ({"start": "2026-09-30", "n": "366", "mode": "working_days"}, "n"),
        ({"start": "tomorrow", "n": "3", "mode": "working_days"}, "start"),
        ({"start": "1900-01-01", "n": "3", "mode": "working_days"}, "start"),
        ({"start": "2026-09-30", "n": "3", "mode": "hours"}, "mode"),
        ({"n": "3"}, "start"),
    ],
)
def test_bad_input_shows_the_error_next_to_the_field(client, params, field):
    response = get(client, **params)
    assert response.status_code == 200
    form = response.context["due_form"]
    assert field in form.errors
    assert response.context["due_result"] is None
    html = response.content.decode()
    assert f'<small class="error" id="due-{field}-error">{form.errors[field][0]}' in html


def test_post_is_not_allowed(client):
    assert client.post(reverse("workdays:calculator")).status_code == 405


def test_home_page_includes_the_calculator_in_a_card(client, commissioner):
    client.force_login(commissioner)
    html = client.get(reverse("home")).content.decode()
    for stable_id in STABLE_IDS:
        assert stable_id in html
    assert html.index('<section class="card">') < html.index('id="due-date-form"')


def test_the_script_is_a_local_static_file():
    path = finders.find("js/due-date.js")
    assert path is not None
    source = Path(path).read_text(encoding="utf-8")
    assert "/api/v1/public/calendar/due-date/" not in source  # the URL comes from the page
    assert "http://" not in source and "https://" not in source
