"""The banks' confirmations of loan figures entered by enterprises (they confirm or dispute each line),
and the scoped download of an application's files (loan evidence, invoices, materials)."""

import mimetypes
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from pledges.services.filing import safe_file_name
from portal.audit.scope import OutOfScope
from portal.audit.services import audit_record
from subsidies import applications as services
from subsidies.application_forms import (
    ConfirmForm,
)
from subsidies.application_views import PAGE_SIZE, S, _bank_only, _forbid, _form_errors_from
from subsidies.errors import SubsidyError
from subsidies.models import (
    Confirmation,
    FeeLine,
    LoanLine,
    Material,
)
from subsidies.permissions import (
    application_scope,
    confirmation_scope,
    get_in_scope,
)

# ---------------------------------------------------------------------------------------------------
# The banks' confirmations


def _asked_lines(user):
    """The entered loan lines a bank is asked to confirm: its scope, once the enterprise submitted (a
    draft's lines are not asked of anybody yet)."""
    return confirmation_scope(user).exclude(application__submitted_at=None)


def _confirmation_page(request, *, bound: dict | None = None, status: int = 200):
    bound = bound or {}
    lines = (
        _asked_lines(request.user)
        .select_related("application", "application__enterprise", "bank", "confirmed_by")
        .annotate(
            waiting=Case(
                When(confirmation=Confirmation.PENDING, application__status=S.AWAITING_BANK, then=Value(0)),
                When(confirmation=Confirmation.PENDING, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("waiting", "-application__submitted_at", "-pk")
    )
    page = Paginator(lines, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for line in page:
        actionable = line.confirmation == Confirmation.PENDING and line.application.status == S.AWAITING_BANK
        form = (bound.get(line.pk) or ConfirmForm(line=line)) if actionable else None
        rows.append({"line": line, "form": form})
    pending = _asked_lines(request.user).filter(
        confirmation=Confirmation.PENDING, application__status=S.AWAITING_BANK
    )
    return render(
        request,
        "subsidies/confirmations/list.html",
        {"page": page, "rows": rows, "pending_count": pending.count()},
        status=status,
    )


@login_required
@require_GET
def confirmation_list(request):
    _bank_only(request.user)
    return _confirmation_page(request)


@login_required
@require_POST
def confirmation_decide(request, pk: int):
    _bank_only(request.user)
    line = get_in_scope(_asked_lines(request.user), pk)
    form = ConfirmForm(request.POST, line=line)
    if form.is_valid():
        confirmed = form.cleaned_data["decision"] == ConfirmForm.CONFIRM
        try:
            services.line_confirm(
                line=line, actor=request.user, confirmed=confirmed, note_text=form.cleaned_data["note"]
            )
        except SubsidyError as error:
            _forbid(error)
            _form_errors_from(form, error)
        else:
            if confirmed:
                text = _("The figures of contract %(contract)s are confirmed.")
            else:
                text = _(
                    "The figures of contract %(contract)s are disputed: the enterprise is asked to correct them."
                )
            messages.success(request, text % {"contract": line.contract_number})
            return redirect("subsidies:confirmation-list")
    return _confirmation_page(request, bound={line.pk: form}, status=400)


# ---------------------------------------------------------------------------------------------------
# Files: through this scoped view only, never a public media address

FILE_KINDS = ("evidence", "invoice", "material")


def _file_of(user, kind: str, pk: int):
    """(field file, display name, object) for a file the user may read, else 404: loan evidence for the
    bank asked to confirm it and for whoever sees the application; invoices and materials for whoever
    sees the application."""
    applications = application_scope(user)
    if kind == "evidence":
        line = (
            LoanLine.objects.filter(pk=pk).filter(application__in=applications).first()
            or _asked_lines(user).filter(pk=pk).first()
        )
        if line is None:
            raise OutOfScope(LoanLine, pk)
        if not line.evidence:
            raise Http404
        return line.evidence, line.evidence_name, line
    if kind == "invoice":
        fee = get_in_scope(FeeLine.objects.filter(application__in=applications), pk)
        if not fee.invoice:
            raise Http404
        return fee.invoice, fee.invoice_name, fee
    if kind == "material":
        material = get_in_scope(Material.objects.filter(application__in=applications), pk)
        if not material.file:
            raise Http404
        return material.file, material.file_name, material
    raise Http404


def _content_disposition(name: str) -> str:
    """``attachment`` with an ASCII fallback and the UTF-8 name (RFC 6266 / RFC 5987)."""
    name = safe_file_name(name)
    fallback = "".join(ch if ch.isascii() and ch.isprintable() and ch not in '"\\;' else "_" for ch in name)
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


@login_required
@require_GET
def application_file(request, kind: str, pk: int):
    if kind not in FILE_KINDS:
        raise Http404
    field_file, name, owner = _file_of(request.user, kind, pk)
    # Loan contracts, vouchers, invoices and bank-account proofs: every opening is audited.
    audit_record(
        action="subsidies.file.download",
        request=request,
        object_type=f"subsidies.{kind}",
        object_id=owner.pk,
        details={"application": owner.application_id},
    )
    content_type = getattr(owner, "content_type", "") or mimetypes.guess_type(field_file.name)[0]
    response = FileResponse(field_file.open("rb"), content_type=content_type or "application/octet-stream")
    response["Content-Disposition"] = _content_disposition(name or field_file.name.rsplit("/", 1)[-1])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
