"""Satisfaction on the dashboards: ratings of closed cases counted once per case, by the current rating.

Three cases, worked by hand:
- R1, a registration rated 5 on 3 September;
- R2, a registration rated 1 on 10 September, called back and put right, rated 4 again on 12 October;
- A1, a loan application declined by bank A's branch, rated 2 on 20 October.
September holds R1 only (R2's first rating is replaced); October holds R2 (satisfied) and A1 (bad).
"""

from decimal import Decimal

import pytest

from ratings import services
from stats.dims import Filters, Period
from stats.figures import LiveSource, SnapshotSource, build
from stats.rollup import refresh
from tests.ratings.conftest import (  # noqa: F401  (fixtures)
    _application_settings,
    bank_b_manager,
    loan_invitation,
    make_asset,
    make_request,
    patent,
    product_a,
    product_b,
    staff_of,
    threshold,
    walk,
)
from tests.ratings.factories import invite, rate, registered_case
from tests.stats.conftest import frozen

pytestmark = pytest.mark.django_db
D = Decimal
SLUGS = ("satisfaction_rate", "ratings_received", "bad_ratings")


def figures(overview) -> tuple:
    leagues = {dim: [(row.key, row.values) for row in rows] for dim, rows in overview.leagues.items()}
    return overview.values, overview.trend, leagues


def values(period: str, **cut) -> tuple:
    overview = build(LiveSource(), Period.parse(period), Filters(**cut))
    return tuple(overview.values[slug] for slug in SLUGS)


@pytest.fixture
def rated(request, enterprise, other_enterprise, bank_a_branch, commissioner, enterprise_user, make_user):
    from portal.accounts.models import Role

    declined = request.getfixturevalue("loan_invitation")

    other_user = make_user("other-rater", other_enterprise, Role.ENTERPRISE_USER)
    with frozen("2026-09-03"):
        r1 = invite(
            registered_case(
                pledgor=enterprise, pledgee=bank_a_branch, commissioner=commissioner, actor=enterprise_user
            )
        )
        rate(r1, enterprise_user, 5)
    with frozen("2026-09-10"):
        r2 = invite(
            registered_case(
                pledgor=other_enterprise, pledgee=bank_a_branch, commissioner=commissioner, actor=other_user
            )
        )
        rate(r2, other_user, 1)
    with frozen("2026-09-11"):
        for follow_up in r2.follow_ups.order_by("pk"):
            services.follow_up_complete(follow_up=follow_up, actor=commissioner, note="已回访并整改")
    with frozen("2026-10-12"):
        rate(r2, other_user, 4)
    with frozen("2026-10-20"):
        rate(declined, enterprise_user, 2)
    return r1, r2, declined


def test_satisfaction_rate_cases_rated_and_bad_ratings_by_the_current_rating(rated, bank_a):
    assert values("2026-09") == (D("100.0"), 1, 0)
    assert values("2026-10") == (D("50.0"), 2, 1)
    assert values("2026-Q4") == (D("50.0"), 2, 1)
    rate_2026 = values("2026")
    assert rate_2026[1:] == (3, 1)
    assert rate_2026[0] == pytest.approx(D("66.7"), abs=D("0.1"))
    # The bank cut holds the case bank A's branch handled (head office A), not the registrations.
    assert values("2026", bank=bank_a.pk) == (D("0.0"), 1, 1)


def test_the_snapshot_holds_the_same_satisfaction_figures_as_the_live_computation(rated, bank_a):
    snapshot = refresh(trigger="test")
    for period in ("2026", "2026-09", "2026-10"):
        for cut in ({}, {"bank": bank_a.pk}):
            from_snapshot = build(SnapshotSource(snapshot), Period.parse(period), Filters(**cut))
            live = build(LiveSource(), Period.parse(period), Filters(**cut))
            assert figures(from_snapshot) == figures(live), (period, cut)


def test_the_bad_ratings_drill_down_lists_the_case_with_its_score(rated, client, joint_office_viewer):
    from django.urls import reverse

    client.force_login(joint_office_viewer)
    page = client.get(
        reverse("stats:cases"), {"period": "2026-10", "indicator": "bad_ratings"}, HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    assert page.count('data-testid="case-row"') == 1
    assert rated[2].reference in page and "2 points" in page
