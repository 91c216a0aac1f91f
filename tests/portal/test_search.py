"""Global search (issue 11): each kind is found by the roles that may open it, never across organisations.

The world is the access-control tests' one (tests/portal/access_world.py): the demo's objects owned by
北京银行中关村分行 and the demo enterprises, plus a bank (``bank``) and an enterprise (``ent``) that own
nothing, so every object they find would be a leak.
"""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges.models import IpAsset
from portal.accounts.models import Organisation, OrgKind, Role, User
from portal.accounts.services import enterprise_create, user_create
from portal.search import COUNT_CAP, PER_KIND, Query
from tests.conftest import PASSWORD, make_uscc
from tests.portal.access_world import access_world_fixture  # noqa: F401 (provides the `world` fixture)
from whitelist.profile import profile_scope, profile_visible


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def _demo(username: str) -> Client:
    return _client(User.objects.get(username=username))


def _member_of(organisation: Organisation, role: str = Role.ENTERPRISE_USER) -> Client:
    username = f"search_{organisation.pk}_{role}"
    user = user_create(
        username=username,
        password=PASSWORD,
        full_name=username,
        email=f"{username}@example.com",
        organisation=organisation,
        role=role,
    )
    return _client(user)


def _groups(client: Client, query: str) -> dict:
    response = client.get(reverse("search"), {"q": query})
    assert response.status_code == 200
    return {group.key: group for group in response.context["groups"]}


def _urls(client: Client, query: str, key: str) -> list[str]:
    group = _groups(client, query).get(key)
    return [hit.url for hit in group.hits] if group else []


# --- The page -----------------------------------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(world, db):
    response = Client().get(reverse("search"), {"q": "DK-2026"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_without_a_query_the_page_says_what_can_be_searched(world, db):
    response = world.clients["reviewer"].get(reverse("search"))
    assert response.status_code == 200
    assert b'data-testid="search-help"' in response.content
    assert b'data-testid="search-too-short"' not in response.content


def test_a_one_character_query_is_refused_with_a_message(world, db):
    response = world.clients["reviewer"].get(reverse("search"), {"q": " 北 "})
    assert response.context["groups"] == []
    assert b'data-testid="search-too-short"' in response.content


def test_a_query_nothing_matches_says_so(world, db):
    response = world.clients["reviewer"].get(reverse("search"), {"q": "no-such-thing-anywhere"})
    assert response.context["groups"] == []
    assert b'data-testid="search-empty"' in response.content


def test_the_header_has_a_labelled_search_box_for_signed_in_users(world, db):
    response = world.clients["bank"].get(reverse("home"))
    assert b'data-testid="header-search"' in response.content
    assert b'<label class="visually-hidden" for="header-search-q">' in response.content
    assert b'data-testid="header-search"' not in Client().get(reverse("login")).content


def test_the_query_is_normalised_for_codes():
    query = Query.parse("  zl 2021 1012 ")
    assert (query.text, query.code, query.ip_number) == ("zl 2021 1012", "ZL20211012", "20211012")
    assert Query.parse("x" * 300).text == "x" * 100


def test_a_query_without_a_digit_is_a_name_and_skips_the_ip_register(world, db):
    assert Query.parse("ZL 2021").may_be_number and Query.parse("91110108").may_be_number
    assert not Query.parse("北京创微").may_be_number and not Query.parse("RZ-").may_be_number
    client = world.clients["commissioner"]
    client.get(reverse("search"), {"q": "x1"})  # warm the session
    with CaptureQueriesContext(connection) as captured:
        groups = _groups(client, "检索名称")
    assert "ip_assets" not in groups
    assert not any("pledges_ipasset" in (query["sql"] or "") for query in captured.captured_queries)
    # A number still searches it.
    with CaptureQueriesContext(connection) as captured:
        _groups(client, world.objects["asset"].number)
    assert any("pledges_ipasset" in (query["sql"] or "") for query in captured.captured_queries)


# --- Each kind, found by its owner or an authorised role ---------------------------------------------


def test_bank_officer_finds_the_branch_loan_by_number_and_by_prefix(world, db):
    loan = world.objects["loan"]
    client = _demo("demo_bank_officer")
    url = reverse("loans:loan_detail", args=[loan.pk])
    assert url in _urls(client, loan.reference, "loans")
    assert url in _urls(client, loan.reference.lower()[:-1], "loans")


def test_bank_officer_finds_the_application_by_request_number(world, db):
    application = world.objects["application"]
    url = reverse("loans:application_detail", args=[application.pk])
    assert url in _urls(_demo("demo_bank_officer"), application.request.reference, "loan_applications")


def test_promotion_centre_and_the_enterprise_find_the_loan_request(world, db):
    request = world.objects["loan_request"]
    url = reverse("loans:request_detail", args=[request.pk])
    assert url in _urls(world.clients["promotion"], request.reference, "loan_requests")
    assert url in _urls(_member_of(request.enterprise), request.reference, "loan_requests")


def test_commissioner_finds_the_registration_by_case_number_and_by_its_asset(world, db):
    registration = world.objects["registration"]
    url = reverse("pledges:registration_detail", args=[registration.pk])
    assert url in _urls(world.clients["commissioner"], registration.reference, "pledge_registrations")
    asset = registration.assets.order_by("pk").first()
    assert url in _urls(world.clients["commissioner"], asset.number, "pledge_registrations")


def test_ip_asset_is_found_by_number_with_or_without_zl(world, db):
    asset = world.objects["asset"]
    url = reverse("pledges:asset_detail", args=[asset.pk])
    assert url in _urls(world.clients["commissioner"], asset.number, "ip_assets")
    assert url in _urls(world.clients["commissioner"], f"ZL{asset.number[:8]}", "ip_assets")
    assert url in _urls(_member_of(asset.owner), asset.number, "ip_assets")


def test_reviewer_finds_the_subsidy_application(world, db):
    application = world.objects["sub_application"]
    url = reverse("subsidies:application-detail", args=[application.pk])
    assert url in _urls(world.clients["reviewer"], application.reference, "subsidy_applications")
    assert url in _urls(_member_of(application.enterprise), application.reference, "subsidy_applications")


def test_claimant_bank_and_reviewer_find_the_compensation_claim(world, db):
    claim = world.objects["claim"]
    url = reverse("riskcomp:claim-detail", args=[claim.pk])
    assert url in _urls(_demo("demo_bank_officer"), claim.reference, "compensation_claims")
    assert url in _urls(world.clients["reviewer"], claim.reference, "compensation_claims")


def test_pledgee_bank_finds_the_disposal_case(world, db):
    case = world.objects["case"]
    url = reverse("disposal:case-detail", args=[case.pk])
    assert url in _urls(_demo("demo_bank_officer"), case.reference, "disposal_cases")
    assert url in _urls(world.clients["joint"], case.reference, "disposal_cases")


def test_oversight_finds_the_financing_need(world, db):
    demand = world.objects["demand"]
    url = reverse("matchmaking:demand-detail", args=[demand.pk])
    assert url in _urls(world.clients["promotion"], demand.reference, "financing_needs")


def test_enterprise_is_found_by_credit_code_prefix_and_name(world, db):
    enterprise = world.objects["enterprise"]
    url = reverse("whitelist:profile_detail", kwargs={"uscc": enterprise.uscc})
    reviewer = world.clients["reviewer"]
    assert url in _urls(reviewer, enterprise.uscc, "enterprises")
    assert url in _urls(reviewer, enterprise.uscc[:10].lower(), "enterprises")
    assert url in _urls(reviewer, enterprise.name[2:6], "enterprises")
    assert url in _urls(_member_of(enterprise), enterprise.uscc, "enterprises")


def test_an_enterprise_name_finds_its_cases_too(world, db):
    loan = world.objects["loan"]
    url = reverse("loans:loan_detail", args=[loan.pk])
    assert url in _urls(_demo("demo_bank_officer"), loan.enterprise.name, "loans")


# --- Nothing across organisations ------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["att_bank_officer", "att_bank_manager", "demo_bank_b_officer"])
def test_another_bank_finds_none_of_bank_a_cases(world, db, username):
    """Bank B may hold its own application for the same loan request (a request goes to several banks):
    that one it finds; bank A's never."""
    client = _demo(username)
    o = world.objects
    for query, url in (
        (o["loan"].reference, reverse("loans:loan_detail", args=[o["loan"].pk])),
        (o["application"].request.reference, reverse("loans:application_detail", args=[o["application"].pk])),
        (o["loan_request"].reference, reverse("loans:request_detail", args=[o["loan_request"].pk])),
        (o["registration"].reference, reverse("pledges:registration_detail", args=[o["registration"].pk])),
        (o["claim"].reference, reverse("riskcomp:claim-detail", args=[o["claim"].pk])),
        (o["case"].reference, reverse("disposal:case-detail", args=[o["case"].pk])),
        (o["loan"].enterprise.name, reverse("loans:loan_detail", args=[o["loan"].pk])),
    ):
        found = [hit.url for group in _groups(client, query).values() for hit in group.hits]
        assert url not in found, (query, found)


def test_a_bank_that_owns_nothing_finds_no_case_at_all(world, db):
    client = world.clients["bank"]
    o = world.objects
    for query in (o["loan"].reference, o["application"].request.reference, "SQ-", "DK-", "ZY-", "FC-", "CZ-"):
        assert not set(_groups(client, query)) - {"enterprises"}, query


def test_another_enterprise_finds_none_of_the_enterprises_records(world, db):
    client = world.clients["ent"]
    o = world.objects
    owner = o["enterprise"]
    for query in (
        owner.uscc,
        owner.name,
        o["asset"].number,
        o["loan_request"].reference,
        o["loan"].reference,
        o["sub_application"].reference,
        o["registration"].reference,
        o["demand"].reference,
    ):
        assert _groups(client, query) == {}, query


def test_a_bank_does_not_find_an_enterprise_it_may_not_profile(world, db):
    hidden = enterprise_create(
        name="检索隐藏科技有限公司", uscc=make_uscc(), district="110108", contact_name="隐藏", park=None
    )
    assert "enterprises" not in _groups(world.clients["bank"], hidden.uscc)
    assert "enterprises" in _groups(world.clients["reviewer"], hidden.uscc)


@pytest.mark.parametrize(
    "persona", ["ent", "bank", "manager", "commissioner", "reviewer", "promotion", "joint", "finance", "park"]
)
def test_the_enterprise_search_scope_is_exactly_who_may_open_the_profile(world, db, persona):
    user = world.users[persona]
    enterprises = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, is_active=True).select_related(
        "whitelist_consent"
    )
    visible = {enterprise.pk for enterprise in enterprises if profile_visible(user, enterprise)}
    assert set(profile_scope(user).values_list("pk", flat=True)) == visible


# --- Bounded ------------------------------------------------------------------------------------------


def test_each_kind_shows_at_most_ten_with_the_count_of_the_rest(world, db):
    for number in range(PER_KIND + 3):
        enterprise_create(
            name=f"检索上限测试{number:02d}号有限公司",
            uscc=make_uscc(),
            district="110108",
            contact_name="测试",
        )
    group = _groups(world.clients["reviewer"], "检索上限测试")["enterprises"]
    assert len(group.hits) == PER_KIND
    assert (group.total, group.more, group.capped) == (PER_KIND + 3, 3, False)


def test_the_query_count_does_not_grow_with_the_matches(world, db, django_assert_max_num_queries):
    owner = world.objects["asset"].owner
    for number in range(PER_KIND + 5):
        IpAsset.objects.create(owner=owner, kind="patent", number=f"9999{number:08d}.1", title="检索")
    client = world.clients["joint"]
    client.get(reverse("search"), {"q": "x1"})  # warm the session and the acting membership
    # Every kind at most twice (its rows, and a capped count past ten), plus the session and the user.
    with django_assert_max_num_queries(2 * 9 + 8):
        response = client.get(reverse("search"), {"q": "9999"})
    group = {g.key: g for g in response.context["groups"]}["ip_assets"]
    assert (len(group.hits), group.total) == (PER_KIND, PER_KIND + 5)
    assert COUNT_CAP > PER_KIND
