"""The funnel on a small known data set, per bank and per park, for each reader's scope."""

from datetime import timedelta

import pytest
from django.utils import timezone

from matchmaking.funnel import COLUMNS, funnel
from matchmaking.models import Demand
from matchmaking.services import demands
from tests.matchmaking.factories import D, posted

pytestmark = pytest.mark.django_db


def _counts(row) -> dict:
    return dict(zip(COLUMNS, row.cells(), strict=True))


def _park_label(enterprise) -> str:
    park = enterprise.enterprise_profile.park
    return park.name if park else "Not in a park"


@pytest.fixture
def data(enterprise_user, outsider, bank_a, bank_a_officer, bank_b_officer):
    today = timezone.localdate()
    # 1: preferred bank A; A claims, contacts, grants credit, then the loan.
    n1 = posted(enterprise_user, preferred_banks=[bank_a])
    demands.demand_claim(demand=n1, actor=bank_a_officer)
    demands.contact_log(
        demand=n1, actor=bank_a_officer, values={"contacted_on": today, "channel": "visit", "summary": "走访"}
    )
    demands.demand_outcome(
        demand=n1, actor=bank_a_officer, outcome="credit_granted", values={"credit_amount": D("1000000")}
    )
    demands.demand_outcome(demand=n1, actor=bank_a_officer, outcome="loan", values={})
    # 2: A claims and never calls (released), then B claims and declines.
    n2 = posted(enterprise_user)
    claim = demands.demand_claim(demand=n2, actor=bank_a_officer)
    assert demands.demand_sweep(today=claim.claim_until + timedelta(days=1))["released"] == 1
    demands.demand_claim(demand=Demand.objects.get(pk=n2.pk), actor=bank_b_officer)
    demands.demand_outcome(
        demand=n2, actor=bank_b_officer, outcome="declined", values={"decline_reason": "financials"}
    )
    # 3: another enterprise's need expires unclaimed; 4: one posted before the period.
    n3 = posted(outsider)
    Demand.objects.filter(pk=n3.pk).update(expires_on=today - timedelta(days=1))
    assert demands.demand_sweep()["expired"] == 1
    n4 = posted(outsider)
    Demand.objects.filter(pk=n4.pk).update(posted_on=today - timedelta(days=40))
    return today


def test_oversight_sees_every_bank_and_park(
    data, joint_office_viewer, enterprise, other_enterprise, bank_a, bank_b
):
    result = funnel(user=joint_office_viewer, start=data - timedelta(days=30), end=data)
    banks = {row.label: _counts(row) for row in result.banks}
    assert banks[bank_a.name] == {
        "posted": 1, "claimed": 2, "contacted": 1, "credit_granted": 1,
        "loans": 1, "declined": 0, "expired": 0, "released": 1,
    }  # fmt: skip
    assert banks[bank_b.name] == {
        "posted": 0, "claimed": 1, "contacted": 0, "credit_granted": 0,
        "loans": 0, "declined": 1, "expired": 0, "released": 0,
    }  # fmt: skip
    parks = {row.label: _counts(row) for row in result.parks}
    assert parks[_park_label(enterprise)] == {
        "posted": 2, "claimed": 2, "contacted": 1, "credit_granted": 1,
        "loans": 1, "declined": 1, "expired": 0, "released": 1,
    }  # fmt: skip
    assert (
        parks[_park_label(other_enterprise)]["posted"] == 1
    )  # the need posted before the period is left out
    assert parks[_park_label(other_enterprise)]["expired"] == 1
    assert _counts(result.park_total)["posted"] == 3
    everything = funnel(user=joint_office_viewer)
    assert _counts(everything.park_total)["posted"] == 4


def test_source_filter(data, joint_office_viewer):
    assert _counts(funnel(user=joint_office_viewer, source="event").park_total)["posted"] == 0
    assert _counts(funnel(user=joint_office_viewer, source="enterprise").park_total)["posted"] == 4


def test_bank_manager_sees_only_its_own_bank(data, bank_a_manager, bank_a):
    result = funnel(user=bank_a_manager)
    assert [row.label for row in result.banks] == [bank_a.name] and not result.show_parks
    assert _counts(result.banks[0])["claimed"] == 2


def test_park_admin_sees_its_district_only(data, park_admin, enterprise):
    result = funnel(user=park_admin)
    assert [row.label for row in result.parks] == [_park_label(enterprise)]
    assert _counts(result.park_total)["posted"] == 2
