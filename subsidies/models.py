"""Interest and fee subsidies after the loan (issue 6, domain.md §2.4-§2.5).

A ``Batch`` is one call for applications: its dates, its budget, its materials checklist and the policy
parameters it applies, frozen as numbered ``BatchParameters`` versions (a correction is a new version,
never an edit). An ``Application`` is bound to the version it was computed under and keeps its
calculation sheet; its loan lines are either the portal's bank-reported loan facts or figures the
enterprise entered, which the lending bank confirms in the portal. ``Claim`` rows make "once per
programme" a database fact: a loan or a fee invoice claimed by a live application cannot be claimed
again. Every move follows ``APPLICATION_TRANSITIONS`` and writes an ``ApplicationEvent``.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organisation, Role
from portal.policy.models import PolicyParameterSet

ZERO = Decimal("0.00")


def _money(verbose_name, **extra):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **extra)


class StatusEvent(models.Model):
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
        null=True,
        blank=True,
        help_text=_("Empty when the portal itself made the move (a scheduled job)."),
    )
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        abstract = True


# --- Batches ----------------------------------------------------------------------------------------


class BatchStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


BATCH_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    BatchStatus.DRAFT: {BatchStatus.PUBLISHED: frozenset({Role.REVIEWER, Role.PROMOTION_OFFICER})},
    BatchStatus.PUBLISHED: {BatchStatus.ARCHIVED: frozenset({Role.REVIEWER, Role.PROMOTION_OFFICER})},
    BatchStatus.ARCHIVED: {},
}


class Batch(models.Model):
    """One call for subsidy applications, e.g. "2026 interest subsidy, loans settled in 2025"."""

    year = models.PositiveSmallIntegerField(_("batch year"))
    title = models.CharField(_("title"), max_length=200)
    parameter_set = models.ForeignKey(
        PolicyParameterSet,
        verbose_name=_("policy parameters of the year"),
        related_name="subsidy_batches",
        on_delete=models.PROTECT,
    )
    opens_on = models.DateField(_("applications open on"))
    closes_on = models.DateField(_("applications close on"))
    budget = _money(_("budget (yuan)"), validators=[MinValueValidator(Decimal("0"))])
    budget_source = models.CharField(
        _("budget allocated by"), max_length=200, blank=True, help_text=_("The finance bureau's notice.")
    )
    # Money reserved by approvals and paid; a database check keeps reserved <= budget (never overspent).
    reserved = _money(_("reserved (yuan)"), default=ZERO, editable=False)
    paid = _money(_("paid (yuan)"), default=ZERO, editable=False)
    publicity_working_days = models.PositiveSmallIntegerField(
        _("publicity period (working days)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_("How long approved enterprises and amounts stay on the public notice before payment."),
    )
    status = models.CharField(
        _("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.DRAFT
    )
    cloned_from = models.ForeignKey(
        "self",
        verbose_name=_("cloned from"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("subsidy batch")
        verbose_name_plural = _("subsidy batches")
        constraints = [
            models.CheckConstraint(condition=Q(closes_on__gte=F("opens_on")), name="subsidies_batch_dates"),
            models.CheckConstraint(condition=Q(budget__gte=0), name="subsidies_batch_budget_not_negative"),
            # The budget can never go negative: an approval that does not fit is refused (issue 6).
            models.CheckConstraint(
                condition=Q(reserved__gte=0, reserved__lte=F("budget")), name="subsidies_batch_within_budget"
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0, paid__lte=F("reserved")), name="subsidies_batch_paid_within_reserved"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.reserved

    def is_open_on(self, day) -> bool:
        return self.status == BatchStatus.PUBLISHED and self.opens_on <= day <= self.closes_on


class BatchEvent(StatusEvent):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=16, blank=True)
    to_status = models.CharField(_("to"), max_length=16, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.batch_id}: {self.from_status or '-'} → {self.to_status or self.action}"


class BatchParameters(models.Model):
    """A numbered, immutable version of the rules a batch applies (the year's parameter set when the
    batch was created, then each correction). ``values`` holds the fields of ``PARAMETER_FIELDS``."""

    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="parameter_versions")
    version = models.PositiveSmallIntegerField(_("version"))
    values = models.JSONField(_("values"))
    reason = models.TextField(_("reason"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["batch", "version"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "version"], name="subsidies_parameters_unique_version")
        ]

    def __str__(self) -> str:
        return f"{self.batch_id} v{self.version}"


class MaterialScope(models.TextChoices):
    EVERY = "every", _("Every application")
    COMBINATION = "combination", _("Applications with a combination loan")
    ENTERED_LOAN = "entered_loan", _("Applications with a loan the portal does not hold")
    FEES = "fees", _("Applications claiming fees")


class ChecklistItem(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.CASCADE, related_name="checklist")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    title = models.CharField(_("material"), max_length=200)
    scope = models.CharField(
        _("required for"), max_length=16, choices=MaterialScope.choices, default=MaterialScope.EVERY
    )
    needs_signature = models.BooleanField(_("signed"), default=False)
    needs_seal = models.BooleanField(_("sealed"), default=False)
    needs_colour_scan = models.BooleanField(_("colour scan"), default=True)
    template = models.FileField(_("template to download"), upload_to="subsidy-templates/%Y/", blank=True)
    template_name = models.CharField(_("template file name"), max_length=150, blank=True)

    class Meta:
        ordering = ["batch", "position", "pk"]

    def __str__(self) -> str:
        return self.title


# --- Applications ------------------------------------------------------------------------------------


class ApplicationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_BANK = "awaiting_bank", _("Waiting for the bank to confirm loan figures")
    SUBMITTED = "submitted", _("Submitted, waiting for review")
    UNDER_REVIEW = "under_review", _("Under review")
    CORRECTION = "correction", _("Correction requested")
    PROPOSED = "proposed", _("Amount proposed, waiting for the second reviewer")
    APPROVED = "approved", _("Approved, waiting for publicity")
    PUBLICITY = "publicity", _("On public notice")
    PUBLICISED = "publicised", _("Publicity passed, waiting for payment")
    PAYMENT_LISTED = "payment_listed", _("On a payment list")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_USER, Role.ORG_ADMIN})
BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER})
REVIEWER_ROLES = frozenset({Role.REVIEWER})
FINANCE_ROLES = frozenset({Role.FINANCE_OFFICER})
SYSTEM = frozenset({"system"})  # moves the portal makes by itself (all confirmations in, publicity ended)

_S = ApplicationStatus
# The maker-checker rule (the second reviewer is never the one who proposed) is checked in the service on
# top of the roles here; every other rule of who may move what is this table.
APPLICATION_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    _S.DRAFT: {
        _S.AWAITING_BANK: ENTERPRISE_ROLES,
        _S.SUBMITTED: ENTERPRISE_ROLES,
        _S.WITHDRAWN: ENTERPRISE_ROLES,
    },
    _S.AWAITING_BANK: {_S.SUBMITTED: SYSTEM, _S.CORRECTION: BANK_ROLES, _S.WITHDRAWN: ENTERPRISE_ROLES},
    _S.SUBMITTED: {_S.UNDER_REVIEW: REVIEWER_ROLES, _S.WITHDRAWN: ENTERPRISE_ROLES},
    _S.UNDER_REVIEW: {
        _S.CORRECTION: REVIEWER_ROLES,
        _S.PROPOSED: REVIEWER_ROLES,
        _S.WITHDRAWN: ENTERPRISE_ROLES,
    },
    _S.CORRECTION: {
        _S.AWAITING_BANK: ENTERPRISE_ROLES,
        _S.SUBMITTED: ENTERPRISE_ROLES,
        _S.WITHDRAWN: ENTERPRISE_ROLES,
    },
    _S.PROPOSED: {_S.APPROVED: REVIEWER_ROLES, _S.REJECTED: REVIEWER_ROLES, _S.UNDER_REVIEW: REVIEWER_ROLES},
    _S.APPROVED: {_S.PUBLICITY: REVIEWER_ROLES},
    # An upheld objection sends the case back to review and releases its reserved money.
    _S.PUBLICITY: {_S.PUBLICISED: SYSTEM | REVIEWER_ROLES, _S.UNDER_REVIEW: REVIEWER_ROLES},
    _S.PUBLICISED: {_S.PAYMENT_LISTED: FINANCE_ROLES},
    _S.PAYMENT_LISTED: {_S.PAID: FINANCE_ROLES, _S.PUBLICISED: FINANCE_ROLES},
    _S.PAID: {},
    _S.REJECTED: {},
    _S.WITHDRAWN: {},
}
# Statuses in which the application holds its claims (a loan or invoice cannot be claimed elsewhere).
CLOSED_STATUSES = frozenset({_S.REJECTED, _S.WITHDRAWN})
# Statuses whose amount is still computed from the batch's current parameters (a correction re-binds them).
OPEN_STATUSES = frozenset({_S.DRAFT, _S.AWAITING_BANK, _S.SUBMITTED, _S.UNDER_REVIEW, _S.CORRECTION})
# Statuses holding reserved budget.
RESERVING_STATUSES = frozenset({_S.APPROVED, _S.PUBLICITY, _S.PUBLICISED, _S.PAYMENT_LISTED, _S.PAID})


class Application(models.Model):
    reference = models.CharField(_("application number"), max_length=20, unique=True)
    batch = models.ForeignKey(
        Batch, verbose_name=_("batch"), on_delete=models.PROTECT, related_name="applications"
    )
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        on_delete=models.PROTECT,
        related_name="subsidy_applications",
    )
    parameters = models.ForeignKey(
        BatchParameters, verbose_name=_("parameters applied"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(_("status"), max_length=16, choices=ApplicationStatus.choices, default=_S.DRAFT)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    bank_account_name = models.CharField(_("account name"), max_length=200, blank=True)
    bank_account_bank = models.CharField(_("account bank"), max_length=200, blank=True)
    bank_account_number = models.CharField(_("account number"), max_length=40, blank=True)
    # The calculation, stored (issue 6: "shown live and stored with the application").
    interest_amount = _money(_("interest subsidy (yuan)"), default=ZERO)
    interest_capped = models.BooleanField(_("interest cap applied"), default=False)
    fee_amount = _money(_("fee subsidy (yuan)"), default=ZERO)
    fee_capped = models.BooleanField(_("fee cap applied"), default=False)
    calculated = _money(_("calculated subsidy (yuan)"), default=ZERO)
    calculated_at = models.DateTimeField(_("calculated at"), null=True, blank=True)
    # Review.
    review_clock_started_at = models.DateTimeField(_("review clock started"), null=True, blank=True)
    first_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    proposed_amount = _money(_("proposed amount (yuan)"), null=True, blank=True)
    proposed_outcome = models.CharField(_("proposed outcome"), max_length=16, blank=True)
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)
    second_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("second reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_amount = _money(_("approved amount (yuan)"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    payment = models.ForeignKey(
        "PaymentList",
        verbose_name=_("payment list"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="applications",
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("subsidy application")
        verbose_name_plural = _("subsidy applications")
        indexes = [
            models.Index(fields=["batch", "status"], name="subsidies_app_batch_status"),
            models.Index(fields=["enterprise", "-id"], name="subsidies_app_enterprise"),
            # The reviewers' list, longest waiting first: a page of 25 read in order, not 4,000 sorted
            # (13 ms to 0.3 ms at the subsidy benchmark's batch; bench/pages.py), and its count by status.
            models.Index(fields=["review_clock_started_at", "id"], name="subsidies_app_review_clock"),
            models.Index(fields=["status"], name="subsidies_app_status"),
        ]
        constraints = [
            # One live application per enterprise and batch: the per-enterprise caps apply per batch year.
            models.UniqueConstraint(
                fields=["batch", "enterprise"],
                condition=~Q(status__in=["rejected", "withdrawn"]),
                name="subsidies_app_one_live_per_batch",
            ),
            models.CheckConstraint(
                condition=Q(approved_amount__isnull=True) | Q(approved_amount__gte=0),
                name="subsidies_app_approved_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(proposed_amount__isnull=True) | Q(proposed_amount__gte=0),
                name="subsidies_app_proposed_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class ApplicationEvent(StatusEvent):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(_("from"), max_length=16, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ApplicationStatus.choices, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["application", "at"], name="subsidies_event_app_at")]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status or '-'} → {self.to_status or self.action}"


class LineSource(models.TextChoices):
    PORTAL = "portal", _("Loan facts reported by the bank in the portal")
    ENTERED = "entered", _("Entered by the enterprise, confirmed by the bank")


class Confirmation(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed (bank-reported facts)")
    PENDING = "pending", _("Waiting for the bank")
    CONFIRMED = "confirmed", _("Confirmed by the bank")
    DISPUTED = "disputed", _("Disputed by the bank")


class LoanLine(models.Model):
    """One loan claimed for the interest subsidy, with its figures and its computed line of the sheet."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="loan_lines")
    source = models.CharField(_("source"), max_length=16, choices=LineSource.choices)
    loan = models.ForeignKey(
        "loans.Loan",
        verbose_name=_("loan"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    bank = models.ForeignKey(
        Organisation, verbose_name=_("lending bank"), on_delete=models.PROTECT, related_name="+"
    )
    contract_number = models.CharField(_("contract number"), max_length=64)
    principal = _money(_("principal (yuan)"))
    interest_paid = _money(_("interest paid (yuan)"))
    annual_rate_pct = models.DecimalField(_("annual rate (%)"), max_digits=5, decimal_places=2)
    ip_share = models.DecimalField(_("IP share"), max_digits=5, decimal_places=4)
    disbursed_on = models.DateField(_("disbursed on"))
    settled_on = models.DateField(_("settled on"))
    pledge_registered_on = models.DateField(_("pledge registered on"))
    district_programme = models.BooleanField(
        _("also claimed in a district programme"),
        default=False,
        help_text=_("Tell the reviewer if a district subsidy was also claimed for this loan."),
    )
    evidence = models.FileField(_("evidence"), upload_to="subsidy-evidence/%Y/%m/", blank=True)
    evidence_name = models.CharField(_("evidence file name"), max_length=150, blank=True)
    confirmation = models.CharField(
        _("bank confirmation"), max_length=16, choices=Confirmation.choices, default=Confirmation.NOT_NEEDED
    )
    confirmation_note = models.TextField(_("bank's note"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The computed line (kept with the application).
    lpr_pct = models.DecimalField(_("1-year LPR (%)"), max_digits=5, decimal_places=2, null=True)
    cap_rate_pct = models.DecimalField(_("cap rate (%)"), max_digits=6, decimal_places=2, null=True)
    eligible_interest = _money(_("eligible interest (yuan)"), default=ZERO)
    subsidy = _money(_("subsidy (yuan)"), default=ZERO)
    reasons = models.JSONField(_("why not eligible"), default=list, blank=True)

    class Meta:
        ordering = ["application", "pk"]
        indexes = [
            models.Index(fields=["bank", "confirmation"], name="subsidies_line_bank_confirm"),
            # The reviewers' list flags applications with a district-programme loan: few lines are.
            models.Index(
                fields=["application"], condition=Q(district_programme=True), name="subsidies_line_district"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(interest_paid__gte=0), name="subsidies_line_interest_not_negative"
            ),
            models.CheckConstraint(condition=Q(annual_rate_pct__gt=0), name="subsidies_line_rate_positive"),
            models.CheckConstraint(
                condition=Q(ip_share__gt=0, ip_share__lte=1), name="subsidies_line_ip_share"
            ),
        ]

    def __str__(self) -> str:
        return self.contract_number


class FeeKind(models.TextChoices):
    EVALUATION = "evaluation", _("Evaluation fee")
    GUARANTEE = "guarantee", _("Guarantee fee")
    INSURANCE = "insurance", _("Insurance premium")


class FeeLine(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="fee_lines")
    kind = models.CharField(_("kind"), max_length=16, choices=FeeKind.choices)
    payee = models.CharField(_("paid to"), max_length=200)
    invoice_code = models.CharField(_("invoice code"), max_length=20, blank=True)
    invoice_number = models.CharField(_("invoice number"), max_length=20)
    invoice_date = models.DateField(_("invoice date"))
    amount = _money(_("amount (yuan)"))
    loan_contract = models.CharField(_("for the loan (contract number)"), max_length=64)
    invoice = models.FileField(_("invoice"), upload_to="subsidy-invoices/%Y/%m/", blank=True)
    invoice_name = models.CharField(_("invoice file name"), max_length=150, blank=True)
    counted = models.BooleanField(_("counted"), default=True)

    class Meta:
        ordering = ["application", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="subsidies_fee_amount_positive")
        ]

    def __str__(self) -> str:
        return f"{self.invoice_code}{self.invoice_number}"


class Programme(models.TextChoices):
    INTEREST = "interest", _("Interest subsidy")
    FEE = "fee", _("Fee subsidy")


class Claim(models.Model):
    """A loan or an invoice held by a live application: at most once per programme (unique key)."""

    programme = models.CharField(max_length=16, choices=Programme.choices)
    key = models.CharField(max_length=120)
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="claims")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["programme", "key"], name="subsidies_claim_once")]

    def __str__(self) -> str:
        return f"{self.programme} {self.key}"


class Verdict(models.TextChoices):
    PENDING = "pending", _("Not checked yet")
    OK = "ok", _("In order")
    FAILING = "failing", _("Needs correcting")


class Material(models.Model):
    """The enterprise's file for one checklist item and the first reviewer's verdict on it."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="materials")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to="subsidy-materials/%Y/%m/", blank=True)
    file_name = models.CharField(_("file name"), max_length=150, blank=True)
    content_type = models.CharField(max_length=64, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), null=True, blank=True)
    verdict = models.CharField(_("check"), max_length=16, choices=Verdict.choices, default=Verdict.PENDING)
    note = models.TextField(_("what to correct"), blank=True)

    class Meta:
        ordering = ["application", "item__position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "item"], name="subsidies_material_once")
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.item_id}"


# --- Publicity and payment ---------------------------------------------------------------------------


class Publicity(models.Model):
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="publicities")
    starts_on = models.DateField(_("from"))
    ends_on = models.DateField(_("until"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    applications = models.ManyToManyField(Application, related_name="publicities")

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("public notice")

    def __str__(self) -> str:
        return f"{self.batch} {self.starts_on}–{self.ends_on}"


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: the case goes back to review")
    DISMISSED = "dismissed", _("Dismissed")


class Objection(models.Model):
    publicity = models.ForeignKey(Publicity, on_delete=models.PROTECT, related_name="objections")
    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="objections")
    name = models.CharField(_("your name"), max_length=100)
    contact = models.CharField(_("how to reach you"), max_length=200)
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=16, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    lodged_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-lodged_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.name}"


class PaymentList(models.Model):
    reference = models.CharField(_("payment list number"), max_length=20, unique=True)
    batch = models.ForeignKey(Batch, on_delete=models.PROTECT, related_name="payment_lists")
    total = _money(_("total (yuan)"), default=ZERO)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    paid_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    paid_on = models.DateField(_("paid on"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self) -> str:
        return self.reference
