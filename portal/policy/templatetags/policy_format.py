"""Template filters for money and rates: ``{% load policy_format %}{{ amount|money }}``."""

from decimal import Decimal, InvalidOperation

from django import template

from portal.policy import formatting

register = template.Library()


def _decimal(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return value if isinstance(value, Decimal) else Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def money(value) -> str:
    number = _decimal(value)
    return "" if number is None else formatting.money(number)


@register.filter
def fraction_pct(value) -> str:
    number = _decimal(value)
    return "" if number is None else formatting.fraction_pct(number)


@register.filter
def rate_pct(value) -> str:
    number = _decimal(value)
    return "" if number is None else formatting.rate_pct(number)
