"""The subsidy formulas of domain.md §2.4-§2.5, as api-contract.md §3-§4 states them: pure functions of
the batch year's parameters and the figures given, money in Decimal, rounded half-up to the fen.

Interest, per loan:
    cap_rate_pct      = lpr_pct x (1 + markup)                        (shown and used to 2 places)
    eligible_interest = interest_paid x ip_share x min(1, cap_rate_pct / annual_rate_pct)   (to the fen)
    subsidy           = ratio x eligible_interest                     (to the fen; 0 when ineligible)
    total             = min(per-enterprise cap, sum of the subsidies) (the cap inclusive: 以内)
A loan is ineligible when settled outside the batch's settlement window, when its pledge was registered
after the settlement (if the year requires it), or when its IP share is below the year's minimum.

Fees: total = min(cap, ratio x the eligible fees), insurance premiums eligible only if the year says so.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

FEN = Decimal("0.01")
ONE = Decimal("1")
ZERO = Decimal("0")


def to_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class InterestRules:
    ratio: Decimal
    markup: Decimal
    cap: Decimal
    min_ip_share: Decimal
    window_start: date
    window_end: date
    pledge_must_precede_settlement: bool

    @classmethod
    def of(cls, parameters) -> "InterestRules":
        """The rules of a year's policy parameter set (portal.policy)."""
        return cls(
            ratio=parameters.interest_ratio,
            markup=parameters.lpr_markup,
            cap=parameters.interest_cap_per_enterprise,
            min_ip_share=parameters.interest_min_ip_share,
            window_start=parameters.settlement_window_start,
            window_end=parameters.settlement_window_end,
            pledge_must_precede_settlement=parameters.pledge_must_precede_settlement,
        )

    @classmethod
    def from_values(cls, values: dict) -> "InterestRules":
        """The rules of a batch's frozen parameter version (``subsidies.parameters.snapshot``)."""
        return cls(
            ratio=Decimal(values["interest_ratio"]),
            markup=Decimal(values["lpr_markup"]),
            cap=Decimal(values["interest_cap_per_enterprise"]),
            min_ip_share=Decimal(values["interest_min_ip_share"]),
            window_start=date.fromisoformat(values["settlement_window_start"]),
            window_end=date.fromisoformat(values["settlement_window_end"]),
            pledge_must_precede_settlement=bool(values["pledge_must_precede_settlement"]),
        )


@dataclass(frozen=True)
class LoanFigures:
    ref: str
    interest_paid: Decimal
    annual_rate_pct: Decimal
    ip_share: Decimal
    disbursed_on: date
    settled_on: date
    pledge_registered_on: date
    lpr_pct: Decimal  # the 1-year LPR in effect on disbursed_on


@dataclass
class LoanQuote:
    ref: str
    lpr_pct: Decimal
    cap_rate_pct: Decimal
    eligible_interest: Decimal
    subsidy: Decimal
    reasons: list[dict] = field(default_factory=list)

    @property
    def eligible(self) -> bool:
        return not self.reasons


@dataclass
class InterestQuote:
    loans: list[LoanQuote]
    total: Decimal
    cap_applied: bool


def _reasons(rules: InterestRules, loan: LoanFigures) -> list[dict]:
    reasons = []
    if not rules.window_start <= loan.settled_on <= rules.window_end:
        reasons.append(
            {
                "code": "settled_outside_window",
                "message": _("Settled on %(day)s: this batch covers loans settled from %(start)s to %(end)s.")
                % {"day": loan.settled_on, "start": rules.window_start, "end": rules.window_end},
            }
        )
    if rules.pledge_must_precede_settlement and loan.pledge_registered_on > loan.settled_on:
        reasons.append(
            {
                "code": "pledge_after_settlement",
                "message": _(
                    "The pledge was registered on %(pledge)s, after the loan was settled on %(settled)s."
                )
                % {"pledge": loan.pledge_registered_on, "settled": loan.settled_on},
            }
        )
    if loan.ip_share < rules.min_ip_share:
        reasons.append(
            {
                "code": "ip_share_too_low",
                "message": _("The IP share %(share)s is below the minimum of %(minimum)s.")
                % {"share": loan.ip_share.normalize(), "minimum": rules.min_ip_share.normalize()},
            }
        )
    return reasons


def interest_quote(rules: InterestRules, loans: list[LoanFigures]) -> InterestQuote:
    quotes = []
    for loan in loans:
        cap_rate = to_fen(loan.lpr_pct * (ONE + rules.markup))
        reasons = _reasons(rules, loan)
        if reasons:
            quotes.append(LoanQuote(loan.ref, loan.lpr_pct, cap_rate, ZERO, ZERO, reasons))
            continue
        counted = min(ONE, cap_rate / loan.annual_rate_pct)
        eligible = to_fen(loan.interest_paid * loan.ip_share * counted)
        quotes.append(LoanQuote(loan.ref, loan.lpr_pct, cap_rate, eligible, to_fen(rules.ratio * eligible)))
    summed = sum((quote.subsidy for quote in quotes), ZERO)
    return InterestQuote(quotes, min(rules.cap, summed), summed > rules.cap)


FEE_KINDS = ("evaluation", "guarantee", "insurance")


def fee_quote(*, ratio: Decimal, cap: Decimal, insurance_eligible: bool, fees: list[tuple[str, Decimal]]):
    """(total, cap_applied) for ``fees`` as (kind, amount)."""
    counted = sum((amount for kind, amount in fees if kind != "insurance" or insurance_eligible), ZERO)
    subsidy = to_fen(ratio * counted)
    return min(cap, subsidy), subsidy > cap
