"""APPLICATION_TRANSITIONS, exhaustively (security.md check 30): every (from, to) pair over the statuses,
through ``application_transition``. A listed move works for each role the table lists (as a party: the
requesting enterprise, the bank reviewing it, the portal for SYSTEM); everybody else, and every move the
table does not list, is refused and leaves the row and its history unchanged."""

import itertools
from decimal import Decimal

import pytest
from django.forms.models import model_to_dict

from loans.errors import ApplicationNotAllowed
from loans.models import APPLICATION_TRANSITIONS, SYSTEM, ApplicationStatus, Loan
from loans.services.applications import application_transition
from portal.accounts.models import Role
from tests.loans import applications_factory as factory
from tests.loans.applications_factory import ABOVE, BELOW, application_of

_application_settings = factory._application_settings
bank_b_manager = factory.bank_b_manager
make_asset = factory.make_asset
make_request = factory.make_request
patent = factory.patent
product_a = factory.product_a
product_b = factory.product_b
staff_of = factory.staff_of
threshold = factory.threshold
walk = factory.walk

pytestmark = pytest.mark.django_db
S = ApplicationStatus

# The persona acting for each role of the table on bank A's branch application; the maker of a
# proposal is bank A's branch officer (see ``walk``).
ROLE_PERSONA = {
    Role.ENTERPRISE_USER: "enterprise_user",
    Role.ORG_ADMIN: "enterprise_admin",
    Role.BANK_OFFICER: "bank_a_officer",
    Role.BANK_MANAGER: "bank_a_manager",
    SYSTEM: "system",
}
# Never a party to bank A's branch application.
STRANGERS = ("bank_b_officer", "outsider")
PERSONAS = (*ROLE_PERSONA.values(), *STRANGERS)


def expected_actors(frm: str, to: str) -> set[str]:
    personas = {ROLE_PERSONA[role] for role in APPLICATION_TRANSITIONS[frm].get(to, frozenset())}
    # The party rule on top of the table: a proposal awaiting its second approval is decided by a bank
    # manager who is not its maker (the officer made it).
    if frm == S.AWAITING_SECOND_APPROVAL and to != S.WITHDRAWN:
        personas.discard("bank_a_officer")
    return personas


def details_for(frm: str, to: str, *, officer, colleague) -> dict:
    """What the move needs besides the actor (a listed move must succeed with it)."""
    if to == S.UNDER_REVIEW and frm == S.SUBMITTED:
        return {"officer": officer}
    if to == S.UNDER_REVIEW and frm == S.UNDER_REVIEW:
        return {"officer": colleague}
    if to == S.UNDER_REVIEW and frm == S.INFO_REQUESTED:
        return {"note": "已补充"}
    if to == S.UNDER_REVIEW and frm == S.AWAITING_SECOND_APPROVAL:
        return {"reason": "请重新核定利率"}
    if to == S.INFO_REQUESTED:
        return {"note": "请补充财务报表"}
    if to == S.APPROVED and frm == S.UNDER_REVIEW:
        return {"amount": BELOW, "rate_pct": Decimal("3.85"), "term_months": 12}
    if to == S.AWAITING_SECOND_APPROVAL:
        return {"amount": ABOVE, "rate_pct": Decimal("3.85"), "term_months": 12}
    if to == S.DECLINED:
        return {"reason_code": "financials", "note": "经营状况不佳"}
    if to == S.WITHDRAWN:
        return {"reason": "不再需要"}
    return {}


def _snapshot(application) -> tuple:
    application.refresh_from_db()
    return model_to_dict(application), application.events.count(), Loan.objects.count()


@pytest.fixture
def personas(enterprise_user, enterprise_admin, bank_a_officer, bank_a_manager, bank_b_officer, outsider):
    return {
        "enterprise_user": enterprise_user,
        "enterprise_admin": enterprise_admin,
        "bank_a_officer": bank_a_officer,
        "bank_a_manager": bank_a_manager,
        "bank_b_officer": bank_b_officer,
        "outsider": outsider,
        "system": None,
    }


@pytest.fixture
def fresh(make_request, walk, product_a, bank_a_branch):
    """A new application of bank A's branch walked to ``status``."""

    def _fresh(status: str):
        return walk(application_of(make_request(products=[product_a]), bank_a_branch), status)

    return _fresh


@pytest.mark.parametrize(("frm", "to"), list(itertools.product(S.values, S.values)))
def test_every_pair_of_statuses(frm, to, fresh, personas, bank_a_officer, bank_a_manager):
    allowed = expected_actors(frm, to)
    listed = to in APPLICATION_TRANSITIONS[frm]
    moves = {**details_for(frm, to, officer=bank_a_officer, colleague=bank_a_manager)}
    reason = moves.pop("reason", "")

    # Everybody not allowed is refused, and the row, its history and the loans stay as they were.
    standing = fresh(frm)
    for name in PERSONAS:
        if name in allowed:
            continue
        actor = personas[name]
        before = _snapshot(standing)
        with pytest.raises(ApplicationNotAllowed) as excinfo:
            application_transition(application=standing, to=to, actor=actor, reason=reason, **moves)
        expected = 403 if listed and actor is not None else 409
        assert excinfo.value.http_status == expected, (name, excinfo.value.message)
        assert _snapshot(standing) == before, name

    # Each allowed party makes the move, on an application of its own, and the event says who.
    for name in sorted(allowed):
        actor = personas[name]
        application = fresh(frm)
        events = application.events.count()
        application = application_transition(
            application=application, to=to, actor=actor, reason=reason, **moves
        )
        application.refresh_from_db()
        assert application.status == to, name
        event = application.events.order_by("-at", "-pk").filter(from_status=frm, to_status=to).first()
        assert event is not None and event.actor == actor, name
        assert application.events.count() == events + 1


def test_the_table_lists_only_known_statuses_and_roles():
    roles = set(ROLE_PERSONA)
    for frm, moves in APPLICATION_TRANSITIONS.items():
        assert frm in S.values
        for to, allowed in moves.items():
            assert to in S.values
            assert allowed <= roles, (frm, to)
    assert set(APPLICATION_TRANSITIONS) == set(S.values)


def test_an_unknown_status_is_refused(fresh, bank_a_officer):
    application = fresh(S.UNDER_REVIEW)
    with pytest.raises(ApplicationNotAllowed) as excinfo:
        application_transition(application=application, to="paid", actor=bank_a_officer)
    assert excinfo.value.http_status == 409
    application.refresh_from_db()
    assert application.status == S.UNDER_REVIEW
