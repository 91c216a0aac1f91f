import pytest
from django.urls import reverse

from loans.models import CoachingRequest, Loan, LoanApplication, Product, ProductStatus
from portal.accounts.models import Role
from tests.loans.products_factory import make_product, product_fields

pytestmark = pytest.mark.django_db
EN = {"accept-language": "en"}


def _form_data(**overrides) -> dict:
    fields = product_fields(**overrides)
    data = {name: value for name, value in fields.items() if not isinstance(value, (list, bool))}
    data["valid_from"] = fields["valid_from"].isoformat()
    data["valid_until"] = fields["valid_until"].isoformat() if fields["valid_until"] else ""
    data["ip_kinds"] = fields["ip_kinds"]
    data["target_flags"] = fields["target_flags"]
    for flag in ("guarantor_involved", "insurer_involved"):
        if fields[flag]:
            data[flag] = "on"
    return data


@pytest.fixture
def bank_b_manager(make_user, bank_b):
    return make_user("bank_b_manager", bank_b, Role.BANK_MANAGER)


def test_officer_drafts_a_product_through_the_form(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(
        reverse("loans:bank_product_create"),
        _form_data(target_flags=["is_high_tech"], guarantor_involved=True),
    )
    product = Product.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("loans:bank_product_detail", args=[product.pk])
    assert product.status == ProductStatus.DRAFT
    assert product.target_flags == ["is_high_tech"]
    assert product.guarantor_involved is True


def test_form_with_min_above_max_shows_field_errors_and_saves_nothing(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(
        reverse("loans:bank_product_create"),
        _form_data(amount_min="2000000", amount_max="1000000", rate_min_pct="5", rate_max_pct="4"),
        headers=EN,
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "amount_max" in errors and "rate_max_pct" in errors
    assert "The maximum amount cannot be below the minimum." in response.content.decode()
    assert not Product.objects.exists()


def test_form_with_missing_and_malformed_fields_is_a_400(client, bank_a_officer):
    client.force_login(bank_a_officer)
    response = client.post(
        reverse("loans:bank_product_create"), {"name": "", "amount_min": "abc", "ip_kinds": ["land"]}
    )
    assert response.status_code == 400
    assert {"name", "amount_min", "ip_kinds", "valid_from"} <= set(response.context["form"].errors)
    assert not Product.objects.exists()


def test_non_bank_users_cannot_open_the_bank_pages(client, outsider, bank_a_officer):
    product = make_product(author=bank_a_officer)
    client.force_login(outsider)
    assert client.get(reverse("loans:bank_product_list")).status_code == 403
    assert client.get(reverse("loans:bank_product_create")).status_code == 403
    assert client.get(reverse("loans:bank_product_detail", args=[product.pk])).status_code == 404


def test_anonymous_visitors_are_sent_to_login_from_bank_pages(client):
    response = client.get(reverse("loans:bank_product_list"))
    assert response.status_code == 302
    assert "login" in response.url


def test_bank_b_never_sees_bank_a_drafts(client, bank_a_officer, bank_b_officer, bank_b_manager):
    product = make_product(author=bank_a_officer, name="A行草稿")
    client.force_login(bank_b_officer)
    listing = client.get(reverse("loans:bank_product_list"))
    assert "A行草稿" not in listing.content.decode()
    for name in ("loans:bank_product_detail", "loans:bank_product_edit"):
        assert client.get(reverse(name, args=[product.pk])).status_code == 404
    client.force_login(bank_b_manager)
    response = client.post(
        reverse("loans:bank_product_transition", args=[product.pk]), {"to": ProductStatus.PUBLISHED}
    )
    assert response.status_code == 404
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_the_whole_bank_group_sees_its_products_in_every_status(client, bank_a_officer, bank_a_manager):
    make_product(author=bank_a_officer, name="草稿")
    make_product(author=bank_a_officer, manager=bank_a_manager, status=ProductStatus.PUBLISHED, name="在售")
    client.force_login(bank_a_manager)
    response = client.get(reverse("loans:bank_product_list"))
    assert {product.name for product in response.context["page"]} == {"草稿", "在售"}
    response = client.get(reverse("loans:bank_product_list"), {"status": "published"})
    assert [product.name for product in response.context["page"]] == ["在售"]


def test_officer_sees_no_publish_button_and_a_publish_post_is_forbidden(client, bank_a_officer):
    product = make_product(author=bank_a_officer)
    client.force_login(bank_a_officer)
    detail = client.get(reverse("loans:bank_product_detail", args=[product.pk]))
    assert detail.context["moves"] == []
    assert detail.context["can_edit"] is True
    response = client.post(
        reverse("loans:bank_product_transition", args=[product.pk]), {"to": ProductStatus.PUBLISHED}
    )
    assert response.status_code == 403
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_manager_publishes_and_withdraws_from_the_buttons(client, bank_a_officer, bank_a_manager):
    product = make_product(author=bank_a_officer)
    client.force_login(bank_a_manager)
    detail = client.get(reverse("loans:bank_product_detail", args=[product.pk]), headers=EN)
    assert [to for to, _label in detail.context["moves"]] == [ProductStatus.PUBLISHED]
    assert "Publish" in detail.content.decode()
    url = reverse("loans:bank_product_transition", args=[product.pk])
    assert client.post(url, {"to": ProductStatus.PUBLISHED}).status_code == 302
    product.refresh_from_db()
    assert product.status == ProductStatus.PUBLISHED
    assert client.get(reverse("loans:product_detail", args=[product.pk])).status_code == 200
    client.post(url, {"to": ProductStatus.WITHDRAWN, "reason": "额度用完"})
    product.refresh_from_db()
    assert product.status == ProductStatus.WITHDRAWN
    assert product.events.order_by("-pk").first().reason == "额度用完"
    assert client.get(reverse("loans:product_detail", args=[product.pk])).status_code == 404


def test_unlisted_or_unknown_move_changes_nothing(client, bank_a_officer, bank_a_manager):
    product = make_product(author=bank_a_officer)
    client.force_login(bank_a_manager)
    url = reverse("loans:bank_product_transition", args=[product.pk])
    response = client.post(url, {"to": ProductStatus.WITHDRAWN}, headers=EN, follow=True)
    assert "cannot move to" in response.content.decode()
    response = client.post(url, {"to": "archived"}, headers=EN, follow=True)
    assert "Choose a step from the buttons." in response.content.decode()
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_edit_form_saves_a_draft_and_refuses_a_published_product(client, bank_a_officer, bank_a_manager):
    product = make_product(author=bank_a_officer)
    client.force_login(bank_a_officer)
    url = reverse("loans:bank_product_edit", args=[product.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, _form_data(name="智权贷（升级版）"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "智权贷（升级版）"
    bad = client.post(url, _form_data(term_min_months="48"))
    assert bad.status_code == 400
    assert "term_max_months" in bad.context["form"].errors
    product.refresh_from_db()
    assert product.term_min_months == 6
    client.force_login(bank_a_manager)
    client.post(reverse("loans:bank_product_transition", args=[product.pk]), {"to": ProductStatus.PUBLISHED})
    response = client.post(url, _form_data(name="偷偷改名"))
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.name == "智权贷（升级版）"


def test_seed_demo_loads_products_coaching_a_request_and_loans_once(db):
    from django.apps import apps

    from portal.management.demo import seed_demo

    seed_demo()
    apps.get_app_config("pledges").seed_demo()  # the IP register the demo request offers
    config = apps.get_app_config("loans")
    assert config.seed_demo() == 6 + 3 + 1  # products, the loans the branch reported, the accepted offer
    assert config.seed_demo() == 0
    assert Product.objects.filter(status=ProductStatus.PUBLISHED).count() == 5
    assert Product.objects.filter(status=ProductStatus.DRAFT).count() == 1
    assert CoachingRequest.objects.count() == 2
    assert sorted(LoanApplication.objects.values_list("status", flat=True)) == [
        "accepted",
        "approved",
        "declined",
        "info_requested",
    ]
    assert sorted(Loan.objects.values_list("status", flat=True)) == [
        "awaiting_contract",
        "non_performing",
        "repaying",
        "settled",
    ]


def test_admin_lists_products_read_only(client, staff_admin, bank_a_officer):
    product = make_product(author=bank_a_officer)
    client.force_login(staff_admin)
    assert (
        client.get(reverse("admin:loans_product_changelist"), {"status__exact": "draft"}).status_code == 200
    )
    assert client.get(reverse("admin:loans_product_change", args=[product.pk])).status_code == 200
    assert client.get(reverse("admin:loans_product_add")).status_code == 403
