"""The risk compensation formulas of domain.md §2.6, as api-contract.md §5 states them: pure functions of the
year's parameters and the figures given; money in Decimal, in fen.

    loss     = npl_principal x ip_share - recovered               (to the fen)
    base_i   = loss x share_i x (1 - dispersed_i)                 (to the fen)
    total    = min(rate x sum(base), per_loan_cap)                 (to the fen; the cap inclusive)
    payout_i = total shared in proportion to base_i, in fen, largest remainder first, so the payouts sum to
               total exactly (ties: the participant listed first)

A claim is ineligible when the pledge was registered after the loan became non-performing, or when its IP
share is below the year's minimum. After compensation, the fund takes back the same fraction of each
recovery as it paid of the loss, never more than it paid in all, shared among the participants in
proportion to their payouts (``clawback``).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
ONE = Decimal("1")


def to_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Rules:
    rate: Decimal
    per_loan_cap: Decimal
    min_ip_share: Decimal

    @classmethod
    def of(cls, parameters) -> "Rules":
        """The rules of a year's policy parameter set (portal.policy)."""
        return cls(
            rate=parameters.riskcomp_rate,
            per_loan_cap=parameters.riskcomp_per_loan_cap,
            min_ip_share=parameters.riskcomp_min_ip_share,
        )

    @classmethod
    def from_values(cls, values: dict) -> "Rules":
        return cls(
            rate=Decimal(values["riskcomp_rate"]),
            per_loan_cap=Decimal(values["riskcomp_per_loan_cap"]),
            min_ip_share=Decimal(values["riskcomp_min_ip_share"]),
        )


@dataclass(frozen=True)
class Participant:
    ref: str
    share: Decimal
    dispersed: Decimal = ZERO


@dataclass
class Payout:
    ref: str
    base: Decimal
    payout: Decimal


@dataclass
class Quote:
    eligible: bool
    reasons: list[dict]
    loss: Decimal
    total: Decimal
    cap_applied: bool
    raw_total: Decimal = ZERO
    payouts: list[Payout] = field(default_factory=list)


def loss_of(npl_principal: Decimal, ip_share: Decimal, recovered: Decimal) -> Decimal:
    return to_fen(npl_principal * ip_share - recovered)


def largest_remainder(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """``total`` (in fen) split in proportion to ``weights``: each share floored to the fen, then the fen
    left over go one each to the largest remainders (ties: the earlier weight). Sums to ``total`` exactly."""
    weight_sum = sum(weights, ZERO)
    if total <= 0 or weight_sum <= 0:
        return [ZERO for _ in weights]
    exact = [total * weight / weight_sum for weight in weights]
    floors = [value.quantize(FEN, rounding=ROUND_DOWN) for value in exact]
    left = int(((total - sum(floors, ZERO)) / FEN).to_integral_value())
    order = sorted(range(len(weights)), key=lambda index: (-(exact[index] - floors[index]), index))
    for index in order[:left]:
        floors[index] += FEN
    return floors


def reasons_for(rules: Rules, *, npl_on: date, pledge_registered_on: date, ip_share: Decimal) -> list[dict]:
    reasons = []
    if pledge_registered_on > npl_on:
        reasons.append(
            {
                "code": "pledge_after_npl",
                "message": _(
                    "The pledge was registered on %(pledge)s, after the loan became non-performing on %(npl)s."
                )
                % {"pledge": pledge_registered_on, "npl": npl_on},
            }
        )
    if ip_share < rules.min_ip_share:
        reasons.append(
            {
                "code": "ip_share_too_low",
                "message": _("The IP share %(share)s is below the minimum of %(minimum)s.")
                % {"share": ip_share.normalize(), "minimum": rules.min_ip_share.normalize()},
            }
        )
    return reasons


def quote(
    rules: Rules,
    *,
    npl_principal: Decimal,
    ip_share: Decimal,
    recovered: Decimal,
    npl_on: date,
    pledge_registered_on: date,
    participants: list[Participant],
) -> Quote:
    loss = loss_of(npl_principal, ip_share, recovered)
    reasons = reasons_for(rules, npl_on=npl_on, pledge_registered_on=pledge_registered_on, ip_share=ip_share)
    if reasons:
        return Quote(False, reasons, loss, ZERO, False)
    bases = [to_fen(loss * participant.share * (ONE - participant.dispersed)) for participant in participants]
    raw_total = to_fen(rules.rate * sum(bases, ZERO))
    total = min(raw_total, rules.per_loan_cap)
    shares = largest_remainder(total, bases)
    payouts = [
        Payout(participant.ref, base, share)
        for participant, base, share in zip(participants, bases, shares, strict=True)
    ]
    return Quote(True, [], loss, total, raw_total > rules.per_loan_cap, raw_total, payouts)


def clawback(
    *, recovery: Decimal, paid: Decimal, loss: Decimal, clawed_so_far: Decimal, payouts: list[Decimal]
):
    """(the fund's part of ``recovery``, that part split over the participants by their ``payouts``).

    The fund paid ``paid`` of a ``loss``: it takes back the same fraction of the recovery, rounded half-up
    to the fen, never more than it has still to recover (``paid - clawed_so_far``)."""
    if recovery <= 0 or paid <= 0 or loss <= 0:
        return ZERO, [ZERO for _ in payouts]
    due = min(to_fen(recovery * paid / loss), paid - clawed_so_far)
    due = max(due, ZERO)
    return due, largest_remainder(due, payouts)
