"""Who may do what to a loan product: ``can_<verb>_product(user, ...) -> (allowed, reason)``."""

from django.utils.translation import gettext as _

from loans.models import PRODUCT_EDITOR_ROLES, PRODUCT_TRANSITIONS, Product, ProductStatus
from portal.accounts.models import Organisation, OrgKind, User
from portal.accounts.selectors import bank_scope_ids


def is_bank_member(user: User) -> bool:
    organisation = user.organisation if user.is_authenticated else None
    return organisation is not None and organisation.kind == OrgKind.BANK


def in_bank_group(user: User, bank: Organisation) -> bool:
    """A head office and its branches are one bank group: staff anywhere in it work its products."""
    return is_bank_member(user) and bank.pk in bank_scope_ids(user.organisation)


def can_create_product(user: User) -> tuple[bool, str]:
    if is_bank_member(user) and user.role in PRODUCT_EDITOR_ROLES:
        return True, ""
    return False, _("Only a bank's officers and managers may draft loan products.")


def can_edit_product(user: User, product: Product) -> tuple[bool, str]:
    if not (in_bank_group(user, product.bank) and user.role in PRODUCT_EDITOR_ROLES):
        return False, _("Only the bank's own officers and managers may edit its products.")
    if product.status != ProductStatus.DRAFT:
        return False, _("Only a draft can be edited; move the product back to draft first.")
    return True, ""


def can_transition_product(user: User, product: Product, to: str) -> tuple[bool, str]:
    allowed = PRODUCT_TRANSITIONS.get(product.status, {})
    if to not in allowed:
        return False, _("A product that is %(status)s cannot move to %(to)s.") % {
            "status": product.get_status_display(),
            "to": ProductStatus(to).label if to in ProductStatus.values else to,
        }
    if not in_bank_group(user, product.bank) or user.role not in allowed[to]:
        return False, _("Your role at this bank does not allow this step.")
    return True, ""


def available_product_transitions(product: Product, user: User) -> list[str]:
    """The moves to draw as buttons for this user."""
    return [
        to
        for to in PRODUCT_TRANSITIONS.get(product.status, {})
        if can_transition_product(user, product, to)[0]
    ]
