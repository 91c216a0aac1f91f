"""What the risk compensation pages show of a claim, shared by the banks' and participants' pages and the
staff's: the calculation sheet (loss, each participant's base, the rate, the cap, the split in fen, the
eligibility in words) and the event history in words."""

from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy

from portal.policy import formatting
from riskcomp.claims import eligibility
from riskcomp.models import Claim

ACTION_LABELS = {
    "opened": gettext_lazy("Claim opened from the loan's facts"),
    "edited": gettext_lazy("Figures edited"),
    "participants_set": gettext_lazy("Participants changed"),
    "evidence_uploaded": gettext_lazy("Evidence uploaded"),
    "share_confirmed": gettext_lazy("Share confirmed by the institution"),
    "recovery_reported": gettext_lazy("Recovery reported"),
    "clawback_confirmed": gettext_lazy("Clawback part confirmed"),
    "clawback_settled": gettext_lazy("Clawback settled"),
}
DETAIL_LABELS = {
    "participant": gettext_lazy("Participant"),
    "participants": gettext_lazy("Participants"),
    "item": gettext_lazy("Evidence"),
    "file": gettext_lazy("File"),
    "amount": gettext_lazy("Amount (yuan)"),
    "calculated": gettext_lazy("Calculated (yuan)"),
    "fund_share": gettext_lazy("Due to the fund (yuan)"),
    "outcome": gettext_lazy("Proposed outcome"),
    "paid_on": gettext_lazy("Paid on"),
    "settled_on": gettext_lazy("Settled on"),
    "npl_principal": gettext_lazy("Principal outstanding (yuan)"),
    "recovered": gettext_lazy("Recoveries before the claim (yuan)"),
    "disputed": gettext_lazy("Disputed by the institution"),
    "returned": gettext_lazy("Returned by the second reviewer"),
}
_MONEY_DETAILS = frozenset({"amount", "calculated", "fund_share", "npl_principal", "recovered"})
_HIDDEN_DETAILS = frozenset({"recovery"})


def _money(value) -> str:
    try:
        return formatting.money(Decimal(str(value)))
    except (InvalidOperation, ValueError):
        return str(value)


def _detail_lines(details: dict) -> list[str]:
    lines = []
    for key, value in (details or {}).items():
        if key in _HIDDEN_DETAILS:
            continue
        label = DETAIL_LABELS.get(key, key)
        if isinstance(value, bool):
            if value:
                lines.append(str(label))
            continue
        if key in _MONEY_DETAILS:
            value = [_money(part) for part in value] if isinstance(value, list) else _money(value)
        if isinstance(value, list | tuple):
            # [before, after] of an edit reads as a change; any other list as a list.
            joiner = " → " if key in _MONEY_DETAILS and len(value) == 2 else ", "
            value = joiner.join(str(part) for part in value)
        lines.append(f"{label}: {value}")
    return lines


def claim_events(claim: Claim) -> list[dict]:
    rows = []
    for event in claim.events.select_related("actor").order_by("at", "pk"):
        title = (
            event.get_to_status_display()
            if event.action == "transition"
            else ACTION_LABELS.get(event.action, event.action)
        )
        rows.append(
            {
                "event": event,
                "title": title,
                "moved": bool(event.to_status),
                "lines": _detail_lines(event.details),
            }
        )
    return rows


def sheet(claim: Claim) -> dict:
    """The calculation sheet's context: the participants with base and payouts, the parameters applied,
    and the eligibility reasons in words."""
    values = claim.parameters
    return {
        "participants": list(claim.participants.select_related("organisation").order_by("pk")),
        "reasons": [reason.message for reason in eligibility(claim)],
        "rate": Decimal(values["riskcomp_rate"]),
        "per_loan_cap": Decimal(values["riskcomp_per_loan_cap"]),
        "min_ip_share": Decimal(values["riskcomp_min_ip_share"]),
        "claim_window_months": values.get("riskcomp_claim_window_months"),
    }
