"""Pure rules of the auction: the reserve after a failed round and which bid wins (no ORM)."""

from decimal import ROUND_HALF_UP, Decimal

FEN = Decimal("0.01")


def to_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


def next_reserve(previous: Decimal, step: Decimal) -> Decimal:
    """The next round's reserve: the previous one lowered by ``step`` of itself, half-up to the fen
    (domain.md §2.7 [A]: 20 % a round by default)."""
    return to_fen(previous * (Decimal(1) - step))


def rank_key(bid) -> tuple:
    # Highest amount first; at the same amount the earlier bid, then the one stored first, wins.
    return (-bid.amount, bid.placed_at, bid.pk)


def highest(bids) -> object | None:
    ordered = sorted(bids, key=rank_key)
    return ordered[0] if ordered else None


def round_winner(bids, reserve: Decimal):
    """The bid that wins a closed round: the highest one, if it reaches the reserve; None otherwise."""
    best = highest(bids)
    if best is None or best.amount < reserve:
        return None
    return best
