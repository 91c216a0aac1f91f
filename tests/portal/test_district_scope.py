"""Government district scope, dashboards included (security.md check 5; issue 10; ASVS 8.2.2, 8.4.1).

A park or district administration (Role.PARK_ADMIN of an organisation of kind park_admin with a district) sees
its own district only; the city-level roles (the joint-meeting office, the IP bureau) see the whole city.

What a park administration can reach (every page route of the URLconf and every operation of the API schema,
as listed by tests/portal/test_access_routes.py, called with GET as a park administrator):

- the statistics dashboard, its Excel export, its drill-down lists and their background Excel export
  (stats.permissions.stats_scope forces the district);
- the financing needs of its district, one need, the demand pool funnel (matchmaking.selectors.demand_scope);
- its own events, training programmes and notifications (its own organisation's objects, not a district's);
- the API lists of loans and registrations, which answer it with nothing (loans.selectors.loan_scope,
  pledges.selectors.registration_scope: a park administration follows no loan or registration case), and no
  subsidy, compensation, whitelist or rating page at all (403 before any object is read).

The world: two districts (A Haidian, B Changping), one enterprise in each, in a park of its own district;
loans at two banks in both districts (disbursed, repaid, one non-performing); pledge registrations moved by
the registration workflow; subsidy applications submitted, reviewed and approved through the subsidy
services; a compensation claim on the district-B borrower's loan, rejected and rated by its bank (seated in
district A), and a district-A registration rated by its enterprise; a financing need in each district claimed
by a bank; and a statistics snapshot computed by the stats refresh. Every figure a district administration reads must equal the figure computed from its
district's rows only, by hand from the base tables and by the live computation over the district's rows;
the city-level viewer reads the sum of both.
"""

import io
import json
from collections import defaultdict
from datetime import date
from decimal import Decimal
from types import SimpleNamespace

import openpyxl
import pytest
from django.db import transaction
from django.db.models import Q, Sum
from django.test import Client, override_settings
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from loans.models import Classification, FactKind, Loan, LoanFact
from matchmaking.models import Demand
from matchmaking.services import demands as demand_services
from pledges.models import PledgeRegistration, RegistrationKind
from pledges.models import Status as RegistrationStatus
from portal.accounts.models import District, Industry, OrgKind, Park, Role
from portal.accounts.services import enterprise_create, organisation_create, user_create
from portal.policy.models import Channel, IpKind
from ratings.models import Rating, SubjectKind
from ratings.services import invitation_open, rating_submit
from riskcomp import review as riskcomp_review
from riskcomp.models import Claim
from stats import rollup
from stats.cases import case_ids
from stats.dims import Dim, Filters, Period
from stats.figures import LEAGUE_COLUMNS, LiveSource, SnapshotSource, build, overview_for, percent
from stats.indicators import BY_SLUG, INDICATORS
from stats.models import Export, ExportStatus
from stats.permissions import Scope, stats_scope
from subsidies import review
from subsidies.models import Application
from tests.conftest import PASSWORD, make_uscc
from tests.matchmaking.factories import posted
from tests.riskcomp.factories import fund, make_npl_loan, submitted
from tests.stats.conftest import (
    accept_and_review,
    case_in_precheck,
    disburse,
    fact,
    make_loan,
    move,
    register,
)
from tests.subsidies.factories import make_batch, make_settled_loan, proposed_application

A, B = District.HAIDIAN.value, District.CHANGPING.value
D = Decimal
PERIODS = ("2025", "2026")
APPROVED = ("approved", "publicity", "publicised", "payment_listed", "paid")
NON_PERFORMING = ("substandard", "doubtful", "loss")
ACTIVE = ("disbursed", "repaying", "overdue", "non_performing")


# ---------------------------------------------------------------------------------------------------------
# The world
# ---------------------------------------------------------------------------------------------------------


def _user(username, organisation, role):
    return user_create(
        username=username,
        password=PASSWORD,
        full_name=username,
        email=f"{username}@example.com",
        organisation=organisation,
        role=role,
    )


def _enterprise(name, district):
    return enterprise_create(
        name=name,
        uscc=make_uscc(district),
        district=district,
        contact_name="张经理",
        park=Park.objects.filter(district=district, is_active=True).order_by("pk").first(),
        industry=Industry.INTEGRATED_CIRCUITS if district == A else Industry.HEALTH,
    )


def build_world() -> SimpleNamespace:
    w = SimpleNamespace()
    # Government: a park administration per district, the city-level joint office and IP bureau, the window.
    park_a = organisation_create(name="区测试海淀园管委会", kind=OrgKind.PARK_ADMIN, district=A)
    park_b = organisation_create(name="区测试昌平园管委会", kind=OrgKind.PARK_ADMIN, district=B)
    joint = organisation_create(name="区测试联席会办公室", kind=OrgKind.JOINT_OFFICE)
    bureau = organisation_create(name="区测试知识产权局", kind=OrgKind.IP_BUREAU)
    office = organisation_create(name="区测试登记窗口", kind=OrgKind.REGISTRATION_OFFICE)
    w.users = {
        "park_a": _user("ds_park_a", park_a, Role.PARK_ADMIN),
        "park_b": _user("ds_park_b", park_b, Role.PARK_ADMIN),
        "joint": _user("ds_joint", joint, Role.JOINT_OFFICE_VIEWER),
        "reviewer": _user("ds_reviewer", bureau, Role.REVIEWER),
    }
    second_reviewer = _user("ds_reviewer2", bureau, Role.REVIEWER)
    commissioner = _user("ds_commissioner", office, Role.COMMISSIONER)

    # Two banks, one officer each; one enterprise per district, each with a user.
    bank1 = organisation_create(name="区测试第一银行", kind=OrgKind.BANK, uscc=make_uscc(A), district=A)
    bank2 = organisation_create(name="区测试第二银行", kind=OrgKind.BANK, uscc=make_uscc(B), district=B)
    officer1 = _user("ds_bank1", bank1, Role.BANK_OFFICER)
    officer2 = _user("ds_bank2", bank2, Role.BANK_OFFICER)
    w.enterprise = {
        A: _enterprise("北京区测试海淀芯片有限公司", A),
        B: _enterprise("北京区测试昌平医药有限公司", B),
    }
    w.enterprise_user = {
        A: _user("ds_ent_a", w.enterprise[A], Role.ENTERPRISE_USER),
        B: _user("ds_ent_b", w.enterprise[B], Role.ENTERPRISE_USER),
    }
    ent_a, ent_b = w.enterprise[A], w.enterprise[B]

    # Pledge registrations through the registration workflow (one on time, one late, one refused).
    def case(pledgor, pledgee, ip_kind, debt):
        return case_in_precheck(
            pledgor=pledgor,
            pledgee=pledgee,
            ip_kind=ip_kind,
            channel=Channel.WINDOW,
            commissioner=commissioner,
            debt=debt,
            actor=commissioner,
        )

    ra = case(ent_a, bank1, IpKind.PATENT, "1200000.00")
    accept_and_review(ra, commissioner, "2026-03-02")
    ra = register(ra, commissioner, "2026-03-05")
    rb = case(ent_b, bank2, IpKind.TRADEMARK, "800000.00")
    accept_and_review(rb, commissioner, "2026-03-10")
    rb = register(rb, commissioner, "2026-03-17")
    rb2 = case(ent_b, bank1, IpKind.PATENT, "400000.00")
    accept_and_review(rb2, commissioner, "2026-04-01")
    rb2 = move(
        rb2,
        RegistrationStatus.REFUSED,
        commissioner,
        "2026-04-03",
        details={"refusal_reasons": ["annual_fee_unpaid"]},
    )
    w.registrations = {A: [ra], B: [rb, rb2]}

    # Loans at both banks in both districts, reported through the loan services.
    la1 = make_loan(
        bank=bank1,
        enterprise=ent_a,
        actor=officer1,
        signed_on=date(2026, 3, 6),
        principal="1200000.00",
        registrations=[ra],
    )
    disburse(la1, officer1, date(2026, 3, 10), "1000000.00")
    disburse(la1, officer1, date(2026, 4, 10), "200000.00")
    fact(la1, officer1, FactKind.REPAYMENT, date(2026, 6, 30), "150000.00")
    la2 = make_loan(
        bank=bank2, enterprise=ent_a, actor=officer2, signed_on=date(2025, 11, 1), principal="500000.00"
    )
    disburse(la2, officer2, date(2025, 11, 5), "500000.00")
    lb1 = make_loan(
        bank=bank2,
        enterprise=ent_b,
        actor=officer2,
        signed_on=date(2026, 3, 18),
        principal="800000.00",
        registrations=[rb],
    )
    disburse(lb1, officer2, date(2026, 3, 20), "800000.00")
    fact(lb1, officer2, FactKind.CLASSIFICATION, date(2026, 9, 1), classification=Classification.SUBSTANDARD)
    lb2 = make_loan(
        bank=bank1, enterprise=ent_b, actor=officer1, signed_on=date(2026, 5, 20), principal="300000.00"
    )
    disburse(lb2, officer1, date(2026, 6, 1), "300000.00")
    fact(lb2, officer1, FactKind.REPAYMENT, date(2026, 8, 1), "50000.00")

    # Subsidy applications through the subsidy services: settled 2025 loans, submitted, proposed, approved.
    batch = make_batch(w.users["reviewer"])
    sa = make_settled_loan(bank=bank1, enterprise=ent_a, actor=officer1, contract="HT-DS-A")
    sb = make_settled_loan(
        bank=bank2,
        enterprise=ent_b,
        actor=officer2,
        contract="HT-DS-B",
        principal=D("2000000.00"),
        disbursed_amount=D("2000000.00"),
        principal_repaid=D("2000000.00"),
        interest_paid=D("70000.00"),
    )
    w.applications = {}
    for district, loan in ((A, sa), (B, sb)):
        application = proposed_application(batch, w.enterprise_user[district], loan, w.users["reviewer"])
        review.review_decide(application=application, actor=second_reviewer, approve=True)
        w.applications[district] = Application.objects.get(pk=application.pk)
    w.loans = {A: [la1, la2, sa], B: [lb1, lb2, sb]}

    # A compensation claim of bank 1 (registered in district A) on its non-performing loan to the district-B
    # enterprise, rejected through the review; the bank rates the service (a bad rating).
    fund()
    npl = make_npl_loan(bank=bank1, enterprise=ent_b, actor=officer1)
    claim = submitted(npl, officer1)
    riskcomp_review.review_start(claim=claim, actor=w.users["reviewer"])
    riskcomp_review.review_propose(
        claim=claim, actor=w.users["reviewer"], outcome=riskcomp_review.REJECT, reason="回收材料不全"
    )
    w.claim = riskcomp_review.review_decide(claim=claim, actor=second_reviewer, approve=True)
    w.loans[B].append(npl)
    bad = {"score": 2, "timeliness": 2, "helpfulness": 2, "clarity": 2, "comment": "审核周期过长"}
    rating_submit(
        invitation=invitation_open(kind=SubjectKind.COMPENSATION, subject_id=w.claim.pk),
        actor=officer1,
        values=bad,
    )
    # The district-A enterprise rates its registration (a good rating).
    good = {"score": 5, "timeliness": 5, "helpfulness": 4, "clarity": 5}
    rating_submit(
        invitation=invitation_open(kind=SubjectKind.REGISTRATION, subject_id=ra.pk),
        actor=w.enterprise_user[A],
        values=good,
    )

    # A financing need in each district, both claimed by bank 1.
    w.demands = {}
    for district in (A, B):
        need = posted(w.enterprise_user[district])
        demand_services.demand_claim(demand=need, actor=officer1)
        w.demands[district] = Demand.objects.get(pk=need.pk)

    w.snapshot = rollup.refresh(trigger="test")
    return w


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    """Built once for the module inside a transaction rolled back at its end; each test runs in a savepoint."""
    from django.core.cache import cache
    from django.utils import translation

    from portal.celery import app as celery_app
    from portal.workdays.services import calendar_forget_local

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    media = tmp_path_factory.mktemp("district_media")
    with override_settings(MEDIA_ROOT=media), django_db_blocker.unblock():
        cache.clear()
        calendar_forget_local()
        with transaction.atomic():
            try:
                with translation.override("en"):
                    built = build_world()
                yield built
            finally:
                celery_app.conf.task_always_eager = eager
                transaction.set_rollback(True)
        cache.clear()
        calendar_forget_local()


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _other(district: str) -> str:
    return B if district == A else A


PARK = {A: "park_a", B: "park_b"}


# ---------------------------------------------------------------------------------------------------------
# The figures a district must read, computed by hand from its own rows
# ---------------------------------------------------------------------------------------------------------


def _in(district: str | None, field: str) -> Q:
    return Q(**{field: district}) if district else Q()


def _local_year(moment) -> int:
    return timezone.localtime(moment).year


def expected_figures(district: str | None, year: int) -> dict:
    """Headline figures for the year, straight from the base tables (``None``: the whole city)."""
    loans = Loan.objects.filter(_in(district, "enterprise__district"), disbursed_on__year=year)
    facts = LoanFact.objects.filter(
        _in(district, "loan__enterprise__district"), occurred_on__lte=date(year, 12, 31)
    )

    def facts_sum(*kinds):
        return facts.filter(kind__in=kinds).aggregate(s=Sum("amount"))["s"] or D(0)

    registrations = PledgeRegistration.objects.filter(
        _in(district, "pledgor__district"), kind=RegistrationKind.PLEDGE, completed_on__year=year
    )
    registered = registrations.exclude(status=RegistrationStatus.REFUSED).filter(registered_on__isnull=False)
    deadlines = registrations.filter(due_date__isnull=False)
    on_time = sum(1 for r in deadlines if r.completed_on <= r.due_date)
    applications = Application.objects.filter(_in(district, "enterprise__district"))
    submitted = [a for a in applications if a.submitted_at and _local_year(a.submitted_at) == year]
    approved = [
        a
        for a in applications
        if a.status in APPROVED
        and a.approved_amount is not None
        and a.decided_at
        and _local_year(a.decided_at) == year
    ]
    active = Loan.objects.filter(_in(district, "enterprise__district"), status__in=ACTIVE)
    outstanding = sum((loan.disbursed_amount - loan.principal_repaid for loan in active), D(0))
    npl = sum(
        (
            loan.disbursed_amount - loan.principal_repaid
            for loan in active
            if loan.classification in NON_PERFORMING
        ),
        D(0),
    )
    ratings = [
        rating
        for rating in Rating.objects.filter(is_current=True).select_related("invitation")
        if _local_year(rating.submitted_at) == year
        and (district is None or _rated_district(rating.invitation) == district)
    ]
    claims = [
        claim
        for claim in Claim.objects.filter(
            _in(district, "loan__enterprise__district"), submitted_at__isnull=False
        )
        if _local_year(claim.submitted_at) == year
    ]
    return {
        "ratings_received": len(ratings),
        "bad_ratings": sum(1 for rating in ratings if rating.score <= 2),
        "compensation_claimed": sum((claim.total for claim in claims), D("0.00")),
        "loans_disbursed": loans.count(),
        "amount_disbursed": (loans.aggregate(s=Sum("disbursed_amount"))["s"] or D(0)).quantize(D("0.01")),
        "enterprises_served": loans.values("enterprise").distinct().count(),
        "balance": (
            facts_sum(FactKind.DISBURSEMENT) - facts_sum(FactKind.REPAYMENT, FactKind.SETTLEMENT)
        ).quantize(D("0.01")),
        "registrations_completed": registrations.count(),
        "registrations_on_time": percent(on_time, deadlines.count()),
        "registered_amount": (registered.aggregate(s=Sum("debt_amount"))["s"] or D(0)).quantize(D("0.01")),
        "subsidies_applied": sum((a.calculated for a in submitted), D("0.00")),
        "subsidies_approved": sum((a.approved_amount for a in approved), D("0.00")),
        "npl_ratio": percent(npl, outstanding),
    }


def _rated_district(invitation) -> str:
    """The district of the enterprise a rated case is about: the pledgor of a registration, the borrower of a
    compensation claim's loan (the claim is rated by its bank), the applicant otherwise."""
    if invitation.subject_kind == SubjectKind.REGISTRATION:
        return PledgeRegistration.objects.get(pk=invitation.subject_id).pledgor.district
    if invitation.subject_kind == SubjectKind.COMPENSATION:
        return Claim.objects.get(pk=invitation.subject_id).loan.enterprise.district
    return invitation.rater_org.district


def _overview(world, persona: str, period: str):
    return overview_for(
        SnapshotSource(world.snapshot), stats_scope(world.users[persona]), Period.parse(period), Filters()
    )


def _years():
    return sorted({*(int(p) for p in PERIODS), timezone.localdate().year})


# ---------------------------------------------------------------------------------------------------------
# Dashboards: figures, league tables, trends
# ---------------------------------------------------------------------------------------------------------


def test_the_scopes_are_the_district_for_a_park_administration_and_the_city_otherwise(world, db):
    assert stats_scope(world.users["park_a"]) == Scope(forced=((Dim.DISTRICT, A),))
    assert stats_scope(world.users["park_b"]) == Scope(forced=((Dim.DISTRICT, B),))
    assert stats_scope(world.users["joint"]) == Scope()
    assert stats_scope(world.users["reviewer"]) == Scope()


@pytest.mark.parametrize("district", [A, B])
def test_a_districts_dashboard_figures_equal_those_of_its_own_rows(world, db, district):
    for year in _years():
        overview = _overview(world, PARK[district], str(year))
        assert overview.filters.district == district
        want = expected_figures(district, year)
        got = {slug: overview.values.get(slug) for slug in want}
        assert got == want, f"{district} {year}"
        # Nothing the district cannot be cut by (the subsidy budget is the city's) is shown to it.
        assert "subsidy_budget" not in overview.values


@pytest.mark.parametrize("district", [A, B])
def test_a_districts_dashboard_is_the_live_computation_over_its_rows_only(world, db, district):
    """The snapshot's figures, trends and bank league for the district equal the live computation whose stage
    reads the district's rows only (the filter sits in the stage's WHERE clause)."""
    for year in _years():
        period = Period("Y", year)
        shown = _overview(world, PARK[district], str(year))
        live = build(LiveSource(), period, Filters(district=district))
        assert shown.values == live.values
        assert shown.trend == live.trend
        assert set(shown.leagues) == {Dim.BANK}  # no league of the other districts
        assert _league(shown, Dim.BANK) == _league(live, Dim.BANK)


def _league(overview, dim) -> dict:
    return {row.key: row.values for row in overview.leagues.get(dim, [])}


def _additive(slug: str) -> bool:
    indicator = BY_SLUG[slug]
    return indicator.value[0] in ("sum", "balance")


@pytest.mark.parametrize("persona", ["joint", "reviewer"])
def test_the_city_sees_the_sum_of_both_districts(world, db, persona):
    for year in _years():
        city = _overview(world, persona, str(year))
        a, b = _overview(world, "park_a", str(year)), _overview(world, "park_b", str(year))
        assert city.filters == Filters()
        for slug, value in city.values.items():
            if slug in a.values and _additive(slug):
                assert value == a.values[slug] + b.values[slug], f"{slug} {year}"
        for slug in ("loans_disbursed", "amount_disbursed", "registrations_completed", "subsidies_applied"):
            assert city.values[slug] == expected_figures(None, year)[slug]
        assert "subsidy_budget" in city.values
        # The city's district league holds each district's own figures.
        districts = _league(city, Dim.DISTRICT)
        for district, own in ((A, a), (B, b)):
            if district in districts:
                for slug in LEAGUE_COLUMNS:
                    if slug in own.values:
                        assert districts[district][slug] == own.values[slug], f"{district} {slug} {year}"
        # Each bank's city row is the sum of its rows in the two districts.
        for bank, values in _league(city, Dim.BANK).items():
            for slug in ("loans_disbursed", "amount_disbursed", "balance"):
                parts = [_league(view, Dim.BANK).get(bank, {}).get(slug) or 0 for view in (a, b)]
                assert (values[slug] or 0) == sum(parts), f"bank {bank} {slug} {year}"


def test_a_compensation_claims_rating_counts_in_the_borrowers_district_not_the_banks(world, db):
    """The claim is rated by its bank, seated in district A; the case is about the district-B borrower."""
    assert world.claim.bank.district == A and world.claim.loan.enterprise.district == B
    year = str(
        Rating.objects.get(
            invitation__subject_kind=SubjectKind.COMPENSATION,
            invitation__subject_id=world.claim.pk,
            is_current=True,
        ).submitted_at.year
    )
    assert _overview(world, "park_a", year).values["bad_ratings"] == 0
    assert _overview(world, "park_b", year).values["bad_ratings"] == 1
    assert _overview(world, "joint", year).values["bad_ratings"] == 1
    bad_ratings = BY_SLUG["bad_ratings"]
    for persona, listed in (("park_a", False), ("park_b", True), ("joint", True)):
        html = (
            _client(world.users[persona])
            .get(reverse("stats:cases"), {"period": year, "indicator": bad_ratings.slug})
            .content.decode()
        )
        assert (world.claim.reference in html) is listed, persona


def test_the_world_has_figures_on_both_sides(world, db):
    """The checks above compare something: both districts have loans, registrations and subsidies."""
    for district in (A, B):
        figures = expected_figures(district, 2026)
        assert figures["loans_disbursed"] and figures["registrations_completed"]
        assert sum(expected_figures(district, y)["ratings_received"] for y in _years())
        assert sum(expected_figures(district, y)["subsidies_applied"] for y in _years())
    assert expected_figures(B, 2026)["npl_ratio"]


# ---------------------------------------------------------------------------------------------------------
# Dashboard pages: the overview, its Excel, the drill-down and its export
# ---------------------------------------------------------------------------------------------------------


def _figure(html: str, slug: str) -> str:
    start = html.index(f'data-testid="figure-{slug}"')
    dd = html.index("<dd>", start)
    return html[dd : html.index("</dd>", dd)]


def _money(value: Decimal) -> str:
    return f"{value:,}"


@pytest.mark.parametrize("district", [A, B])
def test_the_overview_page_shows_the_districts_figures_whatever_district_is_asked(world, db, district):
    client = _client(world.users[PARK[district]])
    own = expected_figures(district, 2026)
    for params in ({}, {"district": _other(district)}):
        response = client.get(reverse("stats:overview"), {"period": "2026", **params})
        html = response.content.decode()
        assert response.status_code == 200
        assert _money(own["amount_disbursed"]) in _figure(html, "amount_disbursed")
        assert f">{own['loans_disbursed']}<" in _figure(html, "loans_disbursed")
        assert _money(own["registered_amount"]) in _figure(html, "registered_amount")
        assert world.enterprise[_other(district)].name not in html
    city = _client(world.users["joint"]).get(reverse("stats:overview"), {"period": "2026"}).content.decode()
    assert _money(expected_figures(None, 2026)["amount_disbursed"]) in _figure(city, "amount_disbursed")


def _workbook(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def _indicator_sheet(workbook) -> dict:
    return {row[1]: row[2] for row in workbook["Indicators"].iter_rows(min_row=2, values_only=True)}


@pytest.mark.parametrize("district", [A, B])
def test_the_overview_excel_holds_the_districts_figures_only(world, db, district):
    response = _client(world.users[PARK[district]]).get(
        reverse("stats:overview-excel"), {"period": "2026", "district": _other(district)}
    )
    assert response.status_code == 200
    workbook = _workbook(response.content)
    shown = _indicator_sheet(workbook)
    overview = _overview(world, PARK[district], "2026")
    for indicator in INDICATORS:
        if indicator.slug in overview.values and overview.values[indicator.slug] is not None:
            assert D(str(shown[str(indicator.label)])) == D(str(overview.values[indicator.slug])), (
                indicator.slug
            )
    assert "Districts" not in workbook.sheetnames  # no other district's row
    assert str(BY_SLUG["subsidy_budget"].label) not in shown
    city = _workbook(
        _client(world.users["joint"]).get(reverse("stats:overview-excel"), {"period": "2026"}).content
    )
    assert (
        D(str(_indicator_sheet(city)["Amount disbursed"])) == expected_figures(None, 2026)["amount_disbursed"]
    )
    assert "Districts" in city.sheetnames


def _drillable():
    return [indicator for indicator in INDICATORS if indicator.drill]


def _cases(district: str | None, indicator, period: str) -> set[int]:
    return set(case_ids(indicator, Period.parse(period), Filters(district=district or ""), limit=None))


@pytest.mark.parametrize("district", [A, B])
def test_every_drill_down_lists_the_districts_cases_only(world, db, district):
    client = _client(world.users[PARK[district]])
    for indicator in _drillable():
        for period in PERIODS:
            # Ask for the other district: the scope puts its own back.
            response = client.get(
                reverse("stats:cases"),
                {"period": period, "indicator": indicator.slug, "district": _other(district)},
            )
            html = response.content.decode()
            assert response.status_code == 200, indicator.slug
            own, city = _cases(district, indicator, period), _cases(None, indicator, period)
            assert html.count('data-testid="case-row"') == len(own), f"{indicator.slug} {period}"
            assert _leaks(html, world, _other(district)) == [], f"{indicator.slug} {period}"
            assert own | _cases(_other(district), indicator, period) == city
    # By hand: the loans disbursed in 2026 are the district's own loans.
    html = client.get(
        reverse("stats:cases"), {"period": "2026", "indicator": "loans_disbursed"}
    ).content.decode()
    mine = Loan.objects.filter(enterprise__district=district, disbursed_on__year=2026)
    theirs = Loan.objects.filter(enterprise__district=_other(district))
    assert all(loan.reference in html for loan in mine)
    assert not any(loan.reference in html for loan in theirs)


def _export(client, **params) -> Export:
    response = client.post(reverse("stats:cases-export"), params)
    assert response.status_code == 302
    return Export.objects.get(pk=int(response["Location"].rstrip("/").split("/")[-1]))


@pytest.mark.parametrize("district", [A, B])
def test_the_drill_down_export_holds_the_districts_cases_only(
    world, db, district, django_capture_on_commit_callbacks
):
    client = _client(world.users[PARK[district]])
    with django_capture_on_commit_callbacks(execute=True):
        export = _export(client, period="2026", indicator="amount_disbursed", district=_other(district))
    export.refresh_from_db()
    assert export.status == ExportStatus.DONE
    assert export.filters == {"district": district}
    download = client.get(reverse("stats:export-download", args=[export.pk]))
    rows = list(_workbook(b"".join(download.streaming_content)).active.values)[1:]
    want = Loan.objects.filter(enterprise__district=district, disbursed_on__year=2026)
    assert sorted(row[0] for row in rows) == sorted(loan.reference for loan in want)
    assert {row[1] for row in rows} == {world.enterprise[district].name}
    # Another district's administration cannot read it.
    other = _client(world.users[PARK[_other(district)]])
    assert other.get(reverse("stats:export", args=[export.pk])).status_code == 404
    assert other.get(reverse("stats:export-download", args=[export.pk])).status_code == 404


def test_the_citys_drill_down_export_holds_both_districts(world, db, django_capture_on_commit_callbacks):
    client = _client(world.users["joint"])
    with django_capture_on_commit_callbacks(execute=True):
        export = _export(client, period="2026", indicator="amount_disbursed")
    download = client.get(reverse("stats:export-download", args=[export.pk]))
    rows = list(_workbook(b"".join(download.streaming_content)).active.values)[1:]
    want = Loan.objects.filter(disbursed_on__year=2026)
    assert sorted(row[0] for row in rows) == sorted(loan.reference for loan in want)
    assert {row[1] for row in rows} == {world.enterprise[A].name, world.enterprise[B].name}


# ---------------------------------------------------------------------------------------------------------
# Lists and details: loans, registrations, subsidy applications, enterprises' needs
# ---------------------------------------------------------------------------------------------------------


def _names_and_refs(world, district: str) -> list[str]:
    """What would betray a district's rows in a page or an export: its enterprise's name and credit code,
    its loans', registrations', applications' and needs' references."""
    return [
        world.enterprise[district].name,
        world.enterprise[district].uscc,
        *(loan.reference for loan in world.loans[district]),
        *(registration.reference for registration in world.registrations[district]),
        world.applications[district].reference,
        world.demands[district].reference,
        *([world.claim.reference] if district == B else []),
    ]


def _leaks(text: str, world, district: str) -> list[str]:
    return [marker for marker in _names_and_refs(world, district) if marker in text]


@pytest.mark.parametrize("district", [A, B])
def test_api_lists_show_no_other_districts_loan_or_registration(world, db, district):
    client = _client(world.users[PARK[district]])
    for url in ("/api/v1/loans/", "/api/v1/registrations/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert _leaks(response.content.decode(), world, _other(district)) == [], url
        # A park administration follows no loan or registration case (loan_scope, registration_scope).
        assert json.loads(response.content)["results"] == [], url
    city = _client(world.users["joint"]).get("/api/v1/loans/").content.decode()
    assert all(loan.reference in city for d in (A, B) for loan in world.loans[d])


@pytest.mark.parametrize("district", [A, B])
def test_another_districts_objects_are_not_found(world, db, district):
    client = _client(world.users[PARK[district]])
    other = _other(district)
    loan, registration = world.loans[other][0], world.registrations[other][0]
    for url in (
        reverse("loans:loan_detail", args=[loan.pk]),
        f"/api/v1/loans/{loan.pk}/",
        f"/api/v1/loans/{loan.pk}/facts/",
        reverse("pledges:registration_detail", args=[registration.pk]),
        f"/api/v1/registrations/{registration.pk}/",
        reverse("matchmaking:demand-detail", args=[world.demands[other].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert _leaks(response.content.decode(), world, other) == [], url
    # Subsidy cases are not a park administration's to read at all: refused before any object is read.
    for url in (
        reverse("subsidies:application-list"),
        reverse("subsidies:application-detail", args=[world.applications[other].pk]),
        reverse("subsidies:review-detail", args=[world.applications[other].pk]),
    ):
        response = client.get(url)
        assert response.status_code == 403, url
        assert _leaks(response.content.decode(), world, other) == [], url
    # Its own district's need opens.
    assert (
        client.get(reverse("matchmaking:demand-detail", args=[world.demands[district].pk])).status_code == 200
    )


@pytest.mark.parametrize("district", [A, B])
def test_every_list_page_a_park_administration_opens_hides_the_other_district(world, db, district):
    client = _client(world.users[PARK[district]])
    other = _other(district)
    for name, params in (
        ("home", {}),
        ("pledges:asset_list", {}),
        ("matchmaking:demand-list", {}),
        ("matchmaking:demand-list", {"district": other}),
        ("matchmaking:demand-list", {"search": world.enterprise[other].name}),
        ("matchmaking:demand-collect", {}),
        ("matchmaking:funnel", {}),
        ("matchmaking:event-manage", {}),
        ("training:manage-list", {}),
        ("notifications:inbox", {}),
    ):
        response = client.get(reverse(name), params)
        assert response.status_code == 200, name
        echoed = set(params.values())  # a search box shows what was typed
        leaks = [marker for marker in _leaks(response.content.decode(), world, other) if marker not in echoed]
        assert leaks == [], f"{name} {params}"
    listed = client.get(reverse("matchmaking:demand-list")).content.decode()
    assert world.demands[district].reference in listed
    city = _client(world.users["joint"]).get(reverse("matchmaking:demand-list")).content.decode()
    assert world.demands[A].reference in city and world.demands[B].reference in city


@pytest.mark.parametrize("district", [A, B])
def test_no_page_or_api_list_a_park_administration_opens_shows_the_other_district(world, db, district):
    """Every page route without parameters and every API list, GET as the district's administration: whatever
    answers 200 carries nothing of the other district (the object routes are the tests above)."""
    from tests.portal.test_access_routes import api_operations, page_routes

    client = _client(world.users[PARK[district]])
    urls = []
    for name, template in page_routes().items():
        if "<" not in template:
            try:
                urls.append(reverse(name))
            except NoReverseMatch:  # a route without a name
                urls.append("/" + template)
    urls += [
        path
        for operation, path in api_operations().items()
        if operation.startswith("GET ") and "{" not in path
    ]
    opened = []
    for url in urls:
        response = client.get(url)
        if response.status_code != 200 or response.streaming:
            continue
        opened.append(url)
        assert _leaks(response.content.decode(errors="replace"), world, _other(district)) == [], url
    assert {reverse("stats:overview"), reverse("matchmaking:demand-list"), "/api/v1/loans/"} <= set(opened)


def test_the_funnel_counts_the_districts_needs_and_the_city_both(world, db):
    from matchmaking.funnel import funnel

    posted_by = {}
    for persona in ("park_a", "park_b", "joint"):
        result = funnel(user=world.users[persona])
        posted_by[persona] = (result.park_total.counts["posted"], result.park_total.counts["claimed"])
        bank_claims = result.bank_total.counts["claimed"]
        assert bank_claims == result.park_total.counts["claimed"]
    assert posted_by["park_a"] == (1, 1)
    assert posted_by["park_b"] == (1, 1)
    assert posted_by["joint"] == tuple(
        a + b for a, b in zip(posted_by["park_a"], posted_by["park_b"], strict=True)
    )
    rows = defaultdict(int)
    for row in funnel(user=world.users["park_a"]).parks:
        rows[row.label] += row.counts["posted"]
    assert set(rows) == {str(world.enterprise[A].enterprise_profile.park)}
