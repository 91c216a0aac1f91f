"""Disposal of pledged IP after a loan goes bad (issue 9, domain.md §2.7).

The pledgee (the lending bank, or the guarantor a registration names as pledgee) opens a ``DisposalCase``
over the pledged assets of a non-performing loan and picks a way to realise the pledge (Civil Code
Art. 436). There is no "transfer to the pledgee" method: a clause handing the IP over on default (流质)
is void (Art. 428); an agreed conversion price (协议折价) is recorded as a deal with its price and
counterparty. Auctions run in ``AuctionRound`` rows; registered ``Bidder`` rows place ``Bid`` rows while
a round is open; a failed round opens the next one at a lowered reserve price (policy parameters frozen
on the case). Proceeds received become recoveries on the loan's paid risk compensation claim.
Every move follows ``CASE_TRANSITIONS`` and writes a ``DisposalEvent``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import Organisation, Role


def _money(verbose_name, **extra):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **extra)


class Method(models.TextChoices):
    # No "transfer to the pledgee": a 流质 clause is void (Civil Code Art. 428).
    AUCTION = "auction", _("Auction (拍卖)")
    AGREED_PRICE = "agreed_price", _("Agreed conversion price (协议折价)")
    SALE_LISTING = "sale_listing", _("Exchange listing (挂牌交易)")
    TENDER = "tender", _("Tender (招标)")
    LICENSE_OPERATION = "license_operation", _("Licensing and operation (许可运营)")
    DEBT_TO_EQUITY = "debt_to_equity", _("Pledge-to-equity conversion (质权转股权)")


# Methods offered to the market by a listing the pledgee concludes by hand (not by auction rounds).
LISTED_METHODS = frozenset(
    {Method.SALE_LISTING, Method.TENDER, Method.LICENSE_OPERATION, Method.DEBT_TO_EQUITY}
)


class CaseStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    LISTED = "listed", _("Listed")
    AUCTIONING = "auctioning", _("Auction under way")
    SOLD = "sold", _("Sold")
    UNSOLD = "unsold", _("Unsold")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    PROCEEDS_RECEIVED = "proceeds_received", _("Proceeds received")
    CLOSED = "closed", _("Closed")


PLEDGEE_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER, Role.INSTITUTION_OFFICER})
SYSTEM = "system"  # moves the portal makes itself (an auction round closing)
_SYSTEM = frozenset({SYSTEM})
_C = CaseStatus

# Which move is allowed and who makes it (architecture.md §3.1). The party check (the actor works for the
# case's pledgee) and the method checks (an auction starts only for the auction method) are in services.
CASE_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    _C.DRAFT: {
        _C.LISTED: PLEDGEE_ROLES,
        _C.AUCTIONING: PLEDGEE_ROLES,
        _C.SOLD: PLEDGEE_ROLES,  # an agreed conversion price concluded without a listing
        _C.WITHDRAWN: PLEDGEE_ROLES,
    },
    _C.LISTED: {_C.SOLD: PLEDGEE_ROLES, _C.UNSOLD: PLEDGEE_ROLES, _C.WITHDRAWN: PLEDGEE_ROLES},
    _C.AUCTIONING: {_C.SOLD: _SYSTEM, _C.UNSOLD: _SYSTEM, _C.WITHDRAWN: PLEDGEE_ROLES},
    _C.UNSOLD: {_C.DRAFT: PLEDGEE_ROLES, _C.WITHDRAWN: PLEDGEE_ROLES},  # back to draft: another method
    _C.SOLD: {_C.PROCEEDS_RECEIVED: PLEDGEE_ROLES},
    _C.PROCEEDS_RECEIVED: {_C.CLOSED: PLEDGEE_ROLES},
    _C.WITHDRAWN: {},
    _C.CLOSED: {},
}
# What the public listing shows: everything offered to the market, and how it ended.
PUBLIC_STATUSES = frozenset({_C.LISTED, _C.AUCTIONING, _C.SOLD, _C.UNSOLD, _C.PROCEEDS_RECEIVED, _C.CLOSED})
SOLD_STATUSES = frozenset({_C.SOLD, _C.PROCEEDS_RECEIVED, _C.CLOSED})
# An asset sits in at most one case that is not withdrawn.
RELEASED_STATUSES = frozenset({_C.WITHDRAWN})


class DisposalCase(models.Model):
    reference = models.CharField(_("case number"), max_length=20, unique=True)
    loan = models.ForeignKey(
        "loans.Loan", verbose_name=_("loan"), on_delete=models.PROTECT, related_name="disposal_cases"
    )
    pledgee = models.ForeignKey(
        Organisation, verbose_name=_("pledgee"), on_delete=models.PROTECT, related_name="disposal_cases"
    )
    assets = models.ManyToManyField(
        "pledges.IpAsset", verbose_name=_("pledged assets"), related_name="disposal_cases"
    )
    method = models.CharField(_("method"), max_length=24, choices=Method.choices)
    status = models.CharField(
        _("status"), max_length=24, choices=CaseStatus.choices, default=_C.DRAFT, db_index=True
    )
    valuation = _money(_("valuation (yuan)"))
    valuer = models.CharField(_("evaluation firm"), max_length=200)
    valued_on = models.DateField(_("valued on"))
    reserve_price = _money(_("reserve price (yuan)"))
    description = models.TextField(
        _("notes for buyers"), blank=True, help_text=_("Shown on the public listing. No personal data.")
    )
    # Frozen when the auction starts: a later change of the year's parameters never moves a running auction.
    reserve_step = models.DecimalField(
        _("reserve reduction per failed round"), max_digits=5, decimal_places=4, null=True, blank=True
    )
    max_reductions = models.PositiveSmallIntegerField(_("most reserve reductions"), null=True, blank=True)
    round_hours = models.PositiveIntegerField(_("hours per auction round"), null=True, blank=True)
    # The deal: an auction's winning bid, or a price and counterparty the pledgee records.
    deal_price = _money(_("price (yuan)"), null=True, blank=True)
    counterparty = models.CharField(_("buyer or counterparty"), max_length=200, blank=True)
    deal_on = models.DateField(_("deal concluded on"), null=True, blank=True)
    winning_bid = models.ForeignKey(
        "Bid",
        verbose_name=_("winning bid"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proceeds_total = _money(_("proceeds received (yuan)"), default=Decimal("0.00"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("disposal case")
        verbose_name_plural = _("disposal cases")
        indexes = [
            models.Index(fields=["pledgee", "-id"], name="disposal_case_pledgee"),
            models.Index(fields=["status", "-id"], name="disposal_case_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(valuation__gt=0), name="disposal_case_valuation_positive"),
            models.CheckConstraint(condition=Q(reserve_price__gt=0), name="disposal_case_reserve_positive"),
            models.CheckConstraint(
                condition=Q(deal_price__isnull=True) | Q(deal_price__gt=0), name="disposal_case_deal_positive"
            ),
            models.CheckConstraint(condition=Q(proceeds_total__gte=0), name="disposal_case_proceeds_gte_0"),
        ]

    def __str__(self) -> str:
        return self.reference


class DisposalEvent(models.Model):
    case = models.ForeignKey(DisposalCase, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the portal itself made the move."),
    )
    from_status = models.CharField(_("from"), max_length=24, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=CaseStatus.choices, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("disposal event")
        verbose_name_plural = _("disposal events")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_status or '-'} → {self.to_status or self.action}"


class RoundStatus(models.TextChoices):
    OPEN = "open", _("Open for bids")
    SOLD = "sold", _("Sold")
    FAILED = "failed", _("Failed (流拍)")
    CANCELLED = "cancelled", pgettext_lazy("called off", "Cancelled")


class AuctionRound(models.Model):
    case = models.ForeignKey(DisposalCase, on_delete=models.CASCADE, related_name="rounds")
    number = models.PositiveSmallIntegerField(_("round"))
    reserve_price = _money(_("reserve price (yuan)"))
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=16, choices=RoundStatus.choices, default=RoundStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        ordering = ["case", "number"]
        verbose_name = _("auction round")
        verbose_name_plural = _("auction rounds")
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="disposal_round_number_once"),
            models.UniqueConstraint(
                fields=["case"], condition=Q(status="open"), name="disposal_round_one_open_per_case"
            ),
            models.CheckConstraint(condition=Q(reserve_price__gt=0), name="disposal_round_reserve_positive"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="disposal_round_period"
            ),
        ]
        indexes = [
            # The sweep reads open rounds by end time.
            models.Index(fields=["ends_at", "id"], name="disposal_round_open_due", condition=Q(status="open"))
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.number}"


class Bidder(models.Model):
    """Someone registered to bid on a case: a portal user (enterprise or institution), or an outside bidder
    the pledgee registered by name (its bids are entered by the pledgee)."""

    case = models.ForeignKey(DisposalCase, on_delete=models.CASCADE, related_name="bidders")
    number = models.PositiveSmallIntegerField(_("bidder number"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="disposal_bids",
    )
    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    deposit_paid = models.BooleanField(_("deposit paid"), default=False)
    registered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        ordering = ["case", "number"]
        verbose_name = _("bidder")
        verbose_name_plural = _("bidders")
        constraints = [
            models.UniqueConstraint(fields=["case", "number"], name="disposal_bidder_number_once"),
            models.UniqueConstraint(
                fields=["case", "user"], condition=Q(user__isnull=False), name="disposal_bidder_user_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} #{self.number} {self.name}"

    @property
    def is_outside(self) -> bool:
        return self.user_id is None


class Bid(models.Model):
    round = models.ForeignKey(AuctionRound, on_delete=models.CASCADE, related_name="bids")
    bidder = models.ForeignKey(Bidder, on_delete=models.PROTECT, related_name="bids")
    amount = _money(_("amount (yuan)"))
    placed_at = models.DateTimeField(_("placed at"))
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        # The order that decides a round: highest amount, then the earlier bid, then the lower id.
        ordering = ["round", "-amount", "placed_at", "pk"]
        verbose_name = _("bid")
        verbose_name_plural = _("bids")
        indexes = [models.Index(fields=["round", "-amount", "placed_at", "id"], name="disposal_bid_rank")]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=Decimal("0.01")), name="disposal_bid_min")
        ]

    def __str__(self) -> str:
        return f"{self.round_id}: {self.amount}"


class Proceeds(models.Model):
    """Money the pledgee received from the deal; ``recovery`` is the riskcomp recovery it became, if the
    loan had a paid compensation claim when it was recorded."""

    case = models.ForeignKey(DisposalCase, on_delete=models.CASCADE, related_name="proceeds")
    amount = _money(_("amount received (yuan)"))
    received_on = models.DateField(_("received on"))
    note = models.TextField(_("note"), blank=True)
    recovery = models.OneToOneField(
        "riskcomp.Recovery", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["case", "received_on", "pk"]
        verbose_name = _("proceeds")
        verbose_name_plural = _("proceeds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="disposal_proceeds_positive")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.amount}"
