"""The pages: happy paths, another organisation's object (404), a wrong role (403), bad input (400)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from freezegun import freeze_time

from matchmaking.models import Demand, DemandStatus, Registration
from matchmaking.services import demands, events
from tests.conftest import PASSWORD
from tests.matchmaking.factories import D, event_values, posted, published_event

pytestmark = pytest.mark.django_db


def _client(client, user):
    """Signed in, reading the pages in English (the portal's default language is Chinese)."""
    client.force_login(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def claimed(enterprise_user, bank_a_officer):
    demand = posted(enterprise_user)
    demands.demand_claim(demand=demand, actor=bank_a_officer)
    demands.contact_log(
        demand=demand,
        actor=bank_a_officer,
        values={"contacted_on": timezone.localdate(), "channel": "phone", "summary": "首次电话沟通"},
    )
    return Demand.objects.get(pk=demand.pk)


def test_enterprise_posts_a_need(client, enterprise_user):
    page = _client(client, enterprise_user)
    assert page.get(reverse("matchmaking:demand-new")).status_code == 200
    response = page.post(
        reverse("matchmaking:demand-new"),
        {"amount": "2000000", "term_months": "12", "purpose": "扩大产能", "consent": "on"},
    )
    demand = Demand.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "matchmaking:demand-detail", args=[demand.pk]
    )
    assert demand.status == DemandStatus.OPEN and demand.consent and demand.reference.startswith("XQ-")


def test_bad_need_input_is_a_400_with_the_input_kept(client, enterprise_user):
    response = _client(client, enterprise_user).post(
        reverse("matchmaking:demand-new"), {"amount": "-5", "term_months": "12", "purpose": "保留这段文字"}
    )
    assert response.status_code == 400
    assert "保留这段文字" in response.content.decode()
    assert not Demand.objects.exists()


def test_wrong_roles_are_refused(client, bank_a_officer, enterprise_user, commissioner):
    assert _client(client, bank_a_officer).get(reverse("matchmaking:demand-new")).status_code == 403
    assert client.get(reverse("matchmaking:demand-collect")).status_code == 403
    assert client.get(reverse("matchmaking:demand-list")).status_code == 403
    assert _client(client, enterprise_user).get(reverse("matchmaking:pool")).status_code == 403
    assert client.get(reverse("matchmaking:claims")).status_code == 403
    assert client.get(reverse("matchmaking:funnel")).status_code == 403
    assert client.get(reverse("matchmaking:event-new")).status_code == 403
    assert _client(client, commissioner).get(reverse("matchmaking:demand-list")).status_code == 403


def test_another_enterprises_need_is_a_404(client, enterprise_user, outsider):
    demand = posted(enterprise_user)
    page = _client(client, outsider)
    assert page.get(reverse("matchmaking:demand-detail", args=[demand.pk])).status_code == 404
    assert page.post(reverse("matchmaking:demand-withdraw", args=[demand.pk])).status_code == 404


def test_bank_b_cannot_see_bank_as_claim_or_contacts(client, claimed, bank_b_officer):
    page = _client(client, bank_b_officer)
    assert page.get(reverse("matchmaking:demand-detail", args=[claimed.pk])).status_code == 404
    contact = {"contacted_on": timezone.localdate().isoformat(), "channel": "phone", "summary": "x"}
    assert page.post(reverse("matchmaking:demand-contact", args=[claimed.pk]), contact).status_code == 404
    assert page.post(reverse("matchmaking:demand-claim", args=[claimed.pk])).status_code == 404
    assert "首次电话沟通" not in page.get(reverse("matchmaking:claims")).content.decode()
    assert claimed.reference not in page.get(reverse("matchmaking:pool")).content.decode()


def test_bank_b_sees_the_need_again_when_released_but_not_bank_as_contacts(
    client, enterprise_user, bank_a_officer, bank_b_officer
):
    demand = posted(enterprise_user)
    demands.demand_claim(demand=demand, actor=bank_a_officer)
    demands.demand_hand_back(demand=demand, actor=bank_a_officer)
    body = _client(client, bank_b_officer).get(reverse("matchmaking:demand-detail", args=[demand.pk]))
    assert body.status_code == 200
    assert bank_a_officer.organisation.name not in body.content.decode()


def test_claiming_bank_works_the_need_through_the_page(client, enterprise_user, bank_a_officer):
    demand = posted(enterprise_user)
    page = _client(client, bank_a_officer)
    assert demand.reference in page.get(reverse("matchmaking:pool")).content.decode()
    assert page.post(reverse("matchmaking:demand-claim", args=[demand.pk])).status_code == 302
    bad = page.post(
        reverse("matchmaking:demand-contact", args=[demand.pk]), {"channel": "phone", "summary": "留"}
    )
    assert bad.status_code == 400
    contact = {"contacted_on": timezone.localdate().isoformat(), "channel": "visit", "summary": "实地走访"}
    assert page.post(reverse("matchmaking:demand-contact", args=[demand.pk]), contact).status_code == 302
    bad = page.post(reverse("matchmaking:demand-outcome", args=[demand.pk]), {"outcome": "credit_granted"})
    assert bad.status_code == 400 and "credit_amount" in bad.context["outcome_form"].errors
    outcome = {"outcome": "credit_granted", "credit_amount": "1500000"}
    assert page.post(reverse("matchmaking:demand-outcome", args=[demand.pk]), outcome).status_code == 302
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.CREDIT_GRANTED
    served = page.get(reverse("matchmaking:claims")).content.decode()
    assert demand.reference in served and "1,500,000.00" in served


def test_enterprise_sees_the_outcome_but_not_the_contact_notes(client, claimed, enterprise_user):
    body = _client(client, enterprise_user).get(reverse("matchmaking:demand-detail", args=[claimed.pk]))
    text = body.content.decode()
    assert body.status_code == 200 and claimed.bank.name in text and "首次电话沟通" not in text


def test_park_admin_sees_its_areas_needs_and_not_anothers(
    client, enterprise_user, park_admin, other_park_admin
):
    demand = posted(enterprise_user)
    assert (
        demand.reference
        in _client(client, park_admin).get(reverse("matchmaking:demand-list")).content.decode()
    )
    page = _client(client, other_park_admin)
    assert demand.reference not in page.get(reverse("matchmaking:demand-list")).content.decode()
    assert page.get(reverse("matchmaking:demand-detail", args=[demand.pk])).status_code == 404


def test_park_admin_collects_and_the_enterprise_confirms(client, park_admin, enterprise, enterprise_user):
    page = _client(client, park_admin)
    assert page.get(reverse("matchmaking:demand-collect")).status_code == 200
    response = page.post(
        reverse("matchmaking:demand-collect"),
        {"enterprise": enterprise.pk, "amount": "800000", "term_months": "6", "purpose": "流动资金"},
    )
    demand = Demand.objects.get()
    assert response.status_code == 302 and demand.status == DemandStatus.AWAITING_CONFIRMATION
    page = _client(client, enterprise_user)
    response = page.post(
        reverse("matchmaking:demand-confirm", args=[demand.pk]), {"decision": "confirm", "consent": "on"}
    )
    assert response.status_code == 302
    assert Demand.objects.get(pk=demand.pk).status == DemandStatus.OPEN


def test_pool_filters_and_bad_filters(client, enterprise_user, bank_a_officer):
    small = posted(enterprise_user, amount=D("200000"))
    big = posted(enterprise_user, amount=D("9000000"), preferred_banks=[bank_a_officer.organisation.parent])
    page = _client(client, bank_a_officer)
    body = page.get(reverse("matchmaking:pool"), {"amount_min": "1000000"}).content.decode()
    assert big.reference in body and small.reference not in body
    body = page.get(reverse("matchmaking:pool"), {"preferred_me": "on"}).content.decode()
    assert big.reference in body and small.reference not in body
    assert page.get(reverse("matchmaking:pool"), {"amount_min": "abc"}).status_code == 400


def test_funnel_access_and_bad_dates(client, bank_a_manager, joint_office_viewer, park_admin):
    assert _client(client, joint_office_viewer).get(reverse("matchmaking:funnel")).status_code == 200
    assert _client(client, park_admin).get(reverse("matchmaking:funnel")).status_code == 200
    page = _client(client, bank_a_manager)
    assert page.get(reverse("matchmaking:funnel")).status_code == 200
    assert (
        page.get(reverse("matchmaking:funnel"), {"start": "2026-05-01", "end": "2026-04-01"}).status_code
        == 400
    )


def test_public_calendar_shows_published_events_to_anonymous_visitors(client, park_admin):
    published = published_event(park_admin, title="已发布的路演")
    draft = events.event_create(actor=park_admin, values=event_values(title="草稿活动"))
    body = client.get(reverse("matchmaking:event-calendar")).content.decode()
    assert "已发布的路演" in body and "草稿活动" not in body
    detail = client.get(reverse("matchmaking:event-detail", args=[published.pk]))
    assert detail.status_code == 200 and "/policy/explainer/" in detail.content.decode()
    assert reverse("loans:product_catalogue") in detail.content.decode()
    assert client.get(reverse("matchmaking:event-detail", args=[draft.pk])).status_code == 404
    response = client.post(reverse("matchmaking:event-register", args=[published.pk]))
    assert response.status_code == 302 and "login" in response.url
    assert client.get(reverse("matchmaking:event-calendar"), {"kind": "nonsense"}).status_code == 400


def test_registering_through_the_page_and_a_full_event(
    client, park_admin, enterprise_user, bank_a_officer, commissioner
):
    event = published_event(park_admin, capacity=1)
    page = _client(client, enterprise_user)
    assert page.post(reverse("matchmaking:event-register", args=[event.pk])).status_code == 302
    again = page.post(reverse("matchmaking:event-register", args=[event.pk]))
    assert again.status_code == 400 and "already registered" in again.content.decode()
    full = _client(client, bank_a_officer).post(reverse("matchmaking:event-register", args=[event.pk]))
    assert full.status_code == 400 and "full" in full.content.decode()
    assert (
        _client(client, commissioner).post(reverse("matchmaking:event-register", args=[event.pk])).status_code
        == 403
    )


def test_check_in_page_is_the_organisers(client, park_admin, other_park_admin, enterprise_user, bank_a):
    event = published_event(park_admin, banks=[bank_a])
    registration = events.registration_create(event=event, actor=enterprise_user)
    assert (
        _client(client, enterprise_user)
        .get(reverse("matchmaking:event-checkin", args=[event.pk]))
        .status_code
        == 403
    )
    assert (
        _client(client, other_park_admin)
        .get(reverse("matchmaking:event-checkin", args=[event.pk]))
        .status_code
        == 403
    )
    page = _client(client, park_admin)
    assert page.get(reverse("matchmaking:event-checkin", args=[event.pk])).status_code == 200
    url = reverse("matchmaking:event-checkin-one", args=[event.pk, registration.pk])
    assert page.post(url).status_code == 400  # not the day yet
    with freeze_time(event.starts_at + timedelta(minutes=1)):
        page.force_login(park_admin)  # the session would have idled out a week later
        assert page.post(url).status_code == 302
    assert Registration.objects.get(pk=registration.pk).checked_in_at is not None
    bad = page.post(
        reverse("matchmaking:event-match", args=[event.pk]), {"enterprise": "", "bank": bank_a.pk}
    )
    assert bad.status_code == 400


def test_organiser_creates_and_publishes_an_event(client, park_admin):
    page = _client(client, park_admin)
    start = (timezone.localtime() + timedelta(days=10)).replace(second=0, microsecond=0)
    fields = {
        "kind": "salon",
        "title": "知识产权融资沙龙",
        "place": "海淀园会议中心",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        "capacity": "30",
        "registration_deadline": (start - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    bad = page.post(reverse("matchmaking:event-new"), {**fields, "capacity": "0"})
    assert bad.status_code == 400 and "知识产权融资沙龙" in bad.content.decode()
    response = page.post(reverse("matchmaking:event-new"), fields)
    assert response.status_code == 302
    event_pk = int(response.url.rstrip("/").split("/")[-1])
    assert (
        page.post(reverse("matchmaking:event-move", args=[event_pk]), {"to": "published"}).status_code == 302
    )
    assert page.post(reverse("matchmaking:event-move", args=[event_pk]), {"to": "draft"}).status_code == 400
    assert "知识产权融资沙龙" in client.get(reverse("matchmaking:event-calendar")).content.decode()


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("enterprise_user", ["/matchmaking/needs/", "/matchmaking/needs/new/", "/matchmaking/events/"]),
        ("bank_a_officer", ["/matchmaking/pool/", "/matchmaking/claims/", "/matchmaking/events/"]),
        (
            "park_admin",
            ["/matchmaking/needs/collect/", "/matchmaking/events/manage/", "/matchmaking/funnel/"],
        ),
        ("promotion_officer", ["/matchmaking/needs/", "/matchmaking/events/manage/", "/matchmaking/funnel/"]),
    ],
)
def test_home_links_per_role(client, request, persona, expected):
    user = request.getfixturevalue(persona)
    assert client.login(username=user.username, password=PASSWORD)
    body = client.get("/").content.decode()
    for url in expected:
        assert f'href="{url}"' in body
