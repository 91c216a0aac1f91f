"""Bank loan products: what a bank offers for IP-pledge loans ("a choice at the loan", issue 4).

A product moves only through ``PRODUCT_TRANSITIONS`` (applied by ``services.product_transition``); each
move leaves a ``ProductEvent``. Only published products valid today are shown to the public.
"""

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
