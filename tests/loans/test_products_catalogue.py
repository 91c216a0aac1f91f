from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.timezone import localdate

from loans.models import ProductStatus
from loans.selectors import product_compare, product_public_list
from portal.policy.models import IpKind
from tests.loans.products_factory import make_product

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


@pytest.fixture
def catalogue(bank_a_officer, bank_a_manager, bank_b, make_user):
    from portal.accounts.models import Role

    bank_b_manager = make_user("bank_b_manager", bank_b, Role.BANK_MANAGER)
    today = localdate()
    published = {
        "patent": make_product(author=bank_a_officer, manager=bank_a_manager, status=ProductStatus.PUBLISHED),
        "trademark": make_product(
            author=bank_b_manager,
            manager=bank_b_manager,
            status=ProductStatus.PUBLISHED,
            name="商标贷",
            ip_kinds=[IpKind.TRADEMARK, IpKind.COPYRIGHT],
            amount_min=Decimal("100000"),
            amount_max=Decimal("2000000"),
            term_min_months=12,
            term_max_months=24,
            guarantor_involved=True,
        ),
        "open_ended": make_product(
            author=bank_b_manager,
            manager=bank_b_manager,
            status=ProductStatus.PUBLISHED,
            name="数据贷",
            ip_kinds=[IpKind.DATA_IP],
            valid_until=None,
            insurer_involved=True,
        ),
    }
    hidden = {
        "draft": make_product(author=bank_a_officer, name="草稿产品"),
        "withdrawn": make_product(
            author=bank_a_officer, manager=bank_a_manager, status=ProductStatus.WITHDRAWN, name="已撤回"
        ),
        "expired": make_product(
            author=bank_a_officer,
            manager=bank_a_manager,
            status=ProductStatus.PUBLISHED,
            name="已过期",
            valid_from=today - timedelta(days=400),
            valid_until=today - timedelta(days=1),
        ),
        "future": make_product(
            author=bank_a_officer,
            manager=bank_a_manager,
            status=ProductStatus.PUBLISHED,
            name="未开始",
            valid_from=today + timedelta(days=1),
        ),
    }
    return published, hidden


def _names(queryset) -> set[str]:
    return set(queryset.values_list("name", flat=True))


def test_public_list_shows_only_published_products_valid_today(catalogue):
    assert _names(product_public_list(filters={})) == {"智权贷", "商标贷", "数据贷"}


def test_public_list_filters_by_amount_inside_the_range(catalogue):
    assert _names(product_public_list(filters={"amount": Decimal("3000000")})) == {"智权贷", "数据贷"}
    assert _names(product_public_list(filters={"amount": Decimal("200000")})) == {"商标贷"}
    # Both ends of a range are inside it.
    assert "智权贷" in _names(product_public_list(filters={"amount": Decimal("10000000.00")}))
    assert "智权贷" in _names(product_public_list(filters={"amount": Decimal("500000.00")}))
    assert "智权贷" not in _names(product_public_list(filters={"amount": Decimal("10000000.01")}))


def test_public_list_filters_by_ip_kind_term_bank_and_involvement(catalogue, bank_a, bank_b):
    assert _names(product_public_list(filters={"ip_kind": IpKind.COPYRIGHT})) == {"商标贷"}
    assert _names(product_public_list(filters={"ip_kind": IpKind.PATENT})) == {"智权贷"}
    assert _names(product_public_list(filters={"term_months": 30})) == {"智权贷", "数据贷"}
    # The product of bank A's branch is found under the head office.
    assert _names(product_public_list(filters={"bank": bank_a.pk})) == {"智权贷"}
    assert _names(product_public_list(filters={"bank": bank_b.pk})) == {"商标贷", "数据贷"}
    assert _names(product_public_list(filters={"guarantor": "yes"})) == {"商标贷"}
    assert _names(product_public_list(filters={"insurer": "no"})) == {"智权贷", "商标贷"}
    assert _names(product_public_list(filters={"search": "商标"})) == {"商标贷"}


def test_compare_keeps_the_order_asked_and_ignores_hidden_and_unknown_ids(catalogue):
    published, hidden = catalogue
    products, ignored = product_compare(
        ids=[published["trademark"].pk, hidden["draft"].pk, published["patent"].pk, "abc", 999999]
    )
    assert [product.name for product in products] == ["商标贷", "智权贷"]
    assert set(ignored) == {str(hidden["draft"].pk), "abc", "999999"}


def test_catalogue_page_needs_no_login_and_hides_drafts(client, catalogue):
    response = client.get(reverse("loans:product_catalogue"), headers=EN)
    assert response.status_code == 200
    content = response.content.decode()
    assert "智权贷" in content and "商标贷" in content
    for name in ("草稿产品", "已撤回", "已过期", "未开始"):
        assert name not in content


def test_catalogue_page_applies_get_filters(client, catalogue):
    response = client.get(reverse("loans:product_catalogue"), {"amount": "200000", "ip_kind": "trademark"})
    assert response.status_code == 200
    assert [product.name for product in response.context["page"]] == ["商标贷"]


def test_catalogue_page_reports_bad_filters(client, catalogue):
    response = client.get(
        reverse("loans:product_catalogue"), {"amount": "lots", "term_months": "-3"}, headers=EN
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"amount", "term_months"}
    assert list(response.context["page"]) == []


def test_compare_page_shows_four_products_side_by_side(client, catalogue, bank_a_officer, bank_a_manager):
    published, _ = catalogue
    fourth = make_product(
        author=bank_a_officer, manager=bank_a_manager, status=ProductStatus.PUBLISHED, name="第四款"
    )
    ids = [published["patent"].pk, published["trademark"].pk, published["open_ended"].pk, fourth.pk]
    response = client.get(reverse("loans:product_compare"), {"ids": ids}, headers=EN)
    assert response.status_code == 200
    assert [product.pk for product in response.context["products"]] == ids
    assert all(len(values) == 4 for _label, values in response.context["rows"])
    assert "Indicative rate" in response.content.decode()


def test_compare_page_refuses_a_fifth_product(client, catalogue, bank_a_officer, bank_a_manager):
    published, _ = catalogue
    extra = [
        make_product(
            author=bank_a_officer, manager=bank_a_manager, status=ProductStatus.PUBLISHED, name=f"产品{n}"
        )
        for n in range(2)
    ]
    ids = [product.pk for product in [*published.values(), *extra]]
    response = client.get(reverse("loans:product_compare"), {"ids": ids}, headers=EN)
    assert response.status_code == 400
    assert response.context["products"] == []
    assert "compare at most 4 at a time" in response.content.decode()


def test_compare_page_ignores_drafts_with_a_note(client, catalogue):
    published, hidden = catalogue
    response = client.get(
        reverse("loans:product_compare"), {"ids": [published["patent"].pk, hidden["draft"].pk]}, headers=EN
    )
    assert response.status_code == 200
    assert [product.pk for product in response.context["products"]] == [published["patent"].pk]
    content = response.content.decode()
    assert "草稿产品" not in content
    assert "is not in the catalogue and was left out" in content


def test_detail_page_shows_published_products_and_404s_drafts(client, catalogue):
    published, hidden = catalogue
    response = client.get(reverse("loans:product_detail", args=[published["patent"].pk]))
    assert response.status_code == 200
    assert "010-66223344" in response.content.decode()
    for product in (hidden["draft"], hidden["withdrawn"]):
        assert client.get(reverse("loans:product_detail", args=[product.pk])).status_code == 404


def test_home_links_the_catalogue_for_everyone_and_bank_pages_for_bank_staff(
    client, enterprise_user, bank_a_officer
):
    client.force_login(enterprise_user)
    content = client.get(reverse("home")).content.decode()
    assert reverse("loans:product_catalogue") in content
    assert reverse("loans:bank_product_list") not in content
    client.force_login(bank_a_officer)
    content = client.get(reverse("home")).content.decode()
    assert reverse("loans:bank_product_list") in content
