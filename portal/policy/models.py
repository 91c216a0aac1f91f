"""Year-versioned policy parameters, registration service times, the LPR history and their change log.

Every number here is data that staff edit in the admin: most of them are assumptions ([A]) or
unconfirmed background knowledge ([K]) in domain.md, and each batch year may get new numbers from a new
notice. Code reads them through ``portal.policy.selectors`` and never hard-codes them; writes go through
``portal.policy.services`` so each change lands in ``ParameterChange``.
"""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

ZERO = Decimal("0")
ONE = Decimal("1")


def _fraction_field(verbose_name, help_text=""):
    # Ratios and shares are fractions 0..1 with 4 places (0.5000 = 50 %), never floats.
    return models.DecimalField(
        verbose_name,
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(ZERO), MaxValueValidator(ONE)],
        help_text=help_text,
    )


def _money_field(verbose_name, help_text="", nullable=False):
    # Yuan with 2 places; 14 digits hold up to ~1 trillion yuan, far above any fund budget.
    return models.DecimalField(
        verbose_name,
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(ZERO)],
        null=nullable,
        blank=nullable,
        help_text=help_text,
    )


class ParameterSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")


class PolicyParameterSet(models.Model):
    """The policy numbers of one batch year (``batch_year`` in the quote APIs selects the set)."""

    year = models.PositiveSmallIntegerField(
        _("year"),
        unique=True,
        validators=[MinValueValidator(2000), MaxValueValidator(2100)],
        help_text=_("The batch year these numbers apply to."),
    )
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(
        _("notes and sources"),
        blank=True,
        help_text=_(
            "Which notice the numbers come from (with its address) and which values are assumptions."
        ),
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=ParameterSetStatus.choices,
        default=ParameterSetStatus.DRAFT,
        help_text=_("Only parameter sets in force are used by calculations and shown to users."),
    )
    sources = models.JSONField(
        _("source notes per value"),
        default=dict,
        blank=True,
        help_text=_("Maps a parameter's field name to the note saying where its value comes from."),
    )

    # Interest subsidy (domain.md §2.4).
    interest_ratio = _fraction_field(
        _("interest subsidy ratio"), _("Share of the eligible interest paid back.")
    )
    lpr_markup = _fraction_field(
        _("LPR markup"),
        _("The rate counts as at most LPR × (1 + markup); 0.4000 means LPR × 1.4."),
    )
    interest_cap_per_enterprise = _money_field(
        _("interest subsidy cap per enterprise (yuan)"), _("Per enterprise per batch year, inclusive.")
    )
    interest_min_ip_share = _fraction_field(
        _("minimum IP share (interest subsidy)"),
        _("Combination loans whose IP share is below this are not eligible."),
    )
    settlement_window_start = models.DateField(
        _("settlement window start"),
        blank=True,
        help_text=_(
            "First settlement date covered by the batch. Leave empty for 1 January of the previous year."
        ),
    )
    settlement_window_end = models.DateField(
        _("settlement window end"),
        blank=True,
        help_text=_(
            "Last settlement date covered by the batch. Leave empty for 31 December of the previous year."
        ),
    )
    pledge_must_precede_settlement = models.BooleanField(
        _("pledge registered no later than settlement"),
        help_text=_("The pledge must be registered on or before the loan's settlement date."),
    )

    # Evaluation-fee and guarantee-fee subsidy (domain.md §2.5).
    fee_ratio = _fraction_field(_("fee subsidy ratio"))
    fee_cap_per_enterprise = _money_field(
        _("fee subsidy cap per enterprise (yuan)"), _("Per enterprise per batch year, inclusive.")
    )
    fee_insurance_eligible = models.BooleanField(
        _("insurance premiums count as fees"),
        help_text=_("Whether guarantee-insurance premiums count among the subsidised costs."),
    )

    # Risk compensation (domain.md §2.6).
    riskcomp_rate = _fraction_field(
        _("risk compensation rate"), _("Share of each participant's loss base the fund pays.")
    )
    riskcomp_per_loan_cap = _money_field(_("risk compensation cap per loan (yuan)"))
    riskcomp_min_ip_share = _fraction_field(_("minimum IP share (risk compensation)"))
    riskcomp_claim_window_months = models.PositiveSmallIntegerField(
        _("claim window (months)"),
        validators=[MinValueValidator(1)],
        help_text=_("A claim may be filed from the non-performing date until this many months after it."),
    )
    riskcomp_per_institution_annual_cap = _money_field(
        _("risk compensation cap per institution per year (yuan)"),
        _("Leave empty while no cap is set."),
        nullable=True,
    )
    riskcomp_fund_annual_budget = _money_field(
        _("risk compensation fund budget per year (yuan)"),
        _("Leave empty while no budget is set."),
        nullable=True,
    )

    # Whitelist (domain.md §2.2).
    whitelist_feedback_working_days = models.PositiveSmallIntegerField(
        _("whitelist feedback time (working days)"),
        validators=[MinValueValidator(1)],
        help_text=_("Banks give feedback on each pushed enterprise within this many working days."),
    )

    # Loans (issue 4): the bank's own four-eyes rule on approvals.
    loan_second_approval_above = _money_field(
        _("loan approvals needing a second approver: above (yuan)"),
        _("A bank officer's approval of a larger amount waits for a second person at the bank."),
    )

    # Financing demand pool (issue 9, domain.md §2.8).
    demand_expiry_days = models.PositiveSmallIntegerField(
        _("financing needs expire after (days)"),
        validators=[MinValueValidator(1)],
        help_text=_("An open financing need nobody has served closes as expired after this many days."),
    )
    demand_claim_working_days = models.PositiveSmallIntegerField(
        _("exclusive contact period of a claimed need (working days)"),
        validators=[MinValueValidator(1)],
        help_text=_("A bank that claims a need has it to itself this long; unworked, the claim is released."),
    )

    # Satisfaction ratings (issue 9, domain.md §2.9).
    rating_reminder_days = models.PositiveSmallIntegerField(
        _("reminder to rate after (days)"),
        validators=[MinValueValidator(1)],
        help_text=_("An invitation to rate still unanswered after this many days is reminded once."),
    )
    rating_callback_working_days = models.PositiveSmallIntegerField(
        _("callback after a bad rating within (working days)"),
        validators=[MinValueValidator(1)],
    )
    rating_rectification_days = models.PositiveSmallIntegerField(
        _("rectification after a bad rating within (days)"),
        validators=[MinValueValidator(1)],
    )

    # Disposal of pledged IP (issue 9, domain.md §2.7).
    auction_reserve_step = _fraction_field(
        _("reserve price reduction after a failed auction round"),
        _("0.2000 lowers the reserve by a fifth of the previous round's reserve."),
    )
    auction_max_reductions = models.PositiveSmallIntegerField(
        _("most reserve reductions per auction"),
        validators=[MaxValueValidator(10)],
        help_text=_("After this many failed reduced rounds the auction ends unsold."),
    )

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["year"]
        verbose_name = _("policy parameter set")
        verbose_name_plural = _("policy parameter sets")
        constraints = [
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__gte": ZERO, f"{name}__lte": ONE}),
                    name=f"policy_set_{name}_0_1",
                    violation_error_message=_("Ratios and shares must lie between 0 and 1."),
                )
                for name in (
                    "interest_ratio",
                    "lpr_markup",
                    "interest_min_ip_share",
                    "fee_ratio",
                    "riskcomp_rate",
                    "riskcomp_min_ip_share",
                    "auction_reserve_step",
                )
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__gte": ZERO}),
                    name=f"policy_set_{name}_gte_0",
                    violation_error_message=_("Caps and budgets cannot be negative."),
                )
                for name in ("interest_cap_per_enterprise", "fee_cap_per_enterprise", "riskcomp_per_loan_cap")
            ),
            *(
                models.CheckConstraint(
                    condition=models.Q(**{f"{name}__isnull": True}) | models.Q(**{f"{name}__gte": ZERO}),
                    name=f"policy_set_{name}_gte_0",
                    violation_error_message=_("Caps and budgets cannot be negative."),
                )
                for name in ("riskcomp_per_institution_annual_cap", "riskcomp_fund_annual_budget")
            ),
            models.CheckConstraint(
                condition=models.Q(settlement_window_end__gte=models.F("settlement_window_start")),
                name="policy_set_settlement_window_ordered",
                violation_error_message=_("The settlement window cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=models.Q(riskcomp_claim_window_months__gte=1),
                name="policy_set_claim_window_positive",
                violation_error_message=_("The claim window must be at least one month."),
            ),
            models.CheckConstraint(
                condition=models.Q(whitelist_feedback_working_days__gte=1),
                name="policy_set_whitelist_feedback_positive",
                violation_error_message=_("The whitelist feedback time must be at least one working day."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} · {self.title}"

    @property
    def is_in_force(self) -> bool:
        return self.status == ParameterSetStatus.IN_FORCE

    def clean(self) -> None:
        # Batch year N covers loans settled in calendar year N-1 ([V-1], [V-2]); staff override the
        # dates only when a notice says otherwise.
        if self.year:
            if self.settlement_window_start is None:
                self.settlement_window_start = date(self.year - 1, 1, 1)
            if self.settlement_window_end is None:
                self.settlement_window_end = date(self.year - 1, 12, 31)
        if not isinstance(self.sources, dict):
            raise ValidationError({"sources": _("Source notes must map parameter names to text.")})
        unknown = sorted(set(self.sources) - set(PARAMETER_FIELDS))
        if unknown:
            raise ValidationError(
                {"sources": _("Unknown parameters: %(names)s.") % {"names": ", ".join(unknown)}}
            )
        if any(not isinstance(note, str) for note in self.sources.values()):
            raise ValidationError({"sources": _("Source notes must be text.")})

    def source_for(self, field_name: str) -> str:
        return self.sources.get(field_name, "")


# The policy numbers proper, in display order and grouped as staff think of them. History, the admin
# form and the overview page all walk these lists, so a new parameter is added here once.
PARAMETER_GROUPS: list[tuple[str, object, tuple[str, ...]]] = [
    (
        "interest",
        _("Interest subsidy"),
        (
            "interest_ratio",
            "lpr_markup",
            "interest_cap_per_enterprise",
            "interest_min_ip_share",
            "settlement_window_start",
            "settlement_window_end",
            "pledge_must_precede_settlement",
        ),
    ),
    ("fee", _("Fee subsidy"), ("fee_ratio", "fee_cap_per_enterprise", "fee_insurance_eligible")),
    (
        "riskcomp",
        _("Risk compensation"),
        (
            "riskcomp_rate",
            "riskcomp_per_loan_cap",
            "riskcomp_min_ip_share",
            "riskcomp_claim_window_months",
            "riskcomp_per_institution_annual_cap",
            "riskcomp_fund_annual_budget",
        ),
    ),
    ("whitelist", _("Whitelist"), ("whitelist_feedback_working_days",)),
    ("loans", _("Loans"), ("loan_second_approval_above",)),
    ("matchmaking", _("Financing demand pool"), ("demand_expiry_days", "demand_claim_working_days")),
    (
        "ratings",
        _("Satisfaction ratings"),
        ("rating_reminder_days", "rating_callback_working_days", "rating_rectification_days"),
    ),
    ("disposal", _("Disposal of pledged IP"), ("auction_reserve_step", "auction_max_reductions")),
]
PARAMETER_FIELDS: tuple[str, ...] = tuple(name for _key, _label, names in PARAMETER_GROUPS for name in names)
# Fields a service may change on an existing set; the year is the set's identity and never changes.
EDITABLE_FIELDS: tuple[str, ...] = ("title", "notes", "status", *PARAMETER_FIELDS)


class IpKind(models.TextChoices):
    PATENT = "patent", _("Patent")
    TRADEMARK = "trademark", _("Trademark")
    COPYRIGHT = "copyright", _("Copyright")
    DATA_IP = "data_ip", _("Data IP")


class Channel(models.TextChoices):
    ONLINE = "online", _("Online")
    WINDOW = "window", _("Window (paper)")


class DayBasis(models.TextChoices):
    WORKING = "working", _("Working days")
    CALENDAR = "calendar", _("Calendar days (rolled to the next working day)")


class TargetKind(models.TextChoices):
    SERVICE_TARGET = "service_target", _("Service target")
    STATUTORY_LIMIT = "statutory_limit", _("Statutory limit")


class ServiceTime(models.Model):
    """How long a pledge registration may take, per IP kind and filing channel (domain.md §2.1)."""

    parameter_set = models.ForeignKey(
        PolicyParameterSet,
        on_delete=models.CASCADE,
        related_name="service_times",
        verbose_name=_("parameter set"),
    )
    ip_kind = models.CharField(_("IP kind"), max_length=16, choices=IpKind.choices)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices)
    target = models.CharField(_("kind of time"), max_length=16, choices=TargetKind.choices)
    days = models.PositiveSmallIntegerField(
        _("days"), validators=[MinValueValidator(1), MaxValueValidator(365)]
    )
    day_basis = models.CharField(_("counted in"), max_length=16, choices=DayBasis.choices)
    source = models.TextField(_("source note"), blank=True)

    class Meta:
        ordering = ["parameter_set", "ip_kind", "target", "channel"]
        verbose_name = _("registration service time")
        verbose_name_plural = _("registration service times")
        constraints = [
            models.UniqueConstraint(
                fields=["parameter_set", "ip_kind", "channel", "target"],
                name="policy_service_time_unique",
                violation_error_message=_("This parameter set already has this service time."),
            ),
            models.CheckConstraint(
                condition=models.Q(days__gte=1, days__lte=365),
                name="policy_service_time_days_range",
                violation_error_message=_("Service times run from 1 to 365 days."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_ip_kind_display()} · {self.get_channel_display()} · {self.get_target_display()}"

    @property
    def key(self) -> str:
        return f"{self.ip_kind}/{self.channel}/{self.target}"

    @property
    def history_field(self) -> str:
        return f"service_time:{self.key}"

    @property
    def value_text(self) -> str:
        """The value as the change history stores it: ``"3 working"``, ``"10 calendar"``."""
        return f"{self.days} {self.day_basis}"


class LprRate(models.Model):
    """One publication of the loan prime rate (domain.md §4.2); rates are percent per annum."""

    effective_date = models.DateField(_("effective date"), unique=True)
    one_year_pct = models.DecimalField(
        _("1-year LPR (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    five_year_pct = models.DecimalField(
        _("5-year and over LPR (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(ZERO), MaxValueValidator(Decimal("100"))],
    )
    source = models.URLField(_("source"), max_length=500)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-effective_date"]
        verbose_name = _("loan prime rate")
        verbose_name_plural = _("loan prime rates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(one_year_pct__gte=0, one_year_pct__lte=100)
                & models.Q(five_year_pct__gte=0, five_year_pct__lte=100),
                name="policy_lpr_pct_range",
                violation_error_message=_("A rate must lie between 0 % and 100 %."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.effective_date.isoformat()} · {self.one_year_pct}% / {self.five_year_pct}%"

    @property
    def history_field(self) -> str:
        return f"lpr:{self.effective_date.isoformat()}"


class AppendOnlyQuerySet(models.QuerySet):
    """The change log is evidence: bulk updates and deletes through the ORM are refused."""

    def update(self, **kwargs):
        raise TypeError("ParameterChange rows are append-only")

    def delete(self):
        raise TypeError("ParameterChange rows are append-only")


class ParameterChange(models.Model):
    """One changed value of a parameter set, a service time or an LPR row; written by the services only.

    ``field`` names what changed: a parameter set's field name (``interest_ratio``), ``sources.<name>``
    for its source note, ``service_time:<ip_kind>/<channel>/<target>`` (and ``….source``),
    ``lpr:<date>`` (``….one_year_pct`` …) or ``(created)``. Values are text; empty means "not set".
    """

    CREATED = "(created)"

    parameter_set = models.ForeignKey(
        PolicyParameterSet,
        on_delete=models.PROTECT,
        related_name="changes",
        null=True,
        blank=True,
        verbose_name=_("parameter set"),
        help_text=_("Empty for changes to the LPR history."),
    )
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("changed by"),
        help_text=_("Empty for changes made by data migrations or the system."),
    )
    field = models.CharField(_("field"), max_length=120)
    old_value = models.TextField(_("old value"), blank=True)
    new_value = models.TextField(_("new value"), blank=True)
    reason = models.TextField(_("reason"), blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        ordering = ["-changed_at", "-id"]
        verbose_name = _("parameter change")
        verbose_name_plural = _("parameter changes")

    def __str__(self) -> str:
        return f"{self.field}: {self.old_value} → {self.new_value}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError("ParameterChange rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError("ParameterChange rows are append-only")
