"""A batch's rules, frozen: the fields of the year's policy parameter set the subsidies read, as JSON
(decimals and dates as strings), and the side-by-side comparison of two batches."""

from datetime import date
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.policy.models import PolicyParameterSet

# The parameter set's fields a subsidy batch applies, in the order they are shown.
PARAMETER_FIELDS = (
    "interest_ratio",
    "lpr_markup",
    "interest_cap_per_enterprise",
    "interest_min_ip_share",
    "settlement_window_start",
    "settlement_window_end",
    "pledge_must_precede_settlement",
    "fee_ratio",
    "fee_cap_per_enterprise",
    "fee_insurance_eligible",
)
_DATES = frozenset({"settlement_window_start", "settlement_window_end"})
_FLAGS = frozenset({"pledge_must_precede_settlement", "fee_insurance_eligible"})


def label(name: str) -> str:
    return str(PolicyParameterSet._meta.get_field(name).verbose_name)


def snapshot(parameter_set: PolicyParameterSet) -> dict:
    values = {}
    for name in PARAMETER_FIELDS:
        value = getattr(parameter_set, name)
        values[name] = value if name in _FLAGS else (value.isoformat() if name in _DATES else str(value))
    return values


def parse(name: str, raw) -> object:
    """A value for ``name`` from a form or JSON, normalised to the snapshot's text; ValueError if bad."""
    if name in _FLAGS:
        if isinstance(raw, bool):
            return raw
        if str(raw).lower() in ("true", "1", "yes", "on"):
            return True
        if str(raw).lower() in ("false", "0", "no", "off", ""):
            return False
        raise ValueError(_("Answer yes or no."))
    if name in _DATES:
        try:
            return (raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())).isoformat()
        except ValueError:
            raise ValueError(_("Enter a date as YYYY-MM-DD.")) from None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        raise ValueError(_("Enter a number.")) from None
    if not value.is_finite() or value < 0:
        raise ValueError(_("Enter a number of at least 0."))
    if name.endswith(("ratio", "share", "markup")) and value > 1:
        raise ValueError(_("Enter a fraction between 0 and 1, e.g. 0.5000 for 50%."))
    field = PolicyParameterSet._meta.get_field(name)
    return str(value.quantize(Decimal(1).scaleb(-field.decimal_places)))


def display(name: str, value) -> str:
    if name in _FLAGS:
        return str(gettext_lazy("yes") if value else gettext_lazy("no"))
    return "" if value is None else str(value)


def diff(left: dict, right: dict) -> list[dict]:
    """Rows of (label, left, right, changed) over every parameter field, in the usual order."""
    return [
        {
            "name": name,
            "label": label(name),
            "left": display(name, left.get(name)),
            "right": display(name, right.get(name)),
            "changed": left.get(name) != right.get(name),
        }
        for name in PARAMETER_FIELDS
    ]
