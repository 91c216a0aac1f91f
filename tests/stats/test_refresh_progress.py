"""The overview's "figures as of" card follows a refresh: waiting for a worker, running (it polls itself),
done (a link to the new figures), failed (said so, with the button to try again). Issue 11: progress on
every long operation."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import timezone

from stats import rollup
from stats.models import Snapshot, SnapshotStatus
from tests.stats.page_world import disbursed_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(bank_a_branch, enterprise, bank_a_officer):
    disbursed_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        amount="1000000.00",
        on=date(2026, 3, 31),
        actor=bank_a_officer,
    )
    return rollup.refresh(trigger="test")


def _overview(client, **params):
    return client.get(reverse("stats:overview"), {"period": "2026", **params}, HTTP_ACCEPT_LANGUAGE="en")


def _status(client, **params):
    return client.get(reverse("stats:refresh-status"), params, HTTP_ACCEPT_LANGUAGE="en")


def test_a_running_refresh_polls_and_then_links_to_the_new_figures(client, world, joint_office_viewer):
    running = Snapshot.objects.create(trigger="schedule")
    client.force_login(joint_office_viewer)
    html = _overview(client).content.decode()
    assert 'data-testid="refresh-running"' in html and 'data-testid="refresh-progress-bar"' in html
    assert f'hx-get="/stats/refresh/status/?period=2026&amp;seen={world.pk}"' in html
    assert 'data-testid="refresh"' not in html  # a second request would only wait for this one

    running.delete()  # the worker ends it: here, a refresh made after it
    fresh = rollup.refresh(trigger="test")
    card = _status(client, period="2026", seen=world.pk)
    body = card.content.decode()
    assert card.status_code == 200 and "<html" not in body
    assert 'data-testid="refresh-done"' in body and 'href="/stats/?period=2026"' in body
    assert "hx-get" not in body and 'data-testid="refresh"' in body
    assert 'data-testid="refresh-done"' not in _status(client, seen=fresh.pk).content.decode()


def test_a_requested_refresh_waits_for_a_worker_then_is_done(client, world, joint_office_viewer):
    client.force_login(joint_office_viewer)
    # The task is queued after the commit, which the test transaction never reaches: no worker took it.
    assert client.post(reverse("stats:refresh")).status_code == 302
    html = _overview(client).content.decode()
    assert "Waiting for a worker to start the recomputation." in html and "hx-get" in html

    fresh = rollup.refresh(trigger="staff", user=joint_office_viewer)
    body = _status(client, period="2026", seen=world.pk).content.decode()
    assert "Waiting for a worker" not in body and "hx-get" not in body
    assert 'data-testid="refresh-done"' in body
    assert rollup.current() == fresh


def test_a_failed_refresh_is_said_with_the_button_to_try_again(client, world, joint_office_viewer):
    Snapshot.objects.create(trigger="schedule", status=SnapshotStatus.FAILED, finished_at=timezone.now())
    client.force_login(joint_office_viewer)
    html = _overview(client).content.decode()
    assert (
        'data-testid="refresh-failed"' in html and "the figures shown are from the refresh before it" in html
    )
    assert 'data-testid="refresh"' in html and "hx-get" not in html
    rollup.refresh(trigger="test")
    assert 'data-testid="refresh-failed"' not in _overview(client).content.decode()


def test_a_bank_manager_follows_the_refresh_but_cannot_start_one(client, world, bank_a_manager):
    Snapshot.objects.create(trigger="schedule")
    client.force_login(bank_a_manager)
    body = _status(client, seen=world.pk).content.decode()
    assert 'data-testid="refresh-running"' in body and 'data-testid="refresh"' not in body


def test_an_enterprise_cannot_read_the_refresh_status(client, world, enterprise_user):
    client.force_login(enterprise_user)
    assert _status(client).status_code == 403
