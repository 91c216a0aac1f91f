"""What the interactive pages were made faster with (``python -m bench pages``), each held to the answer it
replaced: the membership read once per request, a bank's group read once per head office, the reads a
home page's hooks share, the array lookup the search sends, the prepared statements of the home page and
the garbage collector's frozen start-up objects."""

import gc

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.accounts.models import Membership, Organisation, Role, User
from portal.accounts.selectors import bank_scope_ids
from portal.accounts.services import organisation_create
from portal.timeline import LIMIT
from portal.work import NEAREST, first_and_count_among, page_reads, read_once
from tests.conftest import make_uscc

pytestmark = pytest.mark.django_db


# --- One membership read per request ----------------------------------------------------------------


def test_acting_default_and_switcher_come_from_one_read(make_user, bank_a_branch, bank_b):
    user = make_user("two_hats", bank_a_branch, Role.BANK_OFFICER)
    Membership.objects.create(user=user, organisation=bank_b, role=Role.BANK_MANAGER)
    fresh = User.objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        held = fresh.active_memberships()
        assert fresh.membership == held[0] and fresh.organisation == bank_a_branch
        assert [m.organisation for m in fresh.active_memberships()] == [bank_a_branch, bank_b]
        assert fresh.organisation.parent.name  # the head office came with it
    assert len(captured) == 1


def test_a_deactivated_membership_is_not_held(make_user, bank_a_branch, bank_b):
    user = make_user("one_hat_left", bank_a_branch, Role.BANK_OFFICER)
    second = Membership.objects.create(
        user=user, organisation=bank_b, role=Role.BANK_MANAGER, is_active=False
    )
    assert second not in User.objects.get(pk=user.pk).active_memberships()


def test_the_page_switcher_lists_the_memberships_and_the_chosen_one_acts(
    client, make_user, bank_a_branch, bank_b
):
    user = make_user("switcher", bank_a_branch, Role.BANK_OFFICER)
    second = Membership.objects.create(user=user, organisation=bank_b, role=Role.BANK_MANAGER)
    client.force_login(user)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'<option value="{second.pk}"' in page
    response = client.post(reverse("switch_acting"), {"membership": second.pk})
    assert response.status_code in (302, 303)
    response = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["membership"] == second


# --- A bank's group, read once per head office -----------------------------------------------------


def test_the_bank_group_is_read_once_per_head_office_object(bank_a, bank_a_branch):
    branch = Organisation.objects.select_related("parent").get(pk=bank_a_branch.pk)
    with CaptureQueriesContext(connection) as captured:
        assert bank_scope_ids(branch) == [bank_a.pk, bank_a_branch.pk]
        assert bank_scope_ids(branch) == [bank_a.pk, bank_a_branch.pk]
    assert len(captured) == 1
    # The caller gets its own list: changing it changes nothing for the next caller.
    bank_scope_ids(branch).append(0)
    assert bank_scope_ids(branch) == [bank_a.pk, bank_a_branch.pk]
    # A branch opened later shows from the next object (the next request) on.
    later = organisation_create(name="中关村银行朝阳支行", kind="bank", parent=bank_a, uscc=make_uscc())
    assert later.pk in bank_scope_ids(Organisation.objects.get(pk=bank_a.pk))


# --- Reads a home page's hooks share ---------------------------------------------------------------


def test_read_once_shares_within_a_page_and_nowhere_else():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    assert read_once(("k",), compute) == 1 and read_once(("k",), compute) == 2  # no page: afresh
    with page_reads():
        assert read_once(("k",), compute) == 3
        assert read_once(("k",), compute) == 3
        assert read_once(("other",), compute) == 4
    assert read_once(("k",), compute) == 5  # nothing outlives the page


def test_a_work_item_takes_its_rows_from_the_page_read_unless_it_was_cut_short():
    read = [5, 2, 8, 1, 9, 4]
    nearest, count = first_and_count_among(read, keep=lambda n: n % 2 == 0, order=lambda n: n)
    assert (nearest, count) == ([2, 4, 8][:NEAREST], 3)
    assert first_and_count_among(list(range(LIMIT + 1)), keep=bool, order=int) is None


# --- The array lookup ------------------------------------------------------------------------------


def test_any_of_answers_as_in_does(enterprise, other_enterprise, bank_a):
    ids = [enterprise.pk, other_enterprise.pk]
    assert set(Organisation.objects.filter(pk__any_of=ids)) == set(Organisation.objects.filter(pk__in=ids))
    assert not Organisation.objects.filter(pk__any_of=[]).exists()
    # Across a relation and inside an OR, as the search groups use it.
    members = Membership.objects.filter(Q(organisation_id__any_of=ids) | Q(organisation__name="?"))
    assert set(members) == set(Membership.objects.filter(organisation_id__in=ids))


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the array form is PostgreSQL's")
def test_any_of_sends_one_array_parameter(enterprise, other_enterprise):
    queryset = Organisation.objects.filter(pk__any_of=[enterprise.pk, other_enterprise.pk, enterprise.pk])
    sql, params = queryset.query.sql_with_params()
    assert "= ANY(%s::bigint[])" in sql and [enterprise.pk, other_enterprise.pk, enterprise.pk] in params
    assert set(queryset) == {enterprise, other_enterprise}


def test_any_of_refuses_what_is_not_an_id():
    with pytest.raises(ValueError):
        list(Organisation.objects.filter(pk__any_of=["1; DROP TABLE accounts_organisation"]))


# --- Prepared statements on the home page ----------------------------------------------------------


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements are PostgreSQL's")
def test_the_home_page_binds_on_the_server_and_answers_the_same(client, enterprise_user, monkeypatch):
    from portal import views

    factories = []
    original = views.split_work

    def spy(items):
        factories.append(connection.connection.cursor_factory.__name__)
        return original(items)

    monkeypatch.setattr(views, "split_work", spy)
    client.force_login(enterprise_user)
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert factories == ["ServerBindingCursor"]
    assert 'data-testid="home-timeline"' in page
    # Outside the page the connection binds on the client again.
    assert connection.connection.cursor_factory.__name__ != "ServerBindingCursor"


# --- The garbage collector -------------------------------------------------------------------------


def test_the_wsgi_application_freezes_what_start_up_built():
    import portal.wsgi  # noqa: F401 (importing it loads the views and freezes)

    assert gc.get_freeze_count() > 10_000
