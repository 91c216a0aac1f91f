"""Pure figures of the satisfaction report (no ORM)."""

from decimal import ROUND_HALF_UP, Decimal


def satisfaction_rate(satisfied: int, responses: int) -> Decimal | None:
    """Share of 4s and 5s among the responses, in percent to one decimal (domain.md §2.9); None with none."""
    if not responses:
        return None
    return (Decimal(satisfied) * 100 / Decimal(responses)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def average(total: int, count: int) -> Decimal | None:
    if not count:
        return None
    return (Decimal(total) / Decimal(count)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def on_time_rate(on_time: int, due: int) -> Decimal | None:
    return satisfaction_rate(on_time, due)
