"""A parameter correction recomputes the batch's open applications in a Celery task; the batch page shows
how far it is (open applications on the new version out of all open ones), polls while it runs, and says
when it failed, with a way to start it again (issue 11: progress on every long operation)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from subsidies.batches import batch_parameters_correct, current_parameters
from subsidies.models import BatchEvent, BatchParameters
from subsidies.tasks import batch_recompute_task
from tests.subsidies.factories import refreshed, submitted_application

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def client(client):
    """The pages' texts are compared in English (the portal's default language is Chinese)."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _progress(client, batch):
    return client.get(reverse("subsidies:batch-recompute-progress", args=[batch.pk]))


def test_a_batch_never_corrected_shows_no_recomputation(client, batch, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("subsidies:batch-detail", args=[batch.pk]))
    assert page.status_code == 200 and 'data-testid="recompute-progress"' not in page.content.decode()


def test_a_queued_recomputation_shows_its_counts_and_polls_until_done(
    client, batch, settled_loan, enterprise_user, reviewer
):
    application = submitted_application(batch, enterprise_user, settled_loan)
    # Not run: the task is published after the commit, which the test transaction never reaches.
    batch_parameters_correct(batch=batch, actor=reviewer, changes={"interest_ratio": "0.4"}, reason="勘误")
    client.force_login(reviewer)
    page = client.get(reverse("subsidies:batch-detail", args=[batch.pk])).content.decode()
    assert 'data-testid="recompute-progress"' in page and 'hx-trigger="every 2s"' in page
    assert "0 of 1 open applications on the current parameters (0%)." in page
    assert "Recomputation under version 2" in page

    batch_recompute_task.apply(args=[batch.pk])

    card = _progress(client, batch)
    body = card.content.decode()
    assert card.status_code == 200 and "<html" not in body
    assert "1 of 1 open applications on the current parameters (100%)." in body
    assert "hx-get" not in body and "Every open application uses the current parameters." in body
    assert refreshed(application).calculated == Decimal("70000.00")


def test_a_failed_recomputation_says_so_and_a_manager_starts_it_again(
    client, batch, settled_loan, enterprise_user, reviewer
):
    submitted_application(batch, enterprise_user, settled_loan)
    # A version the calculation cannot use (its values lost): the task fails for real.
    broken = BatchParameters.objects.create(
        batch=batch,
        version=current_parameters(batch).version + 1,
        values={},
        reason="broken",
        created_by=reviewer,
    )
    result = batch_recompute_task.apply(args=[batch.pk], throw=False)
    assert result.failed()
    failure = BatchEvent.objects.get(batch=batch, action="recompute_failed")
    assert failure.details["version"] == broken.version

    client.force_login(reviewer)
    body = _progress(client, batch).content.decode()
    assert (
        'data-testid="recompute-failed"' in body
        and "1 open application still uses the earlier parameters" in body
    )
    assert "hx-get" not in body and 'data-testid="recompute-restart"' in body

    broken.values = BatchParameters.objects.get(batch=batch, version=1).values  # the cause fixed
    broken.save()
    response = client.post(reverse("subsidies:batch-recompute-restart", args=[batch.pk]))
    assert response.status_code == 302
    assert BatchEvent.objects.filter(batch=batch, action="recompute_restarted", actor=reviewer).exists()
    body = _progress(client, batch).content.decode()
    assert 'data-testid="recompute-failed"' not in body and "hx-get" in body  # queued again, polling

    batch_recompute_task.apply(args=[batch.pk])
    assert "Every open application uses the current parameters." in _progress(client, batch).content.decode()


def test_a_restart_without_a_failure_is_refused(client, batch, reviewer):
    client.force_login(reviewer)
    response = client.post(reverse("subsidies:batch-recompute-restart", args=[batch.pk]), follow=True)
    assert "No recomputation of this batch has failed." in response.content.decode()
    assert not BatchEvent.objects.filter(batch=batch, action="recompute_restarted").exists()


def test_an_enterprise_or_a_bank_cannot_read_the_progress(client, batch, enterprise_user, bank_a_officer):
    for user in (enterprise_user, bank_a_officer):
        client.force_login(user)
        assert _progress(client, batch).status_code == 403


def test_a_viewer_sees_the_failure_but_cannot_restart(
    client, batch, settled_loan, enterprise_user, reviewer, joint_office_viewer
):
    submitted_application(batch, enterprise_user, settled_loan)
    BatchParameters.objects.create(batch=batch, version=2, values={}, reason="broken", created_by=reviewer)
    batch_recompute_task.apply(args=[batch.pk], throw=False)
    client.force_login(joint_office_viewer)
    body = _progress(client, batch).content.decode()
    assert 'data-testid="recompute-failed"' in body and 'data-testid="recompute-restart"' not in body
    assert client.post(reverse("subsidies:batch-recompute-restart", args=[batch.pk])).status_code == 403
