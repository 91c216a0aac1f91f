"""The finance bureau allocates a batch's budget (issue 6: "a budget allocated by the finance bureau"):
never below what approvals have reserved, naming its notice, with an event; nobody else may."""

from decimal import Decimal

import pytest
from django.urls import reverse

from subsidies.batches import batch_budget_allocate
from subsidies.errors import SubsidyInvalid, SubsidyNotAllowed
from subsidies.models import Batch, BatchEvent
from subsidies.review import review_decide
from tests.subsidies.factories import proposed_application

pytestmark = pytest.mark.django_db
D = Decimal


def test_finance_allocates_the_budget_with_its_notice_and_an_event(batch, finance_officer):
    batch_budget_allocate(
        batch=batch, actor=finance_officer, budget=D("2500000.00"), source="京财科文〔2026〕9号"
    )
    batch = Batch.objects.get(pk=batch.pk)
    assert (batch.budget, batch.budget_source) == (D("2500000.00"), "京财科文〔2026〕9号")
    event = BatchEvent.objects.get(batch=batch, action="budget_allocated")
    assert event.actor == finance_officer and event.details["budget"] == ["1000000.00", "2500000.00"]


def test_only_finance_allocates(batch, reviewer):
    with pytest.raises(SubsidyNotAllowed):
        batch_budget_allocate(batch=batch, actor=reviewer, budget=D("1.00"), source="x")


def test_the_budget_cannot_go_below_what_is_reserved(
    batch, settled_loan, enterprise_user, reviewer, second_reviewer, finance_officer
):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    review_decide(application=application, actor=second_reviewer, approve=True)  # reserves 87,500.00
    with pytest.raises(SubsidyInvalid) as refused:
        batch_budget_allocate(batch=batch, actor=finance_officer, budget=D("80000.00"), source="x")
    assert "budget" in refused.value.errors
    batch_budget_allocate(batch=batch, actor=finance_officer, budget=D("87500.00"), source="x")
    assert Batch.objects.get(pk=batch.pk).remaining == D("0.00")


def test_the_notice_is_required(batch, finance_officer):
    with pytest.raises(SubsidyInvalid) as refused:
        batch_budget_allocate(batch=batch, actor=finance_officer, budget=D("1.00"), source=" ")
    assert "budget_source" in refused.value.errors


def test_the_batch_page_offers_finance_the_form(client, batch, finance_officer, reviewer):
    url = reverse("subsidies:batch-detail", args=[batch.pk])
    client.force_login(finance_officer)
    assert b'data-testid="budget-form"' in client.get(url).content
    response = client.post(
        reverse("subsidies:batch-budget", args=[batch.pk]),
        {
            "budget-budget": "3000000.00",
            "budget-budget_source": "京财科文〔2026〕9号",
            "budget-reason": "追加",
        },
    )
    assert response.status_code == 302 and Batch.objects.get(pk=batch.pk).budget == D("3000000.00")
    bad = client.post(
        reverse("subsidies:batch-budget", args=[batch.pk]),
        {"budget-budget": "-1", "budget-budget_source": ""},
    )
    assert bad.status_code == 400 and Batch.objects.get(pk=batch.pk).budget == D("3000000.00")
    client.force_login(reviewer)
    assert b'data-testid="budget-form"' not in client.get(url).content
    assert client.post(reverse("subsidies:batch-budget", args=[batch.pk]), {}).status_code == 403
