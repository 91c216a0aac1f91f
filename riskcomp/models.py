"""Risk compensation for non-performing IP-pledge loans (issue 7, domain.md §2.6).

A ``Claim`` is opened by the lending bank for a non-performing loan, pre-filled from the loan's facts and
participants; each participant institution confirms its own share; the IP bureau reviews it with four eyes;
approval reserves the payouts against the year's fund budget (``FundYear``) and each institution's annual
cap (``InstitutionYear``) with conditional updates under check constraints; finance marks it paid. Later
recoveries give the fund back its fraction (``Recovery`` and its ``ClawbackShare`` rows), confirmed by the
participants and tracked to settlement. Every move follows ``CLAIM_TRANSITIONS`` and writes a ``ClaimEvent``.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from loans.models import ParticipantKind
from portal.accounts.models import Organisation, Role

ZERO = Decimal("0.00")


def _money(verbose_name, **extra):
    return models.DecimalField(verbose_name, max_digits=14, decimal_places=2, **extra)


def _fraction(verbose_name, **extra):
    return models.DecimalField(verbose_name, max_digits=5, decimal_places=4, **extra)


class ClaimStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMING = "confirming", _("Waiting for the participants to confirm their shares")
    SUBMITTED = "submitted", _("Submitted, waiting for review")
    UNDER_REVIEW = "under_review", _("Under review")
    CORRECTION = "correction", _("Correction requested")
    PROPOSED = "proposed", _("Proposed, waiting for the second reviewer")
    APPROVED = "approved", _("Approved, waiting for payment")
    PAID = "paid", _("Compensation paid")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


BANK_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER})
REVIEWER_ROLES = frozenset({Role.REVIEWER})
FINANCE_ROLES = frozenset({Role.FINANCE_OFFICER})
PARTICIPANT_ROLES = frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER, Role.INSTITUTION_OFFICER})
SYSTEM = frozenset({"system"})

_S = ClaimStatus
# Who may move a claim where; the four-eyes rule (the second reviewer is never the first) is checked in
# the service on top of the roles.
CLAIM_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    _S.DRAFT: {_S.CONFIRMING: BANK_ROLES, _S.SUBMITTED: BANK_ROLES, _S.WITHDRAWN: BANK_ROLES},
    _S.CONFIRMING: {_S.SUBMITTED: SYSTEM, _S.CORRECTION: PARTICIPANT_ROLES, _S.WITHDRAWN: BANK_ROLES},
    _S.SUBMITTED: {_S.UNDER_REVIEW: REVIEWER_ROLES, _S.WITHDRAWN: BANK_ROLES},
    _S.UNDER_REVIEW: {_S.CORRECTION: REVIEWER_ROLES, _S.PROPOSED: REVIEWER_ROLES},
    _S.CORRECTION: {_S.CONFIRMING: BANK_ROLES, _S.SUBMITTED: BANK_ROLES, _S.WITHDRAWN: BANK_ROLES},
    _S.PROPOSED: {_S.APPROVED: REVIEWER_ROLES, _S.REJECTED: REVIEWER_ROLES, _S.UNDER_REVIEW: REVIEWER_ROLES},
    _S.APPROVED: {_S.PAID: FINANCE_ROLES},
    _S.PAID: {},
    _S.REJECTED: {},
    _S.WITHDRAWN: {},
}
EDITABLE_STATUSES = frozenset({_S.DRAFT, _S.CORRECTION})
CLOSED_STATUSES = frozenset({_S.REJECTED, _S.WITHDRAWN})


class Claim(models.Model):
    reference = models.CharField(_("claim number"), max_length=20, unique=True)
    loan = models.ForeignKey("loans.Loan", verbose_name=_("loan"), on_delete=models.PROTECT, related_name="+")
    bank = models.ForeignKey(
        Organisation,
        verbose_name=_("claimant bank"),
        on_delete=models.PROTECT,
        related_name="riskcomp_claims",
    )
    year = models.PositiveSmallIntegerField(_("fund year"))
    parameters = models.JSONField(_("parameters applied"))
    status = models.CharField(_("status"), max_length=16, choices=ClaimStatus.choices, default=_S.DRAFT)
    # The facts claimed (pre-filled from the loan, editable while a draft).
    npl_on = models.DateField(_("non-performing since"))
    npl_principal = _money(_("principal outstanding at non-performance (yuan)"))
    ip_share = _fraction(_("IP share"))
    recovered = _money(_("recoveries before the claim (yuan)"), default=ZERO)
    pledge_registered_on = models.DateField(_("pledge registered on"), null=True, blank=True)
    registration_reference = models.CharField(_("pledge registration on record"), max_length=40, blank=True)
    # The calculation (stored with the claim: every amount reproducible from its sheet).
    eligible = models.BooleanField(_("eligible"), default=False)
    reasons = models.JSONField(_("why not eligible"), default=list, blank=True)
    loss = _money(_("loss (yuan)"), default=ZERO)
    raw_total = _money(_("rate x bases (yuan)"), default=ZERO)
    total = _money(_("compensation (yuan)"), default=ZERO)
    cap_applied = models.BooleanField(_("per-loan cap applied"), default=False)
    calculated_at = models.DateTimeField(_("calculated at"), null=True, blank=True)
    # Review and payment.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    first_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("first reviewer"),
    )
    proposed_outcome = models.CharField(_("proposed outcome"), max_length=16, blank=True)
    adjustment_reason = models.TextField(_("reason for the adjustment"), blank=True)
    second_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("second reviewer"),
    )
    approved_total = _money(_("approved compensation (yuan)"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    clawed_back = _money(_("clawed back so far (yuan)"), default=ZERO)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("risk compensation claim")
        verbose_name_plural = _("risk compensation claims")
        indexes = [
            models.Index(fields=["bank", "-id"], name="riskcomp_claim_bank"),
            models.Index(fields=["status", "-id"], name="riskcomp_claim_status"),
        ]
        constraints = [
            # One live claim per loan: a loan is compensated once.
            models.UniqueConstraint(
                fields=["loan"],
                condition=~Q(status__in=["rejected", "withdrawn"]),
                name="riskcomp_claim_one_per_loan",
            ),
            models.CheckConstraint(
                condition=Q(npl_principal__gt=0), name="riskcomp_claim_principal_positive"
            ),
            models.CheckConstraint(
                condition=Q(ip_share__gt=0, ip_share__lte=1), name="riskcomp_claim_ip_share"
            ),
            models.CheckConstraint(
                condition=Q(recovered__gte=0), name="riskcomp_claim_recovered_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(clawed_back__gte=0)
                & (Q(approved_total__isnull=True) | Q(clawed_back__lte=F("approved_total"))),
                name="riskcomp_claim_clawback_within_paid",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Confirmation(models.TextChoices):
    NOT_NEEDED = "not_needed", _("Not needed (the claimant itself, or no portal account)")
    PENDING = "pending", _("Waiting for the institution")
    CONFIRMED = "confirmed", _("Confirmed")
    DISPUTED = "disputed", _("Disputed")


class ClaimParticipant(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("kind"), max_length=16, choices=ParticipantKind.choices)
    organisation = models.ForeignKey(
        Organisation,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="riskcomp_participations",
    )
    name = models.CharField(_("name"), max_length=200)
    share = _fraction(_("share of the loss"))
    dispersed = _fraction(_("part passed on"), default=Decimal("0.0000"))
    base = _money(_("base (yuan)"), default=ZERO)
    payout = _money(_("calculated payout (yuan)"), default=ZERO)
    proposed_payout = _money(_("proposed payout (yuan)"), null=True, blank=True)
    approved_payout = _money(_("approved payout (yuan)"), null=True, blank=True)
    confirmation = models.CharField(
        _("confirmation"), max_length=16, choices=Confirmation.choices, default=Confirmation.NOT_NEEDED
    )
    confirmation_note = models.TextField(_("institution's note"), blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["claim", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(share__gt=0, share__lte=1), name="riskcomp_participant_share"),
            models.CheckConstraint(
                condition=Q(dispersed__gte=0, dispersed__lt=1), name="riskcomp_participant_dispersed"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class EvidenceItem(models.TextChoices):
    """The claim's checklist (domain.md §2.6; the list is [A])."""

    LOAN_CONTRACT = "loan_contract", _("Loan contract and pledge contract")
    REGISTRATION = "registration", _("Pledge registration certificate")
    CLASSIFICATION = "classification", _("Evidence of the non-performing classification")
    RECOVERY_ACTIONS = "recovery_actions", _("Collection and recovery actions taken")
    RISK_SHARING = "risk_sharing", _("Risk-sharing agreements with the other participants")


REQUIRED_EVIDENCE = (EvidenceItem.LOAN_CONTRACT, EvidenceItem.REGISTRATION, EvidenceItem.CLASSIFICATION)


class Evidence(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="evidence")
    item = models.CharField(_("item"), max_length=24, choices=EvidenceItem.choices)
    file = models.FileField(_("file"), upload_to="riskcomp-evidence/%Y/%m/")
    file_name = models.CharField(_("file name"), max_length=150)
    content_type = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        ordering = ["claim", "item", "pk"]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.item}"


class ClaimEvent(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Empty when the portal itself made the move."),
    )
    from_status = models.CharField(_("from"), max_length=16, choices=ClaimStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=ClaimStatus.choices, blank=True)
    action = models.CharField(_("action"), max_length=32, default="transition")
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.from_status or '-'} → {self.to_status or self.action}"


# --- Money: the fund's year and each institution's year --------------------------------------------------


class FundYear(models.Model):
    """The fund's budget for a year (from the year's parameters) and what approvals reserved, payments paid
    and clawbacks brought back. The check keeps reserved <= budget: the fund is never overspent."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    budget = _money(_("budget (yuan)"))
    reserved = _money(_("reserved (yuan)"), default=ZERO)
    paid = _money(_("paid (yuan)"), default=ZERO)
    recovered = _money(_("clawed back (yuan)"), default=ZERO)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                condition=Q(reserved__gte=0, reserved__lte=F("budget")), name="riskcomp_fund_within_budget"
            ),
            models.CheckConstraint(
                condition=Q(paid__gte=0, paid__lte=F("reserved")), name="riskcomp_fund_paid_within_reserved"
            ),
        ]

    def __str__(self) -> str:
        return str(self.year)


class InstitutionYear(models.Model):
    """What one institution was granted in a year, against the per-institution annual cap (when set)."""

    year = models.PositiveSmallIntegerField(_("year"))
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    cap = _money(_("annual cap (yuan)"), null=True, blank=True)
    reserved = _money(_("reserved (yuan)"), default=ZERO)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["year", "organisation"], name="riskcomp_institution_year_once"),
            models.CheckConstraint(
                condition=Q(reserved__gte=0) & (Q(cap__isnull=True) | Q(reserved__lte=F("cap"))),
                name="riskcomp_institution_within_cap",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.organisation_id}"


# --- Recovery and clawback ---------------------------------------------------------------------------------


class RecoverySource(models.TextChoices):
    DISPOSAL = "disposal", _("Disposal of the pledged IP")
    OTHER = "other", _("Other recovery (repayment, guarantee, litigation)")


class ClawbackStatus(models.TextChoices):
    CONFIRMING = "confirming", _("Waiting for the participants to confirm")
    CONFIRMED = "confirmed", _("Confirmed, waiting for repayment to the fund")
    SETTLED = "settled", _("Settled")


class Recovery(models.Model):
    claim = models.ForeignKey(Claim, on_delete=models.PROTECT, related_name="recoveries")
    amount = _money(_("amount recovered (yuan)"))
    received_on = models.DateField(_("received on"))
    source = models.CharField(_("source"), max_length=16, choices=RecoverySource.choices)
    note = models.TextField(_("note"), blank=True)
    fund_share = _money(_("due to the fund (yuan)"), default=ZERO)
    status = models.CharField(
        _("status"), max_length=16, choices=ClawbackStatus.choices, default=ClawbackStatus.CONFIRMING
    )
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now_add=True)
    settled_on = models.DateField(_("settled on"), null=True, blank=True)

    class Meta:
        ordering = ["claim", "received_on", "pk"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="riskcomp_recovery_positive")]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.amount}"


class ClawbackShare(models.Model):
    recovery = models.ForeignKey(Recovery, on_delete=models.CASCADE, related_name="shares")
    participant = models.ForeignKey(ClaimParticipant, on_delete=models.PROTECT, related_name="clawbacks")
    amount = _money(_("to pay back (yuan)"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    class Meta:
        ordering = ["recovery", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="riskcomp_clawback_not_negative")
        ]

    def __str__(self) -> str:
        return f"{self.recovery_id}: {self.amount}"


class BankNplRatio(models.Model):
    """A bank's overall non-performing loan ratio for a quarter, as the bank reports it: the reports set the
    IP loans' NPL ratio beside it (domain.md §2.10: at most 3 percentage points above is tolerated)."""

    bank = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("bank"))
    period_end = models.DateField(_("quarter ending"))
    ratio_pct = models.DecimalField(_("overall NPL ratio (%)"), max_digits=5, decimal_places=2)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["bank", "-period_end"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "period_end"], name="riskcomp_npl_ratio_once"),
            models.CheckConstraint(
                condition=Q(ratio_pct__gte=0, ratio_pct__lte=100), name="riskcomp_npl_ratio_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.bank_id} {self.period_end}: {self.ratio_pct}%"
