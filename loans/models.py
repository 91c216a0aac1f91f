"""IP-pledge loans from the first question to settlement (issue 4).

- Products: what a bank offers ("a choice at the loan"); only published products valid today are public.
- Coaching: an enterprise asks, the promotion centre assigns a coach, sessions land on its timeline.
- Requests and applications: one request sent to several products, one application per bank, each
  reviewed by its bank (maker-checker above the policy's threshold); accepting one offer withdraws the rest.
- Loans: the contract and its facts (``LoanFact`` is the ledger, ``Loan`` holds the current figures),
  participants and their risk shares, monitoring alerts, and batch uploads of facts.

Every workflow is a ``*_TRANSITIONS`` table next to its model, applied by one service function that
writes the matching ``*Event`` row in the same transaction.
"""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organisation, Role
from portal.policy.models import IpKind


class ProductStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# Bank staff who draft and edit products; a bank's org_admin manages people, not products.
PRODUCT_EDITOR_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER})

# from status -> {to status: roles (within the product's bank group) allowed to make the move}.
# Issue 4: "a bank user drafts, a bank manager publishes".
PRODUCT_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    ProductStatus.DRAFT: {ProductStatus.PUBLISHED: frozenset({Role.BANK_MANAGER})},
    ProductStatus.PUBLISHED: {ProductStatus.WITHDRAWN: frozenset({Role.BANK_MANAGER})},
    ProductStatus.WITHDRAWN: {ProductStatus.DRAFT: PRODUCT_EDITOR_ROLES},
}


class TargetFlag(models.TextChoices):
    """Enterprise categories a product is aimed at; the values are EnterpriseProfile's flag fields."""

    HIGH_TECH = "is_high_tech", _("High-tech enterprise")
    SPECIALISED = "is_specialised", _("Specialised and sophisticated SME (专精特新)")
    LITTLE_GIANT = "is_little_giant", _("'Little giant' enterprise")
    TECH_SME = "is_tech_sme", _("Tech-based SME")
    IP_ADVANTAGE = "is_ip_advantage", _("IP advantage or demonstration enterprise")


def _labels(values, choices) -> list[str]:
    lookup = dict(choices)
    return [str(lookup.get(value, value)) for value in values]


class Product(models.Model):
    bank = models.ForeignKey(
        Organisation,
        verbose_name=_("bank"),
        related_name="loan_products",
        on_delete=models.PROTECT,
        limit_choices_to={"kind": "bank"},
    )
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    # A JSON list of IpKind values: portable to SQLite (an ArrayField is PostgreSQL only); validated in
    # clean().
    ip_kinds = models.JSONField(_("IP kinds accepted"), default=list)
    amount_min = models.DecimalField(_("minimum amount (yuan)"), max_digits=14, decimal_places=2)
    amount_max = models.DecimalField(_("maximum amount (yuan)"), max_digits=14, decimal_places=2)
    term_min_months = models.PositiveSmallIntegerField(_("minimum term (months)"))
    term_max_months = models.PositiveSmallIntegerField(_("maximum term (months)"))
    rate_min_pct = models.DecimalField(_("lowest indicative rate (% p.a.)"), max_digits=5, decimal_places=2)
    rate_max_pct = models.DecimalField(_("highest indicative rate (% p.a.)"), max_digits=5, decimal_places=2)
    guarantor_involved = models.BooleanField(_("a guarantor takes part"), default=False)
    insurer_involved = models.BooleanField(_("an insurer takes part"), default=False)
    target = models.TextField(_("target enterprises"), blank=True)
    target_flags = models.JSONField(_("target categories"), default=list, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Leave empty for no fixed end.")
    )
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.DRAFT, db_index=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        related_name="+",
        on_delete=models.PROTECT,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["bank__name", "name", "pk"]
        verbose_name = _("loan product")
        verbose_name_plural = _("loan products")
        indexes = [models.Index(fields=["status", "valid_from", "valid_until"], name="loans_product_public")]
        constraints = [
            models.CheckConstraint(condition=Q(amount_min__gt=0), name="loans_product_amount_positive"),
            models.CheckConstraint(
                condition=Q(amount_min__lte=F("amount_max")), name="loans_product_amount_range"
            ),
            models.CheckConstraint(condition=Q(term_min_months__gt=0), name="loans_product_term_positive"),
            models.CheckConstraint(
                condition=Q(term_min_months__lte=F("term_max_months")), name="loans_product_term_range"
            ),
            models.CheckConstraint(condition=Q(rate_min_pct__gte=0), name="loans_product_rate_not_negative"),
            models.CheckConstraint(
                condition=Q(rate_min_pct__lte=F("rate_max_pct")), name="loans_product_rate_range"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=F("valid_from")),
                name="loans_product_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank} · {self.name}"

    def clean(self) -> None:
        """Every CheckConstraint again, as field errors a form can show next to the field."""
        errors: dict[str, list[str]] = {}

        def add(field: str, message) -> None:
            errors.setdefault(field, []).append(message)

        if self.bank_id and self.bank.kind != "bank":
            add("bank", _("A loan product belongs to a bank."))
        kinds = self.ip_kinds
        if not isinstance(kinds, list) or not kinds:
            add("ip_kinds", _("Choose at least one IP kind."))
        elif not set(kinds) <= set(IpKind.values) or len(set(kinds)) != len(kinds):
            add("ip_kinds", _("Choose IP kinds from the list, each once."))
        flags = self.target_flags
        if (
            not isinstance(flags, list)
            or not set(flags) <= set(TargetFlag.values)
            or len(set(flags)) != len(flags)
        ):
            add("target_flags", _("Choose target categories from the list, each once."))
        if self.amount_min is not None and self.amount_min <= 0:
            add("amount_min", _("The amount must be greater than zero."))
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            add("amount_max", _("The maximum amount cannot be below the minimum."))
        if self.term_min_months is not None and self.term_min_months <= 0:
            add("term_min_months", _("The term must be at least one month."))
        if (
            self.term_min_months is not None
            and self.term_max_months is not None
            and self.term_min_months > self.term_max_months
        ):
            add("term_max_months", _("The maximum term cannot be below the minimum."))
        if self.rate_min_pct is not None and self.rate_min_pct < 0:
            add("rate_min_pct", _("A rate cannot be negative."))
        if (
            self.rate_min_pct is not None
            and self.rate_max_pct is not None
            and self.rate_min_pct > self.rate_max_pct
        ):
            add("rate_max_pct", _("The highest rate cannot be below the lowest."))
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            add("valid_until", _("The end of the valid period cannot be before its start."))
        if errors:
            raise ValidationError(errors)

    @property
    def ip_kind_labels(self) -> list[str]:
        return _labels(self.ip_kinds, IpKind.choices)

    @property
    def target_flag_labels(self) -> list[str]:
        return _labels(self.target_flags, TargetFlag.choices)

    def is_valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or self.valid_until >= day)


class ProductEvent(models.Model):
    """One row per status move (and the creation), for the product's history."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), related_name="events", on_delete=models.CASCADE
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), related_name="+", on_delete=models.PROTECT
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ProductStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ProductStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["product", "at", "pk"]
        verbose_name = _("product event")
        verbose_name_plural = _("product events")

    def __str__(self) -> str:
        return f"{self.product_id}: {self.from_status or '-'} → {self.to_status}"


# --- Coaching before the loan (贷前有辅导) -----------------------------------------------------------

ENTERPRISE_ROLES = frozenset({Role.ENTERPRISE_USER, Role.ORG_ADMIN})
BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER})
PROMOTION_ROLES = frozenset({Role.PROMOTION_OFFICER})
# A coach is a service commissioner of the registration office or an officer of an IP agency.
COACH_ROLES = frozenset({Role.COMMISSIONER, Role.INSTITUTION_OFFICER})
SYSTEM = "system"  # moves the portal makes itself (siblings withdrawn when an offer is accepted)


class CoachingTopic(models.TextChoices):
    ELIGIBILITY = "eligibility", _("Whether we can get an IP-pledge loan")
    PRODUCTS = "products", _("Choosing a bank and a product")
    VALUATION = "valuation", _("Valuing our IP")
    REGISTRATION = "registration", _("The pledge registration")
    SUBSIDY = "subsidy", _("Interest and fee subsidies")
    OTHER = "other", _("Something else")


class CoachingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ASSIGNED = "assigned", _("Coach assigned")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


COACHING_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    CoachingStatus.REQUESTED: {
        CoachingStatus.ASSIGNED: PROMOTION_ROLES,
        CoachingStatus.CANCELLED: ENTERPRISE_ROLES | PROMOTION_ROLES,
    },
    CoachingStatus.ASSIGNED: {
        CoachingStatus.ASSIGNED: PROMOTION_ROLES,  # handed to another coach
        CoachingStatus.CLOSED: COACH_ROLES | PROMOTION_ROLES,
        CoachingStatus.CANCELLED: ENTERPRISE_ROLES | PROMOTION_ROLES,
    },
    CoachingStatus.CLOSED: {},
    CoachingStatus.CANCELLED: {},
}


class CaseOrigin(models.TextChoices):
    COACHING = "coaching", _("Coaching request")
    REQUEST = "request", _("Loan request")
    BANK_REPORT = "bank_report", _("Loan reported by the bank")


class FinancingCase(models.Model):
    """One enterprise's financing case (issue 11): the number it quotes from the first coaching question to
    the last recovery. A coaching request or loan request opens a case, or joins the enterprise's case that
    has neither a loan request nor a loan yet; a loan from an accepted offer is in its request's case; a
    loan the bank reports without a portal application opens its own. Registrations, subsidy lines,
    compensation claims and disposals belong to the case of their loan. A case has no status of its own:
    its stage is read from what it holds (``loans/cases.py``)."""

    reference = models.CharField(_("case number"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        related_name="financing_cases",
        on_delete=models.PROTECT,
        limit_choices_to={"kind": "enterprise"},
    )
    origin = models.CharField(_("opened with"), max_length=16, choices=CaseOrigin.choices)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opened by"),
        related_name="+",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    opened_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("financing case")
        verbose_name_plural = _("financing cases")
        indexes = [models.Index(fields=["enterprise", "-id"], name="loans_case_enterprise_id")]

    def __str__(self) -> str:
        return self.reference


def _case_field(related_name: str):
    # Nullable: loans reported before cases existed (and the synthetic scale data) have none; every
    # service that creates a coaching request, a loan request or a loan sets it.
    return models.ForeignKey(
        FinancingCase,
        verbose_name=_("case"),
        related_name=related_name,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )


class CoachingRequest(models.Model):
    case = _case_field("coaching_requests")
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        related_name="coaching_requests",
        on_delete=models.PROTECT,
        limit_choices_to={"kind": "enterprise"},
    )
    topic = models.CharField(_("topic"), max_length=16, choices=CoachingTopic.choices)
    message = models.TextField(_("what we would like to know"))
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CoachingStatus.choices,
        default=CoachingStatus.REQUESTED,
        db_index=True,
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("coach"),
        related_name="coaching_assigned",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requested by"), related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("coaching request")
        verbose_name_plural = _("coaching requests")

    def __str__(self) -> str:
        return f"{self.enterprise} · {self.get_topic_display()}"


class SessionMode(models.TextChoices):
    VISIT = "visit", _("Visit")
    PHONE = "phone", _("Phone call")
    ONLINE = "online", _("Online meeting")
    WINDOW = "window", _("At the service window")


class CoachingSession(models.Model):
    """A session held and the advice given, on the enterprise's timeline."""

    request = models.ForeignKey(
        CoachingRequest, verbose_name=_("coaching request"), related_name="sessions", on_delete=models.CASCADE
    )
    held_on = models.DateField(_("held on"))
    mode = models.CharField(_("how"), max_length=16, choices=SessionMode.choices)
    advice = models.TextField(_("advice given"))
    next_steps = models.TextField(_("next steps"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        ordering = ["held_on", "pk"]
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")

    def __str__(self) -> str:
        return f"{self.request_id} {self.held_on}"


class CoachingEvent(models.Model):
    request = models.ForeignKey(
        CoachingRequest, verbose_name=_("coaching request"), related_name="events", on_delete=models.CASCADE
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), related_name="+", on_delete=models.PROTECT
    )
    from_status = models.CharField(_("from"), max_length=16, choices=CoachingStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=CoachingStatus.choices, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("coaching event")
        verbose_name_plural = _("coaching events")

    def __str__(self) -> str:
        return f"{self.request_id}: {self.from_status or '-'} → {self.to_status or self.action}"


# --- Applications and bank review (贷时有选择) --------------------------------------------------------


class LoanRequest(models.Model):
    """What the enterprise asks for, sent at once to one or more products (one application per bank)."""

    case = _case_field("loan_requests")
    reference = models.CharField(_("request number"), max_length=20, unique=True)
    enterprise = models.ForeignKey(
        Organisation,
        verbose_name=_("enterprise"),
        related_name="loan_requests",
        on_delete=models.PROTECT,
        limit_choices_to={"kind": "enterprise"},
    )
    amount = models.DecimalField(_("amount wanted (yuan)"), max_digits=14, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("term wanted (months)"))
    purpose = models.TextField(_("purpose of the loan"))
    assets = models.ManyToManyField(
        "pledges.IpAsset", verbose_name=_("IP offered as pledge"), related_name="loan_requests"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("loan request")
        verbose_name_plural = _("loan requests")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="loans_request_amount_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="loans_request_term_positive"),
        ]

    def __str__(self) -> str:
        return self.reference


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    UNDER_REVIEW = "under_review", _("Under review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    AWAITING_SECOND_APPROVAL = "awaiting_second_approval", _("Awaiting a second approver")
    APPROVED = "approved", _("Approved: offer made")
    DECLINED = "declined", _("Declined")
    ACCEPTED = "accepted", _("Offer accepted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class DeclineReason(models.TextChoices):
    IP_VALUE_INSUFFICIENT = "ip_value_insufficient", _("The IP's value does not support the amount")
    IP_LEGAL_STATUS = "ip_legal_status", _("The IP's legal status or ownership is not clear")
    CREDIT_RECORD = "credit_record", _("Credit record")
    FINANCIALS = "financials", _("Operations or financial condition")
    OUTSIDE_PRODUCT = "outside_product", _("Outside the product's scope")
    MATERIALS_INCOMPLETE = "materials_incomplete", _("Information requested was not provided")
    OTHER = "other", _("Other")


# Which move is allowed and who may make it; permissions.py adds the party checks (the enterprise owns
# the request, the officer is in the application's bank, the checker is not the maker).
APPLICATION_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    ApplicationStatus.SUBMITTED: {
        ApplicationStatus.UNDER_REVIEW: BANK_ROLES,
        ApplicationStatus.WITHDRAWN: ENTERPRISE_ROLES | frozenset({SYSTEM}),
    },
    ApplicationStatus.UNDER_REVIEW: {
        ApplicationStatus.UNDER_REVIEW: BANK_ROLES,  # handed to another officer
        ApplicationStatus.INFO_REQUESTED: BANK_ROLES,
        ApplicationStatus.APPROVED: BANK_ROLES,  # at or below the second-approval threshold
        ApplicationStatus.AWAITING_SECOND_APPROVAL: BANK_ROLES,  # above it: the maker proposes
        ApplicationStatus.DECLINED: BANK_ROLES,
        ApplicationStatus.WITHDRAWN: ENTERPRISE_ROLES | frozenset({SYSTEM}),
    },
    ApplicationStatus.INFO_REQUESTED: {
        ApplicationStatus.UNDER_REVIEW: ENTERPRISE_ROLES,  # the enterprise answered
        ApplicationStatus.DECLINED: BANK_ROLES,
        ApplicationStatus.WITHDRAWN: ENTERPRISE_ROLES | frozenset({SYSTEM}),
    },
    ApplicationStatus.AWAITING_SECOND_APPROVAL: {
        ApplicationStatus.APPROVED: BANK_ROLES,  # the checker, never the maker
        ApplicationStatus.UNDER_REVIEW: BANK_ROLES,  # the checker sends it back
        ApplicationStatus.DECLINED: BANK_ROLES,
        ApplicationStatus.WITHDRAWN: ENTERPRISE_ROLES | frozenset({SYSTEM}),
    },
    ApplicationStatus.APPROVED: {
        ApplicationStatus.ACCEPTED: ENTERPRISE_ROLES,
        ApplicationStatus.WITHDRAWN: ENTERPRISE_ROLES | frozenset({SYSTEM}),
    },
    ApplicationStatus.DECLINED: {},
    ApplicationStatus.ACCEPTED: {},
    ApplicationStatus.WITHDRAWN: {},
}
OPEN_APPLICATION_STATUSES = frozenset(
    {
        ApplicationStatus.SUBMITTED,
        ApplicationStatus.UNDER_REVIEW,
        ApplicationStatus.INFO_REQUESTED,
        ApplicationStatus.AWAITING_SECOND_APPROVAL,
        ApplicationStatus.APPROVED,
    }
)


class LoanApplication(models.Model):
    """One bank's part of a request: its review, and its offer."""

    request = models.ForeignKey(
        LoanRequest, verbose_name=_("loan request"), related_name="applications", on_delete=models.CASCADE
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), related_name="applications", on_delete=models.PROTECT
    )
    # The product's bank (head office or branch), copied so the review queue is one indexed filter.
    bank = models.ForeignKey(
        Organisation, verbose_name=_("bank"), related_name="loan_applications", on_delete=models.PROTECT
    )
    status = models.CharField(
        _("status"),
        max_length=32,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
        db_index=True,
    )
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewing officer"),
        related_name="loan_applications_reviewing",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    info_requested = models.TextField(_("information requested"), blank=True)
    # The offer (set by the approval; above the threshold, proposed by the maker and approved by the checker).
    offer_amount = models.DecimalField(
        _("approved amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    offer_rate_pct = models.DecimalField(
        _("annual rate (%)"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    offer_term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    offer_conditions = models.TextField(_("conditions"), blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("proposed by (maker)"),
        related_name="+",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        related_name="+",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decline_reason = models.CharField(
        _("decline reason"), max_length=32, choices=DeclineReason.choices, blank=True
    )
    decline_note = models.TextField(_("decline note"), blank=True)
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("loan application")
        verbose_name_plural = _("loan applications")
        indexes = [models.Index(fields=["bank", "status", "-created_at"], name="loans_app_queue")]
        constraints = [
            models.UniqueConstraint(fields=["request", "bank"], name="loans_app_one_per_bank"),
            # At most one accepted offer per request, whatever two browser tabs do at once.
            models.UniqueConstraint(
                fields=["request"],
                condition=Q(status="accepted"),
                name="loans_app_one_accepted_per_request",
            ),
            models.CheckConstraint(
                condition=Q(offer_amount__isnull=True) | Q(offer_amount__gt=0),
                name="loans_app_offer_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.request.reference} · {self.bank}"


class ApplicationDocument(models.Model):
    """A document for the request (all its banks see it) or one answering a bank's information request."""

    request = models.ForeignKey(
        LoanRequest, verbose_name=_("loan request"), related_name="documents", on_delete=models.CASCADE
    )
    application = models.ForeignKey(
        LoanApplication,
        verbose_name=_("application"),
        related_name="documents",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text=_("Empty when the document goes to every bank of the request."),
    )
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to="loan-documents/%Y/%m/")
    original_name = models.CharField(_("original file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=64)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), related_name="+", on_delete=models.PROTECT
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "pk"]
        verbose_name = _("application document")
        verbose_name_plural = _("application documents")

    def __str__(self) -> str:
        return self.title


class ApplicationEvent(models.Model):
    application = models.ForeignKey(
        LoanApplication, verbose_name=_("application"), related_name="events", on_delete=models.CASCADE
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        related_name="+",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Empty for moves the portal made itself."),
    )
    from_status = models.CharField(_("from"), max_length=32, choices=ApplicationStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=32, choices=ApplicationStatus.choices, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("application event")
        verbose_name_plural = _("application events")

    def __str__(self) -> str:
        return f"{self.application_id}: {self.from_status or '-'} → {self.to_status or self.action}"


# --- Loan facts and monitoring (贷中有监测) ------------------------------------------------------------


class LoanStatus(models.TextChoices):
    AWAITING_CONTRACT = "awaiting_contract", _("Offer accepted, contract to be signed")
    CONTRACTED = "contracted", _("Contract signed, not yet disbursed")
    DISBURSED = "disbursed", _("Disbursed")
    REPAYING = "repaying", _("Repaying")
    OVERDUE = "overdue", _("Overdue")
    NON_PERFORMING = "non_performing", _("Non-performing")
    SETTLED = "settled", _("Settled")
    WRITTEN_OFF = "written_off", _("Written off")
    CANCELLED = "cancelled", _("Cancelled before disbursement")


class Classification(models.TextChoices):
    """The five-category loan classification (贷款五级分类); the last three are non-performing."""

    NORMAL = "normal", _("Normal (正常)")
    SPECIAL_MENTION = "special_mention", _("Special mention (关注)")
    SUBSTANDARD = "substandard", _("Substandard (次级)")
    DOUBTFUL = "doubtful", _("Doubtful (可疑)")
    LOSS = "loss", _("Loss (损失)")


NON_PERFORMING_CLASSES = frozenset({Classification.SUBSTANDARD, Classification.DOUBTFUL, Classification.LOSS})
LENDER_ROLES = BANK_ROLES
# Loan statuses move as the facts the bank reports dictate (services.facts); a bank may also cancel a
# contract never disbursed. A loan born from an accepted offer waits for the bank to record its contract.
# Domain.md §2.3 [A]: contracted → disbursed → repaying → settled, or overdue →
# non-performing → settled (recovered) or written off.
LOAN_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    LoanStatus.AWAITING_CONTRACT: {LoanStatus.CONTRACTED: LENDER_ROLES, LoanStatus.CANCELLED: LENDER_ROLES},
    LoanStatus.CONTRACTED: {LoanStatus.DISBURSED: LENDER_ROLES, LoanStatus.CANCELLED: LENDER_ROLES},
    LoanStatus.DISBURSED: {
        LoanStatus.REPAYING: LENDER_ROLES,
        LoanStatus.OVERDUE: LENDER_ROLES,
        LoanStatus.NON_PERFORMING: LENDER_ROLES,
        LoanStatus.SETTLED: LENDER_ROLES,
    },
    LoanStatus.REPAYING: {
        LoanStatus.OVERDUE: LENDER_ROLES,
        LoanStatus.NON_PERFORMING: LENDER_ROLES,
        LoanStatus.SETTLED: LENDER_ROLES,
    },
    LoanStatus.OVERDUE: {
        LoanStatus.REPAYING: LENDER_ROLES,  # the arrears were cured
        LoanStatus.NON_PERFORMING: LENDER_ROLES,
        LoanStatus.SETTLED: LENDER_ROLES,
    },
    LoanStatus.NON_PERFORMING: {
        LoanStatus.REPAYING: LENDER_ROLES,  # upgraded back after a restructuring
        LoanStatus.SETTLED: LENDER_ROLES,
        LoanStatus.WRITTEN_OFF: LENDER_ROLES,
    },
    LoanStatus.SETTLED: {},
    LoanStatus.WRITTEN_OFF: {},
    LoanStatus.CANCELLED: {},
}
ACTIVE_LOAN_STATUSES = frozenset(
    {LoanStatus.DISBURSED, LoanStatus.REPAYING, LoanStatus.OVERDUE, LoanStatus.NON_PERFORMING}
)


class LoanSource(models.TextChoices):
    PORTAL = "portal", _("Portal pages")
    API = "api", _("Bank API")
    IMPORT = "import", _("File upload")


class Loan(models.Model):
    """A loan contract and its current facts; ``LoanFact`` rows are the ledger these figures come from."""

    case = _case_field("loans")
    reference = models.CharField(_("loan number"), max_length=20, unique=True)
    bank = models.ForeignKey(
        Organisation, verbose_name=_("lending bank"), related_name="loans", on_delete=models.PROTECT
    )
    bank_loan_ref = models.CharField(
        _("bank's loan reference"),
        max_length=64,
        blank=True,
        help_text=_("The bank's own number for this loan; empty until the bank records the contract."),
    )
    enterprise = models.ForeignKey(
        Organisation, verbose_name=_("borrower"), related_name="loans_borrowed", on_delete=models.PROTECT
    )
    application = models.OneToOneField(
        LoanApplication,
        verbose_name=_("application"),
        related_name="loan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    # One registration per IP kind pledged (a registration covers assets of one kind).
    registrations = models.ManyToManyField(
        "pledges.PledgeRegistration", verbose_name=_("pledge registrations"), related_name="loans", blank=True
    )
    source = models.CharField(_("reported through"), max_length=16, choices=LoanSource.choices)
    contract_number = models.CharField(_("contract number"), max_length=64, blank=True)
    contract_signed_on = models.DateField(_("contract signed on"), null=True, blank=True)
    principal = models.DecimalField(_("principal (yuan)"), max_digits=14, decimal_places=2)
    annual_rate_pct = models.DecimalField(_("annual rate (%)"), max_digits=5, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    maturity_date = models.DateField(_("maturity date"), null=True, blank=True)
    # Combination loans: the IP-secured share, certified by the bank (domain.md §2.3); 1 for pure IP loans.
    is_combination = models.BooleanField(_("combination loan"), default=False)
    ip_share = models.DecimalField(_("IP share"), max_digits=5, decimal_places=4, default=Decimal("1.0000"))
    ip_share_certified_by = models.CharField(_("IP share certified by"), max_length=100, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=LoanStatus.choices, default=LoanStatus.CONTRACTED
    )
    disbursed_on = models.DateField(_("disbursed on"), null=True, blank=True)
    disbursed_amount = models.DecimalField(
        _("disbursed (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    principal_repaid = models.DecimalField(
        _("principal repaid (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    interest_paid = models.DecimalField(
        _("interest paid (yuan)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    settled_on = models.DateField(_("settled on"), null=True, blank=True)
    overdue_days = models.PositiveIntegerField(_("days overdue"), default=0)
    overdue_since = models.DateField(_("overdue since"), null=True, blank=True)
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, default=Classification.NORMAL
    )
    classified_on = models.DateField(_("classified on"), null=True, blank=True)
    non_performing_on = models.DateField(_("non-performing since"), null=True, blank=True)
    written_off_on = models.DateField(_("written off on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("created by"), related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        # Keyset (cursor) pagination walks "-id": newest first, one index, no count (performance.md §1).
        ordering = ["-id"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        indexes = [
            models.Index(fields=["bank", "-id"], name="loans_loan_bank_id"),
            models.Index(fields=["enterprise", "-id"], name="loans_loan_enterprise_id"),
            models.Index(fields=["status", "-id"], name="loans_loan_status_id"),
            # A bank's home: its loans awaiting a fact, counted (bank, status) and the longest waiting first:
            # the order comes from the few loans awaiting anything, walked oldest first (bench pages).
            models.Index(fields=["bank", "status", "created_at", "id"], name="loans_loan_bank_waiting"),
            # Search: a bank's loans of the enterprises a name matches (a list of ids), without intersecting
            # the bank's whole book (bench pages).
            models.Index(fields=["enterprise", "bank"], name="loans_loan_enterprise_bank"),
            models.Index(
                fields=["created_at", "id"],
                name="loans_loan_awaiting_facts",
                condition=Q(status__in=["awaiting_contract", "contracted"]),
            ),
        ]
        constraints = [
            # A replay without an idempotency key is a conflict, never a second loan (security.md §31).
            models.UniqueConstraint(
                fields=["bank", "bank_loan_ref"],
                condition=~Q(bank_loan_ref=""),
                name="loans_loan_unique_bank_ref",
            ),
            models.CheckConstraint(condition=Q(principal__gt=0), name="loans_loan_principal_positive"),
            models.CheckConstraint(condition=Q(term_months__gt=0), name="loans_loan_term_positive"),
            models.CheckConstraint(condition=Q(annual_rate_pct__gte=0), name="loans_loan_rate_not_negative"),
            models.CheckConstraint(
                condition=Q(ip_share__gt=0, ip_share__lte=1), name="loans_loan_ip_share_range"
            ),
            models.CheckConstraint(
                condition=Q(disbursed_amount__gte=0, disbursed_amount__lte=F("principal")),
                name="loans_loan_disbursed_within_principal",
            ),
            models.CheckConstraint(
                condition=Q(principal_repaid__gte=0, principal_repaid__lte=F("disbursed_amount")),
                name="loans_loan_repaid_within_disbursed",
            ),
            models.CheckConstraint(
                condition=Q(interest_paid__gte=0), name="loans_loan_interest_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.bank_loan_ref})"

    @property
    def outstanding(self) -> Decimal:
        return self.disbursed_amount - self.principal_repaid

    @property
    def is_non_performing(self) -> bool:
        return self.classification in NON_PERFORMING_CLASSES


class ParticipantKind(models.TextChoices):
    """The kinds of api-contract.md §5 (risk compensation participants)."""

    BANK = "bank", _("Bank")
    GUARANTOR = "guarantor", _("Guarantor")
    INSURER = "insurer", _("Insurer")
    IP_AGENCY = "ip_agency", _("IP agency")
    EVALUATOR = "evaluator", _("Evaluation firm")


class LoanParticipant(models.Model):
    """An institution bearing part of the loan's risk (domain.md §2.6): its share of the loss, and the part
    of that share it passed on by re-guarantee or reinsurance ("dispersed")."""

    loan = models.ForeignKey(
        Loan, verbose_name=_("loan"), related_name="participants", on_delete=models.CASCADE
    )
    kind = models.CharField(_("kind"), max_length=16, choices=ParticipantKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("institution"),
        related_name="loan_participations",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
    )
    name = models.CharField(_("name"), max_length=200)
    risk_share = models.DecimalField(_("risk share"), max_digits=5, decimal_places=4)
    dispersed = models.DecimalField(
        _("part passed on"),
        max_digits=5,
        decimal_places=4,
        default=Decimal("0.0000"),
        help_text=_("Share of its own part re-guaranteed or reinsured (0 ≤ part < 1)."),
    )

    class Meta:
        ordering = ["loan", "pk"]
        verbose_name = _("loan participant")
        verbose_name_plural = _("loan participants")
        constraints = [
            models.UniqueConstraint(fields=["loan", "name"], name="loans_participant_unique_name"),
            models.CheckConstraint(
                condition=Q(risk_share__gt=0, risk_share__lte=1), name="loans_participant_share_range"
            ),
            models.CheckConstraint(
                condition=Q(dispersed__gte=0, dispersed__lt=1), name="loans_participant_dispersed_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.risk_share}"


class FactKind(models.TextChoices):
    DISBURSEMENT = "disbursement", _("Disbursement")
    INTEREST = "interest", _("Interest payment")
    REPAYMENT = "repayment", _("Principal repayment")
    SETTLEMENT = "settlement", _("Settlement")
    OVERDUE = "overdue", _("Overdue days")
    CLASSIFICATION = "classification", _("Five-category classification")
    WRITE_OFF = "write_off", _("Write-off")


class LoanFact(models.Model):
    """One fact the bank reported, kept as reported: the ledger behind the loan's figures."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), related_name="facts", on_delete=models.CASCADE)
    kind = models.CharField(_("fact"), max_length=16, choices=FactKind.choices)
    occurred_on = models.DateField(_("date"))
    amount = models.DecimalField(_("amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True)
    overdue_days = models.PositiveIntegerField(_("days overdue"), null=True, blank=True)
    classification = models.CharField(
        _("classification"), max_length=16, choices=Classification.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    source = models.CharField(_("reported through"), max_length=16, choices=LoanSource.choices)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("reported by"), related_name="+", on_delete=models.PROTECT
    )
    reported_at = models.DateTimeField(_("reported at"), auto_now_add=True)

    class Meta:
        ordering = ["occurred_on", "pk"]
        verbose_name = _("loan fact")
        verbose_name_plural = _("loan facts")
        indexes = [models.Index(fields=["loan", "kind", "occurred_on"], name="loans_fact_loan_kind")]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gt=0), name="loans_fact_amount_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.kind} {self.occurred_on}"


class LoanEvent(models.Model):
    """One row per status move of a loan (and its creation), with the fact that caused it."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), related_name="events", on_delete=models.CASCADE)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), related_name="+", on_delete=models.PROTECT
    )
    from_status = models.CharField(_("from"), max_length=20, choices=LoanStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=LoanStatus.choices)
    fact = models.ForeignKey(
        LoanFact, verbose_name=_("fact"), related_name="+", on_delete=models.SET_NULL, null=True, blank=True
    )
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("loan event")
        verbose_name_plural = _("loan events")

    def __str__(self) -> str:
        return f"{self.loan_id}: {self.from_status or '-'} → {self.to_status}"


class AlertKind(models.TextChoices):
    LEGAL_STATUS = "legal_status", _("A pledged asset's legal status changed")
    ANNUAL_FEE = "annual_fee", _("A pledged patent's annual fee is unpaid")
    OVERDUE = "overdue", _("The loan is overdue")
    NON_PERFORMING = "non_performing", _("The loan is non-performing")


class LoanAlert(models.Model):
    """A monitoring alert, raised once per fact: ``(loan, kind, key)`` is unique, so a sweep run twice (or
    redelivered) raises nothing new."""

    loan = models.ForeignKey(Loan, verbose_name=_("loan"), related_name="alerts", on_delete=models.CASCADE)
    kind = models.CharField(_("alert"), max_length=16, choices=AlertKind.choices)
    key = models.CharField(_("fact key"), max_length=100)
    message = models.TextField(_("message"))
    raised_on = models.DateField(_("raised on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("loan alert")
        verbose_name_plural = _("loan alerts")
        constraints = [
            models.UniqueConstraint(fields=["loan", "kind", "key"], name="loans_alert_once_per_fact")
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.kind} {self.key}"


# --- Batch upload of loan facts --------------------------------------------------------------------


class ImportStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Checking and applying")
    APPLIED = "applied", _("Applied")
    REJECTED = "rejected", _("Rejected: nothing applied")
    FAILED = "failed", _("Failed: nothing applied")


class LoanImport(models.Model):
    bank = models.ForeignKey(
        Organisation, verbose_name=_("bank"), related_name="loan_imports", on_delete=models.PROTECT
    )
    file = models.FileField(_("file"), upload_to="loan-imports/%Y/%m/")
    original_name = models.CharField(_("original file name"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.QUEUED
    )
    encoding = models.CharField(_("encoding found"), max_length=16, blank=True)
    total_rows = models.PositiveIntegerField(_("rows"), default=0)
    processed_rows = models.PositiveIntegerField(_("rows checked"), default=0)
    error_count = models.PositiveIntegerField(_("errors"), default=0)
    # [{"row": 7, "field": "amount", "value": "-1", "message": "..."}], capped (see services.imports).
    errors = models.JSONField(_("errors"), default=list, blank=True)
    loans_created = models.PositiveIntegerField(_("loans created"), default=0)
    facts_recorded = models.PositiveIntegerField(_("facts recorded"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("loan fact upload")
        verbose_name_plural = _("loan fact uploads")

    def __str__(self) -> str:
        return f"{self.bank} {self.original_name}"


class SequenceCounter(models.Model):
    """The last number drawn in a series and year (loan and request numbers); locked while drawing."""

    series = models.CharField(_("series"), max_length=8)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number series")
        verbose_name_plural = _("number series")
        constraints = [models.UniqueConstraint(fields=["series", "year"], name="loans_sequence_unique")]

    def __str__(self) -> str:
        return f"{self.series}-{self.year}: {self.last}"
