"""The transition table, exhaustively: every (from, to) pair of statuses, tried by every persona.

A move goes through iff TRANSITIONS lists it and the persona holds a listed role *on this case* (the
pledgor's enterprise users, the pledgee bank's officers, the registration office); the portal itself
(actor None) only makes the SYSTEM moves. A refused move leaves the row as it was and writes no event.
"""

from datetime import date

import pytest
from django.db import transaction
from django.forms.models import model_to_dict
from freezegun import freeze_time

from pledges.errors import TransitionNotAllowed
from pledges.models import SYSTEM, TRANSITIONS, RegistrationEvent, Status
from pledges.services.workflow import registration_transition
from portal.accounts.models import Role
from tests.pledges import factories_workflow

# The shared fixtures of this area, bound here so pytest finds them.
make_registration = factories_workflow.make_registration
supervisor = factories_workflow.supervisor


# Persona fixture -> the role it holds on a case filed by `enterprise` with bank A's branch as pledgee
# (None: no role on the case). Written out, not derived from permissions.acts_as, so the test checks it.
PERSONAS = {
    "enterprise_user": Role.ENTERPRISE_USER,
    "enterprise_admin": Role.ORG_ADMIN,
    "bank_a_officer": Role.BANK_OFFICER,
    "bank_a_manager": Role.BANK_MANAGER,  # head office of the pledgee branch
    "bank_b_officer": None,
    "guarantor_officer": None,
    "commissioner": Role.COMMISSIONER,
    "supervisor": Role.REGISTRATION_SUPERVISOR,
    "reviewer": None,
    "joint_office_viewer": None,
    "outsider": None,
    "system": SYSTEM,
}

DETAILS = {
    Status.REGISTERED: {"notice_number": "2026990000123", "registered_on": date(2026, 3, 10)},
    Status.REFUSED: {"refusal_reasons": ["annual_fee_unpaid"]},
}

# Fields a case in each status carries, so that every listed move can complete.
_CLOCK = {
    "clock_started_on": date(2026, 3, 9),
    "sla_days": 3,
    "sla_basis": "working",
    "due_date": date(2026, 3, 12),
}


class _Rollback(Exception):
    pass


def _state(registration) -> dict:
    registration.refresh_from_db()
    return model_to_dict(registration)


@freeze_time("2026-03-10 02:00:00")  # 10:00 in Beijing, a Tuesday
@pytest.mark.parametrize("to", list(Status))
@pytest.mark.parametrize("from_status", list(Status))
def test_move_allowed_iff_listed_and_actor_is_the_right_party(request, make_registration, from_status, to):
    fields = {"status": from_status}
    if from_status in (Status.ACCEPTED, Status.UNDER_REVIEW, Status.REGISTERED, Status.CHANGED):
        fields.update(_CLOCK)
    registration = make_registration(**fields)
    listed = TRANSITIONS[from_status].get(to)

    for persona, role in PERSONAS.items():
        actor = None if persona == "system" else request.getfixturevalue(persona)
        expected = listed is not None and role in listed
        before = _state(registration)
        events_before = RegistrationEvent.objects.filter(registration=registration).count()
        if expected:
            with pytest.raises(_Rollback), transaction.atomic():
                moved = registration_transition(
                    registration=registration, to=to, actor=actor, reason="test", details=DETAILS.get(to)
                )
                assert moved.status == to, persona
                event = RegistrationEvent.objects.filter(
                    registration=registration, action="transition"
                ).last()
                assert (event.from_status, event.to_status, event.actor) == (from_status, to, actor)
                raise _Rollback
        else:
            with pytest.raises(TransitionNotAllowed) as refused:
                registration_transition(
                    registration=registration, to=to, actor=actor, reason="test", details=DETAILS.get(to)
                )
            # Listed but not for this actor: forbidden (403); not listed at all: a conflict (409).
            assert refused.value.forbidden == (listed is not None and actor is not None), persona
            assert refused.value.message
            assert _state(registration) == before, persona
            assert RegistrationEvent.objects.filter(registration=registration).count() == events_before


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(Status)
    for moves in TRANSITIONS.values():
        assert set(moves) <= set(Status)
