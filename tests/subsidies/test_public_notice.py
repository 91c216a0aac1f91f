"""The public notice (公示): anyone sees the running notices with the enterprises, their districts and
approved amounts, and may lodge an objection (CSRF-protected, throttled per client address); nothing
else of any application is shown."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from subsidies import payments, review
from subsidies.models import ApplicationEvent, Objection, Publicity
from tests.subsidies.factories import make_settled_loan, proposed_application, refreshed

pytestmark = pytest.mark.django_db
URL = "/subsidies/notice/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def on_notice(batch, settled_loan, enterprise_user, reviewer, second_reviewer):
    application = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    review.review_decide(application=application, actor=second_reviewer, approve=True)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    return refreshed(application), publicity


@pytest.fixture
def not_on_notice(batch, outsider, other_enterprise, bank_a_branch, bank_a_officer, reviewer):
    """Another enterprise's application, proposed at 50,000.00 but not approved: never on the notice."""
    loan = make_settled_loan(
        bank=bank_a_branch,
        enterprise=other_enterprise,
        actor=bank_a_officer,
        contract="HT-2025-777",
        interest_paid=Decimal("100000.00"),
    )
    return proposed_application(batch, outsider, loan, reviewer)


def form_data(publicity, application, **overrides):
    prefix = f"n{publicity.pk}"
    data = {
        f"{prefix}-application": str(application.pk),
        f"{prefix}-name": "李某",
        f"{prefix}-contact": "13900001111",
        f"{prefix}-text": "该企业已迁出北京",
    }
    data.update({f"{prefix}-{key}": value for key, value in overrides.items()})
    return data


def test_the_notice_page_needs_no_login_and_says_when_nothing_runs(client):
    assert reverse("subsidies:public-notice") == URL
    response = client.get(URL)
    assert response.status_code == 200 and 'data-testid="no-notice"' in response.content.decode()


def test_the_notice_shows_enterprise_district_and_amount_and_nothing_else(
    client, on_notice, not_on_notice, enterprise, other_enterprise
):
    application, publicity = on_notice
    response = client.get(URL)
    page = response.content.decode()
    assert response.status_code == 200
    assert enterprise.name in page and enterprise.get_district_display() in page and "87,500.00" in page
    assert publicity.starts_on.isoformat() in page and publicity.ends_on.isoformat() in page
    # The other enterprise's application is not on notice: neither its name nor its amount appear,
    # nor anything of the bank account of the one that is.
    assert other_enterprise.name not in page and "50,000.00" not in page
    assert application.bank_account_number not in page and application.contact_phone not in page
    assert [row.pk for row in response.context["notices"][0]["applications"]] == [application.pk]


def test_anyone_lodges_an_objection(client, on_notice):
    application, publicity = on_notice
    response = client.post(
        reverse("subsidies:objection-lodge", args=[publicity.pk]), form_data(publicity, application)
    )
    assert response.status_code == 302 and response["Location"] == URL
    objection = Objection.objects.get()
    assert (objection.application, objection.name, objection.text) == (
        application,
        "李某",
        "该企业已迁出北京",
    )
    assert ApplicationEvent.objects.filter(application=application, action="objection_lodged").exists()


def test_an_incomplete_objection_is_refused_with_the_input_kept(client, on_notice):
    application, publicity = on_notice
    response = client.post(
        reverse("subsidies:objection-lodge", args=[publicity.pk]), form_data(publicity, application, text="")
    )
    assert response.status_code == 400
    assert "李某" in response.content.decode() and "13900001111" in response.content.decode()
    assert not Objection.objects.exists()


def test_an_application_not_on_the_notice_cannot_be_objected_to(client, on_notice, not_on_notice):
    _application, publicity = on_notice
    response = client.post(
        reverse("subsidies:objection-lodge", args=[publicity.pk]), form_data(publicity, not_on_notice)
    )
    assert response.status_code == 400 and not Objection.objects.exists()


def test_an_ended_notice_takes_no_objection_and_an_unknown_one_is_404(client, on_notice):
    application, publicity = on_notice
    Publicity.objects.filter(pk=publicity.pk).update(
        starts_on=timezone.localdate() - timedelta(days=30), ends_on=timezone.localdate() - timedelta(days=1)
    )
    page = client.get(URL)
    assert page.context["notices"][0]["form"] is None
    response = client.post(
        reverse("subsidies:objection-lodge", args=[publicity.pk]), form_data(publicity, application)
    )
    assert response.status_code == 400 and not Objection.objects.exists()
    Publicity.objects.filter(pk=publicity.pk).update(closed_at=timezone.now())
    response = client.post(
        reverse("subsidies:objection-lodge", args=[publicity.pk]), form_data(publicity, application)
    )
    assert response.status_code == 404


def test_an_objection_without_the_csrf_token_is_refused(on_notice):
    application, publicity = on_notice
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(
        reverse("subsidies:objection-lodge", args=[publicity.pk]), form_data(publicity, application)
    )
    assert response.status_code == 403 and not Objection.objects.exists()


def test_objections_are_throttled_per_client_address(client, on_notice, settings):
    application, publicity = on_notice
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {
            **settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],
            "subsidy_objection": "2/hour",
        },
    }
    target = reverse("subsidies:objection-lodge", args=[publicity.pk])
    for _attempt in range(2):
        assert (
            client.post(target, form_data(publicity, application), REMOTE_ADDR="203.0.113.5").status_code
            == 302
        )
    refused = client.post(target, form_data(publicity, application), REMOTE_ADDR="203.0.113.5")
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Objection.objects.count() == 2
    # Another address is not held back.
    assert (
        client.post(target, form_data(publicity, application), REMOTE_ADDR="203.0.113.6").status_code == 302
    )
