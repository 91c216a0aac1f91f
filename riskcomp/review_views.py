"""The IP bureau's review of risk compensation claims (issue 7): the queue, and the review page with the
calculation sheet, the evidence, the participants' confirmations, the year's fund and the institutions'
caps, and the buttons of the four-eyes review (start, correction, propose, the second reviewer's decision).
"""

from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.forms import show_errors
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year
from riskcomp import presenters, review
from riskcomp.errors import RiskcompError, RiskcompNotAllowed
from riskcomp.models import Claim, ClaimStatus, FundYear, InstitutionYear
from riskcomp.permissions import claim_scope, get_in_scope, is_reviewer
from riskcomp.staff_forms import CorrectionForm, DecideForm, ProposeForm, QueueFilterForm

_S = ClaimStatus
ZERO = Decimal("0.00")
QUEUE_PAGE_SIZE = 50

# --- What the staff's pages share ------------------------------------------------------------------------


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def refused(request, error: RiskcompError, form=None) -> None:
    """A service's refusal: 403 for a rule of who may act, else its messages on the form (or the page)."""
    if isinstance(error, RiskcompNotAllowed):
        raise PermissionDenied(error.message)
    if form is None:
        messages.error(request, error.message)
        return
    show_errors(form, error.message, error.errors)


def url_or_none(name: str, *args) -> str | None:
    """A link to a page another part of the app provides, left out while that page is missing."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def _reviewer(request) -> None:
    require(is_reviewer(request.user), _("Only the IP bureau's reviewers review risk compensation claims."))


# --- The queue -------------------------------------------------------------------------------------------


@login_required
@require_GET
def review_queue(request):
    _reviewer(request)
    filters = QueueFilterForm(request.GET or None)
    statuses = filters.statuses()
    claims = (
        claim_scope(request.user)
        .filter(status__in=statuses)
        .select_related("bank", "loan", "first_reviewer")
        .order_by("submitted_at", "pk")
    )
    year = filters.year_chosen()
    if year:
        claims = claims.filter(year=year)
    page = Paginator(claims, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    rows = [
        {"claim": claim, "days": (now - claim.submitted_at).days if claim.submitted_at else None}
        for claim in page
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "riskcomp/staff/review_queue.html",
        {"filters": filters, "page": page, "rows": rows, "statuses": statuses, "query": query.urlencode()},
    )


# --- One claim -------------------------------------------------------------------------------------------


def _claim(request, pk: int) -> Claim:
    return get_in_scope(
        claim_scope(request.user).select_related(
            "bank", "bank__parent", "loan", "loan__enterprise", "first_reviewer", "second_reviewer"
        ),
        pk,
    )


def fund_figures(year: int) -> dict:
    """The year's fund as it stands: the ``FundYear`` row, or before any approval the parameters' budget."""
    fund = FundYear.objects.filter(year=year).first()
    try:
        parameters = parameter_set_for_year(year)
    except PolicyYearMissing:
        parameters = None
    cap = parameters.riskcomp_per_institution_annual_cap if parameters else None
    if fund is not None:
        budget, reserved, paid = fund.budget, fund.reserved, fund.paid
    else:
        budget = parameters.riskcomp_fund_annual_budget if parameters else None
        reserved = paid = ZERO
    return {
        "year": year,
        "budget": budget,
        "reserved": reserved,
        "paid": paid,
        "remaining": budget - reserved if budget is not None else None,
        "institution_cap": cap,
    }


def institution_figures(claim: Claim, participants: list, cap) -> list[dict]:
    """Each participating institution's use of its annual cap in the claim's year."""
    organisation_ids = {p.organisation_id for p in participants if p.organisation_id}
    used = {
        row.organisation_id: row
        for row in InstitutionYear.objects.filter(year=claim.year, organisation_id__in=organisation_ids)
    }
    rows = []
    for participant in participants:
        if participant.organisation_id is None:
            continue
        row = used.get(participant.organisation_id)
        limit = row.cap if row is not None else cap
        reserved = row.reserved if row is not None else ZERO
        rows.append(
            {
                "participant": participant,
                "cap": limit,
                "reserved": reserved,
                "remaining": limit - reserved if limit is not None else None,
                "this_claim": participant.proposed_payout
                if participant.proposed_payout is not None
                else participant.payout,
            }
        )
    return rows


def _review(request, claim: Claim, *, status: int = 200, **forms):
    user = request.user
    is_first = claim.first_reviewer_id == user.pk
    sheet = presenters.sheet(claim)
    participants = list(claim.participants.select_related("organisation", "confirmed_by").order_by("pk"))
    fund = fund_figures(claim.year)
    evidence = [
        {"evidence": item, "url": url_or_none("riskcomp:claim-file", item.pk)}
        for item in claim.evidence.select_related("uploaded_by").order_by("item", "pk")
    ]
    context = {
        "claim": claim,
        **sheet,
        "confirmations": participants,
        "evidence_rows": evidence,
        "fund": fund,
        "institutions": institution_figures(claim, participants, fund["institution_cap"]),
        "events": presenters.claim_events(claim),
        "claim_url": url_or_none("riskcomp:claim-detail", claim.pk),
        "is_first": is_first,
        "can_start": claim.status == _S.SUBMITTED,
        "can_review": claim.status == _S.UNDER_REVIEW and is_first,
        "held_by_other": claim.status == _S.UNDER_REVIEW and not is_first,
        "can_decide": claim.status == _S.PROPOSED and not is_first,
        "correction_form": forms.get("correction_form") or CorrectionForm(),
        "propose_form": forms.get("propose_form") or ProposeForm(participants=participants),
        "decide_form": forms.get("decide_form") or DecideForm(),
    }
    return render(request, "riskcomp/staff/review_detail.html", context, status=status)


@login_required
@require_GET
def review_detail(request, pk: int):
    _reviewer(request)
    return _review(request, _claim(request, pk))


@login_required
@require_POST
def review_start(request, pk: int):
    _reviewer(request)
    claim = _claim(request, pk)
    try:
        review.review_start(claim=claim, actor=request.user)
    except RiskcompError as error:
        refused(request, error)
        return _review(request, claim, status=400)
    messages.success(request, _("You are reviewing %(ref)s.") % {"ref": claim.reference})
    return redirect("riskcomp:review-detail", claim.pk)


@login_required
@require_POST
def review_correction(request, pk: int):
    _reviewer(request)
    claim = _claim(request, pk)
    form = CorrectionForm(request.POST)
    if form.is_valid():
        try:
            review.correction_request(claim=claim, actor=request.user, message=form.cleaned_data["message"])
        except RiskcompError as error:
            refused(request, error, form)
        else:
            messages.success(request, _("The claimant bank is asked to correct the claim."))
            return redirect("riskcomp:review-detail", claim.pk)
    return _review(request, claim, correction_form=form, status=400)


@login_required
@require_POST
def review_propose(request, pk: int):
    _reviewer(request)
    claim = _claim(request, pk)
    form = ProposeForm(request.POST, participants=list(claim.participants.order_by("pk")))
    if form.is_valid():
        outcome = form.cleaned_data["outcome"]
        try:
            review.review_propose(
                claim=claim,
                actor=request.user,
                outcome=outcome,
                payouts=form.payouts() if outcome == review.APPROVE else None,
                reason=form.cleaned_data["reason"],
            )
        except RiskcompError as error:
            refused(request, error, form)
        else:
            messages.success(request, _("Proposed: a second reviewer decides."))
            return redirect("riskcomp:review-detail", claim.pk)
    return _review(request, claim, propose_form=form, status=400)


@login_required
@require_POST
def review_decide(request, pk: int):
    _reviewer(request)
    claim = _claim(request, pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            decided = review.review_decide(
                claim=claim,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except RiskcompError as error:
            # A budget refusal (BudgetExceeded) says what remains of the fund or the institution's cap.
            refused(request, error, form)
        else:
            messages.success(
                request,
                _("Claim %(ref)s: %(status)s.")
                % {"ref": decided.reference, "status": decided.get_status_display()},
            )
            return redirect("riskcomp:review-detail", claim.pk)
    return _review(request, claim, decide_form=form, status=400)
