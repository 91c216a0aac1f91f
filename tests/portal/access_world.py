"""One world for the access-control tests (security.md checks 1-8): the demo data as the owners' side, plus a
bank and an enterprise that own nothing, as the side that tries to reach what is not theirs.

The demo (portal.management.demo and each app's ``seed_demo``) already holds one object of nearly every kind,
owned by 北京银行 and its branches and by the demo enterprises, with every workflow at an interesting status;
the few kinds it lacks (an application document, a loan-facts upload, an indicator upload, a statistics export,
an invitation) are made in ``build_world`` through the apps' own services, on the owners' side.
Building the attackers fresh means every bank-owned and enterprise-owned object in the world is someone
else's: a 200 for them on an object route is always a leak, never an accident of which bank the demo
happened to pick.
"""

from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date

import pytest
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import reverse
from django.utils import timezone, translation

from loans.services.applications import loan_request_create
from loans.services.imports import loan_import_create
from portal.accounts import onboarding
from portal.accounts.models import District, Membership, Organisation, OrgKind, Park, Role, User
from portal.accounts.services import enterprise_create, organisation_create, user_create
from portal.management.demo import seed_demo
from stats.models import Export
from tests.conftest import PASSWORD, make_uscc
from tests.loans.imports_factory import csv_bytes, day, row, upload_file
from whitelist.imports import indicator_import_create

OWNER_BANK = "北京银行"
OWNER_BRANCH = "北京银行中关村分行"

# Persona kind -> demo username (the staff roles) or None (built here).
STAFF_PERSONAS = {
    "commissioner": "demo_commissioner",
    "reviewer": "demo_reviewer",
    "promotion": "demo_promotion",
    "joint": "demo_joint_office",
    "finance": "demo_finance",
    "park": "demo_park",
}


@dataclass
class World:
    users: dict[str, User] = field(default_factory=dict)
    # name -> model instance owned by the other side (or by government, for the government's objects)
    objects: dict = field(default_factory=dict)
    attacker_bank: Organisation | None = None
    attacker_enterprise: Organisation | None = None
    owner_bank: Organisation | None = None
    owner_branch: Organisation | None = None
    clients: dict = field(default_factory=dict)  # persona -> signed-in test client (set by the tests)


def _first(label: str, **filters):
    return apps.get_model(label).objects.filter(**filters).order_by("pk").first()


def _run_queued_work():
    """The tasks queued inside the block run (eagerly) when it ends, as if it had committed."""
    return TestCase.captureOnCommitCallbacks(execute=True)


# Objects the demo does not hold, made here through each app's own services (or, for a statistics export,
# its one page), owned by the owners' side so that the attackers' 404 is proven against a real row.

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _application_document(application):
    """A second request of the application's enterprise to the same product, with a document for the bank."""
    loan_request = application.request
    applicant = User.objects.get(
        memberships__organisation=loan_request.enterprise,
        memberships__role=Role.ENTERPRISE_USER,
        memberships__is_active=True,
        username__startswith="demo_",
    )
    new_request = loan_request_create(
        enterprise=loan_request.enterprise,
        amount=loan_request.amount,
        term_months=loan_request.term_months,
        purpose="研发投入",
        assets=list(loan_request.assets.all()),
        products=[application.product],
        documents=[("财务报表", SimpleUploadedFile("财务报表.pdf", PDF, content_type="application/pdf"))],
        actor=applicant,
    )
    return new_request.documents.get()


def _loan_import(officer):
    """An upload of the officer's bank, run and rejected (a fact for a loan the bank never reported), so
    that it has an error report."""
    content = csv_bytes([row("NOPE-1", "interest", day(5), "10")])
    with translation.override("en"), _run_queued_work():
        loan_import = loan_import_create(
            bank=officer.organisation, uploaded_file=upload_file(content), actor=officer
        )
    loan_import.refresh_from_db()
    return loan_import


def _indicator_import(staff):
    """A partner department's indicator file, run and rejected (a malformed credit code)."""
    content = "uscc,enterprise_name,rd_ratio_pct\r\nNOT-A-CODE,北京某科技有限公司,3.5\r\n".encode()
    with translation.override("en"), _run_queued_work():
        record = indicator_import_create(
            source="北京市科学技术委员会",
            as_of=date(timezone.localdate().year - 1, 12, 31),
            uploaded_file=SimpleUploadedFile("indicators.csv", content, content_type="text/csv"),
            actor=staff,
        )
    record.refresh_from_db()
    return record


def _stats_export(user):
    """A drill-down export of the statistics, asked for on its page (the only way one is made) and written."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    with _run_queued_work():
        response = client.post(
            reverse("stats:cases-export"),
            {"period": str(timezone.localdate().year), "indicator": "loans_disbursed"},
        )
    assert response.status_code == 302, f"the statistics export was refused: {response.status_code}"
    return Export.objects.filter(requested_by=user).order_by("-pk").first()


def build_world() -> World:
    seed_demo()
    for config in apps.get_app_configs():
        if hasattr(config, "seed_demo"):
            config.seed_demo()

    world = World()
    world.owner_bank = Organisation.objects.get(name=OWNER_BANK)
    world.owner_branch = Organisation.objects.get(name=OWNER_BRANCH)
    world.attacker_bank = organisation_create(
        name="测试攻击银行", kind=OrgKind.BANK, uscc=make_uscc("110105"), district=District.CHAOYANG
    )
    world.attacker_enterprise = enterprise_create(
        name="北京测试攻击科技有限公司",
        uscc=make_uscc("110105"),
        district=District.CHAOYANG,
        contact_name="攻击者",
        park=Park.objects.filter(district=District.CHAOYANG).first(),
    )

    def persona(username, organisation, role):
        return user_create(
            username=username,
            password=PASSWORD,
            full_name=username,
            email=f"{username}@example.com",
            organisation=organisation,
            role=role,
        )

    world.users = {
        "anon": None,
        "ent": persona("att_ent", world.attacker_enterprise, Role.ENTERPRISE_USER),
        "bank": persona("att_bank_officer", world.attacker_bank, Role.BANK_OFFICER),
        "manager": persona("att_bank_manager", world.attacker_bank, Role.BANK_MANAGER),
    }
    for kind, username in STAFF_PERSONAS.items():
        world.users[kind] = User.objects.get(username=username)

    branch = world.owner_branch
    owner_side = Organisation.objects.filter(pk__in=[world.owner_bank.pk, branch.pk])
    o = world.objects
    o["notification"] = _first("notifications.Notification", recipient__username="demo_enterprise")
    o["asset"] = _first("pledges.IpAsset")
    o["registration"] = _first(
        "pledges.PledgeRegistration", pledgee=branch, status="awaiting_pledgee"
    ) or _first("pledges.PledgeRegistration", pledgee=branch)
    o["registration_submitted"] = _first(
        "pledges.PledgeRegistration", pledgee=branch, status__in=["submitted", "accepted", "in_review"]
    ) or _first("pledges.PledgeRegistration", pledgee=branch)
    o["pledge_material"] = _first("pledges.Material")
    o["product"] = _first("loans.Product", bank__in=owner_side)
    o["coaching"] = _first("loans.CoachingRequest")
    o["loan_request"] = _first("loans.LoanRequest")
    o["application"] = _first("loans.LoanApplication", bank=branch)
    o["loan"] = _first("loans.Loan", bank=branch)
    o["financing_case"] = o["loan"].case
    o["rule_set"] = _first("whitelist.RuleSet")
    o["run"] = _first("whitelist.ScreeningRun")
    o["wl_batch"] = _first("whitelist.Batch")
    o["delivery"] = _first("whitelist.Delivery", bank=world.owner_bank)
    o["entry"] = _first("whitelist.BatchEntry", published=True) or _first("whitelist.BatchEntry")
    o["recommendation"] = _first("whitelist.Recommendation")
    o["sub_batch"] = _first("subsidies.Batch")
    o["sub_application"] = _first("subsidies.Application", loan_lines__isnull=False, fee_lines__isnull=False)
    app = o["sub_application"]
    o["loan_line"] = _first("subsidies.LoanLine", application=app)
    o["fee_line"] = _first("subsidies.FeeLine", application=app)
    o["sub_material"] = _first("subsidies.Material", application=app)
    o["checklist_item"] = _first("subsidies.ChecklistItem", batch=app.batch)
    o["objection"] = _first("subsidies.Objection")
    o["publicity"] = _first("subsidies.Publicity")
    o["payment_list"] = _first("subsidies.PaymentList")
    o["claim"] = _first("riskcomp.Claim", bank=branch)
    o["evidence"] = _first("riskcomp.Evidence", claim=o["claim"])
    o["claim_participant"] = _first("riskcomp.ClaimParticipant", claim=o["claim"])
    o["recovery"] = _first("riskcomp.Recovery")
    o["clawback_share"] = _first("riskcomp.ClawbackShare")
    o["demand"] = _first("matchmaking.Demand", bank=branch) or _first("matchmaking.Demand")
    o["event"] = _first("matchmaking.Event")
    o["event_registration"] = _first("matchmaking.Registration", event=o["event"])
    o["invitation"] = _first("ratings.Invitation")
    o["follow_up"] = _first("ratings.FollowUp")
    o["case"] = _first("disposal.DisposalCase", pledgee=branch)
    o["programme"] = _first("training.Programme")
    o["course"] = _first("training.Course", programme=o["programme"])
    o["enrolment"] = _first("training.Enrolment", organisation=branch)
    o["certificate"] = _first("training.Certificate")
    o["commendation"] = _first("training.Commendation")
    o["enterprise"] = Organisation.objects.get(pk=o["asset"].owner_id)
    # Kinds the demo does not hold, made here on the owners' side.
    o["application_document"] = _application_document(o["application"])
    o["loan_import"] = _loan_import(User.objects.get(username="demo_bank_officer"))
    o["indicator_import"] = _indicator_import(world.users["reviewer"])
    o["stats_export"] = _stats_export(world.users["joint"])
    bank_admin = User.objects.get(username="demo_bank_admin")
    o["pending_enterprise"] = User.objects.get(username="demo_pending_admin").organisation
    o["org_invitation"] = onboarding.invitation_create(
        organisation=world.owner_bank,
        email="new.officer@example.com",
        role=Role.BANK_OFFICER,
        actor=bank_admin,
    )
    o["membership"] = Membership.objects.get(
        organisation=world.owner_bank, user__username="demo_bank_manager", is_active=True
    )
    missing = sorted(name for name, obj in o.items() if obj is None)
    assert not missing, f"the demo data no longer holds: {missing}"
    return world


def signed_in_clients(world) -> dict[str, Client]:
    """One client per persona, signed in once (a sign-in writes its audit row and session register)."""
    clients = {}
    for persona, user in world.users.items():
        clients[persona] = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
        if user is not None:
            clients[persona].force_login(user)
    return clients


def uses_access_world(item) -> bool:
    """Whether a collected test asks for this module's ``world`` (other modules have worlds of their own)."""
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs.get("world", ()) if info else ()
    func = definitions[-1].func if definitions else None
    return getattr(func, "__module__", None) == __name__ and func.__name__ == "access_world_fixture"


class SharedWorld:
    """The one world of a test session (of each xdist worker), built when the first test asks for it inside
    a transaction that ``close`` rolls back.

    Building it (the demo and more) takes seconds, so the modules that use the world share one build.
    tests/conftest.py runs their tests one after another and closes the world after the last of them
    (``pytest_runtest_teardown``): the open transaction never holds a test that is not about this world,
    and the transactional tests, which pytest-django runs after all the others, find it rolled back."""

    def __init__(self):
        self.world: World | None = None
        self._stack: ExitStack | None = None

    def open(self, django_db_blocker, tmp_path_factory) -> World:
        if self.world is not None:
            return self.world
        from portal.celery import app as celery_app

        stack = ExitStack()
        try:
            stack.enter_context(override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("access_media")))
            stack.enter_context(django_db_blocker.unblock())
            stack.enter_context(transaction.atomic())
            stack.callback(transaction.set_rollback, True)  # runs first on close: the atomic rolls back
            eager = celery_app.conf.task_always_eager
            celery_app.conf.task_always_eager = True
            try:
                built = build_world()
                built.clients = signed_in_clients(built)
            finally:
                celery_app.conf.task_always_eager = eager
        except BaseException:
            stack.close()
            raise
        self.world, self._stack = built, stack
        return built

    def close(self) -> None:
        stack, self._stack, self.world = self._stack, None, None
        if stack is not None:
            stack.close()


SHARED_WORLD = SharedWorld()


@pytest.fixture(scope="module", name="world")
def access_world_fixture(django_db_setup, django_db_blocker, tmp_path_factory):
    """The session's world (``SharedWorld``): each test runs in a savepoint of its own inside the world's
    transaction, so no test's writes reach the next. Import this into a test module to use ``world``.
    Module-scoped so that it is set up before any test's ``db`` savepoint."""
    return SHARED_WORLD.open(django_db_blocker, tmp_path_factory)
