"""The finance bureau's risk compensation page (issue 7): approved claims to mark paid, confirmed
clawbacks to settle once the money is back in the fund, and the clawbacks still waiting on participants."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from riskcomp import review
from riskcomp.errors import RiskcompError
from riskcomp.models import ClaimStatus, ClawbackShare, ClawbackStatus, Recovery
from riskcomp.permissions import claim_scope, get_in_scope, is_finance
from riskcomp.review_views import refused, require, url_or_none
from riskcomp.staff_forms import MarkPaidForm, SettleForm


def _finance(request) -> None:
    require(
        is_finance(request.user),
        _("Only the finance bureau's officers pay risk compensation and settle clawbacks."),
    )


def _recoveries(request):
    return Recovery.objects.filter(claim__in=claim_scope(request.user)).select_related(
        "claim", "claim__bank", "claim__bank__parent"
    )


def _page(request, *, status: int = 200, paid_forms=None, settle_forms=None):
    paid_forms, settle_forms = paid_forms or {}, settle_forms or {}
    approved = (
        claim_scope(request.user)
        .filter(status=ClaimStatus.APPROVED)
        .select_related("bank", "bank__parent", "loan", "loan__enterprise")
        .order_by("decided_at", "pk")
    )
    claim_rows = [
        {
            "claim": claim,
            "url": url_or_none("riskcomp:claim-detail", claim.pk),
            "form": paid_forms.get(claim.pk) or MarkPaidForm(prefix=f"c{claim.pk}"),
        }
        for claim in approved
    ]
    confirmed = _recoveries(request).filter(status=ClawbackStatus.CONFIRMED).order_by("reported_at", "pk")
    settle_rows = [
        {
            "recovery": recovery,
            "url": url_or_none("riskcomp:claim-detail", recovery.claim_id),
            "form": settle_forms.get(recovery.pk) or SettleForm(prefix=f"r{recovery.pk}"),
        }
        for recovery in confirmed
    ]
    waiting = (
        _recoveries(request)
        .filter(status=ClawbackStatus.CONFIRMING)
        .prefetch_related(
            Prefetch(
                "shares",
                queryset=ClawbackShare.objects.filter(confirmed_at=None)
                .select_related("participant")
                .order_by("pk"),
                to_attr="pending",
            )
        )
        .order_by("reported_at", "pk")
    )
    context = {"claim_rows": claim_rows, "settle_rows": settle_rows, "waiting": list(waiting)}
    return render(request, "riskcomp/staff/payment_queue.html", context, status=status)


@login_required
@require_GET
def payment_queue(request):
    _finance(request)
    return _page(request)


@login_required
@require_POST
def claim_mark_paid(request, pk: int):
    _finance(request)
    claim = get_in_scope(claim_scope(request.user), pk)
    form = MarkPaidForm(request.POST, prefix=f"c{claim.pk}")
    if form.is_valid():
        try:
            review.claim_mark_paid(claim=claim, actor=request.user, paid_on=form.cleaned_data["paid_on"])
        except RiskcompError as error:
            # A claim no longer waiting for payment has no form on the page: the refusal is a message.
            refused(request, error, form if claim.status == ClaimStatus.APPROVED else None)
        else:
            messages.success(request, _("Claim %(ref)s is marked paid.") % {"ref": claim.reference})
            return redirect("riskcomp:payment-queue")
    return _page(request, status=400, paid_forms={claim.pk: form})


@login_required
@require_POST
def clawback_settle(request, pk: int):
    _finance(request)
    recovery = get_in_scope(_recoveries(request), pk)
    form = SettleForm(request.POST, prefix=f"r{recovery.pk}")
    if form.is_valid():
        try:
            review.clawback_settle(
                recovery=recovery, actor=request.user, settled_on=form.cleaned_data["settled_on"]
            )
        except RiskcompError as error:
            refused(request, error, form if recovery.status == ClawbackStatus.CONFIRMED else None)
        else:
            messages.success(
                request, _("The clawback on claim %(ref)s is settled.") % {"ref": recovery.claim.reference}
            )
            return redirect("riskcomp:payment-queue")
    return _page(request, status=400, settle_forms={recovery.pk: form})
