"""``manage.py seed_scale``: the benchmark's scale data is consistent with the portal's own rules.

Built small (2,000 loans, 1,500 registrations) on PostgreSQL, where the builder runs; the checks are the
invariants the statistics rely on: each loan's figures are what its ledger replays to, completed cases
are breached exactly when late, every case has a real commissioner, and runs can be repeated.
"""

from datetime import date
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import Count, F

from loans.calculations import Fact, LoanState, apply_fact
from loans.models import Loan, LoanFact, LoanStatus
from pledges.models import PledgeRegistration, Status
from portal.accounts.models import EnterpriseProfile, Membership, Organisation, OrgKind, Role
from portal.identifiers.uscc import check_uscc
from stats import scale

TODAY = date(2026, 3, 18)  # a Wednesday
LOANS = 2000
REGISTRATIONS = 1500

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="seed_scale builds with PostgreSQL-only SQL (generate_series, hashint8extended); set DATABASE_URL",
)


def _seed(loans: int = LOANS, registrations: int = REGISTRATIONS, **options) -> dict[str, int]:
    return scale.seed_scale(
        loans=loans, registrations=registrations, today=TODAY, log=lambda line: None, **options
    )


def _scalar(sql: str, params=None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


@postgres_only
@pytest.mark.django_db
def test_counts_match_what_was_asked_and_what_is_stored():
    counts = _seed()

    loans = Loan.objects.filter(reference__startswith=scale.LOAN_PREFIX)
    registrations = PledgeRegistration.objects.filter(reference__startswith=scale.REGISTRATION_PREFIX)
    assert counts["loans"] == loans.count() == LOANS
    assert counts["registrations"] == registrations.count() == REGISTRATIONS
    assert counts["loan_facts"] == LoanFact.objects.filter(loan__in=loans).count()
    assert counts["enterprises"] == scale.MIN_ENTERPRISES  # max(200, 2000 // 20)
    enterprises = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, name__startswith=scale.ORG_PREFIX)
    assert (
        enterprises.count() == EnterpriseProfile.objects.filter(organisation__in=enterprises).count() == 200
    )
    banks = Organisation.objects.filter(kind=OrgKind.BANK, name__startswith=scale.ORG_PREFIX)
    assert banks.filter(parent=None).count() == scale.BANK_HEADS
    assert banks.exclude(parent=None).count() == scale.BANK_HEADS * scale.BRANCHES_PER_BANK
    assert all(check_uscc(code).valid for code in enterprises.values_list("uscc", flat=True))
    # 1,500 registrations for ~1,860 disbursed loans: every registration is a loan's, and registered.
    assert counts["loan_registration_links"] == REGISTRATIONS
    assert set(registrations.values_list("status", flat=True)) == {Status.REGISTERED}
    # Roughly the asked-for mix of loan statuses.
    settled = loans.filter(status=LoanStatus.SETTLED).count() / LOANS
    running = loans.filter(status__in=[LoanStatus.DISBURSED, LoanStatus.REPAYING]).count() / LOANS
    assert 0.38 < settled < 0.52 and 0.32 < running < 0.46
    assert loans.filter(status=LoanStatus.WRITTEN_OFF).exists()
    assert loans.filter(disbursed_on__isnull=False).count() / LOANS > 0.9
    # Some disbursements fall on a month's last day (month-end statistics cut there).
    assert (
        _scalar(
            "SELECT count(*) FROM loans_loan WHERE reference LIKE 'SCL%%' "
            "AND disbursed_on = (date_trunc('month', disbursed_on) + interval '1 month - 1 day')::date"
        )
        > LOANS * 0.02
    )


@postgres_only
@pytest.mark.django_db
def test_each_loans_figures_are_the_sums_of_its_facts():
    _seed()
    mismatches = _scalar(
        """
        SELECT count(*) FROM loans_loan l
        LEFT JOIN (
            SELECT loan_id,
                   sum(amount) FILTER (WHERE kind = 'disbursement') AS disbursed,
                   sum(amount) FILTER (WHERE kind IN ('repayment', 'settlement')) AS repaid,
                   min(occurred_on) FILTER (WHERE kind = 'disbursement') AS first_disbursed,
                   min(occurred_on) AS first_fact, max(occurred_on) AS last_fact
            FROM loans_loanfact GROUP BY loan_id
        ) f ON f.loan_id = l.id
        WHERE l.reference LIKE 'SCL%%' AND (
            l.disbursed_amount <> coalesce(f.disbursed, 0) OR l.principal_repaid <> coalesce(f.repaid, 0)
            OR l.disbursed_on IS DISTINCT FROM f.first_disbursed OR f.first_fact < l.disbursed_on
            OR f.last_fact > %s OR l.disbursed_on < l.contract_signed_on
        )
        """,
        [TODAY],
    )
    assert mismatches == 0


@postgres_only
@pytest.mark.django_db
def test_replaying_each_ledger_through_apply_fact_gives_the_stored_loan():
    """The strongest form of the ledger invariant: the portal's own rules accept every fact, in order,
    and end at exactly the stored status, dates and figures."""
    _seed()
    loans = Loan.objects.filter(reference__startswith=scale.LOAN_PREFIX).order_by("id")
    facts: dict[int, list[LoanFact]] = {}
    for fact in LoanFact.objects.filter(loan__in=loans).order_by("loan_id", "occurred_on", "id"):
        facts.setdefault(fact.loan_id, []).append(fact)
    seen_kinds = set()
    for loan in loans:
        ledger = facts.get(loan.pk, [])
        if loan.status in (LoanStatus.CONTRACTED, LoanStatus.CANCELLED):
            assert ledger == [] and loan.disbursed_on is None, loan.reference
            continue
        state = LoanState(
            status=LoanStatus.CONTRACTED, principal=loan.principal, contract_signed_on=loan.contract_signed_on
        )
        for fact in ledger:
            seen_kinds.add(fact.kind)
            state = apply_fact(
                state,
                Fact(fact.kind, fact.occurred_on, fact.amount, fact.overdue_days, fact.classification),
                today=TODAY,
            )
        assert state == LoanState.of(loan), loan.reference
        if loan.status == LoanStatus.SETTLED:
            assert ledger[-1].kind == "settlement" and ledger[-1].occurred_on == loan.settled_on
            assert loan.outstanding == Decimal("0.00")
        if loan.status == LoanStatus.WRITTEN_OFF:
            assert [f.kind for f in ledger[-2:]] == ["classification", "write_off"]
            assert loan.classification in ("substandard", "doubtful", "loss")
    assert seen_kinds == {"disbursement", "repayment", "settlement", "overdue", "classification", "write_off"}


@postgres_only
@pytest.mark.django_db
def test_registrations_are_consistent_and_assigned_to_commissioners():
    counts = _seed(loans=600, registrations=1500)  # more registrations than loans: standalone cases too
    registrations = PledgeRegistration.objects.filter(reference__startswith=scale.REGISTRATION_PREFIX)
    assert registrations.count() == counts["registrations"] == 1500
    statuses = dict.fromkeys(Status.values, 0) | {
        row["status"]: row["n"] for row in registrations.values("status").annotate(n=Count("id"))
    }
    assert statuses[Status.ACCEPTED] + statuses[Status.UNDER_REVIEW] > 0 and statuses[Status.REFUSED] > 0
    completed = registrations.filter(status__in=[Status.REGISTERED, Status.REFUSED])
    assert not completed.filter(completed_on__isnull=True).exists()
    for registration in completed.only("completed_on", "due_date", "breached"):
        assert registration.breached == (registration.completed_on > registration.due_date)
    assert completed.filter(breached=True).exists()
    open_cases = registrations.filter(status__in=[Status.ACCEPTED, Status.UNDER_REVIEW])
    assert not open_cases.exclude(completed_on=None).exists()
    assert not open_cases.exclude(breached=None).exists()
    # Open cases were accepted lately (Friday to today, a Wednesday), and most are not late yet.
    assert not open_cases.exclude(clock_started_on__range=(date(2026, 3, 13), TODAY)).exists()
    assert open_cases.filter(due_date__gte=TODAY).count() > 0.7 * open_cases.count()
    assert not registrations.filter(completed_on__gt=TODAY).exists()
    # No due date, clock start or completion on a weekend (Django: 1 = Sunday, 7 = Saturday).
    for field in ("due_date", "clock_started_on", "completed_on"):
        assert not registrations.filter(**{f"{field}__week_day__in": [1, 7]}).exists(), field
    assert not registrations.filter(registered_on__isnull=False).exclude(status=Status.REGISTERED).exists()
    # Every case's commissioner is a commissioner of a registration office.
    commissioners = set(
        Membership.objects.filter(
            role=Role.COMMISSIONER, is_active=True, organisation__kind=OrgKind.REGISTRATION_OFFICE
        ).values_list("user_id", flat=True)
    )
    assert set(registrations.values_list("commissioner_id", flat=True)) <= commissioners
    # A loan's registration: its borrower pledges to its lending office, for its principal.
    linked = Loan.registrations.through.objects.filter(loan__reference__startswith=scale.LOAN_PREFIX)
    assert (
        linked.count()
        == counts["loan_registration_links"]
        == Loan.objects.filter(reference__startswith=scale.LOAN_PREFIX, disbursed_on__isnull=False).count()
    )
    assert not linked.exclude(
        pledgeregistration__pledgor=F("loan__enterprise"),
        pledgeregistration__pledgee=F("loan__bank"),
        pledgeregistration__debt_amount=F("loan__principal"),
        pledgeregistration__status=Status.REGISTERED,
        pledgeregistration__completed_on__lte=F("loan__disbursed_on"),
    ).exists()


@postgres_only
@pytest.mark.django_db
def test_a_second_run_refuses_without_replace_and_replaces_with_it(monkeypatch):
    call_command("seed_scale", "--loans", "300", "--registrations", "200", "--today", TODAY.isoformat())
    first_ids = set(Loan.objects.filter(reference__startswith=scale.LOAN_PREFIX).values_list("id", flat=True))

    with pytest.raises(CommandError, match="--replace"):
        call_command("seed_scale", "--loans", "300", "--registrations", "200")
    assert Loan.objects.filter(reference__startswith=scale.LOAN_PREFIX).count() == 300

    # Large enough to load without secondary indexes and rebuild them: they all come back.
    monkeypatch.setattr(scale, "REBUILD_INDEXES_FROM", 100)
    indexes = (
        "SELECT count(*) FROM pg_indexes WHERE tablename IN ('loans_loan', 'pledges_pledgeregistration')"
    )
    indexes_before = _scalar(indexes)
    call_command(
        "seed_scale", "--loans", "500", "--registrations", "400", "--today", TODAY.isoformat(), "--replace"
    )
    assert _scalar(indexes) == indexes_before
    loans = Loan.objects.filter(reference__startswith=scale.LOAN_PREFIX)
    assert loans.count() == 500 and not first_ids & set(loans.values_list("id", flat=True))
    assert PledgeRegistration.objects.filter(reference__startswith=scale.REGISTRATION_PREFIX).count() == 400
    assert Organisation.objects.filter(name__startswith=f"{scale.ORG_PREFIX}Bank ").count() == 90
    assert (
        Membership.objects.filter(user__username__startswith=scale.USER_PREFIX).count() == scale.COMMISSIONERS
    )
    # The identity sequences were moved past the explicit ids: the next row the portal adds fits.
    assert _scalar("SELECT nextval(pg_get_serial_sequence('loans_loan', 'id'))") > max(
        loans.values_list("id", flat=True)
    )


@postgres_only
@pytest.mark.django_db
def test_replace_refuses_when_other_rows_refer_to_scale_data(make_user):
    _seed(loans=100, registrations=50)
    enterprise = Organisation.objects.filter(
        name__startswith=scale.ORG_PREFIX, kind=OrgKind.ENTERPRISE
    ).first()
    make_user("someone_real", enterprise, Role.ENTERPRISE_USER)  # a real user joined a scale enterprise

    with pytest.raises(scale.SeedScaleError, match="accounts_membership"):
        _seed(loans=100, registrations=50, replace=True)
    assert Loan.objects.filter(reference__startswith=scale.LOAN_PREFIX).count() == 100


@pytest.mark.django_db
def test_sqlite_is_refused_with_a_clear_error(monkeypatch):
    monkeypatch.setattr(connection, "vendor", "sqlite")
    with pytest.raises(
        CommandError, match=r"seed_scale needs PostgreSQL: set DATABASE_URL=postgres://\.\.\."
    ):
        call_command("seed_scale", "--loans", "10", "--registrations", "10")


def test_open_and_refused_cases_share_out_what_standalone_registrations_there_are():
    assert scale._open_and_refused(count=1000, standalone=400) == (100, 50)
    # 1M loans, 1M registrations: ~69,000 are not a loan's, all of them open or refused (2:1).
    assert scale._open_and_refused(count=1_000_000, standalone=69_000) == (46_000, 23_000)
    assert scale._open_and_refused(count=1000, standalone=0) == (0, 0)
