"""Schema fuzzing (security.md check 22): schemathesis drives every operation of the OpenAPI schema the
portal serves at /api/schema/, with data that fits the schema and data that does not, as each kind of
caller: anonymous, an enterprise user, a bank officer (browser session, and the bank's core system with a
bearer token), a service commissioner, a reviewer and a promotion officer.

The requests go in-process through the WSGI application against the demo world (``seed_demo``), so ids in
the generated paths hit real loans, registrations and deliveries as well as missing ones. Every case must
pass: no 5xx, a status code and a body the schema documents, and data outside the schema refused with a
4xx. Example counts are bounded (``FUZZ_MAX_EXAMPLES``, default 10 per operation and mode) and the seed is
fixed, so a CI run repeats the same requests; ``FUZZ_SEED`` explores another corner.
"""

import contextlib
import os
from collections.abc import Iterator

import pytest
import schemathesis
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, Phase, given, seed
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode

pytestmark = [pytest.mark.ops, pytest.mark.django_db]

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "10"))
SEED = int(os.environ.get("FUZZ_SEED", "20261127"))

# A caller per role; the session users are seed_demo's logins.
SESSION_ROLES = {
    "enterprise": "demo_enterprise",
    "bank_officer": "demo_bank_officer",
    "commissioner": "demo_commissioner",
    "reviewer": "demo_reviewer",
    "promotion_officer": "demo_promotion",
}
ROLES = ["anonymous", *SESSION_ROLES, "bank_api_client"]

# Any 32 alphanumerics are a valid CSRF secret; sending it as both cookie and header passes Django's
# double-submit check, so unsafe methods reach the views instead of stopping at the CSRF refusal.
CSRF_TOKEN = "FuzzCsrfToken0123456789abcdefXYZ"

# Checks that judge the API by rules it does not promise:
# - positive_data_acceptance: a well-formed request about a loan, registration or delivery the caller may
#   not see is a 404 (or a 403 for the wrong role) by design (architecture.md §3.4), not a rejected input.
# - ignored_auth / object_level_authorization: these need the schemathesis auth machinery to swap
#   credentials; the portal's cross-tenant and wrong-role refusals have their own persona tests.
# - use_after_free / ensure_resource_availability: stateful checks for DELETE/POST pairs; the API deletes
#   nothing.
EXCLUDED_CHECK_NAMES = {
    "positive_data_acceptance",
    "ignored_auth",
    "object_level_authorization",
    "use_after_free",
    "ensure_resource_availability",
}


@pytest.fixture(scope="module")
def fuzz_world(django_db_setup, django_db_blocker, tmp_path_factory) -> Iterator[None]:
    """The demo world, loaded once for the module inside a transaction rolled back at its end (as Django's
    TestCase.setUpClass does), so every role's run sees the same data and leaves nothing behind."""
    # The WSGI handler closes "old" connections around each request, and inside a transaction every
    # connection looks old; Django's test Client unhooks the same handler for the same reason.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with django_db_blocker.unblock():
            media = tmp_path_factory.mktemp("fuzz_media")
            with override_settings(MEDIA_ROOT=media), transaction.atomic():
                call_command("seed_demo", "--force", verbosity=0)
                yield
                transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def fuzz_schema(fuzz_world):
    """The schema as /api/schema/ serves it (with portal.api_schema's postprocessing hook)."""
    return schemathesis.openapi.from_wsgi("/api/schema/?format=json", get_wsgi_application())


def fuzz_excluded_checks() -> list:
    from schemathesis.checks import CHECKS, load_all_checks

    load_all_checks()
    return [CHECKS.get_one(name) for name in EXCLUDED_CHECK_NAMES if name in CHECKS.get_all_names()]


def fuzz_credentials(role: str) -> dict:
    """Credentials for ``role`` as call arguments: none, a signed-in session (with a CSRF pair), or a bearer
    token. No request goes through Django's test Client: it re-hooks the connection closing unhooked above."""
    if role == "anonymous":
        return {}
    if role == "bank_api_client":
        from portal.apiauth.services import token_issue
        from portal.management.demo import DEMO_API_CLIENT_ID, DEMO_API_CLIENT_SECRET

        token = token_issue(client_id=DEMO_API_CLIENT_ID, secret=DEMO_API_CLIENT_SECRET).access_token
        return {"headers": {"Authorization": f"Bearer {token}"}}
    from portal.accounts.models import User

    client = Client()  # force_login only writes the session (and its sign-in records); no request is made
    client.force_login(User.objects.get(username=SESSION_ROLES[role]))
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "headers": {"X-CSRFToken": CSRF_TOKEN},
        "cookies": {settings.SESSION_COOKIE_NAME: session, settings.CSRF_COOKIE_NAME: CSRF_TOKEN},
    }


def _fuzz_operation(operation, mode: GenerationMode, credentials: dict, excluded: list) -> str | None:
    """Run ``operation`` in ``mode``; the first failure's report, or None."""
    failures: list[str] = []

    @seed(SEED)
    @hypothesis_settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case):
        cache.clear()  # the per-IP throttles count in the cache; the fuzzer is one IP sending thousands
        if "cookies" in credentials and case.headers:
            # The schema offers a bearer token or a session; schemathesis fills in a random token for the
            # first, which the API rightly refuses (401) before it looks at the session under test.
            case.headers.pop("Authorization", None)
        try:
            case.call_and_validate(excluded_checks=excluded, **credentials)
        except (Exception, BaseExceptionGroup) as exc:  # a failure group or an app error: both are findings
            failures.append(f"{operation.label} [{mode.value}]\n{exc}")
            raise

    with contextlib.suppress(Exception, BaseExceptionGroup):  # the report is in failures
        run()
    return failures[-1] if failures else None


@pytest.mark.parametrize("role", ROLES)
def test_every_operation_survives_fuzzing_as(role, fuzz_schema):
    credentials = fuzz_credentials(role)
    if role != "anonymous":
        # Fuzzing as a role means nothing if its credentials are refused: every case would be a 401.
        inbox = fuzz_schema["/api/v1/notifications/"]["GET"].Case(query={})
        assert inbox.call(**credentials).status_code == 200, f"{role}'s credentials are refused"
    excluded = fuzz_excluded_checks()
    findings = []
    for result in fuzz_schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            finding = _fuzz_operation(operation, mode, credentials, excluded)
            if finding:
                findings.append(finding)
    assert not findings, f"{len(findings)} finding(s) as {role}:\n\n" + "\n\n".join(findings)
