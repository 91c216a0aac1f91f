from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from loans.errors import ProductNotEditable, ProductTransitionNotAllowed
from loans.models import PRODUCT_TRANSITIONS, Product, ProductEvent, ProductStatus
from loans.permissions import available_product_transitions, can_transition_product
from loans.services.products import product_create, product_transition, product_update
from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from tests.loans.products_factory import make_product, product_fields

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(source, to) for source in ProductStatus.values for to in ProductStatus.values]


@pytest.fixture
def bank_b_manager(make_user, bank_b):
    return make_user("bank_b_manager", bank_b, Role.BANK_MANAGER, full_name="钱行长")


@pytest.fixture
def bank_a_admin(make_user, bank_a):
    return make_user("bank_a_admin", bank_a, Role.ORG_ADMIN, full_name="孙管理")


def _product_in(status, officer, manager):
    return make_product(author=officer, manager=manager, status=status)


@pytest.mark.parametrize(("source", "to"), ALL_PAIRS)
def test_transition_table_decides_every_move_for_every_role(
    source, to, bank_a_officer, bank_a_manager, bank_a_admin, bank_b_manager, enterprise_user
):
    actors = {
        "officer": bank_a_officer,
        "manager": bank_a_manager,
        "org_admin": bank_a_admin,
        "other_bank_manager": bank_b_manager,
        "enterprise": enterprise_user,
    }
    roles = PRODUCT_TRANSITIONS.get(source, {}).get(to)
    for label, actor in actors.items():
        product = _product_in(source, bank_a_officer, bank_a_manager)
        expected = roles is not None and label in {"officer", "manager"} and actor.role in roles
        assert can_transition_product(actor, product, to)[0] is expected, label
        if expected:
            moved = product_transition(product=product, to=to, actor=actor, reason="checked")
            assert moved.status == to
            event = moved.events.order_by("-pk").first()
            assert (event.from_status, event.to_status, event.actor, event.reason) == (
                source,
                to,
                actor,
                "checked",
            )
        else:
            with pytest.raises(ProductTransitionNotAllowed) as caught:
                product_transition(product=product, to=to, actor=actor)
            # A move the table lists but the actor may not make is forbidden (403); an unlisted one a conflict.
            assert caught.value.http_status == (403 if roles is not None else 409)
            product.refresh_from_db()
            assert product.status == source


def test_officer_cannot_publish_but_manager_of_the_head_office_can(bank_a_officer, bank_a_manager):
    product = make_product(author=bank_a_officer)
    assert available_product_transitions(product, bank_a_officer) == []
    with pytest.raises(ProductTransitionNotAllowed):
        product_transition(product=product, to=ProductStatus.PUBLISHED, actor=bank_a_officer)
    assert available_product_transitions(product, bank_a_manager) == [ProductStatus.PUBLISHED]
    product_transition(product=product, to=ProductStatus.PUBLISHED, actor=bank_a_manager)
    assert AuditEvent.objects.filter(action="loans.product.transition", object_id=str(product.pk)).exists()


def test_another_banks_manager_cannot_publish(bank_a_officer, bank_b_manager):
    product = make_product(author=bank_a_officer)
    with pytest.raises(ProductTransitionNotAllowed) as caught:
        product_transition(product=product, to=ProductStatus.PUBLISHED, actor=bank_b_manager)
    assert caught.value.forbidden
    product.refresh_from_db()
    assert product.status == ProductStatus.DRAFT


def test_create_writes_a_draft_with_its_creation_event(bank_a_officer, bank_a_branch):
    product = product_create(actor=bank_a_officer, **product_fields())
    assert product.status == ProductStatus.DRAFT
    assert product.bank == bank_a_branch
    assert list(product.events.values_list("from_status", "to_status")) == [("", ProductStatus.DRAFT)]


def test_non_bank_users_and_bank_admins_cannot_create(enterprise_user, bank_a_admin, bank_a_officer, bank_b):
    for actor in (enterprise_user, bank_a_admin):
        with pytest.raises(ProductNotEditable):
            product_create(actor=actor, **product_fields())
    with pytest.raises(ProductNotEditable):
        product_create(actor=bank_a_officer, bank=bank_b, **product_fields())
    assert not Product.objects.exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"amount_min": Decimal("2000000"), "amount_max": Decimal("1000000")}, "amount_max"),
        ({"amount_min": Decimal("0")}, "amount_min"),
        ({"term_min_months": 24, "term_max_months": 12}, "term_max_months"),
        ({"rate_min_pct": Decimal("5.00"), "rate_max_pct": Decimal("4.00")}, "rate_max_pct"),
        ({"ip_kinds": []}, "ip_kinds"),
        ({"ip_kinds": ["patent", "land"]}, "ip_kinds"),
        ({"target_flags": ["is_rich"]}, "target_flags"),
    ],
)
def test_create_refuses_bad_ranges_with_field_errors(bank_a_officer, overrides, field):
    with pytest.raises(ValidationError) as caught:
        product_create(actor=bank_a_officer, **product_fields(**overrides))
    assert field in caught.value.message_dict
    assert not Product.objects.exists()


def test_valid_until_before_valid_from_is_refused(bank_a_officer):
    fields = product_fields()
    fields["valid_until"] = fields["valid_from"] - timedelta(days=1)
    with pytest.raises(ValidationError) as caught:
        product_create(actor=bank_a_officer, **fields)
    assert "valid_until" in caught.value.message_dict


@pytest.mark.parametrize(
    "values",
    [
        {"amount_min": Decimal("2"), "amount_max": Decimal("1")},
        {"amount_min": Decimal("-1")},
        {"term_min_months": 12, "term_max_months": 6},
        {"rate_min_pct": Decimal("5"), "rate_max_pct": Decimal("4")},
        {"valid_until_shift": -1},
    ],
)
def test_database_constraints_hold_without_the_services(bank_a_officer, values):
    product = make_product(author=bank_a_officer)
    shift = values.pop("valid_until_shift", None)
    if shift is not None:
        values["valid_until"] = product.valid_from + timedelta(days=shift)
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.filter(pk=product.pk).update(**values)


def test_update_changes_a_draft_only(bank_a_officer, bank_a_manager):
    product = make_product(author=bank_a_officer)
    product = product_update(
        product=product, actor=bank_a_officer, name="智权贷2.0", amount_max=Decimal("20000000")
    )
    assert (product.name, product.amount_max) == ("智权贷2.0", Decimal("20000000"))
    product_transition(product=product, to=ProductStatus.PUBLISHED, actor=bank_a_manager)
    with pytest.raises(ProductNotEditable) as caught:
        product_update(product=product, actor=bank_a_manager, name="改名")
    assert caught.value.http_status == 409
    product.refresh_from_db()
    assert product.name == "智权贷2.0"


def test_update_by_another_bank_is_forbidden(bank_a_officer, bank_b_officer):
    product = make_product(author=bank_a_officer)
    with pytest.raises(ProductNotEditable) as caught:
        product_update(product=product, actor=bank_b_officer, name="抢过来")
    assert caught.value.forbidden


def test_update_with_bad_range_saves_nothing(bank_a_officer):
    product = make_product(author=bank_a_officer)
    with pytest.raises(ValidationError):
        product_update(product=product, actor=bank_a_officer, term_min_months=40)
    product.refresh_from_db()
    assert product.term_min_months == 6


def test_withdrawn_product_goes_back_to_draft_and_keeps_its_history(bank_a_officer, bank_a_manager):
    product = make_product(author=bank_a_officer, manager=bank_a_manager, status=ProductStatus.WITHDRAWN)
    product_transition(product=product, to=ProductStatus.DRAFT, actor=bank_a_officer, reason="调整利率")
    assert list(ProductEvent.objects.filter(product=product).values_list("to_status", flat=True)) == [
        ProductStatus.DRAFT,
        ProductStatus.PUBLISHED,
        ProductStatus.WITHDRAWN,
        ProductStatus.DRAFT,
    ]
