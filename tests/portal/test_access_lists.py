"""Lists, searches, filters and exports are scoped before any filter (security.md check 2; DRF's
"Limitations of object level permissions"; API1, API3).

The attacking bank and enterprise of tests/portal/access_world.py own one loan between them, so a list that
is scoped shows exactly that loan; one that is not would show the demo's. Every list and export page they
may open and every API list is asked with filters aimed at the other side (its bank's id, its borrowers'
names and credit codes, its references, every status, big pages, the export formats), and the answer must
not carry a single reference or borrower name of the other side.
"""

import io
import itertools
from datetime import date

import openpyxl
import pytest
from django.urls import reverse

from loans.models import Classification, Loan, LoanStatus
from matchmaking.models import Demand
from pledges.models import PledgeRegistration
from portal.accounts.models import Organisation, OrgKind
from riskcomp.models import Claim
from subsidies.models import Application
from tests.portal.access_world import access_world_fixture  # noqa: F401 (provides the `world` fixture)
from tests.stats.page_world import disbursed_loan

# The list and export pages each attacker may open (tests/portal/test_access_routes.py: 200 on GET). The
# demand pool is left out on purpose: a demand an enterprise shares is offered to every bank by design.
BANK_LISTS = (
    "home",
    "notifications:inbox",
    "pledges:asset_list",
    "pledges:to_confirm",
    "loans:bank_product_list",
    "loans:application_queue",
    "loans:loan_list",
    "loans:import_list",
    "whitelist:delivery_list",
    "whitelist:feedback_overdue",
    "whitelist:recommendation_list",
    "subsidies:confirmation-list",
    "riskcomp:claim-list",
    "riskcomp:confirmation-list",
    "riskcomp:npl-ratios",
    "riskcomp:report",
    "riskcomp:report-excel",
    "matchmaking:claims",
    "ratings:to-give",
    "ratings:given",
    "ratings:follow-ups",
    "disposal:case-list",
    "disposal:my-bids",
    "training:mine",
)
ENTERPRISE_LISTS = (
    "home",
    "notifications:inbox",
    "pledges:asset_list",
    "pledges:my_filings",
    "loans:coaching_mine",
    "loans:request_list",
    "loans:loan_list",
    "subsidies:application-list",
    "matchmaking:demand-list",
    "ratings:to-give",
    "ratings:given",
    "disposal:my-bids",
    "training:mine",
)


@pytest.fixture
def own_loan(world, db):
    """The attackers' one loan: the attacking bank lends to the attacking enterprise."""
    return disbursed_loan(
        bank=world.attacker_bank,
        enterprise=world.attacker_enterprise,
        amount="800000.00",
        on=date(2026, 3, 2),
        actor=world.users["bank"],
    )


def _others(world, own_loan) -> dict[str, str]:
    """Marker text -> what it is, for everything of the other side a list could leak."""
    markers = {}
    for loan in Loan.objects.exclude(pk=own_loan.pk):
        markers[loan.reference] = f"loan {loan.pk}"
        markers[loan.bank_loan_ref] = f"loan {loan.pk} (bank reference)"
    for model in (PledgeRegistration, Application, Claim, Demand):
        for pk, reference in model.objects.values_list("pk", "reference"):
            markers[reference] = f"{model._meta.label} {pk}"
    for organisation in Organisation.objects.filter(kind=OrgKind.ENTERPRISE).exclude(
        pk=world.attacker_enterprise.pk
    ):
        markers[organisation.name] = f"enterprise {organisation.pk}"
    return {marker: what for marker, what in markers.items() if marker}


def _filters(world) -> list[dict]:
    """Query strings aimed at the other side, and a few that ask for everything at once."""
    owner_loan = world.objects["loan"]
    aimed = [
        {},
        {"bank": world.owner_branch.pk},
        {"bank": world.owner_bank.pk},
        {"bank_id": world.owner_branch.pk},
        {"enterprise": owner_loan.enterprise.uscc},
        {"enterprise": owner_loan.enterprise_id},
        {"search": owner_loan.reference},
        {"search": owner_loan.bank_loan_ref},
        {"search": owner_loan.enterprise.name[:4]},
        {"q": owner_loan.enterprise.name[:4]},
        {"search": world.objects["registration"].reference},
        {"page_size": 500, "page": 1},
        {"page": 2},
        {"format": "csv"},
        {"format": "xlsx"},
        {"export": "csv"},
        {"all": 1, "scope": "all"},
        {"ordering": "-bank"},
    ]
    statuses = {value for value, _label in itertools.chain(LoanStatus.choices, Classification.choices)}
    aimed += [{"status": status} for status in sorted(statuses)]
    return aimed


def _text(response) -> str:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        workbook = openpyxl.load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(cell) for cell in row if cell is not None)
            for sheet in workbook.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return body.decode("utf-8", errors="replace")


def _leaks(text: str, markers: dict[str, str]) -> list[str]:
    return [f"{what} ({marker})" for marker, what in markers.items() if marker in text]


@pytest.mark.parametrize(
    ("persona", "route"), [("bank", r) for r in BANK_LISTS] + [("ent", r) for r in ENTERPRISE_LISTS]
)
def test_a_list_page_shows_nothing_of_another_organisation_whatever_the_filter(
    world, own_loan, persona, route
):
    client = world.clients[persona]
    markers = _others(world, own_loan)
    problems = []
    for query in _filters(world):
        response = client.get(reverse(route), query)
        if response.status_code != 200:
            continue  # a filter the page refuses (400) or a format it does not offer (404) leaks nothing
        text = _text(response)
        for value in query.values():
            text = text.replace(str(value), "")  # the page echoes the search box; that is not a leak
        leaks = _leaks(text, markers)
        if leaks:
            problems.append(f"{route}?{query}: {leaks}")
    assert not problems, "\n".join(problems)


def test_the_loan_list_page_still_shows_the_callers_own_loan(world, own_loan):
    """The guard against a vacuous pass: the scoped list is not simply empty."""
    for persona in ("bank", "ent"):
        assert own_loan.reference in _text(world.clients[persona].get(reverse("loans:loan_list")))


# --- The API's lists ------------------------------------------------------------------------------------


def _api_results(client, url, query) -> list[dict] | None:
    response = client.get(url, query, HTTP_ACCEPT="application/json")
    if response.status_code in (400, 404):
        return None  # a malformed filter, or a format the API does not render, is refused before any row
    assert response.status_code == 200, (url, query, response.status_code)
    return response.json()["results"]


@pytest.mark.parametrize("persona", ["bank", "ent"])
def test_the_loans_api_lists_only_the_callers_loans_whatever_the_filter(world, own_loan, persona):
    client = world.clients[persona]
    assert [row["id"] for row in _api_results(client, "/api/v1/loans/", {})] == [own_loan.pk]
    problems = []
    for query in [*_filters(world), {"bank_loan_ref": world.objects["loan"].bank_loan_ref}]:
        results = _api_results(client, "/api/v1/loans/", query)
        if results is not None and {row["id"] for row in results} - {own_loan.pk}:
            problems.append(f"{query}: {sorted(row['id'] for row in results)}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("persona", "url"),
    [
        ("bank", "/api/v1/registrations/"),
        ("ent", "/api/v1/registrations/"),
        ("bank", "/api/v1/whitelist/deliveries/"),
        ("bank", "/api/v1/whitelist/recommendations/"),
        ("ent", "/api/v1/whitelist/recommendations/"),
    ],
)
def test_an_api_list_of_organisations_that_own_nothing_is_empty_whatever_the_filter(
    world, own_loan, persona, url
):
    client = world.clients[persona]
    extra = (
        [
            {"status": status}
            for status in (
                "draft",
                "awaiting_pledgee",
                "submitted",
                "registered",
                "pending",
                "accepted",
                "declined",
            )
        ]
        + [{"acknowledged": flag} for flag in ("true", "false")]
        + [{"since": "2000-01-01T00:00:00Z"}]
    )
    problems = []
    for query in _filters(world) + extra:
        results = _api_results(client, url, query)
        if results:
            problems.append(f"{query}: {[row.get('id') for row in results]}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", ["bank", "ent"])
def test_the_notifications_api_lists_only_the_callers_notices(world, own_loan, persona):
    from portal.notifications.models import Notification

    user = world.users[persona]
    own = set(Notification.objects.filter(recipient=user).values_list("pk", flat=True))
    for query in ({}, {"unread": "true"}, {"limit": 500}):
        results = _api_results(world.clients[persona], "/api/v1/notifications/", query)
        assert {row["id"] for row in results or []} <= own, query
