"""Writes of the loans app: loan products (draft, edit, publish, withdraw).

Every write validates through ``Product.clean`` (field errors a form can show), locks the row before a
move, re-checks the move against ``PRODUCT_TRANSITIONS`` and the actor's bank group, and writes a
``ProductEvent`` in the same transaction.
"""

from django.db import transaction
from django.utils.translation import gettext as _

from loans.errors import ProductNotEditable, ProductTransitionNotAllowed
from loans.models import PRODUCT_EDITOR_ROLES, PRODUCT_TRANSITIONS, Product, ProductEvent, ProductStatus
from loans.permissions import can_create_product, can_edit_product, can_transition_product, in_bank_group
from portal.accounts.models import Organisation
from portal.audit.services import audit_record

# The fields a bank sets on a draft; bank, status and the metadata are the services' own.
PRODUCT_FIELDS = (
    "name",
    "description",
    "ip_kinds",
    "amount_min",
    "amount_max",
    "term_min_months",
    "term_max_months",
    "rate_min_pct",
    "rate_max_pct",
    "guarantor_involved",
    "insurer_involved",
    "target",
    "target_flags",
    "valid_from",
    "valid_until",
    "contact_name",
    "contact_phone",
    "contact_email",
)


def _check_fields(fields: dict) -> None:
    unknown = set(fields) - set(PRODUCT_FIELDS)
    if unknown:
        raise TypeError(f"Unknown product fields: {sorted(unknown)}")


def _validate(product: Product) -> None:
    # clean() repeats every CheckConstraint as a field error; validating the constraints again would
    # only add the same complaint without a field. The database still enforces them.
    product.full_clean(exclude=["created_by", "updated_by"], validate_constraints=False)


@transaction.atomic
def product_create(*, actor, bank: Organisation | None = None, **fields) -> Product:
    """A new draft of ``bank`` (default: the actor's own organisation, which must be in the same bank
    group). Raises django ValidationError on bad fields, ProductNotEditable when the actor may not."""
    _check_fields(fields)
    bank = bank or actor.organisation
    allowed, reason = can_create_product(actor)
    if not allowed or bank is None or not in_bank_group(actor, bank):
        raise ProductNotEditable(
            reason or _("Only the bank's own officers and managers may edit its products."), forbidden=True
        )
    product = Product(bank=bank, status=ProductStatus.DRAFT, created_by=actor, updated_by=actor, **fields)
    _validate(product)
    product.save()
    ProductEvent.objects.create(product=product, actor=actor, from_status="", to_status=ProductStatus.DRAFT)
    return product


@transaction.atomic
def product_update(*, product: Product, actor, **fields) -> Product:
    """Change a draft's fields. Published and withdrawn products are not edited in place: a bank
    withdraws and re-drafts, so what an enterprise saw stays in the history."""
    _check_fields(fields)
    product = Product.objects.select_for_update().select_related("bank").get(pk=product.pk)
    allowed, reason = can_edit_product(actor, product)
    if not allowed:
        forbidden = not (in_bank_group(actor, product.bank) and actor.role in PRODUCT_EDITOR_ROLES)
        raise ProductNotEditable(reason, forbidden=forbidden)
    for name, value in fields.items():
        setattr(product, name, value)
    product.updated_by = actor
    _validate(product)
    product.save()
    return product


@transaction.atomic
def product_transition(*, product: Product, to: str, actor, reason: str = "") -> Product:
    """Move ``product`` to ``to`` if the table lists the move and the actor's role in the product's bank
    group may make it; writes the event and an audit row."""
    product = Product.objects.select_for_update().select_related("bank").get(pk=product.pk)
    allowed, message = can_transition_product(actor, product, to)
    if not allowed:
        raise ProductTransitionNotAllowed(
            message, forbidden=to in PRODUCT_TRANSITIONS.get(product.status, {})
        )
    if to == ProductStatus.PUBLISHED:
        # A draft may have been saved long ago: publish only what would still pass validation today.
        _validate(product)
    from_status = product.status
    product.status = to
    product.updated_by = actor
    product.save(update_fields=["status", "updated_by", "updated_at"])
    ProductEvent.objects.create(
        product=product, actor=actor, from_status=from_status, to_status=to, reason=reason.strip()
    )
    audit_record(
        action="loans.product.transition",
        actor=actor,
        object_type="loans.product",
        object_id=product.pk,
        details={"from": from_status, "to": to},
    )
    return product
