"""The IP register and pledge registrations on the clock (domain.md §2.1, §4.3).

A registration case moves only through ``TRANSITIONS`` (applied by ``services.registration_transition``),
and every move writes a ``RegistrationEvent``. The SLA clock starts at acceptance and restarts when a
correction is cured; the due date is stored with the explanation of every skipped day.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import Organisation, OrgKind, Role
from portal.identifiers.patent import PatentType
from portal.policy.models import Channel, DayBasis, IpKind


class LegalStatus(models.TextChoices):
    PENDING = "pending", _("Application, not yet granted")
    IN_FORCE = "in_force", pgettext_lazy("legal status", "In force")
    FEE_GRACE = "fee_grace", _("Annual fee in grace period")
    TERMINATED = "terminated", _("Terminated")
    INVALIDATION_REQUESTED = "invalidation_requested", _("Invalidation requested")
    INVALIDATED = "invalidated", _("Invalidated")
    EXPIRED = "expired", _("Expired")
    PRESERVED = "preserved", _("Preserved by a court")


class IpAsset(models.Model):
    """One patent, trademark (in one Nice class), copyright or data-IP certificate."""

    owner = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="ip_assets", verbose_name=_("owner")
    )
    kind = models.CharField(_("IP kind"), max_length=16, choices=IpKind.choices)
    number = models.CharField(
        _("number"), max_length=64, help_text=_("Patent number, trademark or copyright registration number.")
    )
    title = models.CharField(_("title"), max_length=300)
    patent_type = models.CharField(_("patent type"), max_length=24, choices=PatentType.choices, blank=True)
    filing_date = models.DateField(_("filing date"), null=True, blank=True)
    grant_date = models.DateField(_("grant or registration date"), null=True, blank=True)
    annual_fee_paid_through = models.DateField(
        _("annual fee paid through"),
        null=True,
        blank=True,
        help_text=_("The last day covered by the annual fees paid (patents)."),
    )
    nice_class = models.PositiveSmallIntegerField(_("Nice class"), null=True, blank=True)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Trademarks and data IP: the end of the term.")
    )
    legal_status = models.CharField(
        _("legal status"), max_length=32, choices=LegalStatus.choices, default=LegalStatus.IN_FORCE
    )
    legal_status_since = models.DateField(_("legal status since"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "number"]
        verbose_name = _("IP asset")
        verbose_name_plural = _("IP assets")
        constraints = [
            models.UniqueConstraint(fields=["kind", "number"], name="ip_asset_unique_number"),
            models.CheckConstraint(
                condition=models.Q(nice_class__isnull=True) | models.Q(nice_class__gte=1, nice_class__lte=45),
                name="ip_asset_nice_class_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number} {self.title}"


class AssetHolder(models.Model):
    """Every right holder of an asset; co-owned assets need each co-owner's consent to be pledged."""

    asset = models.ForeignKey(
        IpAsset, on_delete=models.CASCADE, related_name="holders", verbose_name=_("asset")
    )
    name = models.CharField(_("name"), max_length=200)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, verbose_name=_("organisation")
    )
    is_primary = models.BooleanField(_("primary holder"), default=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("right holder")
        verbose_name_plural = _("right holders")
        constraints = [models.UniqueConstraint(fields=["asset", "name"], name="asset_holder_unique_name")]

    def __str__(self) -> str:
        return self.name


class LegalStatusEvent(models.Model):
    """A legal-status fact from the feed (or staff), kept as evidence even after the asset moves on."""

    asset = models.ForeignKey(
        IpAsset, on_delete=models.CASCADE, related_name="status_events", verbose_name=_("asset")
    )
    status = models.CharField(_("new legal status"), max_length=32, choices=LegalStatus.choices)
    occurred_on = models.DateField(_("occurred on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("source"), max_length=200, help_text=_("Feed file and line, or 'staff'."))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        verbose_name=_("recorded by"),
    )

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("legal-status event")
        verbose_name_plural = _("legal-status events")
        # Importing the same feed twice records each fact once.
        constraints = [
            models.UniqueConstraint(fields=["asset", "status", "occurred_on"], name="legal_event_unique_fact")
        ]

    def __str__(self) -> str:
        return f"{self.asset.number} {self.get_status_display()} {self.occurred_on}"


class RegistrationKind(models.TextChoices):
    PLEDGE = "pledge", _("Pledge registration")
    CHANGE = "change", pgettext_lazy("filing kind", "Change")
    CANCELLATION = "cancellation", _("Cancellation")
    EXTENSION = "extension", _("Term extension (trademark)")


class RefusalReason(models.TextChoices):
    """The grounds for refusal of a patent pledge (domain.md §2.1.1, [V-5])."""

    PLEDGOR_NOT_REGISTERED_OWNER = (
        "pledgor_not_registered_owner",
        _("The pledgor is not the registered holder"),
    )
    PATENT_TERMINATED_OR_INVALIDATED = "patent_terminated_or_invalidated", _("Terminated or invalidated")
    NOT_YET_GRANTED = "not_yet_granted", _("Not yet granted")
    ANNUAL_FEE_UNPAID = "annual_fee_unpaid", _("Annual fee unpaid or in the grace period")
    SUSPENDED_OR_PRESERVED = "suspended_or_preserved", _("Suspended by a dispute or preserved by a court")
    DEBT_TERM_EXCEEDS_PATENT_TERM = "debt_term_exceeds_patent_term", _("The debt runs past the IP's term")
    CONTRACT_NONCOMPLIANT = "contract_noncompliant", _("The pledge contract lacks required content")
    CO_OWNER_CONSENT_MISSING = "co_owner_consent_missing", _("A co-owner's consent is missing")
    ALREADY_PLEDGED = "already_pledged_and_in_pledge_period", _("Already pledged")
    SAME_DAY_UM_AND_INVENTION = (
        "same_day_um_and_invention",
        _("Same-day utility model and invention filings (waivable)"),
    )
    INVALIDATION_PROCEEDING_STARTED = (
        "invalidation_proceeding_started",
        _("Invalidation requested (waivable)"),
    )
    EXPIRED = "expired", _("The IP's term has ended")
    OTHER = "other", _("Other")


# The two grounds the parties may waive after being told (domain.md §2.1.1, items 10 and 11).
WAIVABLE_REASONS = frozenset(
    {RefusalReason.SAME_DAY_UM_AND_INVENTION, RefusalReason.INVALIDATION_PROCEEDING_STARTED}
)


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_PLEDGEE = "awaiting_pledgee", _("Waiting for the pledgee's confirmation")
    SUBMITTED = "submitted", _("Submitted")
    PRECHECK = "precheck", _("Pre-check by the commissioner")
    NEEDS_CORRECTION = "needs_correction", _("Needs correction")
    CORRECTED = "corrected", _("Corrected")
    ACCEPTED = "accepted", _("Accepted")
    UNDER_REVIEW = "under_review", _("Under review")
    REGISTERED = "registered", _("Registered")
    REFUSED = "refused", _("Refused")
    CHANGED = "changed", _("Changed")
    CANCELLED = "cancelled", _("Cancelled")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_USER, Role.ORG_ADMIN})
PLEDGEE_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER, Role.INSTITUTION_OFFICER})
# Only banks and guarantors hold pledges (domain.md §1); an insurer's officer shares the role, not the right.
PLEDGEE_KINDS = frozenset({OrgKind.BANK, OrgKind.GUARANTOR})
OFFICE_ROLES = frozenset({Role.COMMISSIONER, Role.REGISTRATION_SUPERVISOR})
SYSTEM = "system"  # moves made by the portal itself (a change or cancellation case being registered)

# Which move is allowed and who may make it (architecture.md §3.1). Party checks (the enterprise is the
# pledgor, the bank the pledgee, the commissioner of the office) are made by permissions.py.
TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    Status.DRAFT: {
        Status.AWAITING_PLEDGEE: ENTERPRISE_ROLES,
        Status.SUBMITTED: OFFICE_ROLES,  # a window filing entered by the commissioner for the parties
        Status.WITHDRAWN: ENTERPRISE_ROLES | OFFICE_ROLES,
    },
    Status.AWAITING_PLEDGEE: {
        Status.SUBMITTED: PLEDGEE_ROLES,
        Status.DRAFT: ENTERPRISE_ROLES | PLEDGEE_ROLES,  # taken back, or sent back by the pledgee
        Status.WITHDRAWN: ENTERPRISE_ROLES,
    },
    Status.SUBMITTED: {Status.PRECHECK: OFFICE_ROLES},
    Status.PRECHECK: {
        Status.NEEDS_CORRECTION: OFFICE_ROLES,
        Status.ACCEPTED: OFFICE_ROLES,
        Status.REFUSED: OFFICE_ROLES,
    },
    Status.NEEDS_CORRECTION: {
        Status.CORRECTED: ENTERPRISE_ROLES | PLEDGEE_ROLES | OFFICE_ROLES,
        Status.WITHDRAWN: ENTERPRISE_ROLES,
    },
    Status.CORRECTED: {
        Status.NEEDS_CORRECTION: OFFICE_ROLES,
        Status.ACCEPTED: OFFICE_ROLES,
    },
    Status.ACCEPTED: {
        Status.UNDER_REVIEW: OFFICE_ROLES,
        Status.NEEDS_CORRECTION: OFFICE_ROLES,
    },
    Status.UNDER_REVIEW: {
        Status.REGISTERED: OFFICE_ROLES,
        Status.REFUSED: OFFICE_ROLES,
        Status.NEEDS_CORRECTION: OFFICE_ROLES,
    },
    Status.REGISTERED: {Status.CHANGED: frozenset({SYSTEM}), Status.CANCELLED: frozenset({SYSTEM})},
    Status.CHANGED: {Status.CHANGED: frozenset({SYSTEM}), Status.CANCELLED: frozenset({SYSTEM})},
    Status.REFUSED: {},
    Status.CANCELLED: {},
    Status.WITHDRAWN: {},
}

# Cases the office is working on: the SLA sweep and the workbench look only at these.
OPEN_STATUSES = frozenset(
    {
        Status.SUBMITTED,
        Status.PRECHECK,
        Status.NEEDS_CORRECTION,
        Status.CORRECTED,
        Status.ACCEPTED,
        Status.UNDER_REVIEW,
    }
)
# Statuses in which the SLA clock runs (it stops while the parties cure a defect).
CLOCK_RUNNING = frozenset({Status.ACCEPTED, Status.UNDER_REVIEW})
# An asset is pledged while a pledge registration over it stands in one of these.
PLEDGED_STATUSES = frozenset({Status.REGISTERED, Status.CHANGED})
FINAL_STATUSES = frozenset(
    {Status.REGISTERED, Status.REFUSED, Status.CANCELLED, Status.WITHDRAWN, Status.CHANGED}
)


class PledgeRegistration(models.Model):
    reference = models.CharField(_("case number"), max_length=20, unique=True)
    kind = models.CharField(_("filing kind"), max_length=16, choices=RegistrationKind.choices)
    ip_kind = models.CharField(_("IP kind"), max_length=16, choices=IpKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=24, choices=Status.choices, default=Status.DRAFT)
    pledgor = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="registrations_as_pledgor",
        verbose_name=_("pledgor"),
    )
    pledgee = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="registrations_as_pledgee",
        verbose_name=_("pledgee"),
    )
    original = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("original registration"),
        help_text=_("For a change, cancellation or extension: the registration it applies to."),
    )
    assets = models.ManyToManyField(IpAsset, through="RegistrationAsset", verbose_name=_("pledged assets"))
    debt_amount = models.DecimalField(_("secured debt (yuan)"), max_digits=14, decimal_places=2)
    debt_start = models.DateField(_("debt term starts"))
    debt_end = models.DateField(_("debt term ends"))
    # Facts of the request form that decide which materials the checklist asks for (checklists.py).
    valued = models.BooleanField(_("the IP was valued"), default=False)
    via_agent = models.BooleanField(_("an agent files for the parties"), default=False)
    commissioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registrations_commissioned",
        verbose_name=_("service commissioner"),
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    # The SLA clock (domain.md §2.1.4): starts at acceptance, restarts from the day a defect is cured.
    clock_started_on = models.DateField(_("clock started on"), null=True, blank=True)
    sla_days = models.PositiveSmallIntegerField(_("service time (days)"), null=True, blank=True)
    sla_basis = models.CharField(_("counted in"), max_length=16, choices=DayBasis.choices, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    due_provisional = models.BooleanField(_("due date provisional"), default=False)
    due_explanation = models.JSONField(_("skipped days"), default=list, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    breached = models.BooleanField(_("completed late"), null=True, blank=True)
    notice_number = models.CharField(_("registration notice number"), max_length=64, blank=True)
    registered_on = models.DateField(_("registered on"), null=True, blank=True)
    refusal_reasons = models.JSONField(_("refusal reasons"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("pledge registration")
        verbose_name_plural = _("pledge registrations")
        constraints = [
            models.CheckConstraint(condition=models.Q(debt_amount__gt=0), name="registration_debt_positive"),
            models.CheckConstraint(
                condition=models.Q(debt_end__gte=models.F("debt_start")), name="registration_debt_term"
            ),
        ]
        indexes = [
            # The workbench and the sweep read open cases by due date; history never enters these.
            models.Index(
                fields=["commissioner", "due_date", "id"],
                name="registration_open_queue",
                condition=models.Q(
                    status__in=[
                        "submitted",
                        "precheck",
                        "needs_correction",
                        "corrected",
                        "accepted",
                        "under_review",
                    ]
                ),
            ),
            models.Index(
                fields=["due_date", "id"],
                name="registration_open_due",
                condition=models.Q(
                    status__in=[
                        "submitted",
                        "precheck",
                        "needs_correction",
                        "corrected",
                        "accepted",
                        "under_review",
                    ]
                ),
            ),
            models.Index(fields=["pledgor", "-created_at"], name="registration_pledgor"),
            models.Index(fields=["pledgee", "-created_at"], name="registration_pledgee"),
            # Search: a bank's registrations of the enterprises a name matches (bench pages).
            models.Index(fields=["pledgor", "pledgee"], name="registration_pledgor_pledgee"),
            # A bank's home: its filings waiting in one status, longest waiting first (bench pages).
            models.Index(
                fields=["pledgee", "status", "updated_at", "id"], name="registration_pledgee_waiting"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class RegistrationAsset(models.Model):
    registration = models.ForeignKey(PledgeRegistration, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey(IpAsset, on_delete=models.PROTECT, related_name="registration_links")
    co_owner_consent = models.BooleanField(
        _("all co-owners consent"),
        default=False,
        help_text=_("Needed when the asset has more than one holder."),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "asset"], name="registration_asset_unique")
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}:{self.asset_id}"


class Waiver(models.Model):
    """Both parties confirm a waivable refusal ground after being told of it; recorded per party."""

    registration = models.ForeignKey(PledgeRegistration, on_delete=models.CASCADE, related_name="waivers")
    reason = models.CharField(_("ground"), max_length=48, choices=RefusalReason.choices)
    party = models.ForeignKey(Organisation, on_delete=models.PROTECT, verbose_name=_("party"))
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["registration", "reason", "party"], name="waiver_unique_party"),
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.party}"


class RegistrationEvent(models.Model):
    """One row per move (and per reassignment or clock restart): who, when, from, to, why."""

    registration = models.ForeignKey(PledgeRegistration, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    from_status = models.CharField(_("from"), max_length=24, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=24, choices=Status.choices, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("registration event")
        verbose_name_plural = _("registration events")

    def __str__(self) -> str:
        return f"{self.from_status} -> {self.to_status}"


class Material(models.Model):
    """An uploaded document for one checklist item; stored under a generated name."""

    registration = models.ForeignKey(PledgeRegistration, on_delete=models.CASCADE, related_name="materials")
    item = models.CharField(_("checklist item"), max_length=48)
    file = models.FileField(_("file"), upload_to="registrations/%Y/%m/")
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    # The commissioner's tick: None = not checked yet, True = fine, False = needs correction.
    accepted = models.BooleanField(_("accepted"), null=True, blank=True)
    comment = models.CharField(_("commissioner's comment"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["item", "-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.item}: {self.original_name}"


class ContactKind(models.TextChoices):
    CALL = "call", _("Phone call")
    VISIT = "visit", _("Visit")
    MESSAGE = "message", _("Message")


class ContactLog(models.Model):
    registration = models.ForeignKey(PledgeRegistration, on_delete=models.CASCADE, related_name="contacts")
    kind = models.CharField(_("kind"), max_length=16, choices=ContactKind.choices)
    note = models.TextField(_("note"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class ReminderPoint(models.TextChoices):
    HALF_TIME = "half_time", _("Half the service time used")
    DUE_TODAY = "due_today", _("Due today")
    OVERDUE = "overdue", _("Overdue")
    ESCALATED = "escalated", _("Escalated to the supervisor")


class SlaReminder(models.Model):
    """A reminder owed for one clock run of a case; ``sent_at`` is claimed by a conditional UPDATE.

    Created when the clock starts (one row per configured point) so the sweep only reads open cases'
    pending rows, and two sweeps racing for one row send it once.
    """

    registration = models.ForeignKey(PledgeRegistration, on_delete=models.CASCADE, related_name="reminders")
    point = models.CharField(_("point"), max_length=16, choices=ReminderPoint.choices)
    clock_started_on = models.DateField()
    due_on = models.DateField(_("send on"))
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "point", "clock_started_on"], name="sla_reminder_once_per_clock"
            )
        ]
        indexes = [
            models.Index(
                fields=["due_on", "id"], name="sla_reminder_pending", condition=models.Q(sent_at__isnull=True)
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.point} {self.due_on}"


class ReferenceCounter(models.Model):
    """The last case-number sequence used in a year; its row is locked while a number is drawn."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"
