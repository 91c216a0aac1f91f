import pytest
from django.urls import reverse

from tests.conftest import PASSWORD

CHECK_URL = "/identifiers/check/"


def test_checker_page_is_at_its_named_url_and_needs_no_login(client):
    assert reverse("identifiers:check") == CHECK_URL
    response = client.get(CHECK_URL, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    for element_id in ("id-check-kind", "id-check-value", "id-check-result"):
        assert f'id="{element_id}"' in html
    assert 'action="/identifiers/check/"' in html
    assert "js/identifier-check.js" in html
    assert 'data-uscc-url="/api/v1/public/identifiers/uscc/"' in html
    assert '<script src="http' not in html  # nothing from a CDN
    assert "✓" not in html and "✗" not in html


def test_valid_credit_code_is_shown_normalised_without_javascript(client):
    response = client.get(
        CHECK_URL, {"kind": "uscc", "value": "91110108551385082q"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="result valid"' in html
    assert "<strong>91110108551385082Q</strong>" in html
    assert 'value="91110108551385082q"' in html  # the input keeps what was typed


def test_invalid_credit_code_shows_the_reason(client):
    response = client.get(
        CHECK_URL, {"kind": "uscc", "value": "91350100M0001TGQXM"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert 'class="result invalid"' in html
    assert "The last character should be 1, not M" in html


def test_valid_patent_shows_type_and_filing_year_and_keeps_the_kind_selected(client):
    response = client.get(
        CHECK_URL, {"kind": "patent", "value": "ZL201310699744.2"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    html = response.content.decode()
    assert "<strong>201310699744.2</strong>" in html
    assert "<dd>Invention</dd>" in html
    assert "<dd>2013</dd>" in html
    assert '<option value="patent" selected>' in html
    assert 'data-identifier="patent"' in html


def test_old_patent_with_unknown_type_says_so(client):
    html = client.get(
        CHECK_URL, {"kind": "patent", "value": "88400017.6"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert "Not stated by the number" in html


def test_typed_value_is_escaped(client):
    html = client.get(CHECK_URL, {"kind": "uscc", "value": '"><script>alert(1)</script>'}).content.decode()
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;" in html


@pytest.mark.parametrize(
    ("query", "field"),
    [({"kind": "uscc", "value": ""}, "Code or number"), ({"kind": "isbn", "value": "1"}, "What to check")],
)
def test_missing_value_or_unknown_kind_is_explained_not_checked(client, query, field):
    response = client.get(CHECK_URL, query, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<small class="error">{field}:' in html
    assert 'class="result valid"' not in html and 'class="result invalid"' not in html


def test_checker_page_answers_only_get(client):
    assert client.post(CHECK_URL, {"kind": "uscc", "value": "91110108551385082Q"}).status_code == 405


@pytest.mark.django_db
def test_home_page_includes_the_checker_card(client, enterprise_user):
    assert client.login(username="ent_user", password=PASSWORD)
    html = client.get(reverse("home")).content.decode()
    assert '<section class="card">' in html
    for element_id in ("id-check-kind", "id-check-value", "id-check-result"):
        assert f'id="{element_id}"' in html
    assert html.count("js/identifier-check.js") == 1
