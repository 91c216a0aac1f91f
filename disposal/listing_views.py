"""The public listing of pledged IP on offer (anonymous), registering to bid and bidding (signed in), and a
bidder's own registrations and bids. The public pages show the case, its assets (kind, number, title; never
the pledgor's people), the method, the reserve price, the open round and its highest bid; bids are shown
by bidder number only, and a signed-in bidder sees which of them are its own."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from disposal import auction
from disposal.errors import DisposalError, DisposalNotAllowed
from disposal.forms import BidForm, ListingFilterForm
from disposal.models import SOLD_STATUSES, Bid, CaseStatus, RoundStatus
from disposal.permissions import acts_for_pledgee, can_bid
from disposal.selectors import bidder_for, listing_get, listing_list, my_bidders
from portal.forms import show_errors

PAGE_SIZE = 20
_C = CaseStatus

PUBLIC_LABELS = {
    _C.LISTED: gettext_lazy("On offer"),
    _C.AUCTIONING: gettext_lazy("Auction open"),
    _C.SOLD: gettext_lazy("Sold"),
    _C.PROCEEDS_RECEIVED: gettext_lazy("Sold"),
    _C.CLOSED: gettext_lazy("Sold"),
    _C.UNSOLD: gettext_lazy("Unsold"),
}


PUBLIC_KEYS = {_C.LISTED: "on_offer", _C.AUCTIONING: "auction", _C.UNSOLD: "unsold"}


def _label(case) -> str:
    return PUBLIC_LABELS.get(case.status, case.get_status_display())


def _key(case) -> str:
    """The public state as a stable word for pages and tests: on_offer, auction, sold or unsold."""
    return PUBLIC_KEYS.get(case.status, "sold")


@require_GET
def listing_list_view(request):
    form = ListingFilterForm(request.GET or None)
    status = 200
    listings = listing_list()
    if form.is_bound and not form.is_valid():
        listings, status = listings.none(), 400
    elif form.is_bound:
        listings = listing_list(filters=form.cleaned_data)
    page = Paginator(listings, PAGE_SIZE).get_page(request.GET.get("page"))
    for case in page:
        case.public_label, case.public_key = _label(case), _key(case)
    params = request.GET.copy()
    params.pop("page", None)
    context = {"page": page, "filter_form": form, "query": params.urlencode()}
    return render(request, "disposal/listings.html", context, status=status)


def _listing_page(request, case, *, bid_form=None, status=200):
    user = request.user
    current = auction.open_round(case) if case.status == _C.AUCTIONING else None
    bidder = bidder_for(case=case, user=user)
    bids = []
    if current is not None:
        bids = list(
            Bid.objects.filter(round=current).select_related("bidder").order_by("-amount", "placed_at", "pk")
        )
    rounds = list(case.rounds.exclude(status=RoundStatus.CANCELLED).order_by("number"))
    context = {
        "case": case,
        "public_label": _label(case),
        "public_key": _key(case),
        "sold": case.status in SOLD_STATUSES,
        "assets": list(case.assets.all()),
        "current": current,
        "rounds": rounds,
        "bids": bids,
        "bidder": bidder,
        "is_pledgee": user.is_authenticated and acts_for_pledgee(user, case),
        "may_register": user.is_authenticated
        and bidder is None
        and can_bid(user)
        and case.status == _C.AUCTIONING,
        "bid_form": bid_form
        or (BidForm() if bidder is not None and bidder.user_id and current is not None else None),
        "my_bids": [bid for bid in bids if bidder is not None and bid.bidder_id == bidder.pk],
    }
    return render(request, "disposal/listing_detail.html", context, status=status)


@require_GET
def listing_detail_view(request, pk: int):
    return _listing_page(request, listing_get(pk=pk))


@login_required
@require_POST
def register_view(request, pk: int):
    case = listing_get(pk=pk)
    if not can_bid(request.user):
        raise PermissionDenied(_("Enterprises and institutions bid; government users do not."))
    try:
        bidder = auction.bidder_register(case=case, actor=request.user)
    except DisposalError as error:
        if isinstance(error, DisposalNotAllowed):
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)
        return _listing_page(request, case, status=400)
    messages.success(request, _("You are registered as bidder no. %(number)s.") % {"number": bidder.number})
    return redirect("disposal:listing-detail", pk=case.pk)


@login_required
@require_POST
def bid_view(request, pk: int):
    case = listing_get(pk=pk)
    bidder = bidder_for(case=case, user=request.user)
    if bidder is None:
        raise PermissionDenied(_("Register for this auction before bidding."))
    form = BidForm(request.POST)
    if form.is_valid():
        current = auction.open_round(case)
        try:
            if current is None:
                raise DisposalError(_("This round has ended: bids are no longer accepted."))
            auction.bid_place(
                auction_round=current, bidder=bidder, actor=request.user, amount=form.cleaned_data["amount"]
            )
        except DisposalError as error:
            if isinstance(error, DisposalNotAllowed):
                raise PermissionDenied(error.message) from error
            show_errors(form, error.message, error.errors)
        else:
            messages.success(request, _("Your bid was placed."))
            return redirect("disposal:listing-detail", pk=case.pk)
    return _listing_page(request, listing_get(pk=pk), bid_form=form, status=400)


@login_required
@require_GET
def my_bids_view(request):
    page = Paginator(my_bidders(user=request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    registrations = list(page)
    by_bidder: dict[int, list] = {}
    for bid in (
        Bid.objects.filter(bidder__in=registrations).select_related("round").order_by("-placed_at", "-pk")
    ):
        by_bidder.setdefault(bid.bidder_id, []).append(bid)
    rows = []
    for bidder in registrations:
        own = by_bidder.get(bidder.pk, [])
        winning = bidder.case.winning_bid_id
        rows.append(
            {
                "bidder": bidder,
                "case": bidder.case,
                "label": _label(bidder.case),
                "bids": own,
                "won": winning is not None and any(bid.pk == winning for bid in own),
            }
        )
    return render(request, "disposal/my_bids.html", {"rows": rows, "page": page})
