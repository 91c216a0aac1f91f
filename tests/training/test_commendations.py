"""The commendation list: the promotion centre records and publishes; the public page shows only what is
published, by year, with names and organisations but no contact data; other roles 403, another centre's
entry 404, bad input 400 with the input kept."""

import pytest

from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from tests.conftest import PASSWORD
from training import commendations
from training.errors import TrainingInvalid, TrainingNotAllowed
from training.models import Commendation, CommendationEvent

pytestmark = pytest.mark.django_db


def _entry(officer, name="李信贷", year=2025, kind="person", publish=False):
    entry = commendations.commendation_save(
        actor=officer,
        values={
            "year": year,
            "kind": kind,
            "name": name,
            "organisation_name": "北京银行中关村分行",
            "citation": "全年办理知识产权质押贷款32笔。",
        },
    )
    if publish:
        commendations.commendation_transition(commendation=entry, action="publish", actor=officer)
    return entry


def test_publishing_writes_an_event_and_shows_the_entry_publicly(client, promotion_officer):
    entry = _entry(promotion_officer)
    assert "李信贷" not in client.get("/training/commended/").content.decode()
    commendations.commendation_transition(commendation=entry, action="publish", actor=promotion_officer)
    entry.refresh_from_db()
    assert entry.published and entry.published_at is not None
    assert list(CommendationEvent.objects.filter(commendation=entry).values_list("action", flat=True)) == [
        "create",
        "publish",
    ]
    page = client.get("/training/commended/").content.decode()
    assert "李信贷" in page and "北京银行中关村分行" in page


def test_the_public_page_groups_by_year_newest_first_and_shows_no_contact_data(
    client, promotion_officer, bank_a_officer
):
    _entry(promotion_officer, name="李信贷", year=2024, publish=True)
    _entry(promotion_officer, name="中关村银行科创金融团队", year=2025, kind="team", publish=True)
    _entry(promotion_officer, name="未发布者", year=2025)
    response = client.get("/training/commended/")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index('data-testid="commended-2025"') < page.index('data-testid="commended-2024"')
    assert "未发布者" not in page
    assert bank_a_officer.email not in page and "@" not in page.split("<main")[1]


def test_a_published_entry_is_not_changed_until_taken_back(promotion_officer):
    entry = _entry(promotion_officer, publish=True)
    with pytest.raises(TrainingInvalid):
        commendations.commendation_save(actor=promotion_officer, values={"name": "改名"}, commendation=entry)
    with pytest.raises(TrainingInvalid, match="already published"):
        commendations.commendation_transition(commendation=entry, action="publish", actor=promotion_officer)
    commendations.commendation_transition(commendation=entry, action="unpublish", actor=promotion_officer)
    commendations.commendation_save(actor=promotion_officer, values={"name": "改名"}, commendation=entry)
    assert Commendation.objects.get().name == "改名"


@pytest.mark.parametrize("who", ["park_admin", "reviewer", "bank_a_officer"])
def test_only_promotion_officers_manage_commendations(request, client, promotion_officer, who):
    entry = _entry(promotion_officer)
    user = request.getfixturevalue(who)
    with pytest.raises(TrainingNotAllowed):
        commendations.commendation_transition(commendation=entry, action="publish", actor=user)
    client.login(username=user.username, password=PASSWORD)
    assert client.get("/training/commendations/").status_code == 403
    assert client.post(f"/training/commendations/{entry.pk}/publish/").status_code == 403


def test_the_admin_page_adds_and_publishes(client, promotion_officer):
    client.login(username=promotion_officer.username, password=PASSWORD)
    assert client.get("/training/commendations/").status_code == 200
    response = client.post(
        "/training/commendations/",
        {
            "year": "2025",
            "kind": "team",
            "name": "科创金融团队",
            "organisation_name": "中关村银行",
            "citation": "服务专精特新企业60余家。",
        },
    )
    assert response.status_code == 302
    entry = Commendation.objects.get()
    assert client.post(f"/training/commendations/{entry.pk}/publish/").status_code == 302
    assert Commendation.objects.get().published
    assert client.post(f"/training/commendations/{entry.pk}/publish/").status_code == 400


def test_bad_input_is_a_400_keeping_the_input(client, promotion_officer):
    client.login(username=promotion_officer.username, password=PASSWORD)
    response = client.post(
        "/training/commendations/",
        {"year": "1800", "kind": "person", "name": "王保留", "organisation_name": "", "citation": ""},
    )
    assert response.status_code == 400
    assert 'value="王保留"' in response.content.decode()
    assert not Commendation.objects.exists()


def test_another_centres_entry_is_a_404(client, make_user, promotion_officer):
    entry = _entry(promotion_officer)
    other_bureau = organisation_create(name="北京市某区知识产权局", kind=OrgKind.IP_BUREAU)
    other = make_user("other_promotion", other_bureau, Role.PROMOTION_OFFICER)
    client.login(username=other.username, password=PASSWORD)
    assert client.get(f"/training/commendations/{entry.pk}/edit/").status_code == 404
    assert client.post(f"/training/commendations/{entry.pk}/publish/").status_code == 404
