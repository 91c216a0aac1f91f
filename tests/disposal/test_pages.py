"""The pages: the pledgee's cases, the oversight roles' read-only view, the public listing and bidding.
Every page: a happy path, another bank's case (404), a wrong role (403), bad input (400, input kept)."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from disposal import auction
from disposal.models import Bid, Bidder, CaseStatus, DisposalCase, Method
from tests.conftest import PASSWORD
from tests.disposal.factories import auctioning, current_round, npl_loan_with_assets, open_case

pytestmark = pytest.mark.django_db
D = Decimal


def _client(client, user):
    client.login(username=user.username, password=PASSWORD)
    return client


def test_the_pledgee_sees_its_cases_and_the_loans_to_open_from(client, npl_loan, bank_a_officer):
    response = _client(client, bank_a_officer).get(reverse("disposal:case-list"))
    assert response.status_code == 200
    assert response.context["loans"] == [npl_loan]
    case = open_case(npl_loan, bank_a_officer)
    response = client.get(reverse("disposal:case-list"))
    assert [row.pk for row in response.context["page"]] == [case.pk] and response.context["loans"] == []


def test_bank_b_sees_no_case_of_bank_a_and_its_page_is_a_404(
    client, npl_loan, bank_a_officer, bank_b_officer
):
    case = open_case(npl_loan, bank_a_officer)
    _client(client, bank_b_officer)
    assert list(client.get(reverse("disposal:case-list")).context["page"]) == []
    assert client.get(reverse("disposal:case-detail", args=[case.pk])).status_code == 404
    assert client.get(reverse("disposal:case-open", args=[npl_loan.pk])).status_code == 404
    assert (
        client.post(reverse("disposal:auction-start", args=[case.pk]), {"round_hours": 24}).status_code == 404
    )


@pytest.mark.parametrize("persona", ["promotion_officer", "reviewer", "joint_office_viewer"])
def test_oversight_reads_every_case_but_acts_on_none(client, request, persona, npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    _client(client, request.getfixturevalue(persona))
    assert [row.pk for row in client.get(reverse("disposal:case-list")).context["page"]] == [case.pk]
    response = client.get(reverse("disposal:case-detail", args=[case.pk]))
    assert response.status_code == 200 and b'data-testid="read-only"' in response.content
    assert response.context["start_form"] is None
    assert (
        client.post(reverse("disposal:auction-start", args=[case.pk]), {"round_hours": 24}).status_code == 403
    )


@pytest.mark.parametrize("persona", ["enterprise_user", "commissioner", "park_admin", "finance_officer"])
def test_other_roles_are_refused_the_case_pages(client, request, persona, npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    _client(client, request.getfixturevalue(persona))
    assert client.get(reverse("disposal:case-list")).status_code == 403
    assert client.get(reverse("disposal:case-detail", args=[case.pk])).status_code == 403
    assert client.get(reverse("disposal:case-open", args=[npl_loan.pk])).status_code == 403


def test_signing_in_is_needed_for_the_case_pages(client, npl_loan):
    response = client.get(reverse("disposal:case-list"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def _open_form(loan, bank_a_officer, **extra):
    from disposal.selectors import disposable_assets

    data = {
        "assets": [asset.pk for asset in disposable_assets(loan=loan, user=bank_a_officer)],
        "method": Method.AUCTION,
        "valuation": "150000.00",
        "valuer": "北京中金浩资产评估有限责任公司",
        "valued_on": timezone.localdate().isoformat(),
        "reserve_price": "100000.00",
        "description": "两件发明专利打包处置",
    }
    data.update(extra)
    return data


def test_opening_a_case_from_the_page(client, npl_loan, bank_a_officer):
    _client(client, bank_a_officer)
    url = reverse("disposal:case-open", args=[npl_loan.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _open_form(npl_loan, bank_a_officer))
    case = DisposalCase.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "disposal:case-detail", args=[case.pk]
    )
    assert case.assets.count() == 2 and case.status == CaseStatus.DRAFT


def test_opening_with_bad_input_keeps_it_and_answers_400(client, npl_loan, bank_a_officer):
    _client(client, bank_a_officer)
    url = reverse("disposal:case-open", args=[npl_loan.pk])
    response = client.post(url, _open_form(npl_loan, bank_a_officer, reserve_price="-3", valuer="评估所甲"))
    assert response.status_code == 400
    assert response.context["form"].errors["reserve_price"]
    assert "评估所甲" in response.content.decode()
    response = client.post(url, _open_form(npl_loan, bank_a_officer, assets=[], method="transfer_to_pledgee"))
    assert response.status_code == 400 and {"assets", "method"} <= set(response.context["form"].errors)
    assert not DisposalCase.objects.exists()


def test_the_auction_is_started_from_the_case_page(client, npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    _client(client, bank_a_officer)
    url = reverse("disposal:auction-start", args=[case.pk])
    response = client.post(url, {"round_hours": "0"})
    assert response.status_code == 400 and response.context["start_form"].errors["round_hours"]
    assert client.post(url, {"round_hours": "48"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.AUCTIONING
    response = client.get(reverse("disposal:case-detail", args=[case.pk]))
    assert response.context["bidder_form"] is not None and response.context["rounds"][0].number == 1
    # A second start is refused on the form, not with an error page.
    response = client.post(url, {"round_hours": "48"})
    assert response.status_code == 400


def test_the_pledgee_records_the_deal_and_the_proceeds_on_the_page(client, npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer, method=Method.AGREED_PRICE)
    _client(client, bank_a_officer)
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("disposal:case-deal", args=[case.pk]), {"price": "x", "counterparty": "甲"}
    )
    assert response.status_code == 400 and "甲" in response.content.decode()
    deal = {"price": "120000.00", "counterparty": "北京知产运营有限公司", "deal_on": today}
    assert client.post(reverse("disposal:case-deal", args=[case.pk]), deal).status_code == 302
    response = client.post(
        reverse("disposal:case-proceeds", args=[case.pk]), {"amount": "0", "received_on": today}
    )
    assert response.status_code == 400
    response = client.post(
        reverse("disposal:case-proceeds", args=[case.pk]), {"amount": "120000.00", "received_on": today}
    )
    assert response.status_code == 302
    response = client.get(reverse("disposal:case-detail", args=[case.pk]))
    assert response.context["case"].proceeds_total == D("120000.00") and response.context["can_close"]
    assert client.post(reverse("disposal:case-close", args=[case.pk])).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED


def test_withdraw_needs_a_reason(client, npl_loan, bank_a_officer):
    case = open_case(npl_loan, bank_a_officer)
    _client(client, bank_a_officer)
    assert client.post(reverse("disposal:case-withdraw", args=[case.pk]), {"reason": ""}).status_code == 400
    assert (
        client.post(reverse("disposal:case-withdraw", args=[case.pk]), {"reason": "已清偿"}).status_code
        == 302
    )


# --- The public listing and bidding ----------------------------------------------------------------------------


def test_the_public_listing_shows_offers_to_anyone_without_personal_data(
    client, auction_case, npl_loan, bank_a_officer
):
    other = npl_loan_with_assets(bank=npl_loan.bank, enterprise=npl_loan.enterprise, actor=bank_a_officer)
    draft = open_case(other, bank_a_officer)
    response = client.get(reverse("disposal:listing-list"))
    assert response.status_code == 200
    rows = list(response.context["page"])
    assert [row.pk for row in rows] == [auction_case.pk]  # the draft is not public
    assert (
        rows[0].round_number == 1 and rows[0].round_reserve == D("100000.00") and rows[0].highest_bid is None
    )
    html = response.content.decode()
    asset = auction_case.assets.first()
    assert asset.number in html and asset.title in html
    for private in ("张经理", bank_a_officer.full_name, npl_loan.enterprise.uscc):
        assert private not in html
    assert client.get(reverse("disposal:listing-detail", args=[draft.pk])).status_code == 404
    detail = client.get(reverse("disposal:listing-detail", args=[auction_case.pk]))
    assert detail.status_code == 200 and b'data-testid="login-to-bid"' in detail.content
    assert client.get(reverse("disposal:listing-list"), {"method": "nonsense"}).status_code == 400


def test_the_listing_has_no_n_plus_one(client, npl_loan, bank_a_officer, django_assert_max_num_queries):
    for _index in range(4):
        loan = npl_loan_with_assets(bank=npl_loan.bank, enterprise=npl_loan.enterprise, actor=bank_a_officer)
        auctioning(loan, bank_a_officer)
    with django_assert_max_num_queries(6):
        client.get(reverse("disposal:listing-list"))


def test_registering_and_bidding_need_a_login(client, auction_case):
    for name in ("disposal:listing-register", "disposal:listing-bid"):
        response = client.post(reverse(name, args=[auction_case.pk]), {"amount": "1.00"})
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Bid.objects.exists() and not Bidder.objects.exists()


def test_a_bidder_registers_and_bids_from_the_listing(client, auction_case, bidder_user):
    _client(client, bidder_user)
    url = reverse("disposal:listing-bid", args=[auction_case.pk])
    assert client.post(url, {"amount": "1.00"}).status_code == 403  # not registered yet
    assert client.post(reverse("disposal:listing-register", args=[auction_case.pk])).status_code == 302
    response = client.post(url, {"amount": "abc"})
    assert response.status_code == 400 and response.context["bid_form"].errors["amount"]
    assert client.post(url, {"amount": "105000.00"}).status_code == 302
    response = client.post(url, {"amount": "105000.00"})  # not higher than the highest
    assert response.status_code == 400 and "105,000.00" in response.content.decode()
    detail = client.get(reverse("disposal:listing-detail", args=[auction_case.pk]))
    assert [bid.amount for bid in detail.context["my_bids"]] == [D("105000.00")]
    mine = client.get(reverse("disposal:my-bids"))
    assert mine.status_code == 200 and mine.context["rows"][0]["bids"][0].amount == D("105000.00")


def test_bidders_see_bidder_numbers_not_names(client, auction_case, bidder_user, second_bidder):
    one = auction.bidder_register(case=auction_case, actor=bidder_user)
    auction.bid_place(
        auction_round=current_round(auction_case), bidder=one, actor=bidder_user, amount="101000.00"
    )
    _client(client, second_bidder)
    html = client.get(reverse("disposal:listing-detail", args=[auction_case.pk])).content.decode()
    assert "101,000.00" in html and one.name not in html


@pytest.mark.parametrize("persona", ["reviewer", "commissioner"])
def test_government_users_do_not_register_to_bid(client, request, persona, auction_case):
    _client(client, request.getfixturevalue(persona))
    assert client.post(reverse("disposal:listing-register", args=[auction_case.pk])).status_code == 403


def test_the_pledgee_registers_an_outside_bidder_and_enters_its_bid(client, auction_case, bank_a_officer):
    _client(client, bank_a_officer)
    assert (
        client.post(reverse("disposal:outside-bidder", args=[auction_case.pk]), {"name": ""}).status_code
        == 400
    )
    response = client.post(
        reverse("disposal:outside-bidder", args=[auction_case.pk]), {"name": "某投资人", "deposit_paid": "on"}
    )
    assert response.status_code == 302
    outside = Bidder.objects.get()
    url = reverse("disposal:offline-bid", args=[auction_case.pk])
    assert client.post(url, {"bidder": outside.pk, "amount": "-1"}).status_code == 400
    assert client.post(url, {"bidder": outside.pk, "amount": "100000.00"}).status_code == 302
    assert Bid.objects.get().entered_by == bank_a_officer


def test_home_links_follow_the_role(client, bank_a_officer, reviewer, enterprise_user):
    from django.apps import apps

    config = apps.get_app_config("disposal")
    urls = lambda user: [url for _label, url in config.home_links(user)[0]["links"]]  # noqa: E731
    assert reverse("disposal:case-list") in urls(bank_a_officer)
    assert reverse("disposal:case-list") in urls(reviewer)
    assert reverse("disposal:case-list") not in urls(enterprise_user)
    assert reverse("disposal:my-bids") in urls(enterprise_user)
    assert reverse("disposal:listing-list") in urls(reviewer)
