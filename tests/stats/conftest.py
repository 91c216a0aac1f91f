"""A small hand-built world for the statistics tests, with every figure worked out by hand in the tests.

Enterprises (district, park, industry):
    E1 Haidian 110108, in the Zhongguancun Haidian park, integrated circuits
    E2 Haidian 110108, no park, AI
    E3 Changping 110114, no park, health
    E4 Changping 110114, no park, health

Loans (lending bank's head office; IP kind of the first linked pledge; facts as the bank reported them):
    L1 E1 A (branch)  patent     disbursed 2025-06-10 1,000,000.00; repaid 200,000.00 on 2026-02-15
    L2 E1 B           trademark  disbursed 2026-03-31   500,000.00 (linked trademark first, then patent)
    L3 E2 A (head)    patent     disbursed 2026-01-20 2,000,000.00 + 2026-02-10 1,000,000.00;
                                 substandard (non-performing) on 2026-09-01
    L4 E2 B           patent     disbursed 2026-04-01   400,000.00; settled 2026-07-15 (400,000.00)
    L5 E3 B           patent     disbursed 2025-09-05   600,000.00; repaid 100,000.00 on 2026-03-10;
                                 loss on 2026-05-10; written off 2026-06-20 (500,000.00 outstanding)
    L6 E3 A (branch)  copyright  disbursed 2026-03-15   300,000.00; repaid 50,000.10 on 2026-10-20
    L7 E4 B           (none)     disbursed 2026-08-08   250,000.35
    L8 E4 A (branch)  contracted, never disbursed

Pledge registrations of 2026 (service commissioners C1 and C2 of office 1, C3 of office 2), moved by the
workflow on the working-day calendar:
    R1 E1 -> A branch  patent     window C1 accepted 2026-03-02 due 03-05, registered 03-05 (on time)
                                                 debt 1,000,000.00
    R2 E2 -> A head    patent     online C1 accepted 2026-03-02 due 03-03, registered 03-04 (late)
                                                 debt 3,000,000.00
    R3 E1 -> B         trademark  window C2 accepted 2026-09-30 due 10-10 (after National Day, the makeup
                                                 Saturday), registered 10-10 (on time) debt 500,000.00
    R4 E3 -> A branch  patent     window C2 accepted 2026-03-02, correction 03-03, cured 03-04, re-accepted
                                                 03-06: due 03-09, registered 03-09 (on time)
                                                 debt 300,000.00
    R5 E3 -> B         patent     window C3 accepted 2026-03-10 due 03-13, refused 03-16 (late)
                                                 debt 700,000.00
    R6 E2 -> B         trademark  window, entered by staff as history (no deadline), registered
                                                 2026-03-20 debt 800,000.00
The registrations linked to the loans for their IP kind (H1-H6) are staff history of 2025.

Whitelist batch 1, published 2026-06-01 00:30 Beijing (still 31 May in UTC), feedback due 2026-06-12,
delivered to A and B; entries E1, E2, E3 published, E4 excluded. Feedback:
    E1 by A's branch: credit granted, reported 2026-06-12 23:30 Beijing (on time)
    E1 by B: contacted, reported 2026-06-15 (late)
    E2 by A: loan disbursed (L3), reported 2026-06-05 (on time)
    E3 by B: declined, reported 2026-06-13 07:00 Beijing (still 12 June in UTC: late)
"""

import itertools
from datetime import date, datetime, time
from decimal import Decimal
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from freezegun import freeze_time

from loans.models import Classification, FactKind, Loan, LoanSource
from loans.services.facts import loan_create, loan_fact_record
from pledges.models import PledgeRegistration, RegistrationKind, Status
from pledges.services.workflow import next_reference, registration_transition
from portal.accounts.models import District, Industry, OrgKind, Park, Role
from portal.accounts.services import enterprise_create, organisation_create, user_create
from portal.identifiers.uscc import check_character
from portal.policy.models import Channel, IpKind
from tests.conftest import PASSWORD
from whitelist.models import (
    Batch,
    BatchEntry,
    BatchStatus,
    Candidate,
    Decision,
    DeclineCode,
    Delivery,
    ExclusionReason,
    Feedback,
    FeedbackKind,
    RuleSet,
    RunStatus,
    ScreeningRun,
)

D = Decimal
BEIJING = ZoneInfo("Asia/Shanghai")
HAIDIAN, CHANGPING = District.HAIDIAN.value, District.CHANGPING.value
_refs = itertools.count(1)


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    """The services' messages in English (the portal's default language is Chinese)."""


def beijing(day: str, hour: int = 10, minute: int = 0) -> datetime:
    """An aware instant given as Beijing wall time."""
    return datetime.combine(date.fromisoformat(day), time(hour, minute), tzinfo=BEIJING)


def frozen(day: str, hour: int = 10):
    """Freeze the clock at a Beijing wall time (freezegun takes UTC)."""
    return freeze_time(beijing(day, hour).astimezone(ZoneInfo("UTC")).replace(tzinfo=None))


# --- Loans ------------------------------------------------------------------------------------------------


def make_loan(*, bank, enterprise, actor, signed_on: date, principal: str, registrations=()) -> Loan:
    """A loan contract reported by the bank (the service path), linked to its pledge registrations."""
    serial = next(_refs)
    loan = loan_create(
        bank=bank,
        enterprise=enterprise,
        bank_loan_ref=f"ST-{serial:05d}",
        contract_number=f"HT-ST-{serial:05d}",
        contract_signed_on=signed_on,
        principal=D(principal),
        annual_rate_pct=D("3.80"),
        term_months=24,
        source=LoanSource.PORTAL,
        actor=actor,
    )
    for registration in registrations:
        loan.registrations.add(registration)
    return loan


def fact(loan, actor, kind: str, on: date, amount: str | None = None, **extra):
    return loan_fact_record(
        loan=loan,
        kind=kind,
        occurred_on=on,
        amount=D(amount) if amount is not None else None,
        actor=actor,
        **extra,
    )


def disburse(loan, actor, on: date, amount: str):
    return fact(loan, actor, FactKind.DISBURSEMENT, on, amount)


# --- Pledge registrations -----------------------------------------------------------------------------------


def history_registration(*, pledgor, pledgee, ip_kind, on: date, debt: str, actor) -> PledgeRegistration:
    """A pledge registered before the portal's clock, entered by staff: completed, no service deadline."""
    return PledgeRegistration.objects.create(
        reference=next_reference(year=on.year),
        kind=RegistrationKind.PLEDGE,
        ip_kind=ip_kind,
        channel=Channel.WINDOW,
        status=Status.REGISTERED,
        pledgor=pledgor,
        pledgee=pledgee,
        debt_amount=D(debt),
        debt_start=on,
        debt_end=date(on.year + 2, on.month, 1),
        registered_on=on,
        completed_on=on,
        notice_number=f"H{next(_refs):08d}",
        created_by=actor,
    )


def case_in_precheck(*, pledgor, pledgee, ip_kind, channel, commissioner, debt: str, actor):
    """A submitted case at pre-check with its commissioner (the filing steps before are not the point)."""
    return PledgeRegistration.objects.create(
        reference=next_reference(year=2026),
        kind=RegistrationKind.PLEDGE,
        ip_kind=ip_kind,
        channel=channel,
        status=Status.PRECHECK,
        pledgor=pledgor,
        pledgee=pledgee,
        debt_amount=D(debt),
        debt_start=date(2026, 3, 1),
        debt_end=date(2027, 2, 28),
        commissioner=commissioner,
        created_by=actor,
    )


def move(case, to: str, actor, day: str, **kwargs) -> PledgeRegistration:
    with frozen(day):
        return registration_transition(registration=case, to=to, actor=actor, **kwargs)


def accept_and_review(case, commissioner, day: str) -> PledgeRegistration:
    move(case, Status.ACCEPTED, commissioner, day)
    return move(case, Status.UNDER_REVIEW, commissioner, day)


def register(case, commissioner, day: str) -> PledgeRegistration:
    return move(case, Status.REGISTERED, commissioner, day, details={"notice_number": f"N{next(_refs):010d}"})


# --- The world --------------------------------------------------------------------------------------------


def make_uscc(district: str) -> str:
    """A valid credit code of its own series ("MT"), so it never meets the personas' ("MA")."""
    body = f"91{district}MT{next(_refs):07d}"
    return body + check_character(body)


def _org(name, kind, **extra):
    return organisation_create(name=name, kind=kind, **extra)


def _user(username, organisation, role, full_name):
    return user_create(
        username=username,
        password=PASSWORD,
        full_name=full_name,
        email=f"{username}@example.com",
        organisation=organisation,
        role=role,
    )


def _enterprise(name, district, park, industry):
    return enterprise_create(
        name=name,
        uscc=make_uscc(district),
        district=district,
        contact_name="张经理",
        park=park,
        industry=industry,
    )


def build_world() -> SimpleNamespace:
    """The world of the module docstring, through the services where they are short enough."""
    bank_a = _org("统计测试银行", OrgKind.BANK, uscc=make_uscc("110108"))
    bank_a_branch = _org("统计测试银行海淀支行", OrgKind.BANK, parent=bank_a, uscc=make_uscc("110108"))
    bank_b = _org("统计第二银行", OrgKind.BANK, uscc=make_uscc("110102"))
    a_off = _user("st_bank_a_officer", bank_a_branch, Role.BANK_OFFICER, "李信贷")
    a_mgr = _user("st_bank_a_manager", bank_a, Role.BANK_MANAGER, "赵行长")
    b_off = _user("st_bank_b_officer", bank_b, Role.BANK_OFFICER, "周信贷")
    bureau = _org("统计测试知识产权局", OrgKind.IP_BUREAU)
    reviewer = _user("st_reviewer", bureau, Role.REVIEWER, "孙审核")
    second_reviewer = _user("st_reviewer2", bureau, Role.REVIEWER, "吴复核")
    staff = user_create(
        username="st_staff", password=PASSWORD, organisation=bureau, role=Role.ORG_ADMIN, is_staff=True
    )
    office1 = _org("统计测试登记窗口", OrgKind.REGISTRATION_OFFICE)
    office2 = _org("统计测试登记第二窗口", OrgKind.REGISTRATION_OFFICE)
    c1 = _user("st_commissioner1", office1, Role.COMMISSIONER, "陈专员")
    c2 = _user("st_commissioner2", office1, Role.COMMISSIONER, "黄专员")
    c3 = _user("st_commissioner3", office2, Role.COMMISSIONER, "刘专员")

    park = Park.objects.get(name="中关村海淀园")
    e1 = _enterprise("北京芯片设计有限公司", HAIDIAN, park, Industry.INTEGRATED_CIRCUITS)
    e2 = _enterprise("北京智算科技有限公司", HAIDIAN, None, Industry.AI)
    e3 = _enterprise("北京昌平生物有限公司", CHANGPING, None, Industry.HEALTH)
    e4 = _enterprise("北京未来药业有限公司", CHANGPING, None, Industry.HEALTH)

    # The registrations the loans are linked to (their IP kind), staff history of 2025.
    def hist(pledgor, pledgee, ip_kind, on, debt):
        return history_registration(
            pledgor=pledgor, pledgee=pledgee, ip_kind=ip_kind, on=on, debt=debt, actor=staff
        )

    h1 = hist(e1, bank_a_branch, IpKind.PATENT, date(2025, 6, 5), "1000000.00")
    h2 = hist(e1, bank_b, IpKind.TRADEMARK, date(2025, 12, 1), "500000.00")
    h3 = hist(e1, bank_b, IpKind.PATENT, date(2025, 12, 2), "500000.00")
    h4 = hist(e2, bank_a, IpKind.PATENT, date(2025, 12, 20), "3400000.00")
    h5 = hist(e3, bank_b, IpKind.PATENT, date(2025, 8, 30), "600000.00")
    h6 = hist(e3, bank_a_branch, IpKind.COPYRIGHT, date(2025, 12, 10), "300000.00")

    l1 = make_loan(
        bank=bank_a_branch,
        enterprise=e1,
        actor=a_off,
        signed_on=date(2025, 6, 1),
        principal="1000000.00",
        registrations=[h1],
    )
    disburse(l1, a_off, date(2025, 6, 10), "1000000.00")
    fact(l1, a_off, FactKind.REPAYMENT, date(2026, 2, 15), "200000.00")

    l2 = make_loan(
        bank=bank_b,
        enterprise=e1,
        actor=b_off,
        signed_on=date(2026, 3, 20),
        principal="500000.00",
        registrations=[h2, h3],
    )
    disburse(l2, b_off, date(2026, 3, 31), "500000.00")

    l3 = make_loan(
        bank=bank_a,
        enterprise=e2,
        actor=a_mgr,
        signed_on=date(2026, 1, 15),
        principal="3000000.00",
        registrations=[h4],
    )
    disburse(l3, a_mgr, date(2026, 1, 20), "2000000.00")
    disburse(l3, a_mgr, date(2026, 2, 10), "1000000.00")
    fact(l3, a_mgr, FactKind.CLASSIFICATION, date(2026, 9, 1), classification=Classification.SUBSTANDARD)

    l4 = make_loan(
        bank=bank_b,
        enterprise=e2,
        actor=b_off,
        signed_on=date(2026, 3, 25),
        principal="400000.00",
        registrations=[h4],
    )
    disburse(l4, b_off, date(2026, 4, 1), "400000.00")
    fact(l4, b_off, FactKind.SETTLEMENT, date(2026, 7, 15), "400000.00")

    l5 = make_loan(
        bank=bank_b,
        enterprise=e3,
        actor=b_off,
        signed_on=date(2025, 9, 1),
        principal="600000.00",
        registrations=[h5],
    )
    disburse(l5, b_off, date(2025, 9, 5), "600000.00")
    fact(l5, b_off, FactKind.REPAYMENT, date(2026, 3, 10), "100000.00")
    fact(l5, b_off, FactKind.CLASSIFICATION, date(2026, 5, 10), classification=Classification.LOSS)
    fact(l5, b_off, FactKind.WRITE_OFF, date(2026, 6, 20))

    l6 = make_loan(
        bank=bank_a_branch,
        enterprise=e3,
        actor=a_off,
        signed_on=date(2026, 3, 10),
        principal="300000.00",
        registrations=[h6],
    )
    disburse(l6, a_off, date(2026, 3, 15), "300000.00")
    fact(l6, a_off, FactKind.REPAYMENT, date(2026, 10, 20), "50000.10")

    l7 = make_loan(bank=bank_b, enterprise=e4, actor=b_off, signed_on=date(2026, 8, 1), principal="250000.35")
    disburse(l7, b_off, date(2026, 8, 8), "250000.35")

    l8 = make_loan(
        bank=bank_a_branch, enterprise=e4, actor=a_off, signed_on=date(2026, 9, 1), principal="900000.00"
    )

    # Pledge registrations of 2026 through the workflow.
    def case(pledgor, pledgee, ip_kind, channel, who, debt):
        return case_in_precheck(
            pledgor=pledgor,
            pledgee=pledgee,
            ip_kind=ip_kind,
            channel=channel,
            commissioner=who,
            debt=debt,
            actor=staff,
        )

    r1 = case(e1, bank_a_branch, IpKind.PATENT, Channel.WINDOW, c1, "1000000.00")
    accept_and_review(r1, c1, "2026-03-02")
    r1 = register(r1, c1, "2026-03-05")

    r2 = case(e2, bank_a, IpKind.PATENT, Channel.ONLINE, c1, "3000000.00")
    accept_and_review(r2, c1, "2026-03-02")
    r2 = register(r2, c1, "2026-03-04")

    r3 = case(e1, bank_b, IpKind.TRADEMARK, Channel.WINDOW, c2, "500000.00")
    accept_and_review(r3, c2, "2026-09-30")
    r3 = register(r3, c2, "2026-10-10")

    r4 = case(e3, bank_a_branch, IpKind.PATENT, Channel.WINDOW, c2, "300000.00")
    move(r4, Status.ACCEPTED, c2, "2026-03-02")
    move(r4, Status.NEEDS_CORRECTION, c2, "2026-03-03", reason="公章缺失")
    move(r4, Status.CORRECTED, c2, "2026-03-04")
    accept_and_review(r4, c2, "2026-03-06")
    r4 = register(r4, c2, "2026-03-09")

    r5 = case(e3, bank_b, IpKind.PATENT, Channel.WINDOW, c3, "700000.00")
    accept_and_review(r5, c3, "2026-03-10")
    r5 = move(r5, Status.REFUSED, c3, "2026-03-16", details={"refusal_reasons": ["annual_fee_unpaid"]})

    r6 = history_registration(
        pledgor=e2,
        pledgee=bank_b,
        ip_kind=IpKind.TRADEMARK,
        on=date(2026, 3, 20),
        debt="800000.00",
        actor=staff,
    )

    # Whitelist batch 1, built row by row as the publication and delivery services leave it.
    rules = RuleSet.objects.create(version=1, status="active", explanation="规则说明", created_by=reviewer)
    run = ScreeningRun.objects.create(
        rule_set=rules, status=RunStatus.DONE, requested_by=reviewer, screened=4, passed=4
    )
    published_at = beijing("2026-06-01", 0, 30)
    batch = Batch.objects.create(
        number=1,
        run=run,
        status=BatchStatus.PUBLISHED,
        valid_until=date(2026, 12, 31),
        created_by=reviewer,
        submitted_by=reviewer,
        published_by=second_reviewer,
        published_at=published_at,
        published_count=3,
        feedback_due_on=date(2026, 6, 12),
    )
    entries = {}
    for enterprise in (e1, e2, e3, e4):
        candidate = Candidate.objects.create(
            run=run,
            enterprise=enterprise,
            passed=True,
            in_beijing=True,
            has_core_ip=True,
            no_dishonesty=True,
            has_category=True,
            meets_thresholds=True,
            consented=True,
            invention_patents=1,
            utility_patents=0,
            design_patents=0,
            trademarks=1,
            is_high_tech=True,
            is_specialised=False,
            is_little_giant=False,
            is_tech_sme=False,
            is_ip_advantage=False,
        )
        excluded = enterprise == e4
        entries[enterprise.pk] = BatchEntry.objects.create(
            batch=batch,
            candidate=candidate,
            enterprise=enterprise,
            decision=Decision.EXCLUDED if excluded else Decision.INCLUDED,
            exclusion_reason=ExclusionReason.RISK_SIGNAL if excluded else "",
            decided_by=reviewer,
            decided_at=published_at,
            published=not excluded,
        )
    for bank in (bank_a, bank_b):
        Delivery.objects.create(batch=batch, bank=bank, created_at=published_at)

    def feedback(enterprise, bank, user, kind, reported_at, **extra):
        row = Feedback.objects.create(
            entry=entries[enterprise.pk],
            bank=bank,
            kind=kind,
            occurred_on=reported_at.date(),
            reported_by=user,
            **extra,
        )
        Feedback.objects.filter(pk=row.pk).update(reported_at=reported_at)

    feedback(
        e1,
        bank_a_branch,
        a_off,
        FeedbackKind.CREDIT_GRANTED,
        beijing("2026-06-12", 23, 30),
        amount=D("1000000.00"),
    )
    feedback(e1, bank_b, b_off, FeedbackKind.CONTACTED, beijing("2026-06-15"))
    feedback(e2, bank_a, a_mgr, FeedbackKind.LOAN_DISBURSED, beijing("2026-06-05"), loan=l3)
    feedback(
        e3, bank_b, b_off, FeedbackKind.DECLINED, beijing("2026-06-13", 7), decline_code=DeclineCode.NO_NEED
    )

    return SimpleNamespace(
        park=park,
        e1=e1,
        e2=e2,
        e3=e3,
        e4=e4,
        bank_a=bank_a,
        bank_a_branch=bank_a_branch,
        bank_b=bank_b,
        l1=l1,
        l2=l2,
        l3=l3,
        l4=l4,
        l5=l5,
        l6=l6,
        l7=l7,
        l8=l8,
        r1=r1,
        r2=r2,
        r3=r3,
        r4=r4,
        r5=r5,
        r6=r6,
        c1=c1,
        c2=c2,
        c3=c3,
        office1=office1,
        office2=office2,
        officers=SimpleNamespace(a=a_off, a_head=a_mgr, b=b_off),
    )


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    """The world, built once per module in a transaction rolled back at the module's end; each test runs
    in its own savepoint inside it (the ``db`` fixture), so what a test adds is gone after it."""
    from django.core.cache import cache
    from django.utils import translation

    from portal.celery import app as celery_app
    from portal.workdays.services import calendar_forget_local

    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    with django_db_blocker.unblock():
        cache.clear()
        calendar_forget_local()
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            with translation.override("en"):
                built = build_world()
            celery_app.conf.task_always_eager = eager
            yield built
        finally:
            celery_app.conf.task_always_eager = eager
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            cache.clear()
            calendar_forget_local()
