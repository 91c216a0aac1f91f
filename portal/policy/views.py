from datetime import date
from decimal import Decimal

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET

from portal.policy import formatting, selectors
from portal.policy.explainer import explainer_sections
from portal.policy.models import (
    PARAMETER_GROUPS,
    Channel,
    DayBasis,
    IpKind,
    PolicyParameterSet,
    ServiceTime,
    TargetKind,
)


@require_GET
def explainer(request):
    """The policy in plain words, public like the policy itself: what each section means and where to act."""
    return render(request, "policy/explainer.html", explainer_sections())


# Whole numbers counted in calendar days; the other day counts are working days.
CALENDAR_DAY_FIELDS = frozenset({"demand_expiry_days", "rating_reminder_days", "rating_rectification_days"})


@login_required
@require_GET
def overview(request):
    """The policy numbers by year side by side, and the LPR history, each with its source."""
    parameter_sets = list(selectors.parameter_set_list(user=request.user))
    return render(
        request,
        "policy/overview.html",
        {
            "parameter_sets": parameter_sets,
            "groups": _parameter_groups(parameter_sets),
            "service_time_rows": _service_time_rows(parameter_sets),
            "lpr_rates": selectors.lpr_rate_list(),
        },
    )


def _display(parameter_set: PolicyParameterSet, name: str) -> str:
    value = getattr(parameter_set, name)
    field = PolicyParameterSet._meta.get_field(name)
    if value is None:
        return _("Not set")
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return formatting.fraction_pct(value) if field.decimal_places == 4 else formatting.money(value)
    if name == "riskcomp_claim_window_months":
        return ngettext("%(count)d month", "%(count)d months", value) % {"count": value}
    if name in CALENDAR_DAY_FIELDS:
        return ngettext("%(count)d day", "%(count)d days", value) % {"count": value}
    if name == "auction_max_reductions":
        return ngettext("%(count)d time", "%(count)d times", value) % {"count": value}
    return ngettext("%(count)d working day", "%(count)d working days", value) % {"count": value}


def _row(label, cells: list[dict]) -> dict:
    notes = {cell["note"] for cell in cells}
    # One note shared by every year is shown once, beside the label, instead of under each value.
    common = notes.pop() if len(notes) == 1 else None
    return {"label": label, "cells": cells, "common_note": common}


def _parameter_groups(parameter_sets: list[PolicyParameterSet]) -> list[dict]:
    groups = []
    for _key, label, names in PARAMETER_GROUPS:
        rows = [
            _row(
                PolicyParameterSet._meta.get_field(name).verbose_name,
                [
                    {"value": _display(parameter_set, name), "note": parameter_set.source_for(name)}
                    for parameter_set in parameter_sets
                ],
            )
            for name in names
        ]
        groups.append({"label": label, "rows": rows})
    return groups


def _service_time_text(row: ServiceTime | None) -> str:
    if row is None:
        return _("Not set")
    if row.day_basis == DayBasis.CALENDAR:
        return ngettext(
            "%(count)d calendar day (rolled to a working day)",
            "%(count)d calendar days (rolled to a working day)",
            row.days,
        ) % {"count": row.days}
    return ngettext("%(count)d working day", "%(count)d working days", row.days) % {"count": row.days}


def _service_time_rows(parameter_sets: list[PolicyParameterSet]) -> list[dict]:
    by_set = [
        {(st.ip_kind, st.channel, st.target): st for st in ps.service_times.all()} for ps in parameter_sets
    ]
    keys = {key for found in by_set for key in found}
    rows = []
    for ip_kind in IpKind:
        for target in TargetKind:
            for channel in Channel:
                key = (ip_kind.value, channel.value, target.value)
                if key not in keys:
                    continue
                label = f"{ip_kind.label} · {channel.label} · {target.label}"
                cells = [
                    {
                        "value": _service_time_text(found.get(key)),
                        "note": found[key].source if key in found else "",
                    }
                    for found in by_set
                ]
                rows.append(_row(label, cells))
    return rows
