"""The reminders a clock owes, and the sweep that sends them: once, in office hours, on working days."""

import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from freezegun import freeze_time

from pledges.models import ReminderPoint, SlaReminder, Status
from pledges.services.sla import sla_sweep
from pledges.services.workflow import registration_transition
from pledges.tasks import sla_sweep_task
from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from portal.notifications.models import Notification
from portal.policy.models import Channel
from tests.pledges import factories_workflow

# The shared fixtures of this area, bound here so pytest finds them.
make_registration = factories_workflow.make_registration
supervisor = factories_workflow.supervisor


BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: str, clock: str = "10:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=BEIJING)


def _accepted(make_registration, commissioner, day: str, **fields):
    case = make_registration(status=Status.PRECHECK, commissioner=commissioner, **fields)
    with freeze_time(at(day)):
        return registration_transition(registration=case, to=Status.ACCEPTED, actor=commissioner)


def _owed(case) -> dict[str, date]:
    return dict(SlaReminder.objects.filter(registration=case).values_list("point", "due_on"))


def _sla_notices(**filters):
    return Notification.objects.filter(kind__startswith="pledges.sla.", **filters)


# ---------------------------------------------------------------------------------------------------
# What a clock owes


def test_a_three_working_day_case_owes_half_time_due_today_overdue_and_escalation(
    make_registration, commissioner
):
    case = _accepted(make_registration, commissioner, "2026-02-12")  # E1, due 24 Feb
    assert _owed(case) == {
        ReminderPoint.HALF_TIME: date(2026, 2, 14),  # the makeup Saturday is the second working day
        ReminderPoint.DUE_TODAY: date(2026, 2, 24),
        ReminderPoint.OVERDUE: date(2026, 2, 25),
        ReminderPoint.ESCALATED: date(2026, 2, 25),
    }


def test_a_one_working_day_case_has_no_half_time_reminder(make_registration, commissioner):
    case = _accepted(make_registration, commissioner, "2026-04-30", channel=Channel.ONLINE)  # E2, due 6 May
    assert _owed(case) == {
        ReminderPoint.DUE_TODAY: date(2026, 5, 6),
        ReminderPoint.OVERDUE: date(2026, 5, 7),
        ReminderPoint.ESCALATED: date(2026, 5, 7),
    }


def test_overdue_falls_on_the_first_working_day_after_the_due_date(make_registration, commissioner):
    case = _accepted(make_registration, commissioner, "2026-09-24")  # due Wed 30 Sep (25-27 Sep off)
    assert _owed(case)[ReminderPoint.OVERDUE] == date(2026, 10, 8)  # after the National Day holiday


def test_only_the_configured_points_are_owed_and_escalation_always(make_registration, commissioner, settings):
    settings.SLA_REMINDER_POINTS = ["overdue"]
    case = _accepted(make_registration, commissioner, "2026-02-12")
    assert set(_owed(case)) == {ReminderPoint.OVERDUE, ReminderPoint.ESCALATED}


# ---------------------------------------------------------------------------------------------------
# The sweep


def test_the_sweep_sends_each_reminder_once(make_registration, commissioner):
    case = _accepted(make_registration, commissioner, "2026-02-12")

    assert sla_sweep(now=at("2026-02-24")) == 2  # half time (owed since 14 Feb) and due today
    assert sla_sweep(now=at("2026-02-24", "10:05")) == 0

    notices = _sla_notices(recipient=commissioner)
    assert sorted(notices.values_list("kind", flat=True)) == [
        "pledges.sla.due_today",
        "pledges.sla.half_time",
    ]
    assert case.reference in notices.get(kind="pledges.sla.due_today").subject
    sent = SlaReminder.objects.filter(registration=case, sent_at__isnull=False)
    assert set(sent.values_list("point", flat=True)) == {ReminderPoint.HALF_TIME, ReminderPoint.DUE_TODAY}


def test_reminders_wait_for_office_hours(make_registration, commissioner):
    _accepted(make_registration, commissioner, "2026-02-12")
    assert sla_sweep(now=at("2026-02-24", "08:59")) == 0
    assert sla_sweep(now=at("2026-02-24", "17:30")) == 0
    assert sla_sweep(now=at("2026-02-24", "23:00")) == 0
    assert not _sla_notices().exists()
    assert sla_sweep(now=at("2026-02-24", "17:29")) == 2


def test_office_hours_are_configurable(make_registration, commissioner, settings):
    settings.SLA_OFFICE_HOURS = "08:00-12:00"
    _accepted(make_registration, commissioner, "2026-02-12")
    assert sla_sweep(now=at("2026-02-24", "12:30")) == 0
    assert sla_sweep(now=at("2026-02-24", "08:30")) == 2


def test_reminders_wait_through_holidays_and_weekends_but_go_out_on_a_makeup_day(
    make_registration, commissioner
):
    _accepted(make_registration, commissioner, "2026-02-12")
    assert sla_sweep(now=at("2026-02-13")) == 0  # half time is owed from the 14th
    assert sla_sweep(now=at("2026-02-16")) == 0  # Spring Festival
    assert sla_sweep(now=at("2026-02-22")) == 0  # Sunday inside the holiday
    assert sla_sweep(now=at("2026-02-14")) == 1  # makeup Saturday: a working day
    assert _sla_notices(kind="pledges.sla.half_time").count() == 1


def test_a_stopped_clock_sends_nothing_and_keeps_its_reminders(make_registration, commissioner):
    case = _accepted(make_registration, commissioner, "2026-02-12")
    with freeze_time(at("2026-02-13")):
        registration_transition(registration=case, to=Status.NEEDS_CORRECTION, actor=commissioner)
    assert sla_sweep(now=at("2026-02-25")) == 0
    assert not _sla_notices().exists()
    assert SlaReminder.objects.filter(registration=case, sent_at=None).count() == 4


def test_a_closed_case_sends_nothing(make_registration, commissioner):
    case = _accepted(make_registration, commissioner, "2026-02-12")
    with freeze_time(at("2026-02-13")):
        registration_transition(registration=case, to=Status.UNDER_REVIEW, actor=commissioner)
        registration_transition(
            registration=case, to=Status.REFUSED, actor=commissioner, details={"refusal_reasons": ["other"]}
        )
    assert sla_sweep(now=at("2026-02-25")) == 0


def test_an_overdue_case_reminds_the_commissioner_and_escalates_to_the_office_supervisor(
    make_registration, commissioner, supervisor, make_user
):
    other_office = organisation_create(name="另一登记窗口", kind=OrgKind.REGISTRATION_OFFICE)
    other_supervisor = make_user("other_supervisor", other_office, Role.REGISTRATION_SUPERVISOR)
    case = _accepted(make_registration, commissioner, "2026-02-12")

    assert sla_sweep(now=at("2026-02-25")) == 4

    assert set(_sla_notices(recipient=commissioner).values_list("kind", flat=True)) == {
        "pledges.sla.half_time",
        "pledges.sla.due_today",
        "pledges.sla.overdue",
    }
    escalation = _sla_notices(kind="pledges.sla.escalated").get()
    assert escalation.recipient == supervisor
    assert case.reference in escalation.subject
    assert not _sla_notices(recipient=other_supervisor).exists()


def test_reminders_of_an_unassigned_case_go_to_the_supervisors(make_registration, commissioner, supervisor):
    case = _accepted(make_registration, commissioner, "2026-02-12")
    case.commissioner = None
    case.save(update_fields=["commissioner"])
    assert sla_sweep(now=at("2026-02-24")) == 2
    assert set(_sla_notices().values_list("recipient", flat=True)) == {supervisor.pk}


def test_the_sweep_works_through_every_batch(make_registration, commissioner):
    for _ in range(5):
        _accepted(make_registration, commissioner, "2026-02-12")
    assert sla_sweep(now=at("2026-02-24"), batch_size=2) == 10
    assert not SlaReminder.objects.filter(due_on__lte=date(2026, 2, 24), sent_at=None).exists()


def test_the_beat_task_runs_the_sweep(make_registration, commissioner):
    _accepted(make_registration, commissioner, "2026-02-12")
    with freeze_time(at("2026-02-24")):
        assert sla_sweep_task.delay().get() == 2


def test_a_restarted_clock_reminds_only_for_the_new_due_date(
    make_registration, commissioner, enterprise_user
):
    case = _accepted(make_registration, commissioner, "2026-03-02")  # due 5 March
    with freeze_time(at("2026-03-03")):
        registration_transition(registration=case, to=Status.NEEDS_CORRECTION, actor=commissioner)
    with freeze_time(at("2026-03-05")):
        registration_transition(registration=case, to=Status.CORRECTED, actor=enterprise_user)
    with freeze_time(at("2026-03-06")):
        registration_transition(registration=case, to=Status.ACCEPTED, actor=commissioner)  # due 10 March
    assert sla_sweep(now=at("2026-03-06")) == 0  # old clock's "due today" on the 5th is gone
    assert sla_sweep(now=at("2026-03-09")) == 1  # half time of the new clock (2 WD after the 5th)
    assert sla_sweep(now=at("2026-03-10")) == 1  # due today
    assert _sla_notices(kind="pledges.sla.due_today").get().subject.count("2026-03-10") == 1


# ---------------------------------------------------------------------------------------------------
# Two sweeps at once (row locks: PostgreSQL only)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_send_each_reminder_once(make_registration, commissioner, supervisor):
    cases = [_accepted(make_registration, commissioner, "2026-02-12") for _ in range(20)]
    owed = SlaReminder.objects.filter(registration__in=cases, due_on__lte=date(2026, 2, 25)).count()
    start = threading.Barrier(2)
    results: list[int] = []
    errors: list[BaseException] = []

    def sweep():
        try:
            start.wait()
            results.append(sla_sweep(now=at("2026-02-25"), batch_size=7))
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert sum(results) == owed == 80
    assert _sla_notices().count() == owed
    assert not SlaReminder.objects.filter(sent_at=None, due_on__lte=date(2026, 2, 25)).exists()
