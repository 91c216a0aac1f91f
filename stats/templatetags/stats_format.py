from decimal import Decimal

from django import template

from portal.policy import formatting
from stats.indicators import PERCENT, YUAN

register = template.Library()


@register.filter
def figure(value, unit: str) -> str:
    """A figure as the dashboards show it: money to the fen with separators, percentages with %, counts
    with separators, and a dash where there is nothing to divide by."""
    if value is None:
        return "—"
    if unit == YUAN:
        return formatting.money(Decimal(value))
    if unit == PERCENT:
        return f"{Decimal(value):.2f}%"
    return f"{int(value):,}"


@register.filter
def with_units(row, units):
    """Pairs each cell of a section's row with its column's unit."""
    return list(zip(row, units, strict=True))
