"""The enterprise whitelist (issue 5), first part: screening rules, indicators, consent and screening runs.

- ``RuleSet``: versioned screening rules with an explanation an enterprise can read (domain.md §2.2). One
  version is active; a new version starts as a draft copy and, once activated, retires the old one.
- ``EnterpriseIndicator``: what partner departments report about an enterprise (R&D ratio, revenue band,
  credit rating, serious dishonesty). IP counts and categories come from the portal's own register.
- ``Consent``: the enterprise's consent to its whitelist data being shared with banks; withdrawable.
- ``ScreeningRun`` and ``Candidate``: one run of the active rules over every enterprise, computed in one
  set-based statement; each candidate keeps the rules it met and the indicators it was judged on.

Every workflow is a ``*_TRANSITIONS`` table next to its model, applied by one service function that writes
the matching ``*Event`` row in the same transaction.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organisation, Role

# IP bureau staff who keep the rules and run the screening.
WHITELIST_STAFF_ROLES = frozenset({Role.REVIEWER, Role.PROMOTION_OFFICER})
ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_USER, Role.ORG_ADMIN})
SYSTEM = "system"  # a move the portal makes itself (a newer version retires the active one; a run's steps)


class StatusEvent(models.Model):
    """What every ``*Event`` row holds besides its object and statuses: who made the move, why, and when."""

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("actor")
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status}"


class RevenueBand(models.TextChoices):
    """Annual revenue bands, lowest first (the order is the rules' "at least")."""

    UNDER_10M = "lt_10m", _("Under 10 million yuan")
    FROM_10M = "10m_50m", _("10 to 50 million yuan")
    FROM_50M = "50m_200m", _("50 to 200 million yuan")
    FROM_200M = "200m_1b", _("200 million to 1 billion yuan")
    OVER_1B = "gte_1b", _("1 billion yuan or more")


class CreditRating(models.TextChoices):
    """Credit ratings, best first (the order is the rules' "at least")."""

    AAA = "AAA", "AAA"
    AA = "AA", "AA"
    A = "A", "A"
    BBB = "BBB", "BBB"
    BB = "BB", "BB"
    B = "B", "B"
    C = "C", "C"


REVENUE_ORDER = list(RevenueBand.values)  # index = rank, higher is larger
RATING_ORDER = list(reversed(CreditRating.values))  # index = rank, higher is better


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


RULESET_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    RuleSetStatus.DRAFT: {RuleSetStatus.ACTIVE: WHITELIST_STAFF_ROLES},
    RuleSetStatus.ACTIVE: {RuleSetStatus.RETIRED: frozenset({SYSTEM})},
}


class RuleSet(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT
    )
    explanation = models.TextField(
        _("explanation for enterprises"),
        help_text=_("Plain words an enterprise can read: what is checked and why."),
    )
    require_beijing = models.BooleanField(_("registered in Beijing"), default=True)
    require_core_ip = models.BooleanField(
        _("at least one valid invention patent or registered trademark"), default=True
    )
    require_no_dishonesty = models.BooleanField(_("no serious dishonesty record"), default=True)
    require_category = models.BooleanField(_("at least one category flag"), default=True)
    require_no_npl = models.BooleanField(
        _("no non-performing loan on the portal"),
        default=False,
        help_text=_("From the loan facts banks report: no loan non-performing or written off."),
    )
    min_invention_patents = models.PositiveSmallIntegerField(
        _("valid invention patents, at least"), default=0
    )
    min_utility_patents = models.PositiveSmallIntegerField(_("valid utility models, at least"), default=0)
    min_design_patents = models.PositiveSmallIntegerField(_("valid designs, at least"), default=0)
    min_trademarks = models.PositiveSmallIntegerField(_("registered trademarks, at least"), default=0)
    min_rd_ratio_pct = models.DecimalField(
        _("R&D spending, at least (% of revenue)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    min_revenue_band = models.CharField(
        _("revenue band, at least"), max_length=16, choices=RevenueBand.choices, blank=True
    )
    min_credit_rating = models.CharField(
        _("credit rating, at least"), max_length=4, choices=CreditRating.choices, blank=True
    )
    based_on = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("based on")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    activated_at = models.DateTimeField(_("activated at"), null=True, blank=True)

    class Meta:
        ordering = ["-version"]
        verbose_name = _("screening rule set")
        verbose_name_plural = _("screening rule sets")
        constraints = [
            models.UniqueConstraint(
                fields=["status"], condition=Q(status="active"), name="whitelist_one_active_rule_set"
            ),
            models.CheckConstraint(
                condition=Q(min_rd_ratio_pct__isnull=True)
                | Q(min_rd_ratio_pct__gte=0, min_rd_ratio_pct__lte=100),
                name="whitelist_rd_ratio_range",
            ),
        ]

    def __str__(self) -> str:
        return _("Screening rules v%(version)s") % {"version": self.version}


class RuleSetEvent(StatusEvent):
    rule_set = models.ForeignKey(
        RuleSet, on_delete=models.CASCADE, related_name="events", verbose_name=_("rules")
    )
    from_status = models.CharField(_("from"), max_length=16, choices=RuleSetStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=RuleSetStatus.choices)

    class Meta:
        ordering = ["rule_set", "at", "pk"]
        verbose_name = _("rule set event")
        verbose_name_plural = _("rule set events")


class EnterpriseIndicator(models.Model):
    """The latest figures partner departments reported for an enterprise."""

    enterprise = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="whitelist_indicator",
        verbose_name=_("enterprise"),
    )
    rd_ratio_pct = models.DecimalField(
        _("R&D spending (% of revenue)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    revenue_band = models.CharField(_("revenue band"), max_length=16, choices=RevenueBand.choices, blank=True)
    credit_rating = models.CharField(
        _("credit rating"), max_length=4, choices=CreditRating.choices, blank=True
    )
    serious_dishonesty = models.BooleanField(_("serious dishonesty record"), default=False)
    source = models.CharField(_("reported by"), max_length=100, blank=True)
    as_of = models.DateField(_("as of"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("enterprise indicator")
        verbose_name_plural = _("enterprise indicators")

    def __str__(self) -> str:
        return f"{self.enterprise} ({self.as_of})"


class ConsentStatus(models.TextChoices):
    GRANTED = "granted", _("Consent given")
    WITHDRAWN = "withdrawn", _("Consent withdrawn")


CONSENT_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    "": {ConsentStatus.GRANTED: ENTERPRISE_ROLES},
    ConsentStatus.GRANTED: {ConsentStatus.WITHDRAWN: ENTERPRISE_ROLES},
    ConsentStatus.WITHDRAWN: {ConsentStatus.GRANTED: ENTERPRISE_ROLES},
}


class Consent(models.Model):
    """An enterprise's current answer; its history is in ConsentEvent."""

    enterprise = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="whitelist_consent", verbose_name=_("enterprise")
    )
    status = models.CharField(_("status"), max_length=16, choices=ConsentStatus.choices)
    changed_at = models.DateTimeField(_("changed at"))

    class Meta:
        verbose_name = _("whitelist consent")
        verbose_name_plural = _("whitelist consents")

    def __str__(self) -> str:
        return f"{self.enterprise}: {self.get_status_display()}"


class ConsentEvent(StatusEvent):
    consent = models.ForeignKey(
        Consent, on_delete=models.CASCADE, related_name="events", verbose_name=_("consent")
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ConsentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ConsentStatus.choices)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


RUN_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    RunStatus.QUEUED: {RunStatus.RUNNING: frozenset({SYSTEM})},
    RunStatus.RUNNING: {RunStatus.DONE: frozenset({SYSTEM}), RunStatus.FAILED: frozenset({SYSTEM})},
}


class ScreeningRun(models.Model):
    rule_set = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, related_name="runs", verbose_name=_("rules")
    )
    status = models.CharField(_("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    screened = models.PositiveIntegerField(_("enterprises screened"), default=0)
    passed = models.PositiveIntegerField(_("candidates"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")

    def __str__(self) -> str:
        return f"{self.rule_set} @ {self.requested_at:%Y-%m-%d %H:%M}"


class ScreeningRunEvent(StatusEvent):
    run = models.ForeignKey(
        ScreeningRun, on_delete=models.CASCADE, related_name="events", verbose_name=_("run")
    )
    from_status = models.CharField(_("from"), max_length=16, choices=RunStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=RunStatus.choices)

    class Meta:
        ordering = ["run", "at", "pk"]
        verbose_name = _("screening run event")
        verbose_name_plural = _("screening run events")


# The rules a candidate is judged on, in the order they are shown: (field on Candidate, label).
RULE_FIELDS = (
    ("in_beijing", _("Registered in Beijing")),
    ("has_core_ip", _("Holds a valid invention patent or registered trademark")),
    ("no_dishonesty", _("No serious dishonesty record")),
    ("has_category", _("Has at least one category flag")),
    ("meets_thresholds", _("Meets the indicator thresholds")),
    ("no_npl", _("No non-performing loan")),
)


class Candidate(models.Model):
    """One enterprise as a run judged it: each rule's answer and the indicators it was judged on."""

    run = models.ForeignKey(
        ScreeningRun, on_delete=models.CASCADE, related_name="candidates", verbose_name=_("run")
    )
    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="whitelist_candidacies",
        verbose_name=_("enterprise"),
    )
    passed = models.BooleanField(_("meets every rule"))
    in_beijing = models.BooleanField(_("registered in Beijing"))
    has_core_ip = models.BooleanField(_("valid invention patent or registered trademark"))
    no_dishonesty = models.BooleanField(_("no serious dishonesty record"))
    has_category = models.BooleanField(_("category flag"))
    meets_thresholds = models.BooleanField(_("indicator thresholds"))
    no_npl = models.BooleanField(_("no non-performing loan"), default=True)
    consented = models.BooleanField(_("consented to sharing"))
    recommended = models.BooleanField(
        _("recommended by a bank"),
        default=False,
        help_text=_("A bank's recommendation the IP bureau accepted."),
    )
    # The indicator snapshot.
    invention_patents = models.PositiveIntegerField(_("valid invention patents"))
    utility_patents = models.PositiveIntegerField(_("valid utility models"))
    design_patents = models.PositiveIntegerField(_("valid designs"))
    trademarks = models.PositiveIntegerField(_("registered trademarks"))
    npl_loans = models.PositiveIntegerField(_("non-performing loans"), default=0)
    rd_ratio_pct = models.DecimalField(_("R&D spending (%)"), max_digits=5, decimal_places=2, null=True)
    revenue_band = models.CharField(_("revenue band"), max_length=16, choices=RevenueBand.choices, blank=True)
    credit_rating = models.CharField(
        _("credit rating"), max_length=4, choices=CreditRating.choices, blank=True
    )
    is_high_tech = models.BooleanField(_("high-tech enterprise"))
    is_specialised = models.BooleanField(_("specialised and sophisticated SME (专精特新)"))
    is_little_giant = models.BooleanField(_("'little giant' enterprise"))
    is_tech_sme = models.BooleanField(_("tech-based SME"))
    is_ip_advantage = models.BooleanField(_("IP advantage or demonstration enterprise"))

    class Meta:
        ordering = ["run", "-passed", "enterprise_id"]
        verbose_name = _("screening candidate")
        verbose_name_plural = _("screening candidates")
        constraints = [
            models.UniqueConstraint(fields=["run", "enterprise"], name="whitelist_candidate_once_per_run")
        ]
        indexes = [models.Index(fields=["run", "passed", "enterprise"], name="whitelist_cand_run_passed")]

    def __str__(self) -> str:
        return f"{self.enterprise_id} in run {self.run_id}: {'passed' if self.passed else 'not passed'}"

    def rules(self) -> list[tuple[str, bool]]:
        return [(str(label), getattr(self, name)) for name, label in RULE_FIELDS]


# --- Indicator uploads from partner departments --------------------------------------------------------


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Checking")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected: nothing applied")
    FAILED = "failed", _("Failed: nothing applied")


class IndicatorImport(models.Model):
    """A partner department's file of indicators: every row checked, applied all or nothing."""

    source = models.CharField(
        _("reported by"), max_length=100, help_text=_("The department the figures come from.")
    )
    as_of = models.DateField(_("as of"), help_text=_("The date the figures describe."))
    file = models.FileField(_("file"), upload_to="whitelist-indicators/%Y/%m/")
    original_name = models.CharField(_("original file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    encoding = models.CharField(_("encoding found"), max_length=16, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [{"row": 7, "field": "credit_rating", "value": "Z", "message": "..."}], capped.
    errors = models.JSONField(_("errors"), default=list, blank=True)
    applied_rows = models.PositiveIntegerField(_("enterprises updated"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("indicator upload")
        verbose_name_plural = _("indicator uploads")

    def __str__(self) -> str:
        return f"{self.source} {self.original_name}"


# --- Review and publication ----------------------------------------------------------------------------------


class BatchStatus(models.TextChoices):
    REVIEWING = "reviewing", _("Under review")
    SUBMITTED = "submitted", _("Awaiting approval")
    PUBLISHED = "published", _("Published")


# Maker-checker: staff review and submit; a different staff member approves (publishes) or sends it back.
BATCH_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    BatchStatus.REVIEWING: {BatchStatus.SUBMITTED: WHITELIST_STAFF_ROLES},
    BatchStatus.SUBMITTED: {
        BatchStatus.PUBLISHED: WHITELIST_STAFF_ROLES,
        BatchStatus.REVIEWING: WHITELIST_STAFF_ROLES,
    },
}


class Batch(models.Model):
    """A whitelist batch: the candidates of one screening run, reviewed, then published (and then
    immutable)."""

    number = models.PositiveIntegerField(_("batch number"), unique=True)
    run = models.ForeignKey(
        ScreeningRun, on_delete=models.PROTECT, related_name="batches", verbose_name=_("screening run")
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.REVIEWING
    )
    valid_until = models.DateField(_("valid until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("submitted by"),
    )
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("approved by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_count = models.PositiveIntegerField(_("enterprises published"), default=0)
    feedback_due_on = models.DateField(
        _("bank feedback due on"),
        null=True,
        blank=True,
        help_text=_("Publication day plus the year's whitelist feedback time, in working days."),
    )

    class Meta:
        ordering = ["-number"]
        verbose_name = _("whitelist batch")
        verbose_name_plural = _("whitelist batches")
        constraints = [
            models.CheckConstraint(
                condition=Q(published_by__isnull=True) | ~Q(published_by=models.F("submitted_by")),
                name="whitelist_batch_four_eyes",
                violation_error_message=_(
                    "The approver must not be the member of staff who submitted the batch."
                ),
            )
        ]

    def __str__(self) -> str:
        return _("Whitelist batch %(number)s") % {"number": self.number}


class BatchEvent(StatusEvent):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events", verbose_name=_("batch"))
    from_status = models.CharField(_("from"), max_length=16, choices=BatchStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=BatchStatus.choices)

    class Meta:
        ordering = ["batch", "at", "pk"]
        verbose_name = _("batch event")
        verbose_name_plural = _("batch events")


class Decision(models.TextChoices):
    PENDING = "pending", _("To review")
    INCLUDED = "included", _("Included")
    EXCLUDED = "excluded", _("Excluded")


class ExclusionReason(models.TextChoices):
    DATA_OUTDATED = "data_outdated", _("The indicators are out of date")
    RISK_SIGNAL = "risk_signal", _("A risk signal not in the indicators (litigation, arrears, ...)")
    NOT_ACTIVE = "not_active", _("The enterprise is not operating normally")
    DUPLICATE = "duplicate", _("Already served in another programme")
    OTHER = "other", _("Other (see the note)")


class BatchEntry(models.Model):
    """One candidate in a batch: the staff's decision, and once published the consent it went out with."""

    batch = models.ForeignKey(
        Batch, on_delete=models.CASCADE, related_name="entries", verbose_name=_("batch")
    )
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="+", verbose_name=_("candidate")
    )
    enterprise = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="whitelist_entries", verbose_name=_("enterprise")
    )
    decision = models.CharField(
        _("decision"), max_length=16, choices=Decision.choices, default=Decision.PENDING
    )
    exclusion_reason = models.CharField(
        _("exclusion reason"), max_length=24, choices=ExclusionReason.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)

    class Meta:
        ordering = ["batch", "enterprise_id"]
        verbose_name = _("batch entry")
        verbose_name_plural = _("batch entries")
        constraints = [
            models.UniqueConstraint(fields=["batch", "enterprise"], name="whitelist_entry_once_per_batch"),
            models.CheckConstraint(
                condition=~Q(decision="excluded") | ~Q(exclusion_reason=""),
                name="whitelist_exclusion_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.enterprise_id} {self.decision}"


class EntryAsset(models.Model):
    """The pledgeable IP an entry was published with (a copy: the register may change, the batch not)."""

    entry = models.ForeignKey(
        BatchEntry, on_delete=models.CASCADE, related_name="assets", verbose_name=_("entry")
    )
    asset = models.ForeignKey(
        "pledges.IpAsset", on_delete=models.PROTECT, related_name="+", verbose_name=_("IP asset")
    )
    kind = models.CharField(_("IP kind"), max_length=16)
    number = models.CharField(_("number"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    patent_type = models.CharField(_("patent type"), max_length=24, blank=True)

    class Meta:
        ordering = ["entry", "kind", "number"]
        verbose_name = _("published IP asset")
        verbose_name_plural = _("published IP assets")
        constraints = [models.UniqueConstraint(fields=["entry", "asset"], name="whitelist_entry_asset_once")]

    def __str__(self) -> str:
        return f"{self.entry_id}: {self.kind} {self.number}"


# --- Delivery to the banks ----------------------------------------------------------------------------


class Delivery(models.Model):
    """A published batch as one bank (a head office, for its whole group) receives it."""

    batch = models.ForeignKey(
        Batch, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("batch")
    )
    bank = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="whitelist_deliveries", verbose_name=_("bank")
    )
    created_at = models.DateTimeField(_("delivered at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("acknowledged by"),
    )
    chased_at = models.DateTimeField(_("last chased at"), null=True, blank=True)

    class Meta:
        ordering = ["-batch__number", "bank_id"]
        verbose_name = _("whitelist delivery")
        verbose_name_plural = _("whitelist deliveries")
        constraints = [
            models.UniqueConstraint(fields=["batch", "bank"], name="whitelist_delivery_once_per_bank")
        ]
        indexes = [models.Index(fields=["bank", "-batch"], name="whitelist_delivery_bank")]

    def __str__(self) -> str:
        return f"{self.batch} → {self.bank}"


class WebhookEndpoint(models.Model):
    """Where the portal notifies a bank of a new delivery: a POST signed with HMAC-SHA256 over the
    timestamp and the body, with this endpoint's secret (docs/whitelist-webhooks.md)."""

    bank = models.OneToOneField(
        Organisation, on_delete=models.CASCADE, related_name="whitelist_webhook", verbose_name=_("bank")
    )
    url = models.URLField(_("URL"), max_length=500)
    # Kept, not hashed: the portal signs with it. Shown once to the bank when set.
    secret = models.CharField(_("signing secret"), max_length=100)
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("updated by")
    )

    class Meta:
        verbose_name = _("whitelist webhook")
        verbose_name_plural = _("whitelist webhooks")

    def __str__(self) -> str:
        return f"{self.bank}: {self.url}"


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed after the last try")


class WebhookNotification(models.Model):
    """One delivery's notification to its bank's webhook, retried with exponential backoff."""

    delivery = models.ForeignKey(
        Delivery, on_delete=models.CASCADE, related_name="notifications", verbose_name=_("delivery")
    )
    url = models.URLField(_("URL"), max_length=500)
    status = models.CharField(
        _("status"), max_length=16, choices=NotificationStatus.choices, default=NotificationStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    last_attempt_at = models.DateTimeField(_("last attempt at"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("webhook notification")
        verbose_name_plural = _("webhook notifications")
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="whitelist_notification_due")]

    def __str__(self) -> str:
        return f"{self.delivery_id} {self.status} ({self.attempts})"


# --- Feedback and recommendations ------------------------------------------------------------------------------


class FeedbackKind(models.TextChoices):
    CONTACTED = "contacted", _("Contacted")
    CREDIT_GRANTED = "credit_granted", _("Credit granted")
    DECLINED = "declined", _("Declined")
    LOAN_DISBURSED = "loan_disbursed", _("Loan disbursed")


class DeclineCode(models.TextChoices):
    NO_NEED = "no_need", _("The enterprise has no financing need now")
    IP_VALUE = "ip_value", _("The IP's value is not enough")
    CREDIT = "credit", _("Credit or repayment concerns")
    UNREACHABLE = "unreachable", _("The enterprise could not be reached")
    OTHER_BANK = "other_bank", _("Financed by another bank")
    OTHER = "other", _("Other (see the note)")


class Feedback(models.Model):
    """What a bank did with one published entry; a bank reports several steps, the latest counts."""

    entry = models.ForeignKey(
        BatchEntry, on_delete=models.PROTECT, related_name="feedback", verbose_name=_("entry")
    )
    bank = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="whitelist_feedback", verbose_name=_("bank")
    )
    kind = models.CharField(_("what happened"), max_length=16, choices=FeedbackKind.choices)
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    decline_code = models.CharField(_("reason"), max_length=16, choices=DeclineCode.choices, blank=True)
    loan = models.ForeignKey(
        "loans.Loan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("loan"),
    )
    occurred_on = models.DateField(_("on"))
    note = models.CharField(_("note"), max_length=300, blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("reported by")
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        ordering = ["entry", "reported_at", "pk"]
        verbose_name = _("whitelist feedback")
        verbose_name_plural = _("whitelist feedback")
        indexes = [models.Index(fields=["bank", "entry"], name="whitelist_feedback_bank")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="credit_granted") | Q(amount__gt=0), name="whitelist_feedback_grant_amount"
            ),
            models.CheckConstraint(
                condition=~Q(kind="declined") | ~Q(decline_code=""), name="whitelist_feedback_decline_code"
            ),
            models.CheckConstraint(
                condition=~Q(kind="loan_disbursed") | Q(loan__isnull=False), name="whitelist_feedback_loan"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry_id} {self.bank_id} {self.kind}"


class RecommendationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted into the next screening")
    DECLINED = "declined", _("Declined")


RECOMMENDATION_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    RecommendationStatus.SUBMITTED: {
        RecommendationStatus.ACCEPTED: WHITELIST_STAFF_ROLES,
        RecommendationStatus.DECLINED: WHITELIST_STAFF_ROLES,
    },
}


class Recommendation(models.Model):
    """An enterprise a bank proposes for the whitelist."""

    bank = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="whitelist_recommendations",
        verbose_name=_("bank"),
    )
    enterprise_uscc = models.CharField(_("credit code"), max_length=18)
    enterprise = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="whitelist_recommended",
        verbose_name=_("enterprise"),
    )
    enterprise_name = models.CharField(_("enterprise name"), max_length=200)
    reason = models.TextField(_("why the bank recommends it"))
    ip_offered = models.TextField(_("IP offered"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RecommendationStatus.choices,
        default=RecommendationStatus.SUBMITTED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recommended by")
    )
    created_at = models.DateTimeField(_("recommended at"), auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_reason = models.TextField(_("decision reason"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("bank recommendation")
        verbose_name_plural = _("bank recommendations")

    def __str__(self) -> str:
        return f"{self.bank} → {self.enterprise_name}"


class RecommendationEvent(StatusEvent):
    recommendation = models.ForeignKey(
        Recommendation, on_delete=models.CASCADE, related_name="events", verbose_name=_("recommendation")
    )
    from_status = models.CharField(_("from"), max_length=16, choices=RecommendationStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=RecommendationStatus.choices)

    class Meta:
        ordering = ["recommendation", "at", "pk"]
        verbose_name = _("recommendation event")
        verbose_name_plural = _("recommendation events")
