"""What the subsidy pages show of an application or a batch, shared by the enterprise's pages and the
staff's: the calculation sheet (lines with their ineligibility reasons in words, fees, the parameters
applied) and the event history in words."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy

from portal.policy import formatting
from subsidies.compute import explain_reasons
from subsidies.models import Application, Batch, BatchStatus, Verdict
from subsidies.parameters import PARAMETER_FIELDS, display, label

ACTION_LABELS = {
    "opened": gettext_lazy("Application opened"),
    "loan_added": gettext_lazy("Loan added from the portal's loan facts"),
    "loan_entered": gettext_lazy("Loan entered, for its bank to confirm"),
    "loan_corrected": gettext_lazy("Entered loan corrected"),
    "loan_removed": gettext_lazy("Loan removed"),
    "loan_confirmed": gettext_lazy("Loan figures confirmed by the bank"),
    "fee_added": gettext_lazy("Fee added"),
    "fee_removed": gettext_lazy("Fee removed"),
    "material_uploaded": gettext_lazy("Material uploaded"),
    "material_checked": gettext_lazy("Material checked"),
    "objection_lodged": gettext_lazy("Objection lodged during the public notice"),
    "recomputed": gettext_lazy("Recomputed under corrected parameters"),
}

DETAIL_LABELS = {
    "contract": gettext_lazy("Contract"),
    "loan": gettext_lazy("Loan"),
    "invoice": gettext_lazy("Invoice"),
    "item": gettext_lazy("Material"),
    "verdict": gettext_lazy("Check"),
    "note": gettext_lazy("Note"),
    "bank": gettext_lazy("Bank"),
    "amount": gettext_lazy("Amount (yuan)"),
    "calculated": gettext_lazy("Calculated (yuan)"),
    "version": gettext_lazy("Parameter version"),
    "outcome": gettext_lazy("Proposed outcome"),
    "released": gettext_lazy("Budget released (yuan)"),
    "until": gettext_lazy("On notice until"),
    "payment_list": gettext_lazy("Payment list"),
    "paid_on": gettext_lazy("Paid on"),
    "disputed": gettext_lazy("Disputed by the bank"),
    "returned": gettext_lazy("Returned by the second reviewer"),
}
_HIDDEN_DETAILS = frozenset({"publicity", "objection", "cloned_from"})
_MONEY_DETAILS = frozenset({"amount", "calculated", "released"})


def _money(value) -> str:
    try:
        return formatting.money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _detail_lines(details: dict) -> tuple[list[str], list[dict]]:
    lines, failing = [], []
    for key, value in (details or {}).items():
        if key in _HIDDEN_DETAILS:
            continue
        if key == "failing":
            failing = list(value or [])
            continue
        label_ = DETAIL_LABELS.get(key, key)
        if isinstance(value, bool):
            if value:
                lines.append(str(label_))
            continue
        if key == "verdict" and value in Verdict.values:
            value = Verdict(value).label
        if key in _MONEY_DETAILS:
            value = [_money(part) for part in value] if isinstance(value, list) else _money(value)
        if isinstance(value, list | tuple) and len(value) == 2:
            value = f"{value[0]} → {value[1]}"
        lines.append(f"{label_}: {value}")
    return lines, failing


def application_events(application: Application) -> list[dict]:
    rows = []
    for event in application.events.select_related("actor").order_by("at", "pk"):
        lines, failing = _detail_lines(event.details)
        if event.action == "transition":
            title = event.get_to_status_display()
        else:
            title = ACTION_LABELS.get(event.action, event.action)
        rows.append(
            {
                "event": event,
                "title": title,
                "moved": event.action == "transition" or bool(event.from_status),
                "lines": lines,
                "failing": failing,
            }
        )
    return rows


BATCH_ACTIONS = {
    "created": gettext_lazy("Created"),
    "cloned": gettext_lazy("Cloned from an earlier batch"),
    "edited": gettext_lazy("Settings edited"),
    "parameters_corrected": gettext_lazy("Parameters corrected"),
    "checklist_added": gettext_lazy("Checklist item added"),
    "checklist_edited": gettext_lazy("Checklist item edited"),
    "checklist_deleted": gettext_lazy("Checklist item deleted"),
    "checklist_reordered": gettext_lazy("Checklist reordered"),
    "budget_allocated": gettext_lazy("Budget allocated by the finance bureau"),
    "recompute_failed": gettext_lazy("Recomputation under the corrected parameters failed"),
    "recompute_restarted": gettext_lazy("Recomputation started again"),
}


def batch_events(batch: Batch) -> list[dict]:
    labels = dict(BatchStatus.choices)
    rows = []
    for event in batch.events.select_related("actor"):
        if event.action == "transition":
            what = f"{labels.get(event.from_status, '—')} → {labels.get(event.to_status, event.to_status)}"
        else:
            what = str(BATCH_ACTIONS.get(event.action, event.action))
        rows.append({"event": event, "what": what, "item": event.details.get("item", "")})
    return rows


def sheet(application: Application) -> dict:
    """The calculation sheet's context: loan lines (with ``reason_texts``), fees, the parameters applied."""
    lines = list(application.loan_lines.select_related("bank", "loan", "loan__case").order_by("pk"))
    explain_reasons(application, lines)
    values = application.parameters.values
    return {
        "lines": lines,
        "fees": list(application.fee_lines.order_by("pk")),
        "parameter_rows": [
            {"label": label(name), "value": display(name, values.get(name))}
            for name in PARAMETER_FIELDS
            if name in values
        ],
    }
