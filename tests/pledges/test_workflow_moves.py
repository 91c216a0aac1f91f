"""What each move does besides changing the status: assignment, the clock, completion, notices."""

from datetime import date

import pytest
from django.forms.models import model_to_dict
from freezegun import freeze_time

from pledges.errors import (
    PledgeValidationError,
    ReassignmentNotAllowed,
    ServiceTimeUnavailable,
    TransitionDetailsInvalid,
    TransitionNotAllowed,
)
from pledges.models import (
    PledgeRegistration,
    ReferenceCounter,
    RegistrationEvent,
    RegistrationKind,
    SlaReminder,
    Status,
)
from pledges.services.workflow import (
    next_reference,
    registration_assign_auto,
    registration_reassign,
    registration_transition,
)
from portal.notifications.models import Notification
from portal.policy.models import Channel, IpKind
from tests.pledges import factories_workflow

# The shared fixtures of this area, bound here so pytest finds them.
make_registration = factories_workflow.make_registration
second_commissioner = factories_workflow.second_commissioner
supervisor = factories_workflow.supervisor


def _beijing(day: str, hour: int = 10) -> str:
    """A frozen instant given as Beijing wall time (freezegun takes UTC)."""
    return f"{day} {hour - 8:02d}:00:00"


def _accept(registration, commissioner, day: str):
    with freeze_time(_beijing(day)):
        return registration_transition(registration=registration, to=Status.ACCEPTED, actor=commissioner)


# ---------------------------------------------------------------------------------------------------
# Submission and assignment


def test_submission_by_the_pledgee_sets_submitted_at_and_assigns_the_least_busy_commissioner(
    make_registration, bank_a_officer, commissioner, second_commissioner
):
    make_registration(status=Status.PRECHECK, commissioner=commissioner)
    case = make_registration(status=Status.AWAITING_PLEDGEE)

    moved = registration_transition(registration=case, to=Status.SUBMITTED, actor=bank_a_officer)

    assert moved.submitted_at is not None
    assert moved.commissioner == second_commissioner
    assert RegistrationEvent.objects.filter(registration=case, action="assign").get().details[
        "commissioner"
    ] == (second_commissioner.pk)
    assert Notification.objects.filter(
        recipient=second_commissioner, kind="pledges.registration.assigned"
    ).exists()


def test_auto_assignment_counts_only_open_cases_and_breaks_ties_by_lowest_id(
    make_registration, commissioner, second_commissioner
):
    # The first commissioner has more history but fewer open cases.
    for _ in range(3):
        make_registration(status=Status.REGISTERED, commissioner=commissioner)
    make_registration(status=Status.ACCEPTED, commissioner=second_commissioner)
    case = make_registration(status=Status.SUBMITTED)
    assert registration_assign_auto(registration=case) == commissioner

    # Now one open case each: the tie goes to the lower id.
    tie = make_registration(status=Status.SUBMITTED)
    first = min(commissioner, second_commissioner, key=lambda user: user.pk)
    assert registration_assign_auto(registration=tie) == first


def test_auto_assignment_spreads_a_run_of_submissions_evenly(
    make_registration, bank_a_officer, commissioner, second_commissioner
):
    cases = [make_registration(status=Status.AWAITING_PLEDGEE) for _ in range(6)]
    for case in cases:
        registration_transition(registration=case, to=Status.SUBMITTED, actor=bank_a_officer)
    counts = {
        user: PledgeRegistration.objects.filter(commissioner=user).count()
        for user in (commissioner, second_commissioner)
    }
    assert counts == {commissioner: 3, second_commissioner: 3}


def test_inactive_commissioners_get_no_cases(make_registration, commissioner, second_commissioner):
    second_commissioner.memberships.update(is_active=False)
    case = make_registration(status=Status.SUBMITTED)
    assert registration_assign_auto(registration=case) == commissioner


def test_without_any_commissioner_the_case_stays_unassigned(make_registration, bank_a_officer):
    case = make_registration(status=Status.AWAITING_PLEDGEE)
    moved = registration_transition(registration=case, to=Status.SUBMITTED, actor=bank_a_officer)
    assert moved.commissioner is None


def test_a_window_filing_entered_by_a_commissioner_stays_with_that_commissioner(
    make_registration, commissioner, second_commissioner
):
    make_registration(status=Status.PRECHECK, commissioner=second_commissioner)
    case = make_registration(status=Status.DRAFT)
    moved = registration_transition(registration=case, to=Status.SUBMITTED, actor=commissioner)
    assert moved.commissioner == commissioner


# ---------------------------------------------------------------------------------------------------
# The clock on the 2026 calendar (domain.md §5, E1-E3)


def test_e1_window_patent_accepted_before_spring_festival_is_due_tuesday_24_february(
    make_registration, commissioner
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    moved = _accept(case, commissioner, "2026-02-12")
    assert moved.clock_started_on == date(2026, 2, 12)
    assert (moved.sla_days, moved.sla_basis) == (3, "working")
    assert moved.due_date == date(2026, 2, 24)
    assert moved.due_provisional is False
    skipped = {entry["date"]: entry for entry in moved.due_explanation}
    # Sat 14 Feb is a makeup working day, so it is counted, not skipped.
    assert "2026-02-14" not in skipped
    assert set(skipped) == {f"2026-02-{day}" for day in range(15, 24)}
    assert skipped["2026-02-16"]["reason_zh"] == "春节"
    assert skipped["2026-02-16"]["reason_en"] == "Spring Festival"
    assert skipped["2026-02-16"]["reason_zh"] == "春节"
    assert skipped["2026-02-21"]["reason_en"] == "Spring Festival"  # a Saturday inside the holiday


def test_e2_online_patent_accepted_before_labour_day_is_due_6_may(make_registration, commissioner):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner, channel=Channel.ONLINE)
    moved = _accept(case, commissioner, "2026-04-30")
    assert (moved.sla_days, moved.due_date) == (1, date(2026, 5, 6))


def test_e3_window_case_accepted_before_national_day_is_due_on_the_makeup_saturday(
    make_registration, commissioner
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    moved = _accept(case, commissioner, "2026-09-30")
    assert moved.due_date == date(2026, 10, 10)


def test_copyright_ten_calendar_days_ending_in_a_holiday_roll_to_the_next_working_day(
    make_registration, commissioner
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner, ip_kind=IpKind.COPYRIGHT)
    moved = _accept(case, commissioner, "2026-09-23")
    # 23 Sep + 10 days = Sat 3 Oct, inside the National Day holiday (1-7 Oct): rolled to Thu 8 Oct.
    assert (moved.sla_days, moved.sla_basis) == (10, "calendar")
    assert moved.due_date == date(2026, 10, 8)
    assert [entry["date"] for entry in moved.due_explanation] == [f"2026-10-0{day}" for day in range(3, 8)]


def test_a_deadline_reaching_into_2027_is_provisional(make_registration, commissioner):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    moved = _accept(case, commissioner, "2026-12-30")
    # 31 Dec = 1; 1 Jan (fixed holiday) and the weekend skipped; 4 Jan = 2; 5 Jan = 3.
    assert moved.due_date == date(2027, 1, 5)
    assert moved.due_provisional is True
    event = RegistrationEvent.objects.filter(registration=case, to_status=Status.ACCEPTED).get()
    assert event.details["due_provisional"] is True


def test_accepting_without_a_service_time_in_force_is_refused_and_changes_nothing(
    make_registration, commissioner
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    before = model_to_dict(case)
    with pytest.raises(ServiceTimeUnavailable):
        _accept(case, commissioner, "2027-01-05")  # no 2027 parameter set is in force
    case.refresh_from_db()
    assert model_to_dict(case) == before
    assert not SlaReminder.objects.filter(registration=case).exists()


def test_a_cured_correction_restarts_the_clock_from_the_cure_date(
    make_registration, commissioner, enterprise_user
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    _accept(case, commissioner, "2026-03-02")  # Monday: due Thursday 5 March
    with freeze_time(_beijing("2026-03-03")):
        stopped = registration_transition(
            registration=case, to=Status.NEEDS_CORRECTION, actor=commissioner, reason="Seal missing"
        )
    assert stopped.due_date == date(2026, 3, 5)
    # Stopping keeps the clock's reminder rows (the sweep skips them while the clock is stopped).
    assert SlaReminder.objects.filter(registration=case, clock_started_on=date(2026, 3, 2)).count() == 4
    with freeze_time(_beijing("2026-03-04")):
        registration_transition(registration=case, to=Status.CORRECTED, actor=enterprise_user)
    moved = _accept(case, commissioner, "2026-03-06")  # accepted two days after the cure

    assert moved.clock_started_on == date(2026, 3, 4)
    assert moved.due_date == date(2026, 3, 9)  # Thu 5 = 1, Fri 6 = 2, Mon 9 = 3
    # The earlier clock's unsent reminders can never be sent; only the new clock's are pending.
    assert set(SlaReminder.objects.filter(registration=case).values_list("clock_started_on", flat=True)) == {
        date(2026, 3, 4)
    }


def test_a_correction_cured_and_reaccepted_on_the_same_day_resumes_the_same_clock(
    make_registration, commissioner, enterprise_user
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    _accept(case, commissioner, "2026-03-02")
    with freeze_time(_beijing("2026-03-02", 11)):
        registration_transition(registration=case, to=Status.NEEDS_CORRECTION, actor=commissioner)
        registration_transition(registration=case, to=Status.CORRECTED, actor=enterprise_user)
    moved = _accept(case, commissioner, "2026-03-02")
    assert moved.due_date == date(2026, 3, 5)
    assert SlaReminder.objects.filter(registration=case).count() == 4


def test_reassignment_leaves_the_clock_and_due_date_alone(
    make_registration, commissioner, second_commissioner, supervisor
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    accepted = _accept(case, commissioner, "2026-02-12")
    reminders = list(SlaReminder.objects.filter(registration=case).values_list("point", "due_on"))

    with freeze_time(_beijing("2026-02-13")):
        moved = registration_reassign(
            registrations=[case], commissioner=second_commissioner, actor=supervisor, reason="Leave"
        )

    case.refresh_from_db()
    assert moved == [case]
    assert case.commissioner == second_commissioner
    assert (case.clock_started_on, case.due_date) == (accepted.clock_started_on, date(2026, 2, 24))
    assert list(SlaReminder.objects.filter(registration=case).values_list("point", "due_on")) == reminders
    event = RegistrationEvent.objects.get(registration=case, action="reassign")
    assert event.details["old_commissioner"] == commissioner.pk
    assert event.details["new_commissioner"] == second_commissioner.pk
    assert (event.actor, event.reason) == (supervisor, "Leave")
    assert Notification.objects.filter(
        recipient=second_commissioner, kind="pledges.registration.assigned"
    ).exists()


def test_a_supervisor_reassigns_many_cases_at_once(
    make_registration, commissioner, second_commissioner, supervisor
):
    cases = [make_registration(status=Status.PRECHECK, commissioner=commissioner) for _ in range(3)]
    moved = registration_reassign(
        registrations=PledgeRegistration.objects.filter(pk__in=[c.pk for c in cases]),
        commissioner=second_commissioner,
        actor=supervisor,
        reason="Balance the queue",
    )
    assert len(moved) == 3
    assert set(PledgeRegistration.objects.values_list("commissioner", flat=True)) == {second_commissioner.pk}
    assert RegistrationEvent.objects.filter(action="reassign").count() == 3
    # One notice to the new commissioner for the batch, and one to the previous one.
    assert Notification.objects.filter(recipient=second_commissioner).count() == 1
    assert (
        Notification.objects.filter(recipient=commissioner, kind="pledges.registration.unassigned").count()
        == 1
    )


@pytest.mark.parametrize("persona", ["commissioner", "enterprise_user", "bank_a_manager", "outsider"])
def test_only_the_supervisor_may_reassign(
    request, make_registration, commissioner, second_commissioner, persona
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    with pytest.raises(ReassignmentNotAllowed):
        registration_reassign(
            registrations=[case],
            commissioner=second_commissioner,
            actor=request.getfixturevalue(persona),
            reason="",
        )
    case.refresh_from_db()
    assert case.commissioner == commissioner
    assert not RegistrationEvent.objects.filter(action="reassign").exists()


def test_reassignment_refuses_a_closed_case_or_a_target_who_is_not_a_commissioner(
    make_registration, commissioner, second_commissioner, supervisor, bank_a_officer
):
    open_case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    closed = make_registration(status=Status.REGISTERED, commissioner=commissioner)
    with pytest.raises(PledgeValidationError) as not_open:
        registration_reassign(
            registrations=[open_case, closed], commissioner=second_commissioner, actor=supervisor, reason=""
        )
    assert "registrations" in not_open.value.errors
    with pytest.raises(PledgeValidationError) as wrong_target:
        registration_reassign(
            registrations=[open_case], commissioner=bank_a_officer, actor=supervisor, reason=""
        )
    assert "commissioner" in wrong_target.value.errors
    with pytest.raises(PledgeValidationError):
        registration_reassign(registrations=[], commissioner=second_commissioner, actor=supervisor, reason="")
    open_case.refresh_from_db()
    assert open_case.commissioner == commissioner


# ---------------------------------------------------------------------------------------------------
# Completion


def _under_review(make_registration, commissioner, accepted_on: str, **fields):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner, **fields)
    _accept(case, commissioner, accepted_on)
    with freeze_time(_beijing(accepted_on, 11)):
        return registration_transition(registration=case, to=Status.UNDER_REVIEW, actor=commissioner)


def test_registered_on_time_is_not_breached(make_registration, commissioner):
    case = _under_review(make_registration, commissioner, "2026-03-02")
    with freeze_time(_beijing("2026-03-05")):
        done = registration_transition(
            registration=case,
            to=Status.REGISTERED,
            actor=commissioner,
            details={"notice_number": "2026990000321"},
        )
    assert (done.registered_on, done.completed_on, done.breached) == (
        date(2026, 3, 5),
        date(2026, 3, 5),
        False,
    )
    assert done.notice_number == "2026990000321"
    # The case has left the open set: no reminder of it is pending any more.
    assert not SlaReminder.objects.filter(registration=case, sent_at=None).exists()


def test_registered_late_is_breached(make_registration, commissioner):
    case = _under_review(make_registration, commissioner, "2026-03-02")
    with freeze_time(_beijing("2026-03-09")):
        done = registration_transition(
            registration=case,
            to=Status.REGISTERED,
            actor=commissioner,
            details={"notice_number": "2026990000322", "registered_on": "2026-03-06"},
        )
    assert (done.registered_on, done.breached) == (date(2026, 3, 6), True)
    event = RegistrationEvent.objects.get(registration=case, to_status=Status.REGISTERED)
    assert event.details == {
        "notice_number": "2026990000322",
        "registered_on": "2026-03-06",
        "breached": True,
    }


@pytest.mark.parametrize(
    ("details", "field"),
    [
        ({}, "notice_number"),
        ({"notice_number": "   "}, "notice_number"),
        ({"notice_number": "x" * 65}, "notice_number"),
        ({"notice_number": "N1", "registered_on": "2026-13-40"}, "registered_on"),
        ({"notice_number": "N1", "registered_on": "not a date"}, "registered_on"),
        ({"notice_number": "N1", "registered_on": 20260303}, "registered_on"),
        ({"notice_number": "N1", "registered_on": "2026-03-20"}, "registered_on"),  # future
        ({"notice_number": "N1", "registered_on": "2026-02-27"}, "registered_on"),  # before acceptance
    ],
)
def test_registering_needs_a_notice_number_and_a_plausible_date(
    make_registration, commissioner, details, field
):
    case = _under_review(make_registration, commissioner, "2026-03-02")
    before = model_to_dict(PledgeRegistration.objects.get(pk=case.pk))
    with freeze_time(_beijing("2026-03-04")), pytest.raises(TransitionDetailsInvalid) as invalid:
        registration_transition(registration=case, to=Status.REGISTERED, actor=commissioner, details=details)
    assert field in invalid.value.errors
    assert model_to_dict(PledgeRegistration.objects.get(pk=case.pk)) == before
    assert not RegistrationEvent.objects.filter(registration=case, to_status=Status.REGISTERED).exists()


def test_refusal_stores_the_grounds_and_whether_it_was_late(make_registration, commissioner):
    case = _under_review(make_registration, commissioner, "2026-03-02")
    with freeze_time(_beijing("2026-03-04")):
        done = registration_transition(
            registration=case,
            to=Status.REFUSED,
            actor=commissioner,
            reason="Annual fee in grace",
            details={"refusal_reasons": ["annual_fee_unpaid", "annual_fee_unpaid", "other"]},
        )
    assert done.refusal_reasons == ["annual_fee_unpaid", "other"]
    assert (done.completed_on, done.breached) == (date(2026, 3, 4), False)


def test_a_refusal_at_precheck_has_no_deadline_to_breach(make_registration, commissioner):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    done = registration_transition(
        registration=case, to=Status.REFUSED, actor=commissioner, details={"refusal_reasons": ["expired"]}
    )
    assert done.breached is None


@pytest.mark.parametrize("codes", [None, [], ["no_such_ground"], "nonsense", [1, 2], [{"a": 1}], {"x": 1}])
def test_refusal_needs_known_grounds(make_registration, commissioner, codes):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    with pytest.raises(TransitionDetailsInvalid) as invalid:
        registration_transition(
            registration=case, to=Status.REFUSED, actor=commissioner, details={"refusal_reasons": codes}
        )
    assert "refusal_reasons" in invalid.value.errors
    case.refresh_from_db()
    assert case.status == Status.PRECHECK


@pytest.mark.parametrize(
    ("kind", "outcome"),
    [
        (RegistrationKind.CHANGE, Status.CHANGED),
        (RegistrationKind.EXTENSION, Status.CHANGED),
        (RegistrationKind.CANCELLATION, Status.CANCELLED),
    ],
)
def test_registering_a_follow_up_moves_the_original_as_a_system_move(
    make_registration, commissioner, kind, outcome
):
    original = make_registration(status=Status.REGISTERED, commissioner=commissioner, notice_number="N0")
    follow_up = _under_review(make_registration, commissioner, "2026-03-02", kind=kind, original=original)
    with freeze_time(_beijing("2026-03-03")):
        registration_transition(
            registration=follow_up, to=Status.REGISTERED, actor=commissioner, details={"notice_number": "N1"}
        )
    original.refresh_from_db()
    assert original.status == outcome
    event = RegistrationEvent.objects.get(registration=original, to_status=outcome)
    assert event.actor is None
    assert event.details["follow_up_reference"] == follow_up.reference


def test_a_person_cannot_make_a_system_move(make_registration, commissioner):
    case = make_registration(status=Status.REGISTERED, commissioner=commissioner)
    with pytest.raises(TransitionNotAllowed) as refused:
        registration_transition(registration=case, to=Status.CANCELLED, actor=commissioner)
    assert refused.value.http_status == 403


def test_the_portal_cannot_make_a_persons_move(make_registration):
    case = make_registration(status=Status.PRECHECK)
    with pytest.raises(TransitionNotAllowed) as refused:
        registration_transition(registration=case, to=Status.ACCEPTED, actor=None)
    assert refused.value.http_status == 409


def test_an_unlisted_move_is_a_conflict_with_a_readable_message(make_registration, commissioner, english):
    case = make_registration(status=Status.DRAFT)
    with pytest.raises(TransitionNotAllowed) as refused:
        registration_transition(registration=case, to=Status.REGISTERED, actor=commissioner)
    assert refused.value.http_status == 409
    assert refused.value.message == "A case that is Draft cannot move to Registered."


def test_withdrawing_a_stopped_case_drops_its_pending_reminders(
    make_registration, commissioner, enterprise_user
):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    _accept(case, commissioner, "2026-03-02")
    with freeze_time(_beijing("2026-03-03")):
        registration_transition(registration=case, to=Status.NEEDS_CORRECTION, actor=commissioner)
        registration_transition(registration=case, to=Status.WITHDRAWN, actor=enterprise_user)
    assert not SlaReminder.objects.filter(registration=case).exists()


# ---------------------------------------------------------------------------------------------------
# Notices and the timeline


def test_acceptance_tells_both_parties_in_plain_words_but_not_the_actor(
    make_registration, commissioner, enterprise_user, bank_a_officer, bank_b_officer, settings
):
    settings.LANGUAGE_CODE = "en"
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
    _accept(case, commissioner, "2026-02-12")
    notices = Notification.objects.filter(kind="pledges.registration.accepted")
    assert {notice.recipient for notice in notices} == {enterprise_user, bank_a_officer}
    notice = notices.get(recipient=enterprise_user)
    assert notice.subject == f"Your pledge registration {case.reference} was accepted"
    assert "2026-02-24" in notice.body
    assert not Notification.objects.filter(recipient=bank_b_officer).exists()
    assert not Notification.objects.filter(
        recipient=commissioner, kind="pledges.registration.accepted"
    ).exists()


def test_a_cure_by_the_enterprise_tells_the_commissioner(make_registration, commissioner, enterprise_user):
    case = make_registration(status=Status.NEEDS_CORRECTION, commissioner=commissioner)
    registration_transition(
        registration=case, to=Status.CORRECTED, actor=enterprise_user, reason="Sealed copy"
    )
    assert Notification.objects.filter(recipient=commissioner, kind="pledges.registration.corrected").exists()


def test_every_move_is_on_the_timeline_with_actor_reason_and_time(
    make_registration, enterprise_user, bank_a_officer, commissioner
):
    case = make_registration(status=Status.DRAFT)
    registration_transition(
        registration=case, to=Status.AWAITING_PLEDGEE, actor=enterprise_user, reason="Ready"
    )
    registration_transition(registration=case, to=Status.DRAFT, actor=bank_a_officer, reason="Wrong amount")
    events = list(RegistrationEvent.objects.filter(registration=case).order_by("at", "id"))
    assert [(e.from_status, e.to_status, e.actor, e.reason) for e in events] == [
        (Status.DRAFT, Status.AWAITING_PLEDGEE, enterprise_user, "Ready"),
        (Status.AWAITING_PLEDGEE, Status.DRAFT, bank_a_officer, "Wrong amount"),
    ]
    assert all(event.at for event in events)


# ---------------------------------------------------------------------------------------------------
# Case numbers


def test_case_numbers_run_per_year_and_continue_after_stored_ones(make_registration):
    make_registration(reference="ZY-2025-000041")
    assert next_reference(year=2025) == "ZY-2025-000042"
    assert next_reference(year=2025) == "ZY-2025-000043"
    assert next_reference(year=2024) == "ZY-2024-000001"
    assert ReferenceCounter.objects.get(year=2025).last == 43
