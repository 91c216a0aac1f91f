"""The on-time figures page: who may see it, and that it shows the service's numbers."""

from datetime import date

import pytest
from django.urls import reverse

from pledges.models import PledgeRegistration
from tests.pledges import factories_filing

_filing_media = factories_filing._filing_media
make_draft = factories_filing.make_draft
make_patent = factories_filing.make_patent

pytestmark = pytest.mark.django_db
URL = reverse("pledges:on_time_stats")


def _completed(registration, *, breached):
    PledgeRegistration.objects.filter(pk=registration.pk).update(
        status="registered", completed_on=date(2026, 11, 2), due_date=date(2026, 11, 3), breached=breached
    )


def test_office_sees_on_time_rate_by_channel(client, commissioner, make_draft, make_patent, enterprise):
    _completed(make_draft(), breached=False)
    _completed(make_draft(assets=[make_patent(enterprise)]), breached=False)
    _completed(make_draft(assets=[make_patent(enterprise)]), breached=True)
    client.force_login(commissioner)
    response = client.get(URL, {"group_by": "channel"})
    assert response.status_code == 200
    [row] = response.context["rows"]
    assert (row["completed"], row["on_time"], row["late"]) == (3, 2, 1)
    assert "66.67%" in response.content.decode()


@pytest.mark.parametrize("persona", ["reviewer", "joint_office_viewer"])
def test_supervising_bodies_see_the_figures(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 200


@pytest.mark.parametrize("persona", ["enterprise_user", "bank_a_officer"])
def test_parties_do_not(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(URL).status_code == 403


def test_bad_filter_is_shown_not_a_crash(client, commissioner):
    client.force_login(commissioner)
    response = client.get(URL, {"group_by": "weather", "date_from": "not-a-date"})
    assert response.status_code == 200 and response.context["form"].errors
