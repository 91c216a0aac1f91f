"""Every read of disposal cases scoped to a user (one scoping function per entity), and the public listing."""

from django.db.models import OuterRef, QuerySet, Subquery

from disposal.models import (
    PUBLIC_STATUSES,
    RELEASED_STATUSES,
    AuctionRound,
    Bid,
    Bidder,
    DisposalCase,
    RoundStatus,
)
from disposal.permissions import is_oversight, pledgee_ids
from loans.models import NON_PERFORMING_CLASSES, Loan
from pledges.models import PLEDGED_STATUSES, IpAsset, PledgeRegistration
from portal.accounts.models import User
from portal.audit.scope import get_in_scope


def case_scope(user: User) -> QuerySet[DisposalCase]:
    """Oversight roles read every case; a pledgee its own (a bank head office its group's); nobody else any."""
    if is_oversight(user):
        return DisposalCase.objects.all()
    return DisposalCase.objects.filter(pledgee_id__in=pledgee_ids(user))


def case_list(*, user: User, filters: dict | None = None) -> QuerySet[DisposalCase]:
    cases = case_scope(user).select_related("loan", "pledgee")
    filters = filters or {}
    if filters.get("status"):
        cases = cases.filter(status=filters["status"])
    if filters.get("method"):
        cases = cases.filter(method=filters["method"])
    return cases.order_by("-pk")


def case_get_for_user(*, user: User, pk: int) -> DisposalCase:
    return get_in_scope(case_scope(user).select_related("loan", "loan__enterprise", "pledgee"), pk)


def _busy_asset_ids() -> QuerySet:
    return DisposalCase.assets.through.objects.exclude(disposalcase__status__in=RELEASED_STATUSES).values(
        "ipasset_id"
    )


def pledged_registrations(*, loan: Loan, user: User) -> QuerySet[PledgeRegistration]:
    """The loan's registrations in force whose pledgee this user works for."""
    return loan.registrations.filter(status__in=PLEDGED_STATUSES, pledgee_id__in=pledgee_ids(user))


def disposable_assets(*, loan: Loan, user: User) -> QuerySet[IpAsset]:
    """The loan's pledged assets this user's institution holds as pledgee and no live case covers yet."""
    registrations = pledged_registrations(loan=loan, user=user)
    return (
        IpAsset.objects.filter(registration_links__registration__in=registrations)
        .exclude(pk__in=_busy_asset_ids())
        .distinct()
        .order_by("kind", "number")
    )


def openable_loans(*, user: User) -> QuerySet[Loan]:
    """Non-performing loans with pledged assets this user's institution may dispose of."""
    ids = pledgee_ids(user)
    if not ids:
        return Loan.objects.none()
    free = IpAsset.objects.exclude(pk__in=_busy_asset_ids())
    registrations = PledgeRegistration.objects.filter(
        status__in=PLEDGED_STATUSES, pledgee_id__in=ids, asset_links__asset__in=free
    )
    return (
        Loan.objects.filter(classification__in=NON_PERFORMING_CLASSES, registrations__in=registrations)
        .select_related("enterprise", "bank")
        .distinct()
        .order_by("-pk")
    )


def loan_get_for_opening(*, user: User, pk: int) -> Loan:
    return get_in_scope(openable_loans(user=user), pk)


# --- The public listing --------------------------------------------------------------------------------


def _open_round(field: str) -> Subquery:
    return Subquery(
        AuctionRound.objects.filter(case=OuterRef("pk"), status=RoundStatus.OPEN).values(field)[:1]
    )


def listing_scope(*, with_rounds: bool = True) -> QuerySet[DisposalCase]:
    """Cases offered to the market and how they ended, with the open round and its highest bid, no N+1.
    ``with_rounds=False`` leaves out the round, the bid and the assets, for a reader that shows only the
    case (the enterprise's timeline: four subqueries cost more to compile than the case to read)."""
    cases = DisposalCase.objects.filter(status__in=PUBLIC_STATUSES)
    if not with_rounds:
        return cases
    top_bid = Bid.objects.filter(round__case=OuterRef("pk"), round__status=RoundStatus.OPEN).order_by(
        "-amount", "placed_at", "pk"
    )
    return cases.annotate(
        round_number=_open_round("number"),
        round_reserve=_open_round("reserve_price"),
        round_ends_at=_open_round("ends_at"),
        highest_bid=Subquery(top_bid.values("amount")[:1]),
    ).prefetch_related("assets")


def listing_list(*, filters: dict | None = None) -> QuerySet[DisposalCase]:
    listings = listing_scope()
    filters = filters or {}
    if filters.get("method"):
        listings = listings.filter(method=filters["method"])
    return listings.order_by("-pk")


def listing_get(*, pk: int) -> DisposalCase:
    return get_in_scope(listing_scope(), pk)


def bidder_for(*, case: DisposalCase, user: User) -> Bidder | None:
    if not user.is_authenticated:
        return None
    return Bidder.objects.filter(case=case, user=user).first()


def my_bidders(*, user: User) -> QuerySet[Bidder]:
    return Bidder.objects.filter(user=user).select_related("case").order_by("-pk")
