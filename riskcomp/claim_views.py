"""Pages of risk compensation claims for the banks and the participant institutions (issue 7): the list of
claims (with the bank's non-performing loans to claim for), opening a claim, the claim page with its
calculation sheet, evidence checklist, recoveries and history, and (while editable, for the claimant bank)
its figures, participants, evidence, submission and withdrawal; the participants' confirmations of their
shares and of their clawback parts; the bank's recovery reports; the scoped evidence download. The
oversight roles read every claim. Each view checks the user's kind first (403), then the scope (404:
another bank's claim, a claim the institution takes no part in), then the form (400, input kept), then
calls one service of riskcomp.claims or riskcomp.review, whose refusals come back as 403 or as errors on
the form."""

import mimetypes
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from loans.models import Loan
from loans.selectors import review_bank_ids
from pledges.services.filing import safe_file_name
from portal.audit.services import audit_record
from portal.forms import show_errors
from riskcomp import claims as services
from riskcomp import presenters, review
from riskcomp.claim_forms import (
    ClaimFilterForm,
    ConfirmForm,
    EvidenceForm,
    FiguresForm,
    RecoveryForm,
    WithdrawForm,
    participants_formset,
)
from riskcomp.errors import RiskcompError, RiskcompNotAllowed
from riskcomp.models import (
    CLAIM_TRANSITIONS,
    CLOSED_STATUSES,
    EDITABLE_STATUSES,
    REQUIRED_EVIDENCE,
    Claim,
    ClaimStatus,
    ClawbackStatus,
    Confirmation,
    Evidence,
    EvidenceItem,
)
from riskcomp.permissions import (
    claim_scope,
    clawback_scope,
    confirmation_scope,
    get_in_scope,
    in_bank_group,
    is_claimant,
    is_oversight,
    is_participant_user,
    own_institution_ids,
)

PAGE_SIZE = 25
S = ClaimStatus

# Who holds the claim in each status, and what happens next.
NEXT_STEPS = {
    S.DRAFT: (
        gettext_lazy("The claimant bank"),
        gettext_lazy(
            "The bank checks the figures and the participants, uploads the evidence of the checklist, then submits."
        ),
    ),
    S.CONFIRMING: (
        gettext_lazy("The participant institutions"),
        gettext_lazy(
            "Each participant institution confirms its share in the portal; once every share is confirmed the "
            "claim goes to review by itself. A disputed share sends it back to the bank."
        ),
    ),
    S.SUBMITTED: (
        gettext_lazy("The IP bureau"),
        gettext_lazy("A reviewer takes up the claim and checks its eligibility, figures and evidence."),
    ),
    S.UNDER_REVIEW: (
        gettext_lazy("The IP bureau's first reviewer"),
        gettext_lazy(
            "The reviewer proposes the payouts (or a rejection), or asks the bank for a correction."
        ),
    ),
    S.CORRECTION: (
        gettext_lazy("The claimant bank"),
        gettext_lazy("The bank corrects what the reviewer or a participant asked for, then submits again."),
    ),
    S.PROPOSED: (
        gettext_lazy("The IP bureau's second reviewer"),
        gettext_lazy("A second reviewer (never the first) approves the proposal or returns it."),
    ),
    S.APPROVED: (
        gettext_lazy("The finance bureau"),
        gettext_lazy("The payouts are reserved in the fund; the finance bureau pays them."),
    ),
    S.PAID: (
        None,
        gettext_lazy(
            "Paid. The bank reports any later recovery: the fund takes back its part, shared among the participants."
        ),
    ),
    S.REJECTED: (None, gettext_lazy("Rejected: the claim is closed.")),
    S.WITHDRAWN: (None, gettext_lazy("Withdrawn: the claim is closed; the loan may be claimed for again.")),
}

# ---------------------------------------------------------------------------------------------------
# Who may open which page


def _viewer_only(user) -> None:
    if not (is_participant_user(user) or is_oversight(user)):
        raise PermissionDenied(
            _(
                "Risk compensation claims are for the banks and participant institutions, the IP bureau, the "
                "finance bureau and the joint office."
            )
        )


def _claimant_only(user) -> None:
    if not is_claimant(user):
        raise PermissionDenied(_("Only bank officers and managers handle their bank's claims."))


def _participant_only(user) -> None:
    if not is_participant_user(user):
        raise PermissionDenied(_("Only the participant institutions' officers confirm their shares."))


def _claim(user, pk: int) -> Claim:
    return get_in_scope(
        claim_scope(user).select_related("loan", "loan__enterprise", "bank", "first_reviewer"), pk
    )


def _forbid(error: RiskcompError) -> None:
    if isinstance(error, RiskcompNotAllowed):
        raise PermissionDenied(error.message) from error


def _form_errors_from(form, error: RiskcompError) -> None:
    show_errors(form, error.message, error.errors)


def _review_url(claim) -> str | None:
    # The reviewers' controls live on the review page (another page set); link only if it exists.
    try:
        return reverse("riskcomp:review-detail", args=[claim.pk])
    except NoReverseMatch:
        return None


def _done(request, claim, message: str, anchor: str = ""):
    messages.success(request, message)
    return redirect(reverse("riskcomp:claim-detail", args=[claim.pk]) + anchor)


# ---------------------------------------------------------------------------------------------------
# The list: the claims the user sees, and the bank's non-performing loans to claim for


def _list_page(request, *, open_error: dict | None = None, status: int = 200):
    user = request.user
    claims = claim_scope(user).select_related("loan", "loan__enterprise", "bank")
    form = ClaimFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        claims = claims.none()
        status = 400
    elif form.is_bound:
        if form.cleaned_data["year"]:
            claims = claims.filter(year=form.cleaned_data["year"])
        if form.cleaned_data["status"]:
            claims = claims.filter(status=form.cleaned_data["status"])
    params = request.GET.copy()
    params.pop("page", None)
    claimant = is_claimant(user)
    context = {
        "claimant": claimant,
        "oversight": is_oversight(user),
        "own_bank_ids": review_bank_ids(user.organisation) if claimant else [],
        "filter_form": form,
        "query": params.urlencode(),
        "open_error": open_error,
        "page": Paginator(claims.order_by("-pk"), PAGE_SIZE).get_page(request.GET.get("page")),
        "loans": list(services.eligible_loans(user)[:100]) if claimant else [],
    }
    return render(request, "riskcomp/claims/list.html", context, status=status)


@login_required
@require_GET
def claim_list(request):
    _viewer_only(request.user)
    return _list_page(request)


@login_required
@require_POST
def claim_open(request, loan_pk: int):
    _claimant_only(request.user)
    loan = get_object_or_404(
        Loan.objects.filter(bank_id__in=review_bank_ids(request.user.organisation)), pk=loan_pk
    )
    try:
        claim = services.claim_open(loan=loan, actor=request.user)
    except RiskcompError as error:
        _forbid(error)
        live = claim_scope(request.user).filter(loan=loan).exclude(status__in=CLOSED_STATUSES).first()
        return _list_page(request, open_error={"message": error.message, "claim": live}, status=400)
    return _done(
        request,
        claim,
        _(
            "Claim %(ref)s is open as a draft: check the figures and participants, upload the evidence, then submit."
        )
        % {"ref": claim.reference},
    )


# ---------------------------------------------------------------------------------------------------
# One claim: status, loan, sheet, evidence, recoveries, history, and (while editable) its forms


def _holder(claim, sheet: dict, user) -> str | None:
    holder, _next = NEXT_STEPS.get(claim.status, (None, ""))
    if holder is None:
        return None
    if claim.status in EDITABLE_STATUSES:
        return f"{holder}: {claim.bank.name}"
    if claim.status == S.CONFIRMING:
        names = [p.name for p in sheet["participants"] if p.confirmation == Confirmation.PENDING]
        if names:
            return f"{holder}: {', '.join(names)}"
    if claim.status == S.UNDER_REVIEW and claim.first_reviewer:
        return f"{holder}: {claim.first_reviewer}"
    return str(holder)


def _checklist(claim, *, editable: bool, bound: dict) -> list[dict]:
    files: dict[str, list[Evidence]] = {}
    for evidence in claim.evidence.select_related("uploaded_by").order_by("item", "pk"):
        files.setdefault(evidence.item, []).append(evidence)
    rows = []
    for item in EvidenceItem:
        form = None
        if editable:
            form = bound.get(("evidence", item.value)) or EvidenceForm(item=item.value)
        rows.append(
            {
                "item": item.value,
                "label": item.label,
                "required": item in REQUIRED_EVIDENCE,
                "files": files.get(item.value, []),
                "form": form,
            }
        )
    return rows


def _recoveries(claim) -> list:
    return list(
        claim.recoveries.select_related("reported_by")
        .prefetch_related("shares__participant", "shares__confirmed_by")
        .order_by("received_on", "pk")
    )


def _detail_page(
    request, claim, *, bound: dict | None = None, problems: dict | None = None, status: int = 200
):
    user = request.user
    bound = bound or {}
    sheet = presenters.sheet(claim)
    claimant = in_bank_group(user, claim.bank)
    editable = claimant and claim.status in EDITABLE_STATUSES
    own = set(own_institution_ids(user))
    to_confirm = claim.status == S.CONFIRMING and any(
        p.organisation_id in own and p.confirmation == Confirmation.PENDING for p in sheet["participants"]
    )
    context = {
        "claim": claim,
        "loan": claim.loan,
        **sheet,
        "events": presenters.claim_events(claim),
        "holder": _holder(claim, sheet, user),
        "next_step": NEXT_STEPS.get(claim.status, (None, ""))[1],
        "claimant": claimant,
        "editable": editable,
        "oversight": is_oversight(user),
        "review_url": _review_url(claim) if is_oversight(user) else None,
        "checklist": _checklist(claim, editable=editable, bound=bound),
        "recoveries": _recoveries(claim),
        "withdrawable": claimant and S.WITHDRAWN in CLAIM_TRANSITIONS.get(claim.status, {}),
        "to_confirm": to_confirm,
        "problems": problems,
    }
    if editable:
        context["figures_form"] = bound.get("figures") or FiguresForm.for_claim(claim)
        context["participants_formset"] = bound.get("participants") or participants_formset(claim)
        context["participant_errors"] = bound.get("participant_errors", [])
    if claimant and claim.status == S.PAID:
        context["recovery_form"] = bound.get("recovery") or RecoveryForm()
        if claim.loss and claim.approved_total:
            context["fund_fraction"] = claim.approved_total / claim.loss
            context["fund_left"] = (
                claim.approved_total
                - claim.clawed_back
                - sum((r.fund_share for r in context["recoveries"] if r.status != ClawbackStatus.SETTLED), 0)
            )
    if "refused" in bound:
        # A refusal whose form the page no longer shows (the claim moved on) goes on top of the page.
        key, message = bound["refused"]
        shown = "recovery_form" in context if key == "recovery" else editable
        context["refusal"] = None if shown else message
    return render(request, "riskcomp/claims/detail.html", context, status=status)


@login_required
@require_GET
def claim_detail(request, pk: int):
    _viewer_only(request.user)
    return _detail_page(request, _claim(request.user, pk))


def _edit(request, pk: int) -> Claim:
    """The bank's claim for a change: its kind first (403), then its scope (404)."""
    _claimant_only(request.user)
    return _claim(request.user, pk)


def _attempt(request, claim, key, form, call):
    """(result, None) from ``call``; on a refusal (None, the page again with the form's errors, 400)."""
    try:
        return call(), None
    except RiskcompError as error:
        _forbid(error)
        if form is not None:
            _form_errors_from(form, error)
        else:
            messages.error(request, error.message)
        claim.refresh_from_db()
        bound = {key: form, "refused": (key, error.message)} if form else {}
        return None, _detail_page(request, claim, bound=bound, status=400)


@login_required
@require_POST
def claim_figures(request, pk: int):
    claim = _edit(request, pk)
    form = FiguresForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, claim, bound={"figures": form}, status=400)
    _result, refused = _attempt(
        request,
        claim,
        "figures",
        form,
        lambda: services.claim_update(claim=claim, actor=request.user, values=form.cleaned_data),
    )
    if refused:
        return refused
    return _done(request, claim, _("The figures are saved; the calculation is updated."), "#sheet")


def _participant_errors(formset, filled: list, error: RiskcompError) -> list[str]:
    """The service's errors on the rows sent (``participants.<index>.<field>``) go on their forms; the rest
    comes back as messages over the table."""
    general: list[str] = []
    for name, field_errors in error.errors.items():
        parts = name.split(".")
        if (
            len(parts) == 3
            and parts[0] == "participants"
            and parts[1].isdigit()
            and int(parts[1]) < len(filled)
        ):
            form = filled[int(parts[1])]
            if parts[2] in form.fields:
                form.add_error(parts[2], list(field_errors))
                continue
        general.extend(str(text) for text in field_errors)
    return general or [error.message]


@login_required
@require_POST
def claim_participants(request, pk: int):
    claim = _edit(request, pk)
    formset = participants_formset(claim, request.POST)
    if not formset.is_valid():
        return _detail_page(
            request,
            claim,
            bound={"participants": formset, "participant_errors": list(formset.non_form_errors())},
            status=400,
        )
    filled = [
        form
        for form in formset.forms
        if form.cleaned_data and not (formset.can_delete and formset._should_delete_form(form))
    ]
    try:
        services.participants_set(claim=claim, actor=request.user, rows=[form.row() for form in filled])
    except RiskcompError as error:
        _forbid(error)
        general = _participant_errors(formset, filled, error)
        claim.refresh_from_db()
        return _detail_page(
            request,
            claim,
            bound={
                "participants": formset,
                "participant_errors": general,
                "refused": ("participants", error.message),
            },
            status=400,
        )
    return _done(request, claim, _("The participants are saved; the calculation is updated."), "#sheet")


@login_required
@require_POST
def claim_evidence(request, pk: int, item: str):
    claim = _edit(request, pk)
    if item not in EvidenceItem.values:
        raise Http404
    form = EvidenceForm(request.POST, request.FILES, item=item)
    key = ("evidence", item)
    if not form.is_valid():
        return _detail_page(request, claim, bound={key: form}, status=400)
    _result, refused = _attempt(
        request,
        claim,
        key,
        form,
        lambda: services.evidence_upload(
            claim=claim, actor=request.user, item=item, upload=form.cleaned_data["file"]
        ),
    )
    if refused:
        return refused
    return _done(
        request, claim, _("“%(item)s” is uploaded.") % {"item": EvidenceItem(item).label}, "#evidence"
    )


@login_required
@require_POST
def claim_submit(request, pk: int):
    claim = _edit(request, pk)
    try:
        claim = services.claim_submit(claim=claim, actor=request.user)
    except RiskcompError as error:
        _forbid(error)
        claim.refresh_from_db()
        problems = {
            "message": error.message,
            "general": [text for text in error.errors.get("__all__", []) if text != error.message],
            "eligibility": error.errors.get("eligibility", []),
            "evidence": error.errors.get("evidence", []),
            "participants": error.errors.get("participants", []),
        }
        return _detail_page(request, claim, problems=problems, status=400)
    if claim.status == S.CONFIRMING:
        message = _("Submitted: the participant institutions confirm their shares, then the review starts.")
    else:
        message = _("Submitted: the claim waits for the IP bureau's review.")
    return _done(request, claim, message)


@login_required
@require_http_methods(["GET", "POST"])
def claim_withdraw(request, pk: int):
    claim = _edit(request, pk)
    allowed = in_bank_group(request.user, claim.bank) and S.WITHDRAWN in CLAIM_TRANSITIONS.get(
        claim.status, {}
    )
    form = WithdrawForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.claim_withdraw(claim=claim, actor=request.user, reason=form.cleaned_data["reason"])
            except RiskcompError as error:
                _forbid(error)
                _form_errors_from(form, error)
            else:
                return _done(request, claim, _("Claim %(ref)s is withdrawn.") % {"ref": claim.reference})
        status = 400
    return render(
        request,
        "riskcomp/claims/withdraw.html",
        {"claim": claim, "form": form, "allowed": allowed},
        status=status,
    )


@login_required
@require_POST
def claim_recovery(request, pk: int):
    claim = _edit(request, pk)
    form = RecoveryForm(request.POST)
    if not form.is_valid():
        return _detail_page(request, claim, bound={"recovery": form}, status=400)
    data = form.cleaned_data
    recovery, refused = _attempt(
        request,
        claim,
        "recovery",
        form,
        lambda: review.recovery_report(
            claim=claim,
            actor=request.user,
            amount=data["amount"],
            received_on=data["received_on"],
            source=data["source"],
            note_text=data["note"],
        ),
    )
    if refused:
        return refused
    return _done(
        request,
        claim,
        _("The recovery of %(amount)s yuan is recorded: %(due)s yuan are due back to the fund.")
        % {"amount": f"{recovery.amount:,.2f}", "due": f"{recovery.fund_share:,.2f}"},
        "#recoveries",
    )


# ---------------------------------------------------------------------------------------------------
# The participant institutions: their shares to confirm and their clawback parts


def _asked_shares(user):
    return confirmation_scope(user).select_related(
        "claim", "claim__bank", "claim__loan", "claim__loan__enterprise", "confirmed_by"
    )


def _actionable(participant) -> bool:
    return participant.confirmation == Confirmation.PENDING and participant.claim.status == S.CONFIRMING


def _confirmation_page(request, *, bound: dict | None = None, error: str = "", status: int = 200):
    user = request.user
    bound = bound or {}
    shares = _asked_shares(user).annotate(
        waiting=Case(
            When(confirmation=Confirmation.PENDING, claim__status=S.CONFIRMING, then=Value(0)),
            When(confirmation=Confirmation.PENDING, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    )
    page = Paginator(shares.order_by("waiting", "-claim__submitted_at", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = []
    for participant in page:
        form = (
            (bound.get(participant.pk) or ConfirmForm(participant=participant))
            if _actionable(participant)
            else None
        )
        rows.append({"participant": participant, "claim": participant.claim, "form": form})
    clawbacks = (
        clawback_scope(user)
        .select_related("recovery", "recovery__claim", "recovery__claim__bank", "participant", "confirmed_by")
        .annotate(
            waiting=Case(
                When(confirmed_at=None, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("waiting", "-recovery__received_on", "-pk")[:200]
    )
    pending = _asked_shares(user).filter(confirmation=Confirmation.PENDING, claim__status=S.CONFIRMING)
    return render(
        request,
        "riskcomp/claims/confirmations.html",
        {
            "page": page,
            "rows": rows,
            "pending_count": pending.count(),
            "clawbacks": list(clawbacks),
            "error": error,
        },
        status=status,
    )


@login_required
@require_GET
def confirmation_list(request):
    _participant_only(request.user)
    return _confirmation_page(request)


@login_required
@require_POST
def confirmation_decide(request, pk: int):
    _participant_only(request.user)
    participant = get_in_scope(_asked_shares(request.user), pk)
    form = ConfirmForm(request.POST, participant=participant)
    refusal = ""
    if form.is_valid():
        confirmed = form.cleaned_data["decision"] == ConfirmForm.CONFIRM
        try:
            services.participant_confirm(
                participant=participant,
                actor=request.user,
                confirmed=confirmed,
                note_text=form.cleaned_data["note"],
            )
        except RiskcompError as error:
            _forbid(error)
            _form_errors_from(form, error)
            if not _actionable(participant):
                refusal = error.message  # the row shows no form to carry it
        else:
            if confirmed:
                text = _("Your share in claim %(ref)s is confirmed.")
            else:
                text = _("Your share in claim %(ref)s is disputed: the bank is asked to correct it.")
            messages.success(request, text % {"ref": participant.claim.reference})
            return redirect("riskcomp:confirmation-list")
    return _confirmation_page(request, bound={participant.pk: form}, error=refusal, status=400)


@login_required
@require_POST
def clawback_confirm(request, pk: int):
    _participant_only(request.user)
    share = get_in_scope(clawback_scope(request.user).select_related("participant", "recovery__claim"), pk)
    try:
        review.clawback_confirm(share=share, actor=request.user)
    except RiskcompError as error:
        _forbid(error)
        return _confirmation_page(request, error=error.message, status=400)
    messages.success(
        request,
        _("Your part of %(amount)s yuan of the clawback on claim %(ref)s is confirmed.")
        % {"amount": f"{share.amount:,.2f}", "ref": share.recovery.claim.reference},
    )
    return redirect(reverse("riskcomp:confirmation-list") + "#clawbacks")


# ---------------------------------------------------------------------------------------------------
# Evidence files: through this scoped view only, never a public media address


def _content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    name = safe_file_name(name)
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@login_required
@require_GET
def claim_file(request, pk: int):
    evidence = get_in_scope(Evidence.objects.filter(claim__in=claim_scope(request.user)), pk)
    if not evidence.file:
        raise Http404
    # Loan and pledge contracts, classifications, risk-sharing agreements: every opening is audited.
    audit_record(
        action="riskcomp.file.download",
        request=request,
        object_type="riskcomp.evidence",
        object_id=evidence.pk,
        details={"claim": evidence.claim_id, "item": evidence.item},
    )
    content_type = evidence.content_type or mimetypes.guess_type(evidence.file.name)[0]
    response = FileResponse(evidence.file.open("rb"), content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = _content_disposition(
        evidence.file_name or evidence.file.name.rsplit("/", 1)[-1]
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
