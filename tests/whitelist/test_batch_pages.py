"""The batch pages: create from a run, decide in bulk, submit, publish by another member of staff."""

import pytest
from django.urls import reverse

from tests.whitelist.factories import NEXT_YEAR
from whitelist.batches import batch_create, batch_submit, entries_decide
from whitelist.models import Batch, BatchStatus, Decision

pytestmark = pytest.mark.django_db


def test_staff_create_a_batch_from_a_run_and_see_it_listed(client, reviewer, run):
    client.force_login(reviewer)
    assert client.get(reverse("whitelist:batch_list")).status_code == 200
    response = client.post(
        reverse("whitelist:batch_list"), {"run": run.pk, "valid_until": NEXT_YEAR.isoformat()}
    )
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "whitelist:batch_detail", args=[batch.pk]
    )
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "白名单企业0" in page.content.decode()


def test_a_past_validity_date_is_refused_with_the_input_kept(client, reviewer, run):
    client.force_login(reviewer)
    response = client.post(reverse("whitelist:batch_list"), {"run": run.pk, "valid_until": "2020-01-01"})
    assert response.status_code == 400
    assert "2020-01-01" in response.content.decode()
    assert not Batch.objects.exists()


def test_bulk_decisions_submit_and_publication_by_another(client, reviewer, promotion_officer, run):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    ids = list(batch.entries.values_list("pk", flat=True))
    client.force_login(reviewer)
    url = reverse("whitelist:batch_decide", args=[batch.pk])
    refused = client.post(url, {"entries": ids[:1], "decision": Decision.EXCLUDED, "reason": ""})
    assert refused.status_code == 400
    assert client.post(url, {"entries": ids[:2], "decision": Decision.INCLUDED}).status_code == 302
    assert (
        client.post(
            url, {"entries": ids[2:], "decision": Decision.EXCLUDED, "reason": "risk_signal"}
        ).status_code
        == 302
    )
    assert client.post(reverse("whitelist:batch_submit", args=[batch.pk])).status_code == 302
    detail = client.get(reverse("whitelist:batch_detail", args=[batch.pk]))
    assert 'data-testid="four-eyes"' in detail.content.decode()
    assert client.post(reverse("whitelist:batch_publish", args=[batch.pk])).status_code == 403
    client.force_login(promotion_officer)
    assert client.post(reverse("whitelist:batch_publish", args=[batch.pk])).status_code == 302
    batch.refresh_from_db()
    assert (batch.status, batch.published_count) == (BatchStatus.PUBLISHED, 2)
    filtered = client.get(reverse("whitelist:batch_detail", args=[batch.pk]), {"decision": "excluded"})
    assert filtered.status_code == 200 and filtered.context["page"].paginator.count == 1


def test_submitting_with_enterprises_left_to_review_says_how_many(client, reviewer, run):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    client.force_login(reviewer)
    response = client.post(reverse("whitelist:batch_submit", args=[batch.pk]))
    assert response.status_code == 400
    assert "3" in next(str(m) for m in response.context["messages"])


def test_send_back_needs_a_reason(client, reviewer, promotion_officer, run):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    entries_decide(
        batch=batch,
        entry_ids=list(batch.entries.values_list("pk", flat=True)),
        decision=Decision.INCLUDED,
        actor=reviewer,
    )
    batch_submit(batch=batch, actor=reviewer)
    client.force_login(promotion_officer)
    url = reverse("whitelist:batch_send_back", args=[batch.pk])
    assert client.post(url, {"reason": ""}).status_code == 400
    assert client.post(url, {"reason": "请复核"}).status_code == 302
    batch.refresh_from_db()
    assert batch.status == BatchStatus.REVIEWING


def test_outsiders_are_refused_and_unknown_batches_are_404(
    client, bank_a_officer, enterprise_user, reviewer, run
):
    batch = batch_create(run=run, actor=reviewer, valid_until=NEXT_YEAR)
    for outsider in (bank_a_officer, enterprise_user):
        client.force_login(outsider)
        assert client.get(reverse("whitelist:batch_list")).status_code == 403
        assert client.get(reverse("whitelist:batch_detail", args=[batch.pk])).status_code == 403
        assert client.post(reverse("whitelist:batch_submit", args=[batch.pk])).status_code == 403
    client.force_login(reviewer)
    assert client.get(reverse("whitelist:batch_detail", args=[batch.pk + 99])).status_code == 404
    client.logout()
    assert client.get(reverse("whitelist:batch_list")).status_code == 302
