"""How policy figures are written for people: pure functions on Decimals, no ORM, no floats."""

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")


def money(value: Decimal) -> str:
    """Yuan with thousands separators and 2 places: ``300000`` -> ``"300,000.00"``."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):,.2f}"


def fraction_pct(value: Decimal) -> str:
    """A fraction as a percentage without needless zeros: ``0.5000`` -> ``"50%"``, ``0.3333`` -> ``"33.33%"``."""
    text = f"{(value * 100).quantize(CENT, rounding=ROUND_HALF_UP):f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def rate_pct(value: Decimal) -> str:
    """A rate already in percent, always with 2 places as published: ``3`` -> ``"3.00%"``."""
    return f"{value.quantize(CENT, rounding=ROUND_HALF_UP):f}%"
