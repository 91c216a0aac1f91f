"""A mixed workload for the portal (issue 10, "Load and hostile input"), run by ``python -m ops.load``.

Locust patches the standard library with gevent on import, so this file only ever runs inside locust's own
process, never imported by pytest or the portal. ``ops.load`` prepares the world and hands it over in the
JSON file named by LOAD_PLAN: session cookies per persona, the bank API client's credentials, the loans to
report facts on and the enterprise's application data. Every loan-fact POST that was answered, and with
what, is appended to LOAD_WRITES (JSON lines) so ``ops.load`` can count lost and duplicated writes.
"""

import json
import os
import secrets
import uuid
from datetime import date

from locust import HttpUser, between, events, task

PLAN = json.loads(open(os.environ["LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
WRITES = open(os.environ["LOAD_WRITES"], "a", encoding="utf-8", buffering=1)  # noqa: SIM115


def _log_write(record: dict) -> None:
    WRITES.write(json.dumps(record) + "\n")


@events.request.add_listener
def _count_server_errors(request_type, name, response=None, **kwargs):
    """Every 5xx, whatever the task thought of it, is logged for ops.load to count."""
    status = getattr(response, "status_code", 0) or 0
    if status >= 500:
        _log_write({"kind": "5xx", "method": request_type, "name": name, "status": status})


class _SessionUser(HttpUser):
    """A signed-in person: the session cookie ``ops.load`` created, and a CSRF pair for forms."""

    abstract = True
    wait_time = between(0.2, 1.0)
    persona = ""

    def on_start(self):
        cookies = PLAN["sessions"][self.persona]
        self.client.cookies.set(PLAN["session_cookie"], cookies)
        self.client.cookies.set(PLAN["csrf_cookie"], PLAN["csrf_token"])
        self.client.headers["Accept-Language"] = "zh-hans"

    def page(self, path: str, name: str | None = None):
        with self.client.get(path, name=name or path, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class EnterpriseUser(_SessionUser):
    weight = 3
    persona = "enterprise"

    @task(5)
    def browse(self):
        self.page(secrets.choice(PLAN["pages"]["enterprise"]))

    @task(1)
    def apply(self):
        """The loan application form: a 302 to the new request, or a 400 when the rules refuse it."""
        apply = PLAN["apply"]
        data = {
            "csrfmiddlewaretoken": PLAN["csrf_token"],
            "products": apply["products"],
            "assets": apply["assets"],
            "amount": "1000000.00",
            "term_months": "12",
            "purpose": f"load {uuid.uuid4().hex}",
        }
        with self.client.post(
            apply["path"], data=data, allow_redirects=False, catch_response=True, name="apply"
        ) as response:
            if response.status_code == 302:
                _log_write({"kind": "apply", "status": 302, "purpose": data["purpose"]})
            elif response.status_code != 400:
                response.failure(f"{response.status_code}")


class BankOfficer(_SessionUser):
    weight = 3
    persona = "bank_officer"

    @task
    def work_queue(self):
        self.page(secrets.choice(PLAN["pages"]["bank_officer"]))


class Reviewer(_SessionUser):
    weight = 1
    persona = "reviewer"

    @task
    def read_lists(self):
        self.page(secrets.choice(PLAN["pages"]["reviewer"]))


class BankApiClient(HttpUser):
    """The bank's core system: a bearer token, then loan listings and interest facts with an
    Idempotency-Key; now and then a retry of an answered key, which must change nothing."""

    weight = 3
    wait_time = between(0.1, 0.5)

    def on_start(self):
        response = self.client.post(
            "/api/v1/oauth/token/",
            data={
                "grant_type": "client_credentials",
                "client_id": PLAN["api_client"]["client_id"],
                "client_secret": PLAN["api_client"]["client_secret"],
            },
            name="oauth token",
        )
        self.client.headers["Authorization"] = f"Bearer {response.json()['access_token']}"
        self.answered: list[tuple[str, int, dict]] = []

    @task(4)
    def list_loans(self):
        self.client.get("/api/v1/loans/", name="/api/v1/loans/")

    @task(1)
    def loan_facts(self):
        loan = secrets.choice(PLAN["loans"])
        self.client.get(f"/api/v1/loans/{loan}/facts/", name="/api/v1/loans/{id}/facts/")

    @task(3)
    def report_interest(self):
        loan = secrets.choice(PLAN["loans"])
        key = uuid.uuid4().hex
        body = {
            "kind": "interest",
            "occurred_on": date.fromisoformat(PLAN["fact_date"]).isoformat(),
            "amount": "12.34",
            "note": f"load {PLAN['run']} {key}",
        }
        self._post_fact(loan, key, body, replay=False)

    @task(1)
    def retry_answered(self):
        if self.answered:
            key, loan, body = secrets.choice(self.answered)
            self._post_fact(loan, key, body, replay=True)

    def _post_fact(self, loan: int, key: str, body: dict, *, replay: bool) -> None:
        _log_write({"kind": "fact_sent", "key": key})  # before sending: a write may land unanswered
        with self.client.post(
            f"/api/v1/loans/{loan}/facts/",
            json=body,
            headers={"Idempotency-Key": key},
            name="/api/v1/loans/{id}/facts/ (retry)" if replay else "/api/v1/loans/{id}/facts/ (report)",
            catch_response=True,
        ) as response:
            record = {
                "kind": "fact",
                "key": key,
                "loan": loan,
                "status": response.status_code,
                "replay": replay,
            }
            if response.status_code == 201:
                record["fact"] = response.json()["fact"]["id"]
                record["replayed_header"] = response.headers.get("Idempotent-Replayed", "")
                if not replay:
                    self.answered.append((key, loan, body))
            elif response.status_code != 409:  # 409: the first request with this key is still running
                response.failure(f"{response.status_code}: {response.text[:200]}")
            _log_write(record)
