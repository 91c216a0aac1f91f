"""One run at a time for every periodic task (security.md check 35): a second run that finds the first
still working returns at once; two concurrent SLA sweeps send each escalation once."""

import importlib
import threading
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from freezegun import freeze_time

from pledges.models import SlaReminder, Status
from pledges.services.workflow import registration_transition
from pledges.tasks import sla_sweep_task
from portal.celery import app as celery_app
from portal.locks import advisory_lock, lock_key, single_run
from portal.notifications.models import Notification
from tests.pledges import factories_workflow

make_registration = factories_workflow.make_registration
supervisor = factories_workflow.supervisor

BEIJING = ZoneInfo("Asia/Shanghai")


def _task(name: str):
    importlib.import_module(name.rpartition(".")[0])  # registers the module's tasks
    return celery_app.tasks[name]


def test_every_beat_task_takes_its_lock():
    for entry in settings.CELERY_BEAT_SCHEDULE.values():
        task = _task(entry["task"])
        if entry["task"] == "portal.tasks.heartbeat":
            # Not locked: it only stamps the cache (twice is harmless), and it must prove the worker alive
            # without needing the database.
            continue
        assert hasattr(task.run, "__wrapped__"), f"{entry['task']} is not wrapped in portal.locks.single_run"


def test_lock_keys_are_stable_signed_64_bit_numbers():
    assert lock_key("pledges.tasks.sla_sweep_task") == lock_key("pledges.tasks.sla_sweep_task")
    assert lock_key("a") != lock_key("b")
    assert -(2**63) <= lock_key("a") < 2**63


def _held_elsewhere(name: str, body):
    """Run ``body`` while another thread (another database session) holds the lock ``name``."""
    taken, done = threading.Event(), threading.Event()
    errors: list[BaseException] = []

    def hold():
        try:
            with advisory_lock(name) as held:
                assert held
                taken.set()
                done.wait(timeout=30)
        except BaseException as exc:
            errors.append(exc)
            taken.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert taken.wait(timeout=30)
        return body()
    finally:
        done.set()
        holder.join()
        assert not errors


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_second_run_returns_at_once_while_the_first_holds_the_lock(caplog):
    calls = []

    @single_run("tests.locked-sweep")
    def sweep():
        calls.append(1)
        return 7

    with caplog.at_level("INFO", logger="portal.locks"):
        assert _held_elsewhere("tests.locked-sweep", sweep) is None
    assert calls == []
    assert "tests.locked-sweep skipped" in caplog.text
    assert sweep() == 7  # released: the next run works


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL advisory locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sla_sweeps_at_once_escalate_each_registration_once(make_registration, commissioner, supervisor):
    cases = []
    for _ in range(12):
        case = make_registration(status=Status.PRECHECK, commissioner=commissioner)
        with freeze_time(datetime(2026, 2, 12, 10, tzinfo=BEIJING)):
            cases.append(registration_transition(registration=case, to=Status.ACCEPTED, actor=commissioner))
    owed = SlaReminder.objects.filter(registration__in=cases, due_on__lte=date(2026, 2, 25)).count()
    start = threading.Barrier(2)
    results: list[int | None] = []
    errors: list[BaseException] = []

    def sweep():
        try:
            start.wait()
            results.append(sla_sweep_task())
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    with freeze_time(datetime(2026, 2, 25, 10, tzinfo=BEIJING)):
        threads = [threading.Thread(target=sweep) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert not errors
    assert sum(result or 0 for result in results) == owed == 48
    escalations = Notification.objects.filter(kind="pledges.sla.escalated")
    assert escalations.count() == len(cases)
    assert set(escalations.values_list("recipient", flat=True)) == {supervisor.pk}
    assert all(count == 1 for count in _escalations_per_case(cases).values())


def _escalations_per_case(cases) -> dict[str, int]:
    subjects = list(
        Notification.objects.filter(kind="pledges.sla.escalated").values_list("subject", flat=True)
    )
    return {case.reference: sum(case.reference in subject for subject in subjects) for case in cases}
