"""The loan ledger's rules as pure functions: what a reported fact does to a loan's figures and status.

One function, ``apply_fact``, decides every fact, whether it arrives from a bank officer's form, the bank
API or a batch upload of 100,000 rows, so the three can never disagree. No ORM here: the services load a
``LoanState`` from the row (or the import keeps one per loan in memory), apply facts in order, and write
the result back.
"""

from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext as _

from loans.models import (
    LOAN_TRANSITIONS,
    NON_PERFORMING_CLASSES,
    Classification,
    FactKind,
    LoanStatus,
)

FEN = Decimal("0.01")
ZERO = Decimal("0.00")
# Facts that move money or the loan's quality need a running loan: disbursed and not yet closed.
RUNNING = frozenset(
    {LoanStatus.DISBURSED, LoanStatus.REPAYING, LoanStatus.OVERDUE, LoanStatus.NON_PERFORMING}
)
# The statuses each fact may be reported in.
ALLOWED_IN: dict[str, frozenset[str]] = {
    FactKind.DISBURSEMENT: frozenset({LoanStatus.CONTRACTED, LoanStatus.DISBURSED, LoanStatus.REPAYING}),
    FactKind.INTEREST: RUNNING,
    FactKind.REPAYMENT: RUNNING,
    FactKind.SETTLEMENT: RUNNING,
    FactKind.OVERDUE: RUNNING,
    FactKind.CLASSIFICATION: RUNNING,
    FactKind.WRITE_OFF: frozenset({LoanStatus.NON_PERFORMING}),
}
AMOUNT_REQUIRED = frozenset({FactKind.DISBURSEMENT, FactKind.INTEREST, FactKind.REPAYMENT})


def to_fen(value: Decimal) -> Decimal:
    return value.quantize(FEN, rounding=ROUND_HALF_UP)


class FactRejected(Exception):
    """A fact the ledger refuses; ``field`` names the input at fault (an import's error report shows it)."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class LoanState:
    status: str
    principal: Decimal
    contract_signed_on: date | None = None
    disbursed_on: date | None = None
    disbursed_amount: Decimal = ZERO
    principal_repaid: Decimal = ZERO
    interest_paid: Decimal = ZERO
    settled_on: date | None = None
    overdue_days: int = 0
    overdue_since: date | None = None
    classification: str = Classification.NORMAL
    classified_on: date | None = None
    non_performing_on: date | None = None
    written_off_on: date | None = None

    FIELDS = (
        "status",
        "disbursed_on",
        "disbursed_amount",
        "principal_repaid",
        "interest_paid",
        "settled_on",
        "overdue_days",
        "overdue_since",
        "classification",
        "classified_on",
        "non_performing_on",
        "written_off_on",
    )

    @classmethod
    def of(cls, loan) -> "LoanState":
        """The state of a Loan row (or anything with the same attributes)."""
        return cls(
            principal=loan.principal,
            contract_signed_on=loan.contract_signed_on,
            **{name: getattr(loan, name) for name in cls.FIELDS},
        )

    def write_to(self, loan) -> list[str]:
        """Copy the figures onto ``loan``; returns the names of the fields that changed."""
        changed = [name for name in self.FIELDS if getattr(loan, name) != getattr(self, name)]
        for name in changed:
            setattr(loan, name, getattr(self, name))
        return changed

    @property
    def outstanding(self) -> Decimal:
        return self.disbursed_amount - self.principal_repaid


@dataclass(frozen=True)
class Fact:
    kind: str
    occurred_on: date
    amount: Decimal | None = None
    overdue_days: int | None = None
    classification: str = ""


def _money(amount: Decimal | None, *, required: bool) -> Decimal | None:
    if amount is None:
        if required:
            raise FactRejected("amount", _("Give the amount in yuan."))
        return None
    if not isinstance(amount, Decimal) or not amount.is_finite():
        raise FactRejected("amount", _("The amount must be a number of yuan."))
    if amount <= 0:
        raise FactRejected("amount", _("The amount must be greater than zero."))
    if amount != to_fen(amount):
        raise FactRejected("amount", _("The amount has at most two decimal places (fen)."))
    return amount


def _move(state: LoanState, to: str) -> LoanState:
    if to == state.status:
        return state
    # The ledger only makes moves the loan's transition table lists: a new rule here without a table
    # entry is a bug caught by the tests, not a silent new path.
    assert to in LOAN_TRANSITIONS[state.status], (state.status, to)  # nosec B101 # invariant guard on the transition table; the tests run with asserts on
    return replace(state, status=to)


def apply_fact(state: LoanState, fact: Fact, *, today: date) -> LoanState:
    """The loan's state after ``fact``; raises FactRejected with the field at fault."""
    if fact.kind not in ALLOWED_IN:
        raise FactRejected("kind", _("Unknown fact: %(kind)s.") % {"kind": fact.kind})
    if fact.occurred_on > today:
        raise FactRejected("occurred_on", _("The date cannot be in the future."))
    if state.contract_signed_on and fact.occurred_on < state.contract_signed_on:
        raise FactRejected("occurred_on", _("The date cannot be before the contract was signed."))
    if state.status not in ALLOWED_IN[fact.kind]:
        raise FactRejected(
            "kind",
            _("A loan that is “%(status)s” cannot take this fact (%(kind)s).")
            % {"status": LoanStatus(state.status).label, "kind": FactKind(fact.kind).label},
        )
    if fact.kind != FactKind.DISBURSEMENT and state.disbursed_on and fact.occurred_on < state.disbursed_on:
        raise FactRejected("occurred_on", _("The date cannot be before the first disbursement."))
    amount = _money(fact.amount, required=fact.kind in AMOUNT_REQUIRED)
    handler = _HANDLERS[fact.kind]
    return handler(state, fact, amount)


def _disbursement(state: LoanState, fact: Fact, amount: Decimal) -> LoanState:
    if state.disbursed_amount + amount > state.principal:
        raise FactRejected(
            "amount",
            _("Disbursements would exceed the principal (%(principal)s yuan; %(done)s already disbursed).")
            % {"principal": state.principal, "done": state.disbursed_amount},
        )
    state = replace(
        state,
        disbursed_amount=state.disbursed_amount + amount,
        disbursed_on=min(filter(None, (state.disbursed_on, fact.occurred_on))),
    )
    return _move(state, LoanStatus.DISBURSED) if state.status == LoanStatus.CONTRACTED else state


def _interest(state: LoanState, fact: Fact, amount: Decimal) -> LoanState:
    return replace(state, interest_paid=state.interest_paid + amount)


def _repayment(state: LoanState, fact: Fact, amount: Decimal) -> LoanState:
    if amount > state.outstanding:
        raise FactRejected(
            "amount",
            _("The repayment is more than the principal outstanding (%(outstanding)s yuan).")
            % {"outstanding": state.outstanding},
        )
    state = replace(state, principal_repaid=state.principal_repaid + amount)
    return _move(state, LoanStatus.REPAYING) if state.status == LoanStatus.DISBURSED else state


def _settlement(state: LoanState, fact: Fact, amount: Decimal | None) -> LoanState:
    # The amount, if given, is the final principal repayment and must clear the loan exactly.
    if amount is not None and amount != state.outstanding:
        raise FactRejected(
            "amount",
            _("A settlement repays exactly the principal outstanding (%(outstanding)s yuan).")
            % {"outstanding": state.outstanding},
        )
    if amount is None and state.outstanding != 0:
        raise FactRejected(
            "amount",
            _(
                "%(outstanding)s yuan of principal is still outstanding: report the repayment first, or give "
                "it as the settlement amount."
            )
            % {"outstanding": state.outstanding},
        )
    state = replace(
        state,
        principal_repaid=state.disbursed_amount,
        settled_on=fact.occurred_on,
        overdue_days=0,
        overdue_since=None,
    )
    return _move(state, LoanStatus.SETTLED)


def _overdue(state: LoanState, fact: Fact, amount: Decimal | None) -> LoanState:
    days = fact.overdue_days
    if days is None or isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise FactRejected("overdue_days", _("Give the days overdue as a whole number, 0 when cured."))
    if amount is not None:
        raise FactRejected("amount", _("An overdue report has no amount."))
    if days == 0:
        state = replace(state, overdue_days=0, overdue_since=None)
        if state.status == LoanStatus.OVERDUE:
            return _move(state, LoanStatus.REPAYING)
        return state
    since = fact.occurred_on - timedelta(days=days - 1)
    if state.disbursed_on and since < state.disbursed_on:
        raise FactRejected("overdue_days", _("The loan cannot be overdue from before it was disbursed."))
    state = replace(state, overdue_days=days, overdue_since=since)
    # A non-performing loan stays non-performing whatever its arrears: only a reclassification lifts it.
    if state.status in (LoanStatus.DISBURSED, LoanStatus.REPAYING):
        return _move(state, LoanStatus.OVERDUE)
    return state


def _classification(state: LoanState, fact: Fact, amount: Decimal | None) -> LoanState:
    category = fact.classification
    if category not in Classification.values:
        raise FactRejected("classification", _("Choose one of the five loan categories."))
    if amount is not None:
        raise FactRejected("amount", _("A classification has no amount."))
    state = replace(state, classification=category, classified_on=fact.occurred_on)
    if category in NON_PERFORMING_CLASSES:
        if state.status != LoanStatus.NON_PERFORMING:
            state = replace(state, non_performing_on=fact.occurred_on)
            return _move(state, LoanStatus.NON_PERFORMING)
        return state
    if state.status == LoanStatus.NON_PERFORMING:
        # Upgraded back to performing: a later downgrade starts a new non-performing date.
        state = replace(state, non_performing_on=None)
        return _move(state, LoanStatus.REPAYING)
    return state


def _write_off(state: LoanState, fact: Fact, amount: Decimal | None) -> LoanState:
    if amount is not None:
        raise FactRejected("amount", _("A write-off has no amount: it writes off what is outstanding."))
    return _move(replace(state, written_off_on=fact.occurred_on), LoanStatus.WRITTEN_OFF)


_HANDLERS = {
    FactKind.DISBURSEMENT: _disbursement,
    FactKind.INTEREST: _interest,
    FactKind.REPAYMENT: _repayment,
    FactKind.SETTLEMENT: _settlement,
    FactKind.OVERDUE: _overdue,
    FactKind.CLASSIFICATION: _classification,
    FactKind.WRITE_OFF: _write_off,
}
