"""The pledgee's and the oversight roles' pages of disposal cases: the list (with the non-performing loans to
open a case for), opening a case, the case page with its assets, auction rounds, bidders, proceeds and
history, and the pledgee's actions on it. Each view checks the user's kind first (403), then the scope (404:
another pledgee's case), then the form (400, input kept), then calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from disposal import auction, services
from disposal.errors import DisposalError, DisposalInvalid, DisposalNotAllowed
from disposal.forms import (
    AuctionStartForm,
    CaseFilterForm,
    CaseOpenForm,
    DealForm,
    OfflineBidForm,
    OutsideBidderForm,
    ProceedsForm,
    ReasonForm,
    ReopenForm,
    TermsForm,
)
from disposal.models import LISTED_METHODS, AuctionRound, Bid, CaseStatus, Method
from disposal.permissions import is_oversight, is_pledgee_user
from disposal.selectors import (
    case_get_for_user,
    case_list,
    disposable_assets,
    loan_get_for_opening,
    openable_loans,
)
from portal.forms import show_errors

PAGE_SIZE = 25
_C = CaseStatus
WITHDRAWABLE = frozenset({_C.DRAFT, _C.LISTED, _C.AUCTIONING, _C.UNSOLD})

NEXT_STEPS = {
    _C.DRAFT: gettext_lazy(
        "The pledgee checks the assets, valuation and reserve price, then starts the auction, lists the case or records the agreed price."
    ),
    _C.LISTED: gettext_lazy(
        "On the public listing: the pledgee records the deal when concluded, or that the listing ended unsold."
    ),
    _C.AUCTIONING: gettext_lazy(
        "Registered bidders bid while the round is open; when it ends the highest bid at or above the reserve price wins, otherwise the next round opens at a lower reserve price."
    ),
    _C.SOLD: gettext_lazy("The pledgee records the proceeds when the money comes in."),
    _C.UNSOLD: gettext_lazy("The pledgee may choose another method, or withdraw the case."),
    _C.WITHDRAWN: gettext_lazy("Withdrawn: the assets are free for another case."),
    _C.PROCEEDS_RECEIVED: gettext_lazy("The pledgee records further proceeds, or closes the case."),
    _C.CLOSED: gettext_lazy("Closed."),
}


ACTION_LABELS = {
    "opened": gettext_lazy("Case opened"),
    "updated": gettext_lazy("Terms changed"),
    "bidder_registered": gettext_lazy("Bidder registered"),
    "round_failed": gettext_lazy("Round failed (流拍): the next round opened at a lower reserve price"),
    "proceeds": gettext_lazy("Proceeds recorded"),
}


def _event_rows(case) -> list[dict]:
    rows = []
    for event in case.events.select_related("actor").order_by("at", "pk"):
        if event.action == "transition" or not event.action:
            title = event.get_to_status_display()
        else:
            title = ACTION_LABELS.get(event.action, event.action)
        rows.append({"event": event, "title": title})
    return rows


def _reader(user) -> None:
    if not (is_pledgee_user(user) or is_oversight(user)):
        raise PermissionDenied(
            _("Disposal cases are for the pledgee banks and guarantors, the IP bureau and the joint office.")
        )


def _pledgee_only(user) -> None:
    if not is_pledgee_user(user):
        raise PermissionDenied(_("Only the pledgee's officers handle disposal cases."))


def _forbid(error: DisposalError) -> None:
    if isinstance(error, DisposalNotAllowed):
        raise PermissionDenied(error.message) from error


# --- The list and opening ------------------------------------------------------------------------------------


@login_required
def case_list_view(request):
    user = request.user
    _reader(user)
    form = CaseFilterForm(request.GET or None)
    status = 200
    cases = case_list(user=user)
    if form.is_bound and not form.is_valid():
        cases, status = cases.none(), 400
    elif form.is_bound:
        cases = case_list(user=user, filters=form.cleaned_data)
    params = request.GET.copy()
    params.pop("page", None)
    pledgee = is_pledgee_user(user)
    context = {
        "pledgee": pledgee,
        "oversight": is_oversight(user),
        "filter_form": form,
        "query": params.urlencode(),
        "page": Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page")),
        "loans": list(openable_loans(user=user)[:100]) if pledgee else [],
    }
    return render(request, "disposal/list.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def case_open_view(request, loan_pk: int):
    user = request.user
    _pledgee_only(user)
    loan = loan_get_for_opening(user=user, pk=loan_pk)
    assets = disposable_assets(loan=loan, user=user)
    form = CaseOpenForm(request.POST or None, assets=assets, initial={"method": Method.AUCTION})
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            chosen = data.pop("assets")
            try:
                case = services.case_open(loan=loan, actor=user, assets=chosen, data=data)
            except DisposalError as error:
                _forbid(error)
                show_errors(form, error.message, error.errors)
            else:
                messages.success(
                    request, _("Disposal case %(ref)s opened as a draft.") % {"ref": case.reference}
                )
                return redirect("disposal:case-detail", pk=case.pk)
    return render(request, "disposal/open.html", {"loan": loan, "form": form}, status=status)


# --- The case page ------------------------------------------------------------------------------------------


def _detail(request, case, *, forms: dict | None = None, status: int = 200):
    user = request.user
    manage = is_pledgee_user(user)
    rounds = list(
        AuctionRound.objects.filter(case=case)
        .prefetch_related(
            Prefetch(
                "bids", queryset=Bid.objects.select_related("bidder").order_by("-amount", "placed_at", "pk")
            )
        )
        .order_by("number")
    )
    s, method = case.status, case.method
    forms = forms or {}
    context = {
        "case": case,
        "loan": case.loan,
        "assets": list(case.assets.all()),
        "rounds": rounds,
        "bidders": list(case.bidders.select_related("organisation").order_by("number")),
        "proceeds": list(case.proceeds.select_related("recovery").order_by("received_on", "pk")),
        "events": _event_rows(case),
        "claim": services.paid_claim(case.loan),
        "manage": manage,
        "next_step": NEXT_STEPS.get(s, ""),
        "edit_form": forms.get("edit")
        or (
            TermsForm(initial={f: getattr(case, f) for f in services.CASE_FIELDS})
            if manage and s == _C.DRAFT
            else None
        ),
        "start_form": forms.get("start")
        or (AuctionStartForm() if manage and s == _C.DRAFT and method == Method.AUCTION else None),
        "can_list": manage and s == _C.DRAFT and method in LISTED_METHODS,
        "deal_form": forms.get("deal")
        or (
            DealForm()
            if manage and ((s == _C.DRAFT and method == Method.AGREED_PRICE) or s == _C.LISTED)
            else None
        ),
        "unsold_form": forms.get("unsold") or (ReasonForm() if manage and s == _C.LISTED else None),
        "withdraw_form": forms.get("withdraw") or (ReasonForm() if manage and s in WITHDRAWABLE else None),
        "reopen_form": forms.get("reopen") or (ReopenForm() if manage and s == _C.UNSOLD else None),
        "bidder_form": forms.get("bidder")
        or (OutsideBidderForm() if manage and s == _C.AUCTIONING else None),
        "offline_form": forms.get("offline")
        or (
            OfflineBidForm(case=case)
            if manage and s == _C.AUCTIONING and case.bidders.filter(user=None).exists()
            else None
        ),
        "proceeds_form": forms.get("proceeds")
        or (ProceedsForm() if manage and s in (_C.SOLD, _C.PROCEEDS_RECEIVED) else None),
        "can_close": manage and s == _C.PROCEEDS_RECEIVED,
    }
    return render(request, "disposal/detail.html", context, status=status)


@login_required
def case_detail_view(request, pk: int):
    _reader(request.user)
    return _detail(request, case_get_for_user(user=request.user, pk=pk))


def _act(request, pk, *, key, form_class, call, done, form_kwargs=None):
    """Parse ``form_class``, call ``call(case, cleaned_data)``; a refusal re-renders the page (400, input kept)."""
    user = request.user
    _pledgee_only(user)
    case = case_get_for_user(user=user, pk=pk)
    kwargs = {"case": case} if form_kwargs == "case" else {}
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        try:
            call(case, form.cleaned_data)
        except DisposalError as error:
            _forbid(error)
            show_errors(form, error.message, error.errors)
        else:
            messages.success(request, done)
            return redirect(reverse("disposal:case-detail", args=[case.pk]) + f"#{key}")
    case.refresh_from_db()
    return _detail(request, case, forms={key: form}, status=400)


class _NoFields(ReasonForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].required = False


@login_required
@require_POST
def case_edit_view(request, pk: int):
    return _act(
        request,
        pk,
        key="edit",
        form_class=TermsForm,
        call=lambda case, data: services.case_update(case=case, actor=request.user, data=data),
        done=_("The case was saved."),
    )


@login_required
@require_POST
def auction_start_view(request, pk: int):
    return _act(
        request,
        pk,
        key="start",
        form_class=AuctionStartForm,
        call=lambda case, data: auction.auction_start(
            case=case, actor=request.user, round_hours=data["round_hours"]
        ),
        done=_("The auction has started: round 1 is open for bids."),
    )


@login_required
@require_POST
def case_publish_view(request, pk: int):
    return _act(
        request,
        pk,
        key="list",
        form_class=_NoFields,
        call=lambda case, data: services.case_list_publicly(case=case, actor=request.user),
        done=_("The case is on the public listing."),
    )


@login_required
@require_POST
def deal_view(request, pk: int):
    return _act(
        request,
        pk,
        key="deal",
        form_class=DealForm,
        call=lambda case, data: services.deal_record(case=case, actor=request.user, **data),
        done=_("The deal was recorded."),
    )


@login_required
@require_POST
def unsold_view(request, pk: int):
    return _act(
        request,
        pk,
        key="unsold",
        form_class=ReasonForm,
        call=lambda case, data: services.case_mark_unsold(
            case=case, actor=request.user, reason=data["reason"]
        ),
        done=_("The listing ended unsold."),
    )


@login_required
@require_POST
def withdraw_view(request, pk: int):
    return _act(
        request,
        pk,
        key="withdraw",
        form_class=ReasonForm,
        call=lambda case, data: services.case_withdraw(case=case, actor=request.user, reason=data["reason"]),
        done=_("The case was withdrawn."),
    )


@login_required
@require_POST
def reopen_view(request, pk: int):
    return _act(
        request,
        pk,
        key="reopen",
        form_class=ReopenForm,
        call=lambda case, data: services.case_reopen(case=case, actor=request.user, method=data["method"]),
        done=_("The case is a draft again: check the terms for the new method."),
    )


@login_required
@require_POST
def outside_bidder_view(request, pk: int):
    return _act(
        request,
        pk,
        key="bidder",
        form_class=OutsideBidderForm,
        call=lambda case, data: auction.bidder_register_outside(case=case, actor=request.user, **data),
        done=_("The bidder was registered."),
    )


def _offline_bid(request, case, data):
    current = auction.open_round(case)
    if current is None:
        raise DisposalInvalid(_("This round has ended: bids are no longer accepted."))
    auction.bid_place(auction_round=current, bidder=data["bidder"], actor=request.user, amount=data["amount"])


@login_required
@require_POST
def offline_bid_view(request, pk: int):
    return _act(
        request,
        pk,
        key="offline",
        form_class=OfflineBidForm,
        form_kwargs="case",
        call=lambda case, data: _offline_bid(request, case, data),
        done=_("The bid was entered."),
    )


@login_required
@require_POST
def proceeds_view(request, pk: int):
    return _act(
        request,
        pk,
        key="proceeds",
        form_class=ProceedsForm,
        call=lambda case, data: services.proceeds_record(
            case=case,
            actor=request.user,
            amount=data["amount"],
            received_on=data["received_on"],
            note_text=data["note"],
        ),
        done=_("The proceeds were recorded."),
    )


@login_required
@require_POST
def close_view(request, pk: int):
    return _act(
        request,
        pk,
        key="close",
        form_class=_NoFields,
        call=lambda case, data: services.case_close(case=case, actor=request.user, reason=data["reason"]),
        done=_("The case is closed."),
    )
