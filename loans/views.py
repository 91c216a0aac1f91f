"""Pages of the loan-product catalogue (public, no login) and the bank's own product pages."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loans.errors import LoanError
from loans.forms import BankProductFilterForm, ProductFilterForm, ProductForm, ProductTransitionForm
from loans.models import ProductStatus
from loans.permissions import (
    available_product_transitions,
    can_create_product,
    can_edit_product,
    is_bank_member,
)
from loans.selectors import (
    COMPARE_MAX,
    catalogue_banks,
    product_compare,
    product_get_for_bank,
    product_list_for_bank,
    product_public_get,
    product_public_list,
)
from loans.services.products import product_create, product_transition, product_update

PAGE_SIZE = 20


def _transition_label(to: str) -> str:
    """The button label of a move in PRODUCT_TRANSITIONS (looked up per request, in its language)."""
    return {
        ProductStatus.PUBLISHED: _("Publish"),
        ProductStatus.WITHDRAWN: _("Withdraw"),
        ProductStatus.DRAFT: _("Back to draft"),
    }[to]


# ---------------------------------------------------------------------------------------------------
# Public catalogue


@require_GET
def product_catalogue_view(request):
    form = ProductFilterForm(request.GET or None, banks=catalogue_banks())
    status = 200
    if form.is_bound and not form.is_valid():
        products = product_public_list().none()
        status = 400
    else:
        products = product_public_list(filters=form.cleaned_data if form.is_bound else {})
    page = Paginator(products, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "loans/products/catalogue.html",
        {"form": form, "page": page, "query": query.urlencode(), "compare_max": COMPARE_MAX},
        status=status,
    )


def _compare_rows(products) -> list[tuple[str, list]]:
    def yes_no(value: bool) -> str:
        return _("Yes") if value else _("No")

    return [
        (_("Bank"), [product.bank.name for product in products]),
        (_("IP kinds accepted"), [", ".join(product.ip_kind_labels) for product in products]),
        (
            _("Amount (yuan)"),
            [f"{product.amount_min:,.2f} – {product.amount_max:,.2f}" for product in products],
        ),
        (
            _("Term (months)"),
            [f"{product.term_min_months} – {product.term_max_months}" for product in products],
        ),
        (
            _("Indicative rate (% p.a.)"),
            [f"{product.rate_min_pct} – {product.rate_max_pct}" for product in products],
        ),
        (_("A guarantor takes part"), [yes_no(product.guarantor_involved) for product in products]),
        (_("An insurer takes part"), [yes_no(product.insurer_involved) for product in products]),
        (_("Target enterprises"), [product.target or "—" for product in products]),
        (_("Target categories"), [", ".join(product.target_flag_labels) or "—" for product in products]),
        (
            _("Valid until"),
            [
                product.valid_until.isoformat() if product.valid_until else _("No fixed end")
                for product in products
            ],
        ),
        (_("Contact"), [f"{product.contact_name} {product.contact_phone}" for product in products]),
    ]


@require_GET
def product_compare_view(request):
    ids = [value for value in dict.fromkeys(request.GET.getlist("ids")) if value.strip()]
    if len(ids) > COMPARE_MAX:
        return render(
            request,
            "loans/products/compare.html",
            {
                "refused": _("You chose %(count)d products; compare at most %(max)d at a time.")
                % {"count": len(ids), "max": COMPARE_MAX},
                "products": [],
                "rows": [],
            },
            status=400,
        )
    products, ignored = product_compare(ids=ids)
    return render(
        request,
        "loans/products/compare.html",
        {"products": products, "rows": _compare_rows(products), "ignored": ignored},
    )


@require_GET
def product_detail_view(request, pk: int):
    product = product_public_get(pk=pk)
    return render(
        request,
        "loans/products/detail.html",
        {"product": product, "current": product.is_valid_on(localdate())},
    )


# ---------------------------------------------------------------------------------------------------
# The bank's own products


def _require_bank_member(user) -> None:
    if not is_bank_member(user):
        raise PermissionDenied(_("Only bank staff manage loan products."))


def _form_errors_from(form, error: ValidationError) -> None:
    # The service names fields by the model; the form uses the same names.
    for name, field_errors in error.message_dict.items():
        form.add_error(name if name in form.fields else None, field_errors)


@login_required
@require_GET
def bank_product_list_view(request):
    _require_bank_member(request.user)
    form = BankProductFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    page = Paginator(product_list_for_bank(user=request.user, filters=filters), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "loans/products/bank_list.html",
        {"form": form, "page": page, "can_create": can_create_product(request.user)[0]},
    )


@login_required
@require_http_methods(["GET", "POST"])
def bank_product_create_view(request):
    allowed, reason = can_create_product(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    form = ProductForm(request.POST or None, initial={"valid_from": localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            product = product_create(actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(form, error)
        except LoanError as error:
            raise PermissionDenied(error.message) from error
        else:
            messages.success(request, _("Draft “%(name)s” saved.") % {"name": product.name})
            return redirect("loans:bank_product_detail", pk=product.pk)
    return render(
        request,
        "loans/products/form.html",
        {"form": form, "product": None},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def bank_product_detail_view(request, pk: int):
    product = product_get_for_bank(user=request.user, pk=pk)
    moves = [(to, _transition_label(to)) for to in available_product_transitions(product, request.user)]
    return render(
        request,
        "loans/products/bank_detail.html",
        {
            "product": product,
            "events": product.events.select_related("actor"),
            "moves": moves,
            "can_edit": can_edit_product(request.user, product)[0],
            "current": product.is_valid_on(localdate()),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def bank_product_edit_view(request, pk: int):
    product = product_get_for_bank(user=request.user, pk=pk)
    allowed, reason = can_edit_product(request.user, product)
    if not allowed:
        if product.status != ProductStatus.DRAFT:
            messages.error(request, reason)
            return redirect("loans:bank_product_detail", pk=product.pk)
        raise PermissionDenied(reason)
    form = ProductForm(request.POST or None, initial=ProductForm.initial_from(product))
    if request.method == "POST" and form.is_valid():
        try:
            product = product_update(product=product, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors_from(form, error)
        except LoanError as error:
            messages.error(request, error.message)
            return redirect("loans:bank_product_detail", pk=product.pk)
        else:
            messages.success(request, _("Draft “%(name)s” saved.") % {"name": product.name})
            return redirect("loans:bank_product_detail", pk=product.pk)
    return render(
        request,
        "loans/products/form.html",
        {"form": form, "product": product},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def bank_product_transition_view(request, pk: int):
    product = product_get_for_bank(user=request.user, pk=pk)
    form = ProductTransitionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a step from the buttons."))
        return redirect("loans:bank_product_detail", pk=product.pk)
    to = form.cleaned_data["to"]
    try:
        product = product_transition(
            product=product, to=to, actor=request.user, reason=form.cleaned_data["reason"]
        )
    except ValidationError as error:
        messages.error(
            request,
            _("The draft cannot be published as it stands: %(problems)s")
            % {"problems": "; ".join(str(message) for message in error.messages)},
        )
    except LoanError as error:
        if getattr(error, "forbidden", False):
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("“%(name)s” is now %(status)s.")
            % {"name": product.name, "status": product.get_status_display()},
        )
    return redirect("loans:bank_product_detail", pk=product.pk)
