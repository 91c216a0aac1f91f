"""Response headers (security.md check 38): HSTS in production, CSP with frame-ancestors, nosniff, the
referrer policy, and no-store on signed-in pages and API answers but not on public pages."""

import json
import re
from pathlib import Path

from django.urls import reverse

from tests.portal.test_settings import PRODUCTION, run_manage

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"


def csp_directives(response) -> dict[str, str]:
    policy = response["Content-Security-Policy"]
    return {part.split()[0]: part.strip() for part in policy.split(";") if part.strip()}


def assert_common_headers(response):
    directives = csp_directives(response)
    assert directives["frame-ancestors"] == "frame-ancestors 'none'"
    assert directives["script-src"] == "script-src 'self'"  # no inline script, no other origin
    assert directives["default-src"] == "default-src 'self'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert "charset=utf-8" in response["Content-Type"].lower()


def test_signed_in_page_is_not_stored(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.get(reverse("home"), follow=True)
    assert response.status_code == 200
    assert_common_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_api_answer_is_not_stored(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.get("/api/v1/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert_common_headers(response)
    assert "no-store" in response["Cache-Control"]


def test_refused_api_call_is_not_stored_either(client, db):
    response = client.get("/api/v1/notifications/")
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]


def test_public_pages_are_not_marked_private(client, db):
    page = client.get(reverse("workdays:calculator"))
    assert page.status_code == 200
    assert_common_headers(page)
    assert "no-store" not in page.get("Cache-Control", "")
    api = client.get("/api/v1/public/calendar/due-date/", {"start": "2026-03-02", "working_days": 5})
    assert api.status_code == 200
    assert "no-store" not in api.get("Cache-Control", "")


def test_production_settings_send_hsts_and_secure_cookies():
    # The real production settings, in a fresh process: HSTS needs DJANGO_DEBUG=0, which the suite lacks.
    script = (
        "import json, django; django.setup();"
        "from django.test import Client;"
        "r = Client().get('/livez', secure=True, HTTP_HOST='ipfin.example.gov.cn');"
        "print(json.dumps({'status': r.status_code, **dict(r.headers)}))"
    )
    result = run_manage("shell", "-c", script, env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    headers = json.loads(result.stdout.strip().splitlines()[-1])
    assert headers["status"] == 200
    hsts = headers["Strict-Transport-Security"]
    assert int(re.search(r"max-age=(\d+)", hsts).group(1)) >= 31536000
    assert "includeSubDomains" in hsts
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_production_plain_http_is_redirected_to_https():
    script = (
        "import django; django.setup(); from django.test import Client;"
        "r = Client().get('/accounts/login/', HTTP_HOST='ipfin.example.gov.cn');"
        "print(r.status_code, r.get('Location'))"
    )
    result = run_manage("shell", "-c", script, env=PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["301", "https://ipfin.example.gov.cn/accounts/login/"]


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)


def test_templates_have_no_inline_script_the_policy_would_block():
    offenders = []
    for template in sorted(TEMPLATES.rglob("*.html")):
        text = template.read_text(encoding="utf-8")
        if INLINE_HANDLER.search(text):
            offenders.append(f"{template.relative_to(ROOT)}: on* handler (use data-autosubmit, data-confirm)")
        for tag in INLINE_SCRIPT.findall(text):
            if 'type="application/json"' not in tag:
                offenders.append(f"{template.relative_to(ROOT)}: inline <script> (move it to static/js)")
    assert offenders == []
