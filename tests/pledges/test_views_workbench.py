from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pledges.models import PledgeRegistration, RegistrationAsset, Status
from pledges.services.workflow import next_reference
from pledges.views import workbench_rows
from portal.policy.models import Channel, IpKind
from portal.workdays.services import add_working_days
from tests.conftest import PASSWORD
from tests.pledges import factories_filing

_filing_media = factories_filing._filing_media
make_patent = factories_filing.make_patent
second_commissioner = factories_filing.second_commissioner
supervisor = factories_filing.supervisor

pytestmark = pytest.mark.django_db


@pytest.fixture
def make_case(enterprise, bank_a_branch, enterprise_user, commissioner):
    def _make(**fields):
        values = {
            "kind": "pledge",
            "ip_kind": IpKind.PATENT,
            "channel": Channel.ONLINE,
            "status": Status.ACCEPTED,
            "pledgor": enterprise,
            "pledgee": bank_a_branch,
            "debt_amount": Decimal("1000.00"),
            "debt_start": timezone.localdate(),
            "debt_end": timezone.localdate() + timedelta(days=365),
            "created_by": enterprise_user,
            "commissioner": commissioner,
        }
        values.update(fields)
        values.setdefault("reference", next_reference(year=2026))
        return PledgeRegistration.objects.create(**values)

    return _make


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _references(response) -> list[str]:
    return [row.registration.reference for row in response.context["rows"]]


def test_commissioner_sees_only_open_cases_of_their_own_queue(
    client, make_case, commissioner, second_commissioner
):
    mine = make_case()
    make_case(commissioner=second_commissioner)
    make_case(status=Status.REGISTERED)
    make_case(status=Status.DRAFT, commissioner=None)
    _login(client, commissioner)
    response = client.get(reverse("pledges:workbench"))
    assert response.status_code == 200
    assert _references(response) == [mine.reference]


def test_supervisor_sees_all_open_cases_and_filters_by_commissioner(
    client, make_case, supervisor, commissioner, second_commissioner
):
    mine = make_case()
    theirs = make_case(commissioner=second_commissioner)
    _login(client, supervisor)
    assert set(_references(client.get(reverse("pledges:workbench")))) == {mine.reference, theirs.reference}
    response = client.get(reverse("pledges:workbench"), {"commissioner": second_commissioner.pk})
    assert _references(response) == [theirs.reference]


def test_queue_is_sorted_by_due_date_then_id_with_unclocked_cases_last(client, make_case, commissioner):
    today = timezone.localdate()
    later = make_case(due_date=today + timedelta(days=9))
    unclocked = make_case(status=Status.PRECHECK, due_date=None)
    soon_b = make_case(due_date=today + timedelta(days=2))
    soon_a = make_case(due_date=today + timedelta(days=2))
    _login(client, commissioner)
    assert _references(client.get(reverse("pledges:workbench"))) == [
        soon_b.reference,
        soon_a.reference,
        later.reference,
        unclocked.reference,
    ]


def test_badges_overdue_due_today_and_next_working_day(client, make_case, commissioner):
    today = timezone.localdate()
    next_workday = add_working_days(today, 1).due_date
    overdue = make_case(due_date=today - timedelta(days=1))
    due_today = make_case(due_date=today)
    tomorrow = make_case(due_date=next_workday)
    relaxed = make_case(due_date=next_workday + timedelta(days=30))
    _login(client, commissioner)
    response = client.get(reverse("pledges:workbench"))
    badges = {row.registration.pk: row.badge for row in response.context["rows"]}
    assert badges == {
        overdue.pk: "overdue",
        due_today.pk: "due_today",
        tomorrow.pk: "due_tomorrow",
        relaxed.pk: "",
    }
    assert 'data-badge="overdue"' in response.content.decode()


def test_filters_by_status_ip_kind_and_channel(client, make_case, commissioner):
    patent = make_case()
    trademark = make_case(ip_kind=IpKind.TRADEMARK, channel=Channel.WINDOW, status=Status.PRECHECK)
    _login(client, commissioner)
    url = reverse("pledges:workbench")
    assert _references(client.get(url, {"ip_kind": "trademark"})) == [trademark.reference]
    assert _references(client.get(url, {"channel": "online"})) == [patent.reference]
    assert _references(client.get(url, {"status": "precheck"})) == [trademark.reference]


def test_search_by_case_number_enterprise_credit_code_and_asset(
    client, make_case, make_patent, commissioner, enterprise, other_enterprise
):
    target = make_case()
    other = make_case(pledgor=other_enterprise)
    asset = make_patent(enterprise)
    RegistrationAsset.objects.create(registration=target, asset=asset)
    _login(client, commissioner)
    url = reverse("pledges:workbench")
    for term in (target.reference, "智芯", enterprise.uscc, asset.number):
        assert _references(client.get(url, {"search": term})) == [target.reference], term
    assert _references(client.get(url, {"search": other_enterprise.uscc})) == [other.reference]


def test_bad_filter_input_is_a_form_error_not_a_crash(client, make_case, commissioner):
    make_case()
    _login(client, commissioner)
    response = client.get(
        reverse("pledges:workbench"),
        {"page_size": "7", "page": "x", "status": "registered", "search": "a" * 500},
    )
    assert response.status_code == 200
    assert response.context["form"].errors


def test_pages_follow_without_counting(client, make_case, commissioner):
    cases = [make_case(due_date=timezone.localdate() + timedelta(days=n)) for n in range(25)]
    _login(client, commissioner)
    first = client.get(reverse("pledges:workbench"), {"page_size": 20})
    assert len(first.context["rows"]) == 20 and first.context["has_next"]
    second = client.get(reverse("pledges:workbench"), {"page_size": 20, "page": 2})
    assert _references(second) == [case.reference for case in cases[20:]]
    assert not second.context["has_next"]


def test_query_count_does_not_grow_with_page_size(
    make_case, make_patent, enterprise, commissioner, supervisor
):
    for n in range(120):
        case = make_case(due_date=timezone.localdate() + timedelta(days=n % 10))
        if n % 3 == 0:
            RegistrationAsset.objects.create(registration=case, asset=make_patent(enterprise))
    for user in (commissioner, supervisor):
        workbench_rows(user=user, filters={}, page=1, page_size=20)  # warm the calendar and memberships
        counts = []
        for size in (20, 100):
            with CaptureQueriesContext(connection) as captured:
                rows, _ = workbench_rows(user=user, filters={"search": ""}, page=1, page_size=size)
                for row in rows:
                    # Everything a row shows, read as the template does.
                    str(row.registration.pledgor.name), str(row.registration.pledgee.name)
                    str(row.registration.commissioner), row.registration.get_status_display()
            counts.append(len(captured))
            assert len(rows) == size
        assert counts[0] == counts[1], counts


def test_workbench_page_query_count_is_bounded(
    client, make_case, commissioner, django_assert_max_num_queries
):
    for n in range(100):
        make_case(due_date=timezone.localdate() + timedelta(days=n % 7))
    _login(client, commissioner)
    client.get(reverse("pledges:workbench"))  # warm the session and calendar caches
    with django_assert_max_num_queries(12):
        client.get(reverse("pledges:workbench"), {"page_size": 20})
    with django_assert_max_num_queries(12):
        client.get(reverse("pledges:workbench"), {"page_size": 100})


def test_supervisor_reassigns_many_cases_at_once(
    client, make_case, supervisor, commissioner, second_commissioner
):
    first, second = make_case(), make_case()
    _login(client, supervisor)
    response = client.post(
        reverse("pledges:workbench_reassign"),
        {"registrations": [first.pk, second.pk], "commissioner": second_commissioner.pk, "reason": "休假"},
    )
    assert response.status_code == 302
    assert set(PledgeRegistration.objects.values_list("commissioner", flat=True)) == {second_commissioner.pk}


def test_reassign_with_bad_input_changes_nothing(
    client, make_case, supervisor, commissioner, second_commissioner
):
    case = make_case()
    _login(client, supervisor)
    for data in (
        {"registrations": ["abc"], "commissioner": second_commissioner.pk, "reason": "x"},
        {"registrations": [case.pk], "commissioner": 999999, "reason": "x"},
        {"registrations": [case.pk], "commissioner": second_commissioner.pk, "reason": ""},
        {"commissioner": second_commissioner.pk, "reason": "x"},
    ):
        assert client.post(reverse("pledges:workbench_reassign"), data).status_code == 302
    case.refresh_from_db()
    assert case.commissioner == commissioner


def test_commissioner_cannot_reassign(client, make_case, commissioner, second_commissioner):
    case = make_case()
    _login(client, commissioner)
    response = client.post(
        reverse("pledges:workbench_reassign"),
        {"registrations": [case.pk], "commissioner": second_commissioner.pk, "reason": "x"},
    )
    assert response.status_code == 403


def test_htmx_filter_returns_the_table_only(client, make_case, commissioner):
    make_case()
    _login(client, commissioner)
    response = client.get(reverse("pledges:workbench"), {"ip_kind": "patent"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert b"<html" not in response.content and b'data-testid="workbench"' in response.content
