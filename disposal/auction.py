"""Auctions in rounds: starting one, bidders, bids and the sweep that closes rounds (domain.md §2.7).

Rules:
- The auction starts with round 1 at the case's reserve price; the year's policy parameters (reserve
  step, most reductions) are frozen on the case then.
- Bidders register per case: a portal user of an enterprise or an institution (never the pledgee's own
  group nor the pledgor), or an outside bidder the pledgee registers by name and bids for.
- A bid is refused unless the round is open and its end has not passed (even before the sweep ran), and
  unless it is strictly higher than the round's highest bid. The round row is locked while bidding, so
  two bids at once are decided one after the other.
- Equal bids are therefore never recorded by the portal; the decision function still ranks bids by
  amount, then the earlier ``placed_at``, then the lower id (domain.md: "a tie: the earlier bid wins"),
  so bids arriving from data (a legacy import, a floor auction's record) are decided the same way.
- When a round's end has passed, ``close_due_rounds`` claims it with a conditional UPDATE (safe to run
  twice, or in two workers): the highest bid at or above the reserve wins and the case is sold; otherwise
  the round failed (流拍) and the next one opens at the reserve lowered by the step, up to the most
  reductions; after that the case ends unsold and the pledgee may choose another method.
"""

from datetime import timedelta

from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from disposal.calculations import next_reserve, round_winner
from disposal.errors import DisposalInvalid, DisposalNotAllowed
from disposal.models import (
    PLEDGEE_ROLES,
    AuctionRound,
    Bid,
    Bidder,
    CaseStatus,
    DisposalCase,
    Method,
    RoundStatus,
)
from disposal.permissions import acts_for_pledgee, can_bid
from disposal.services import _pledgee, locked, money, move, note
from portal.accounts.models import User
from portal.accounts.selectors import active_members
from portal.notifications.services import notify
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year

_C = CaseStatus
MAX_ROUND_HOURS = 24 * 30
SWEEP_BATCH = 200


# --- Starting --------------------------------------------------------------------------------------------


@transaction.atomic
def auction_start(*, case: DisposalCase, actor: User, round_hours) -> AuctionRound:
    case = locked(case)
    _pledgee(actor, case)
    if case.method != Method.AUCTION:
        raise DisposalInvalid(_("Only a case disposed of by auction starts auction rounds."))
    try:
        hours = int(round_hours)
    except (TypeError, ValueError):
        hours = 0
    if not 1 <= hours <= MAX_ROUND_HOURS:
        raise DisposalInvalid(
            _("The auction did not start: correct the fields marked."),
            {"round_hours": [_("Enter a number of hours from 1 to %(max)s.") % {"max": MAX_ROUND_HOURS}]},
        )
    year = timezone.localdate().year
    try:
        parameters = parameter_set_for_year(year)
    except PolicyYearMissing:
        raise DisposalInvalid(
            _(
                "No policy parameters are in force for %(year)s: the IP bureau sets the auction's reserve step first."
            )
            % {"year": year}
        ) from None
    move(
        case,
        actor=actor,
        to=_C.AUCTIONING,
        details={
            "reserve_step": str(parameters.auction_reserve_step),
            "max_reductions": parameters.auction_max_reductions,
            "round_hours": hours,
        },
    )
    case.reserve_step = parameters.auction_reserve_step
    case.max_reductions = parameters.auction_max_reductions
    case.round_hours = hours
    case.save(update_fields=["reserve_step", "max_reductions", "round_hours", "updated_at"])
    return _open_round(case, number=1, reserve=case.reserve_price)


def _open_round(case: DisposalCase, *, number: int, reserve) -> AuctionRound:
    now = timezone.now()
    return AuctionRound.objects.create(
        case=case,
        number=number,
        reserve_price=reserve,
        starts_at=now,
        ends_at=now + timedelta(hours=case.round_hours or 72),
    )


def cancel_open_round(case: DisposalCase) -> None:
    AuctionRound.objects.filter(case=case, status=RoundStatus.OPEN).update(
        status=RoundStatus.CANCELLED, closed_at=timezone.now()
    )


def open_round(case: DisposalCase) -> AuctionRound | None:
    return AuctionRound.objects.filter(case=case, status=RoundStatus.OPEN).first()


# --- Bidders ---------------------------------------------------------------------------------------------


def _next_number(case: DisposalCase) -> int:
    return (Bidder.objects.filter(case=case).aggregate(top=Max("number"))["top"] or 0) + 1


@transaction.atomic
def bidder_register(*, case: DisposalCase, actor: User) -> Bidder:
    """A portal user registers to bid on an auction under way."""
    if not can_bid(actor):
        raise DisposalNotAllowed(_("Enterprises and institutions bid; government users do not."))
    case = locked(case)
    if case.status != _C.AUCTIONING:
        raise DisposalInvalid(_("Bidders register while the auction is under way."))
    organisation = actor.organisation
    if acts_for_pledgee(actor, case):
        raise DisposalNotAllowed(_("The pledgee does not bid on its own auction."))
    if organisation.pk == case.loan.enterprise_id:
        raise DisposalNotAllowed(_("The pledgor does not bid on its own pledged IP."))
    existing = Bidder.objects.filter(case=case, user=actor).first()
    if existing is not None:
        return existing
    bidder = Bidder.objects.create(
        case=case,
        number=_next_number(case),
        user=actor,
        organisation=organisation,
        name=organisation.name,
        registered_by=actor,
    )
    note(case, actor=actor, action="bidder_registered", details={"bidder": bidder.number})
    return bidder


@transaction.atomic
def bidder_register_outside(*, case: DisposalCase, actor: User, name: str, deposit_paid: bool) -> Bidder:
    """The pledgee registers a bidder without a portal account, by name; it enters that bidder's bids."""
    case = locked(case)
    _pledgee(actor, case)
    if case.status != _C.AUCTIONING:
        raise DisposalInvalid(_("Bidders register while the auction is under way."))
    name = (name or "").strip()
    if not name:
        raise DisposalInvalid(
            _("The bidder was not registered: correct the fields marked."),
            {"name": [_("Enter the bidder's name.")]},
        )
    bidder = Bidder.objects.create(
        case=case,
        number=_next_number(case),
        name=name[:200],
        deposit_paid=bool(deposit_paid),
        registered_by=actor,
    )
    note(case, actor=actor, action="bidder_registered", details={"bidder": bidder.number, "outside": True})
    return bidder


# --- Bids ------------------------------------------------------------------------------------------------


def highest_bid(auction_round: AuctionRound) -> Bid | None:
    return auction_round.bids.order_by("-amount", "placed_at", "pk").first()


@transaction.atomic
def bid_place(*, auction_round: AuctionRound, bidder: Bidder, actor: User, amount) -> Bid:
    # The round row is locked first: concurrent bids on one round queue here and each sees the one before.
    auction_round = AuctionRound.objects.select_for_update().select_related("case").get(pk=auction_round.pk)
    case = auction_round.case
    if bidder.case_id != case.pk:
        raise DisposalNotAllowed(_("Register for this auction before bidding."))
    if bidder.is_outside:
        if not acts_for_pledgee(actor, case):
            raise DisposalNotAllowed(_("Only the pledgee enters an outside bidder's bids."))
    elif bidder.user_id != actor.pk:
        raise DisposalNotAllowed(_("You bid only as yourself."))
    now = timezone.now()
    if auction_round.status != RoundStatus.OPEN or now >= auction_round.ends_at:
        raise DisposalInvalid(_("This round has ended: bids are no longer accepted."))
    if now < auction_round.starts_at:
        raise DisposalInvalid(_("This round has not started yet."))
    errors: dict[str, list[str]] = {}
    value = money(amount, field="amount", errors=errors)
    if errors:
        raise DisposalInvalid(_("The bid was not placed: correct the amount."), errors)
    top = highest_bid(auction_round)
    if top is not None and value <= top.amount:
        raise DisposalInvalid(
            _("The bid was not placed: correct the amount."),
            {"amount": [_("Bid more than the highest bid, %(top)s yuan.") % {"top": f"{top.amount:,.2f}"}]},
        )
    return Bid.objects.create(
        round=auction_round, bidder=bidder, amount=value, placed_at=now, entered_by=actor
    )


# --- Closing rounds ----------------------------------------------------------------------------------------


def close_due_rounds(*, now=None) -> int:
    """Close every open round whose end has passed; returns how many this call closed."""
    now = now or timezone.now()
    closed = 0
    due = list(
        AuctionRound.objects.filter(status=RoundStatus.OPEN, ends_at__lte=now)
        .order_by("ends_at", "pk")
        .values_list("pk", flat=True)[:SWEEP_BATCH]
    )
    for pk in due:
        if round_close(pk=pk, now=now):
            closed += 1
    return closed


@transaction.atomic
def round_close(*, pk: int, now) -> bool:
    case_id = AuctionRound.objects.filter(pk=pk).values_list("case_id", flat=True).first()
    if case_id is None:
        return False
    # The case first, then the round: the same order as a withdrawal, so the two never deadlock.
    case = DisposalCase.objects.select_for_update().get(pk=case_id)
    # Claim: only the call whose UPDATE moves the round out of "open" decides it; a second run, or a second
    # worker, finds nothing to claim. A bid waiting on the row lock then sees the round no longer open.
    if not AuctionRound.objects.filter(pk=pk, status=RoundStatus.OPEN, ends_at__lte=now).update(
        status=RoundStatus.FAILED, closed_at=now
    ):
        return False
    auction_round = AuctionRound.objects.get(pk=pk)
    winner = round_winner(list(auction_round.bids.all()), auction_round.reserve_price)
    if winner is not None:
        auction_round.status = RoundStatus.SOLD
        auction_round.save(update_fields=["status"])
        move(
            case,
            actor=None,
            to=_C.SOLD,
            details={
                "round": auction_round.number,
                "price": f"{winner.amount:.2f}",
                "bidder": winner.bidder.number,
            },
        )
        case.deal_price = winner.amount
        case.counterparty = winner.bidder.name
        case.deal_on = timezone.localdate(now)
        case.winning_bid = winner
        case.save(update_fields=["deal_price", "counterparty", "deal_on", "winning_bid", "updated_at"])
    elif auction_round.number - 1 < (case.max_reductions or 0):
        reserve = next_reserve(auction_round.reserve_price, case.reserve_step)
        _open_round(case, number=auction_round.number + 1, reserve=reserve)
        note(
            case,
            actor=None,
            action="round_failed",
            details={"round": auction_round.number, "next_reserve": f"{reserve:.2f}"},
        )
    else:
        move(case, actor=None, to=_C.UNSOLD, details={"round": auction_round.number})
    # In the transaction: the notices commit with the change (their e-mails go through the outbox), so a
    # crash after the commit loses none (issue 10, "Nothing lost").
    _tell_round_closed(auction_round.pk)
    return True


def _tell_round_closed(round_pk: int) -> None:
    auction_round = AuctionRound.objects.select_related("case").get(pk=round_pk)
    case = auction_round.case
    staff = active_members([case.pledgee_id, case.pledgee.parent_id], PLEDGEE_ROLES)
    bidders = [b.user for b in Bidder.objects.filter(bids__round=auction_round).exclude(user=None).distinct()]
    notify(
        recipients=[*staff, *bidders],
        kind="disposal.round",
        template="disposal_round_closed",
        context={"case": case, "round": auction_round, "sold": auction_round.status == RoundStatus.SOLD},
        link=reverse("disposal:listing-detail", args=[case.pk]),
        dedupe_key=f"disposal:round:{auction_round.pk}:closed",
    )
