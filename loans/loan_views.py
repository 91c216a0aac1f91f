"""Pages of the loans: one list for every reader (each sees its scope: the bank its loans, the enterprise
its own, the promotion centre and government all), and the loan's page, where the lending bank's
officers and managers record the contract, the participants and the facts. Every page goes through the
loan scoping selector first: another organisation's loan is a 404; a reader who may not write gets 403
on a write."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from loans.errors import LoanConflict, LoanError, LoanNotAllowed, LoanValidationError
from loans.loan_forms import (
    LoanCancelForm,
    LoanContractForm,
    LoanFactForm,
    LoanFilterForm,
    ParticipantFormSet,
    fact_kinds_for,
    participant_initial,
)
from loans.models import LOAN_TRANSITIONS, FactKind, LoanAlert, LoanStatus
from loans.permissions import can_record_loan, can_view_loan_list
from loans.selectors import loan_get_for_user, loan_list, loan_scope
from loans.services.facts import (
    PARTICIPANT_ORG_KINDS,
    loan_cancel,
    loan_contract_record,
    loan_fact_record,
    loan_participants_set,
)
from portal.accounts.selectors import organisation_list
from portal.postgresql import prepared_statements_view

PAGE_SIZE = 25
ALERTS_SHOWN = 20
# No more facts, participants or contract once a loan is closed.
CLOSED_STATUSES = frozenset({LoanStatus.SETTLED, LoanStatus.WRITTEN_OFF, LoanStatus.CANCELLED})


# ---------------------------------------------------------------------------------------------------
# The list


@login_required
@require_GET
def loan_list_view(request):
    allowed, reason = can_view_loan_list(request.user)
    if not allowed:
        raise PermissionDenied(reason)
    form = LoanFilterForm(request.GET or None)
    status = 200
    if form.is_bound and not form.is_valid():
        filters, after, status = {}, None, 400
    else:
        data = form.cleaned_data if form.is_bound else {}
        filters = {name: data.get(name) for name in ("status", "classification", "search") if data.get(name)}
        after = data.get("after")
    loans = loan_list(user=request.user, filters=filters).select_related("bank", "enterprise")
    if status == 400:
        loans = loans.none()
    # Keyset pagination over "-id": no COUNT, no OFFSET; the next page starts below the last id shown.
    if after:
        loans = loans.filter(pk__lt=after)
    rows = list(loans.order_by("-id")[: PAGE_SIZE + 1])
    next_after = rows[PAGE_SIZE - 1].pk if len(rows) > PAGE_SIZE else None
    rows = rows[:PAGE_SIZE]
    query = request.GET.copy()
    query.pop("after", None)
    alerts = (
        LoanAlert.objects.filter(loan__in=loan_scope(user=request.user))
        .select_related("loan", "loan__enterprise", "loan__bank")
        .order_by("-created_at", "-pk")[:ALERTS_SHOWN]
    )
    return render(
        request,
        "loans/loans/list.html",
        {
            "form": form,
            "loans": rows,
            "next_after": next_after,
            "first_page": not after,
            "query": query.urlencode(),
            "alerts": alerts,
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------------
# The loan's page


def _institutions(user):
    """The registered institutions a participant may name (the public record of institutions)."""
    return organisation_list(user=user).filter(kind__in=set(PARTICIPANT_ORG_KINDS.values()), is_active=True)


def _fact_needs(status: str) -> list[tuple[str, str]]:
    """What each fact the loan can take asks for, shown beside the fact form (the ledger's rules in
    loans.calculations)."""
    needs = {
        FactKind.DISBURSEMENT: _("date and amount (tranches add up to at most the principal)"),
        FactKind.INTEREST: _("date and amount of interest paid"),
        FactKind.REPAYMENT: _("date and amount of principal repaid"),
        FactKind.SETTLEMENT: _(
            "date; the amount only if it is the last repayment (it must clear the principal outstanding)"
        ),
        FactKind.OVERDUE: _("date of the report and days overdue (0 when the arrears are cured)"),
        FactKind.CLASSIFICATION: _("date and the category (the last three are non-performing)"),
        FactKind.WRITE_OFF: _("date only"),
    }
    return [(label, needs[kind]) for kind, label in fact_kinds_for(status)]


def _can_write(user, loan) -> bool:
    return can_record_loan(user, loan.bank)[0]


def _detail(request, loan, *, status: int = 200, **forms):
    """Render the loan's page; the forms passed in (bound, with errors) replace the blank ones."""
    can_write = _can_write(request.user, loan)
    open_loan = loan.status not in CLOSED_STATUSES
    context = {
        "loan": loan,
        "participants": loan.participants.select_related("organisation"),
        "facts": loan.facts.select_related("reported_by").order_by("occurred_on", "pk"),
        "events": loan.events.select_related("actor", "fact").order_by("at", "pk"),
        "registrations": loan.registrations.order_by("pk"),
        "alerts": loan.alerts.order_by("-created_at", "-pk"),
        "can_write": can_write,
        "fact_needs": _fact_needs(loan.status),
    }
    if can_write:
        if loan.status == LoanStatus.AWAITING_CONTRACT:
            context["contract_form"] = forms.get("contract_form") or LoanContractForm(
                initial=LoanContractForm.initial_from(loan)
            )
        if open_loan:
            institutions = _institutions(request.user)
            context["participant_formset"] = forms.get("participant_formset") or ParticipantFormSet(
                initial=participant_initial(loan),
                prefix="participants",
                form_kwargs={
                    "institutions": institutions,
                    "institution_choices": [("", "—"), *((org.pk, str(org)) for org in institutions)],
                },
            )
            context["participant_errors"] = forms.get("participant_errors", [])
            fact_form = forms.get("fact_form") or LoanFactForm(status=loan.status)
            if len(fact_form.fields["kind"].choices) > 1:
                context["fact_form"] = fact_form
        if LoanStatus.CANCELLED in LOAN_TRANSITIONS[loan.status]:
            context["cancel_form"] = forms.get("cancel_form") or LoanCancelForm()
    context["error_message"] = forms.get("error_message", "")
    return render(request, "loans/loans/detail.html", context, status=status)


@login_required
@require_GET
@prepared_statements_view
def loan_detail_view(request, pk: int):
    loan = loan_get_for_user(user=request.user, pk=pk)
    return _detail(request, loan)


def _writable_loan(request, pk: int):
    """The loan in the reader's scope (else 404) that the user may write (else 403)."""
    loan = loan_get_for_user(user=request.user, pk=pk)
    allowed, reason = can_record_loan(request.user, loan.bank)
    if not allowed:
        raise PermissionDenied(reason)
    return loan


def _add_errors(form, error: LoanValidationError) -> None:
    for name, field_errors in error.errors.items():
        form.add_error(name if name in form.fields else None, field_errors)


def _refused(request, loan, error: LoanError, form_name: str, form):
    """A service refusal: 403 stays a 403; field errors and conflicts re-render the page with the input."""
    if isinstance(error, LoanNotAllowed):
        raise PermissionDenied(error.message) from error
    if isinstance(error, LoanValidationError):
        _add_errors(form, error)
    elif (
        isinstance(error, LoanConflict)
        and error.code == "duplicate_bank_loan_ref"
        and "bank_loan_ref" in form.fields
    ):
        form.add_error("bank_loan_ref", error.message)
    else:
        form.add_error(None, error.message)
    # Shown at the top too: after a conflict the form may no longer be offered (a loan just disbursed).
    message = "" if isinstance(error, LoanValidationError) else error.message
    return _detail(request, loan, status=error.http_status, error_message=message, **{form_name: form})


def _participants_as_given(loan) -> list[dict]:
    return [
        {
            "kind": participant.kind,
            "organisation": participant.organisation,
            "name": participant.name,
            "risk_share": participant.risk_share,
            "dispersed": participant.dispersed,
        }
        for participant in loan.participants.select_related("organisation")
    ]


@login_required
@require_POST
def loan_contract_view(request, pk: int):
    loan = _writable_loan(request, pk)
    if loan.status != LoanStatus.AWAITING_CONTRACT:
        messages.error(request, _("The contract of this loan is already recorded."))
        return redirect("loans:loan_detail", pk=loan.pk)
    form = LoanContractForm(request.POST)
    if not form.is_valid():
        return _detail(request, loan, status=400, contract_form=form)
    # The contract keeps the participants already set (the service replaces the list it is given).
    try:
        loan_contract_record(
            loan=loan, participants=_participants_as_given(loan), actor=request.user, **form.cleaned_data
        )
    except LoanError as error:
        return _refused(request, loan, error, "contract_form", form)
    messages.success(request, _("The contract is recorded."))
    return redirect("loans:loan_detail", pk=loan.pk)


@login_required
@require_POST
def loan_participants_view(request, pk: int):
    loan = _writable_loan(request, pk)
    formset = ParticipantFormSet(
        request.POST, prefix="participants", form_kwargs={"institutions": _institutions(request.user)}
    )
    if loan.status in CLOSED_STATUSES:
        messages.error(request, _("The loan is closed: its participants no longer change."))
        return redirect("loans:loan_detail", pk=loan.pk)
    if not formset.is_valid():
        return _detail(request, loan, status=400, participant_formset=formset)
    # Blank extra rows clean to {}; ticked rows are removed.
    rows = [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]
    try:
        loan_participants_set(
            loan=loan, participants=[form.participant() for form in rows], actor=request.user
        )
    except LoanValidationError as error:
        general: list[str] = []
        for name, field_errors in error.errors.items():
            # "participants[2].risk_share" is the third row sent, not the third form shown.
            index, _dot, field = name.partition("].")
            if name.startswith("participants[") and field:
                form = rows[int(index.removeprefix("participants["))]
                form.add_error(field if field in form.fields else None, field_errors)
            else:
                general += field_errors
        return _detail(request, loan, status=400, participant_formset=formset, participant_errors=general)
    except LoanError as error:
        if isinstance(error, LoanNotAllowed):
            raise PermissionDenied(error.message) from error
        messages.error(request, error.message)
        return redirect("loans:loan_detail", pk=loan.pk)
    messages.success(request, _("The participants are saved."))
    return redirect("loans:loan_detail", pk=loan.pk)


@login_required
@require_POST
def loan_fact_view(request, pk: int):
    loan = _writable_loan(request, pk)
    form = LoanFactForm(request.POST, status=loan.status)
    if not form.is_valid():
        return _detail(request, loan, status=400, fact_form=form)
    data = form.cleaned_data
    try:
        loan_fact_record(
            loan=loan,
            kind=data["kind"],
            occurred_on=data["occurred_on"],
            amount=data["amount"],
            overdue_days=data["overdue_days"],
            classification=data["classification"],
            note=data["note"],
            actor=request.user,
        )
    except LoanError as error:
        return _refused(request, loan, error, "fact_form", form)
    messages.success(request, _("The fact is recorded."))
    return redirect("loans:loan_detail", pk=loan.pk)


@login_required
@require_POST
def loan_cancel_view(request, pk: int):
    loan = _writable_loan(request, pk)
    form = LoanCancelForm(request.POST)
    if not form.is_valid():
        return _detail(request, loan, status=400, cancel_form=form)
    try:
        loan_cancel(loan=loan, reason=form.cleaned_data["reason"], actor=request.user)
    except LoanError as error:
        return _refused(request, loan, error, "cancel_form", form)
    messages.success(request, _("The loan is cancelled."))
    return redirect("loans:loan_detail", pk=loan.pk)
