"""No secrets or personal data in the logs, and no forged log lines (security.md check 21; ASVS 16.2.5,
16.4.1; PIPL Art. 51).

Sign-ins (a wrong password under a user name carrying CR/LF, then the right one), a subsidy application
submitted through its page, a bank's contract report with a bearer token, a 404 and a 500 whose path and
exception carry a phone, an ID number and CR/LF: everything logged is captured twice, by ``caplog`` and by
a file handler built from the LOGGING settings, and grepped.
"""

import logging
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

from portal.accounts.models import Role
from portal.apiauth.services import api_client_create
from portal.pii import PiiLogFilter
from subsidies import applications as subsidy_apps
from tests.conftest import PASSWORD
from tests.loans.test_loan_api import contract_body, post_json
from tests.portal.logs_clean_urls import FORGED_NAME, ID_NUMBER, PHONE
from tests.subsidies.factories import complete_details, make_batch, make_settled_loan, upload_required

pytestmark = pytest.mark.django_db

WRONG_PASSWORD = "Wrong-pass-2026!"

ID_PATTERN = re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)")
MOBILE_PATTERN = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


@pytest.fixture
def log_file(tmp_path):
    """A file handler made as the LOGGING settings make theirs: the same formatter and the PII filter."""
    spec = settings.LOGGING
    handler = logging.FileHandler(tmp_path / "portal.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter(spec["formatters"]["plain"]["format"]))
    for name in spec["handlers"]["console"]["filters"]:
        handler.addFilter(import_string(spec["filters"][name]["()"])())
    root = logging.getLogger()
    root.addHandler(handler)
    yield tmp_path / "portal.log"
    root.removeHandler(handler)
    handler.close()


def test_every_configured_handler_masks():
    assert settings.LOGGING["filters"]["pii"]["()"] == "portal.pii.PiiLogFilter"
    for name, handler in settings.LOGGING["handlers"].items():
        assert "pii" in handler.get("filters", []), name
    # Django's own loggers go through these handlers, not through the unfiltered ones of its defaults.
    for name in ("django", "django.server"):
        assert settings.LOGGING["loggers"][name] == {"handlers": [], "level": "INFO", "propagate": True}
    installed = [
        h for h in logging.getLogger().handlers if any(isinstance(f, PiiLogFilter) for f in h.filters)
    ]
    assert installed, "the LOGGING settings were not applied to the root logger"


def _submit_application(client, reviewer, enterprise_user, enterprise, bank_a_branch, bank_a_officer):
    loan = make_settled_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    application = subsidy_apps.application_open(batch=make_batch(reviewer), actor=enterprise_user)
    subsidy_apps.loan_line_add_from_portal(application=application, loan=loan, actor=enterprise_user)
    complete_details(application, enterprise_user)
    upload_required(application, enterprise_user)
    response = client.post(reverse("subsidies:application-submit", args=[application.pk]))
    assert response.status_code == 302, response.content
    # A second submission is refused (400): a logged warning on the same path.
    assert client.post(reverse("subsidies:application-submit", args=[application.pk])).status_code == 400


def _report_contract(client, bank_a_branch, bank_a_manager, enterprise) -> tuple[str, str]:
    api_client, secret = api_client_create(
        organisation=bank_a_branch, role=Role.BANK_OFFICER, name="Bank A core gateway", actor=bank_a_manager
    )
    response = client.post(
        "/api/v1/oauth/token/",
        {"grant_type": "client_credentials", "client_id": api_client.client_id, "client_secret": secret},
    )
    assert response.status_code == 200
    token = response.json()["access_token"]
    bearer = {"authorization": f"Bearer {token}"}
    assert post_json(client, "/api/v1/loans/", contract_body(enterprise), headers=bearer).status_code == 201
    # A bad report (400) and a bad token (401) are logged as warnings.
    bad = contract_body(enterprise, principal="-1", contract_number=f"HT-{PHONE}")
    assert post_json(client, "/api/v1/loans/", bad, headers=bearer).status_code == 400
    wrong = {"authorization": f"Bearer {token}x"}
    assert client.get("/api/v1/loans/", headers=wrong).status_code == 401
    return token, secret


@pytest.mark.urls("tests.portal.logs_clean_urls")
def test_logs_carry_no_secret_no_personal_data_and_no_forged_line(
    client,
    caplog,
    log_file,
    enterprise_user,
    enterprise,
    reviewer,
    bank_a_branch,
    bank_a_officer,
    bank_a_manager,
):
    caplog.set_level(logging.INFO)
    enterprise_user.phone = PHONE
    enterprise_user.save(update_fields=["phone"])

    login = reverse("login")
    client.post(login, {"username": FORGED_NAME, "password": WRONG_PASSWORD})
    client.post(login, {"username": enterprise_user.username, "password": WRONG_PASSWORD})
    response = client.post(login, {"username": enterprise_user.username, "password": PASSWORD})
    assert response.status_code == 302
    session_id = client.cookies[settings.SESSION_COOKIE_NAME].value

    _submit_application(client, reviewer, enterprise_user, enterprise, bank_a_branch, bank_a_officer)
    client.logout()
    token, secret = _report_contract(client, bank_a_branch, bank_a_manager, enterprise)

    # Error paths: a 404 whose path carries personal data and CR/LF, and a view that raises.
    assert client.get(f"/loans/no-such/{PHONE}/{ID_NUMBER}/%0D%0AFAKE%20ENTRY/").status_code == 404
    client.raise_request_exception = False
    assert client.get(f"/boom/?phone={PHONE}").status_code == 500
    # The same through a plain logger call, as any code might write one.
    logging.getLogger("portal.anywhere").warning("user %s phone %s id %s", FORGED_NAME, PHONE, ID_NUMBER)

    from_file = log_file.read_text(encoding="utf-8")
    for name, text in (("caplog", caplog.text), ("file", from_file)):
        # The events were logged (else the checks below prove nothing)...
        assert "Internal Server Error: /boom/" in text, name
        assert "ValueError" in text, name
        assert "Not Found: /loans/no-such/" in text, name
        assert "a\\r\\nFAKE ENTRY" in text, name
        assert "139****5678" in text and "110101********123X" in text, name
        # ...and nothing that must not be there.
        for secret_text in (PASSWORD, WRONG_PASSWORD, session_id, token, secret):
            assert secret_text not in text, (name, secret_text[:4])
        assert not ID_PATTERN.search(text), (name, ID_PATTERN.search(text))
        assert not MOBILE_PATTERN.search(text), (name, MOBILE_PATTERN.search(text))
        assert "\rFAKE" not in text and "\nFAKE" not in text, name
        for line in text.splitlines():
            # Every line is a log entry's first line or an indented traceback line.
            assert line.startswith((" ", "\t")) or re.match(r"^(\d{4}-\d{2}-\d{2} |[A-Z]+ )", line), line
