"""The office enters a filing the parties brought to the window, then files it for them."""

import pytest
from django.urls import reverse

from pledges.models import PledgeRegistration, Status
from tests.pledges import factories_filing

_filing_media = factories_filing._filing_media
make_patent = factories_filing.make_patent

pytestmark = pytest.mark.django_db
URL = reverse("pledges:window_filing_new")


def _terms(asset, pledgee):
    return {
        "kind": "pledge",
        "ip_kind": "patent",
        "pledgee": pledgee.pk,
        "channel": "online",  # ignored: a window filing is a window filing
        "assets": [asset.pk],
        "debt_amount": "3000000.00",
        "debt_start": "2026-03-01",
        "debt_end": "2027-02-28",
    }


def test_commissioner_finds_the_pledgor_by_credit_code_and_saves_a_window_draft(
    client, commissioner, enterprise, bank_a_branch, make_patent
):
    asset = make_patent(enterprise)
    client.force_login(commissioner)
    found = client.get(URL, {"uscc": enterprise.uscc.lower()})
    assert found.status_code == 200 and enterprise.name in found.content.decode()

    response = client.post(f"{URL}?uscc={enterprise.uscc}", _terms(asset, bank_a_branch))
    registration = PledgeRegistration.objects.get(pledgor=enterprise)
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:registration_detail", args=[registration.pk])
    assert (registration.channel, registration.status, registration.pledgee) == (
        "window",
        Status.DRAFT,
        bank_a_branch,
    )


def test_unknown_or_malformed_credit_code_is_explained(client, commissioner):
    client.force_login(commissioner)
    unknown = client.get(URL, {"uscc": "91110108551385082Q"}, headers={"accept-language": "en"})
    assert "No enterprise with this credit code" in unknown.content.decode()
    malformed = client.get(URL, {"uscc": "9111010855138508"})
    assert malformed.context["lookup"].errors["uscc"]
    assert malformed.context["form"] is None


@pytest.mark.parametrize("persona", ["enterprise_user", "bank_a_officer", "reviewer"])
def test_only_the_office_enters_window_filings(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403
