"""Reads of loan products: the public catalogue (published and valid today) and a bank group's own
products in every status. An id outside the reader's scope is a 404 (never a 403: existence does not
leak)."""

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.timezone import localdate

from loans.models import Product, ProductStatus
from loans.permissions import is_bank_member
from portal.accounts.models import Organisation, OrgKind, User
from portal.accounts.selectors import bank_scope_ids

COMPARE_MAX = 4


def _public_scope() -> QuerySet[Product]:
    today = localdate()
    return (
        Product.objects.filter(status=ProductStatus.PUBLISHED, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("bank", "bank__parent")
    )


def _yes_no(value) -> bool | None:
    if value in (True, "yes", "true", "1", "on"):
        return True
    if value in (False, "no", "false", "0"):
        return False
    return None


def product_public_list(*, filters: dict | None = None) -> QuerySet[Product]:
    """Published products valid today (Beijing date), with the visitor's filters: ip_kind, amount
    (yuan, inside the product's range), term (months, inside its range), bank (a head office also finds
    its branches' products), guarantor / insurer ("yes" or "no"), search (name, bank, description,
    target). Filters arrive already parsed (Decimal, int) from the form; missing ones are skipped."""
    queryset = _public_scope()
    filters = filters or {}
    if ip_kind := filters.get("ip_kind"):
        # ip_kinds is a JSON list; "contains" on a JSON array is PostgreSQL-only, so match the quoted
        # value in its JSON text, which works on both databases (the values are a closed set of words,
        # none quoted inside another).
        queryset = queryset.filter(ip_kinds__icontains=f'"{ip_kind}"')
    amount = filters.get("amount")
    if amount is not None and amount != "":
        amount = Decimal(amount)
        queryset = queryset.filter(amount_min__lte=amount, amount_max__gte=amount)
    term = filters.get("term_months")
    if term is not None and term != "":
        term = int(term)
        queryset = queryset.filter(term_min_months__lte=term, term_max_months__gte=term)
    if bank := filters.get("bank"):
        bank_id = bank.pk if isinstance(bank, Organisation) else int(bank)
        queryset = queryset.filter(Q(bank_id=bank_id) | Q(bank__parent_id=bank_id))
    for flag in ("guarantor", "insurer"):
        wanted = _yes_no(filters.get(flag))
        if wanted is not None:
            queryset = queryset.filter(**{f"{flag}_involved": wanted})
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(bank__name__icontains=search)
            | Q(description__icontains=search)
            | Q(target__icontains=search)
        )
    return queryset.order_by("bank__name", "name", "pk")


def product_public_get(*, pk: int) -> Product:
    """A published product (even one past its valid period, so a saved link still explains itself);
    drafts and withdrawn products are a 404."""
    product = (
        Product.objects.select_related("bank", "bank__parent")
        .filter(pk=pk, status=ProductStatus.PUBLISHED)
        .first()
    )
    if product is None:
        raise Http404
    return product


def catalogue_banks() -> QuerySet[Organisation]:
    """Head offices with at least one product in the catalogue today (the bank filter's choices)."""
    ids = _public_scope().values_list("bank_id", "bank__parent_id")
    head_ids = {parent or bank for bank, parent in ids}
    return Organisation.objects.filter(pk__in=head_ids, kind=OrgKind.BANK).order_by("name")


def product_compare(*, ids: list) -> tuple[list[Product], list[str]]:
    """The catalogue products among ``ids`` (in the order asked) and the ids ignored because they are
    not numbers, not found, not published or not valid today. The caller refuses more than
    ``COMPARE_MAX`` ids before calling."""
    wanted: list[int] = []
    ignored: list[str] = []
    for raw in ids:
        text = str(raw).strip()
        if text.isdigit() and int(text) not in wanted:
            wanted.append(int(text))
        elif not text.isdigit():
            ignored.append(text)
    found = {product.pk: product for product in product_public_list().filter(pk__in=wanted)}
    ignored.extend(str(pk) for pk in wanted if pk not in found)
    return [found[pk] for pk in wanted if pk in found], ignored


def product_scope_for_bank(*, user: User) -> QuerySet[Product]:
    """The user's bank group's products in every status; nothing for anyone else."""
    if not is_bank_member(user):
        return Product.objects.none()
    return Product.objects.filter(bank_id__in=bank_scope_ids(user.organisation))


def product_list_for_bank(*, user: User, filters: dict | None = None) -> QuerySet[Product]:
    """The bank group's own products with filters: status, search (name)."""
    queryset = product_scope_for_bank(user=user).select_related("bank", "updated_by")
    filters = filters or {}
    if (status := filters.get("status")) in ProductStatus.values:
        queryset = queryset.filter(status=status)
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(name__icontains=search)
    return queryset.order_by("-updated_at", "-pk")


def product_get_for_bank(*, user: User, pk: int) -> Product:
    product = (
        product_scope_for_bank(user=user)
        .select_related("bank", "created_by", "updated_by")
        .filter(pk=pk)
        .first()
    )
    if product is None:
        raise Http404
    return product
