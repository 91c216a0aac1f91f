"""The policy numbers the help pages quote, read from the parameter set in force, never written in the text.

Help text promises an enterprise what share of its interest comes back and how fast a registration is done;
staff change those numbers in the admin when a notice changes them, so the pages format whatever the set in
force says (the same selectors and formatting the policy explainer uses).
"""

from decimal import Decimal

from django.utils import timezone
from django.utils.translation import ngettext

from portal.policy import formatting
from portal.policy.errors import PolicyYearMissing
from portal.policy.models import Channel, DayBasis, IpKind, PolicyParameterSet, ServiceTime, TargetKind
from portal.policy.selectors import parameter_set_for_year


def _working_days(count: int) -> str:
    return ngettext("%(count)d working day", "%(count)d working days", count) % {"count": count}


def _days(count: int) -> str:
    return ngettext("%(count)d day", "%(count)d days", count) % {"count": count}


def _months(count: int) -> str:
    return ngettext("%(count)d month", "%(count)d months", count) % {"count": count}


def _service_time_text(row: ServiceTime) -> str:
    if row.day_basis == DayBasis.CALENDAR:
        return ngettext("%(count)d calendar day", "%(count)d calendar days", row.days) % {"count": row.days}
    return _working_days(row.days)


def _multiplier(markup: Decimal) -> str:
    """``0.4000`` -> ``"1.4"``: the markup as the factor the notices write (LPR × 1.4)."""
    text = f"{(1 + markup):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _service_times(parameter_set: PolicyParameterSet) -> dict[str, str]:
    """``patent_window``, ``copyright_online``... -> the service target; missing rows are left out."""
    rows = parameter_set.service_times.filter(target=TargetKind.SERVICE_TARGET)
    found = {(row.ip_kind, row.channel): _service_time_text(row) for row in rows}
    return {
        f"{ip_kind.value}_{channel.value}": found[(ip_kind.value, channel.value)]
        for ip_kind in (IpKind.PATENT, IpKind.TRADEMARK, IpKind.COPYRIGHT)
        for channel in Channel
        if (ip_kind.value, channel.value) in found
    }


def figures_for(parameter_set: PolicyParameterSet) -> dict[str, str | int]:
    p = parameter_set
    pct, money = formatting.fraction_pct, formatting.money
    return {
        "year": p.year,
        "interest_ratio": pct(p.interest_ratio),
        "lpr_markup": pct(p.lpr_markup),
        "lpr_multiplier": _multiplier(p.lpr_markup),
        "interest_cap": money(p.interest_cap_per_enterprise),
        "interest_min_ip_share": pct(p.interest_min_ip_share),
        "settlement_start": p.settlement_window_start.isoformat(),
        "settlement_end": p.settlement_window_end.isoformat(),
        "fee_ratio": pct(p.fee_ratio),
        "fee_cap": money(p.fee_cap_per_enterprise),
        "riskcomp_rate": pct(p.riskcomp_rate),
        "riskcomp_cap": money(p.riskcomp_per_loan_cap),
        "riskcomp_min_ip_share": pct(p.riskcomp_min_ip_share),
        "riskcomp_window": _months(p.riskcomp_claim_window_months),
        "whitelist_feedback": _working_days(p.whitelist_feedback_working_days),
        "second_approval_above": money(p.loan_second_approval_above),
        "demand_expiry": _days(p.demand_expiry_days),
        "demand_claim": _working_days(p.demand_claim_working_days),
        "rating_reminder": _days(p.rating_reminder_days),
        "rating_callback": _working_days(p.rating_callback_working_days),
        "rating_rectification": _days(p.rating_rectification_days),
        "auction_step": pct(p.auction_reserve_step),
        "auction_max": p.auction_max_reductions,
        **_service_times(p),
    }


def current_figures() -> dict[str, str | int] | None:
    """This year's figures, or None while no parameter set is in force for the year (the pages say so)."""
    try:
        parameter_set = parameter_set_for_year(timezone.localdate().year)
    except PolicyYearMissing:
        return None
    return figures_for(parameter_set)
