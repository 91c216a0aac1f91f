"""Financing demand pool (融资项目需求库) and park events (入园惠企), issue 9 (domain.md §2.8).

A ``Demand`` is an enterprise's financing need. The enterprise posts it, or a park administrator collects it
on the enterprise's behalf (it then waits for the enterprise to confirm). An open need that the enterprise
agreed to share is visible to every bank; one bank claims it for an exclusive contact period of
``demand_claim_working_days`` working days (``DemandClaim``, ``claim_until`` on the working-day calendar),
logs its contacts (``Contact``) and records an outcome: credit granted, a loan, or declined with a reason.

The claim rule: a claim with **at least one contact logged by ``claim_until``** is "worked" and keeps the
need until the bank records an outcome (or hands it back); a claim with **no contact by the end of
``claim_until``** is released by ``demand_sweep`` the next day and the need is open to every bank again.
A contact extends nothing: the period is fixed when the claim is made. An open need expires
``demand_expiry_days`` after it opened (``expires_on``). Every move follows ``DEMAND_TRANSITIONS`` and writes
a ``DemandEvent``.

An ``Event`` (policy briefing, training, salon, roadshow, bank-enterprise matchmaking) is published by a
park administration or the promotion centre; enterprises' users and bank staff register (``Registration``,
one per user, capacity held by a conditional update of ``registered_count``), are checked in on the day, and
each ``Match`` recorded there becomes a demand-pool follow-up: a need of source "event" already claimed by
the matched bank, worked like any other claim. Event moves follow ``EVENT_TRANSITIONS`` and write an
``EventLog`` (the history rows of an event; "EventEvent" would read as a typo).
"""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import Organisation, Role

ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_USER, Role.ORG_ADMIN})
BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER})
ORGANISER_ROLES = frozenset({Role.PARK_ADMIN, Role.PROMOTION_OFFICER})
SYSTEM = "system"


def _money(verbose_name, **extra):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **extra)


# --- The demand pool ---------------------------------------------------------------------------------------


class DemandStatus(models.TextChoices):
    AWAITING_CONFIRMATION = "awaiting_confirmation", _("Awaiting the enterprise's confirmation")
    OPEN = "open", _("Open in the pool")
    CLAIMED = "claimed", _("Claimed by a bank")
    CREDIT_GRANTED = "credit_granted", _("Credit granted")
    LOAN = "loan", _("Loan granted")
    DECLINED = "declined", _("Declined by the bank")
    NOT_CONFIRMED = "not_confirmed", _("Declined by the enterprise")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class DemandSource(models.TextChoices):
    ENTERPRISE = "enterprise", _("Posted by the enterprise")
    PARK = "park", _("Collected by the park")
    EVENT = "event", _("Matched at an event")


_D = DemandStatus
# Who may move a need where (the actor's role; "system" is the hourly sweep). The service checks on top that
# the actor acts for the need's enterprise, or for the claiming bank, or for the event that matched it.
DEMAND_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    _D.AWAITING_CONFIRMATION: {_D.OPEN: ENTERPRISE_ROLES, _D.NOT_CONFIRMED: ENTERPRISE_ROLES},
    _D.OPEN: {
        # Organisers claim only through a match recorded at their event, on the matched bank's behalf.
        _D.CLAIMED: BANK_ROLES | ORGANISER_ROLES,
        _D.WITHDRAWN: ENTERPRISE_ROLES,
        _D.EXPIRED: frozenset({SYSTEM}),
    },
    _D.CLAIMED: {
        _D.OPEN: BANK_ROLES | {SYSTEM},  # the bank hands it back, or the sweep releases an unworked claim
        _D.CREDIT_GRANTED: BANK_ROLES,
        _D.LOAN: BANK_ROLES,
        _D.DECLINED: BANK_ROLES,
        _D.WITHDRAWN: ENTERPRISE_ROLES,
    },
    _D.CREDIT_GRANTED: {_D.LOAN: BANK_ROLES},
    _D.LOAN: {},
    _D.DECLINED: {},
    _D.NOT_CONFIRMED: {},
    _D.WITHDRAWN: {},
    _D.EXPIRED: {},
}
CLOSED_DEMAND_STATUSES = frozenset(
    {_D.CREDIT_GRANTED, _D.LOAN, _D.DECLINED, _D.NOT_CONFIRMED, _D.WITHDRAWN, _D.EXPIRED}
)


class DeclineReason(models.TextChoices):
    INSUFFICIENT_IP_VALUE = "ip_value", _("The IP offered is not worth enough")
    IP_LEGAL_STATUS = "ip_status", _("The IP's legal status does not allow a pledge")
    CREDIT_RECORD = "credit", _("Credit record")
    FINANCIALS = "financials", _("Revenue or financial position too weak")
    NO_MATCHING_PRODUCT = "no_product", _("No product fits the amount or term")
    ENTERPRISE_NOT_INTERESTED = "not_interested", _("The enterprise no longer needs the financing")
    OTHER = "other", _("Other")


class Demand(models.Model):
    """One financing need. See the module docstring for the claim rule (a claim is kept by at least one
    contact logged within its period, released by the sweep without one)."""

    reference = models.CharField(_("need number"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="financing_needs"
    )
    source = models.CharField(
        _("source"), max_length=16, choices=DemandSource.choices, default=DemandSource.ENTERPRISE
    )
    event = models.ForeignKey(
        "Event", verbose_name=_("event"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = _money(_("amount sought (yuan)"))
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    purpose = models.TextField(_("intended use"))
    ip_assets = models.ManyToManyField(
        "pledges.IpAsset", verbose_name=_("IP offered"), blank=True, related_name="financing_needs"
    )
    ip_note = models.TextField(_("notes on the IP offered"), blank=True)
    preferred_banks = models.ManyToManyField(
        Organisation, verbose_name=_("preferred banks"), blank=True, related_name="preferred_in_needs"
    )
    consent = models.BooleanField(_("shared with banks"), default=False)
    consent_at = models.DateTimeField(_("shared at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=24, choices=DemandStatus.choices, default=_D.OPEN)
    posted_on = models.DateField(_("posted on"))
    opened_on = models.DateField(_("opened on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    # The current claim, denormalised so the pool's "one bank at a time" is one conditional update.
    bank = models.ForeignKey(
        Organisation,
        verbose_name=_("claimed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="claimed_needs",
    )
    claim_until = models.DateField(_("exclusive until"), null=True, blank=True)
    credit_amount = _money(_("credit granted (yuan)"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason declined"), max_length=16, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("explanation"), blank=True)
    loan = models.ForeignKey(
        "loans.Loan",
        verbose_name=_("loan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("financing need")
        verbose_name_plural = _("financing needs")
        indexes = [
            models.Index(fields=["status", "consent", "-id"], name="mm_demand_pool"),
            models.Index(fields=["enterprise", "-id"], name="mm_demand_enterprise"),
            models.Index(fields=["status", "claim_until"], name="mm_demand_claim_until"),
            models.Index(fields=["status", "expires_on"], name="mm_demand_expires"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="mm_demand_amount_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="mm_demand_term_positive"),
            # A claimed need has exactly its bank and period; any other has neither.
            models.CheckConstraint(
                condition=(Q(status="claimed") & Q(bank__isnull=False) & Q(claim_until__isnull=False))
                | (~Q(status="claimed") & Q(claim_until__isnull=True)),
                name="mm_demand_claim_consistent",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ClaimEnd(models.TextChoices):
    CREDIT_GRANTED = "credit_granted", _("Credit granted")
    LOAN = "loan", _("Loan granted")
    DECLINED = "declined", _("Declined")
    RELEASED = "released", _("Released: no contact within the period")
    HANDED_BACK = "handed_back", _("Handed back by the bank")
    WITHDRAWN = "withdrawn", _("Withdrawn by the enterprise")


class DemandClaim(models.Model):
    """One bank's exclusive period on a need; the need's history of claims (released ones included)."""

    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="claims")
    bank = models.ForeignKey(
        Organisation, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="need_claims"
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("claimed by"), on_delete=models.PROTECT, related_name="+"
    )
    claimed_on = models.DateField(_("claimed on"))
    claim_until = models.DateField(_("exclusive until"))
    via_event = models.ForeignKey(
        "Event",
        verbose_name=_("matched at"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    ended = models.CharField(_("ended"), max_length=16, choices=ClaimEnd.choices, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    credit_amount = _money(_("credit granted (yuan)"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("claim on a need")
        verbose_name_plural = _("claims on needs")
        constraints = [
            # One live claim per need, whatever the services do.
            models.UniqueConstraint(fields=["demand"], condition=Q(ended=""), name="mm_claim_one_live"),
        ]

    def __str__(self) -> str:
        return f"{self.demand_id} · {self.bank_id}"


class ContactChannel(models.TextChoices):
    PHONE = "phone", _("Phone")
    VISIT = "visit", _("Visit")
    MEETING = "meeting", _("Meeting")
    ONLINE = "online", pgettext_lazy("mode", "Online")


class Contact(models.Model):
    claim = models.ForeignKey(DemandClaim, on_delete=models.CASCADE, related_name="contacts")
    contacted_on = models.DateField(_("date"))
    channel = models.CharField(_("channel"), max_length=16, choices=ContactChannel.choices)
    summary = models.TextField(_("summary"))
    next_step = models.TextField(_("next step"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["-contacted_on", "-pk"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return f"{self.contacted_on} {self.channel}"


class DemandEvent(models.Model):
    demand = models.ForeignKey(Demand, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the portal itself made the move."),
    )
    from_status = models.CharField(_("from"), max_length=24, choices=DemandStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=DemandStatus.choices, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.demand_id}: {self.from_status} → {self.to_status}"


# --- Events -------------------------------------------------------------------------------------------------


class EventKind(models.TextChoices):
    POLICY_BRIEFING = "policy_briefing", _("Policy briefing")
    TRAINING = "training", _("Training")
    SALON = "salon", _("Salon")
    ROADSHOW = "roadshow", _("Roadshow")
    MATCHMAKING = "matchmaking", _("Bank-enterprise matchmaking")


class EventStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Open for registration")
    CLOSED = "closed", _("Registration closed")
    HELD = "held", _("Held")
    CANCELLED = "cancelled", pgettext_lazy("called off", "Cancelled")


_E = EventStatus
EVENT_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    _E.DRAFT: {_E.PUBLISHED: ORGANISER_ROLES, _E.CANCELLED: ORGANISER_ROLES},
    _E.PUBLISHED: {_E.CLOSED: ORGANISER_ROLES, _E.HELD: ORGANISER_ROLES, _E.CANCELLED: ORGANISER_ROLES},
    _E.CLOSED: {_E.PUBLISHED: ORGANISER_ROLES, _E.HELD: ORGANISER_ROLES, _E.CANCELLED: ORGANISER_ROLES},
    _E.HELD: {},
    _E.CANCELLED: {},
}
PUBLIC_EVENT_STATUSES = frozenset({_E.PUBLISHED, _E.CLOSED, _E.HELD})


class Event(models.Model):
    organiser = models.ForeignKey(
        Organisation, verbose_name=_("organiser"), on_delete=models.PROTECT, related_name="organised_events"
    )
    kind = models.CharField(_("kind"), max_length=24, choices=EventKind.choices)
    title = models.CharField(_("title"), max_length=200)
    agenda = models.TextField(_("agenda"), blank=True)
    place = models.CharField(_("place"), max_length=200)
    park = models.ForeignKey(
        "accounts.Park", verbose_name=_("park"), null=True, blank=True, on_delete=models.PROTECT
    )
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    capacity = models.PositiveIntegerField(_("capacity"))
    registration_deadline = models.DateTimeField(_("registration deadline"))
    banks = models.ManyToManyField(
        Organisation, verbose_name=_("participating banks"), blank=True, related_name="events_attended"
    )
    products = models.ManyToManyField(
        "loans.Product", verbose_name=_("loan products presented"), blank=True, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=EventStatus.choices, default=_E.DRAFT)
    # Seats taken, moved only by conditional updates so concurrent registrations never overfill the event.
    registered_count = models.PositiveIntegerField(pgettext_lazy("sign up", "registered"), default=0)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["starts_at", "pk"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [models.Index(fields=["status", "starts_at"], name="mm_event_calendar")]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="mm_event_capacity_positive"),
            models.CheckConstraint(
                condition=Q(registered_count__lte=F("capacity")), name="mm_event_not_overfilled"
            ),
            models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")), name="mm_event_ends_after_start"),
            models.CheckConstraint(
                condition=Q(registration_deadline__lte=F("starts_at")), name="mm_event_deadline_before_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_full(self) -> bool:
        return self.registered_count >= self.capacity


class EventLog(models.Model):
    """The history rows of an event (the house's ``<Entity>Event``)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="log")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("from"), max_length=16, choices=EventStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=EventStatus.choices, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.from_status} → {self.to_status}"


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", pgettext_lazy("sign up", "Registered")
    CANCELLED = "cancelled", pgettext_lazy("called off", "Cancelled")


class Registration(models.Model):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=16, choices=RegistrationStatus.choices, default=RegistrationStatus.REGISTERED
    )
    registered_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["event", "registered_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # One registration per user per event; cancelling and registering again reuses the row.
            models.UniqueConstraint(fields=["event", "user"], name="mm_registration_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} · {self.user_id}"


class Match(models.Model):
    """An enterprise and a participating bank paired at an event; followed up as a claimed need."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="matches")
    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="+"
    )
    bank = models.ForeignKey(Organisation, verbose_name=_("bank"), on_delete=models.PROTECT, related_name="+")
    demand = models.ForeignKey(
        Demand, verbose_name=_("need"), on_delete=models.PROTECT, related_name="matches"
    )
    note = models.TextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["event", "pk"]
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        constraints = [
            models.UniqueConstraint(fields=["event", "enterprise", "bank"], name="mm_match_once_per_pair"),
        ]

    def __str__(self) -> str:
        return f"{self.event_id}: {self.enterprise_id} × {self.bank_id}"
