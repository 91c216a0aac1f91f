"""Who the users are and which organisation they act for.

A user may hold memberships in several organisations; at any moment they act for one (the *acting
membership*, chosen in the session and set on the user by ``ActingOrganisationMiddleware``). Every
scoping function reads the organisation and role from there.
"""

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.identifiers.validators import validate_uscc


class District(models.TextChoices):
    """Beijing's 16 districts (GB/T 2260 codes 110101-110119)."""

    DONGCHENG = "110101", _("Dongcheng")
    XICHENG = "110102", _("Xicheng")
    CHAOYANG = "110105", _("Chaoyang")
    FENGTAI = "110106", _("Fengtai")
    SHIJINGSHAN = "110107", _("Shijingshan")
    HAIDIAN = "110108", _("Haidian")
    MENTOUGOU = "110109", _("Mentougou")
    FANGSHAN = "110111", _("Fangshan")
    TONGZHOU = "110112", _("Tongzhou")
    SHUNYI = "110113", _("Shunyi")
    CHANGPING = "110114", _("Changping")
    DAXING = "110115", _("Daxing")
    HUAIROU = "110116", _("Huairou")
    PINGGU = "110117", _("Pinggu")
    MIYUN = "110118", _("Miyun")
    YANQING = "110119", _("Yanqing")


class Industry(models.TextChoices):
    """Beijing's high-end (高精尖) industry groups, plus 'other'."""

    NEXT_GEN_IT = "next_gen_it", _("Next-generation information technology")
    AI = "ai", _("Artificial intelligence")
    INTEGRATED_CIRCUITS = "ic", _("Integrated circuits")
    HEALTH = "health", _("Medicine and health")
    SMART_MANUFACTURING = "manufacturing", _("Intelligent manufacturing and equipment")
    CONNECTED_VEHICLES = "vehicles", _("Intelligent connected vehicles")
    GREEN_ENERGY = "green_energy", _("Green energy and environmental protection")
    NEW_MATERIALS = "materials", _("New materials")
    DIGITAL_ECONOMY = "digital", _("Digital economy and computing")
    TECH_SERVICES = "tech_services", _("Science and technology services")
    CULTURE = "culture", _("Cultural and creative industries")
    OTHER = "other", _("Other")


class OrgKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("Enterprise")
    BANK = "bank", _("Bank")
    GUARANTOR = "guarantor", _("Guarantor")
    INSURER = "insurer", _("Insurer")
    IP_AGENCY = "ip_agency", _("IP agency")
    EVALUATOR = "evaluator", _("Evaluation firm")
    REGISTRATION_OFFICE = "registration_office", _("Registration office")
    IP_BUREAU = "ip_bureau", _("IP bureau")
    FINANCE_BUREAU = "finance_bureau", _("Finance bureau")
    JOINT_OFFICE = "joint_office", _("Joint-meeting office")
    PARK_ADMIN = "park_admin", _("Park or district administration")


GOVERNMENT_KINDS = frozenset(
    {
        OrgKind.REGISTRATION_OFFICE,
        OrgKind.IP_BUREAU,
        OrgKind.FINANCE_BUREAU,
        OrgKind.JOINT_OFFICE,
        OrgKind.PARK_ADMIN,
    }
)
FINANCIAL_KINDS = frozenset({OrgKind.BANK, OrgKind.GUARANTOR, OrgKind.INSURER})


class Role(models.TextChoices):
    ENTERPRISE_USER = "enterprise_user", _("Enterprise user")
    ORG_ADMIN = "org_admin", _("Organisation administrator")
    BANK_OFFICER = "bank_officer", _("Bank officer")
    BANK_MANAGER = "bank_manager", _("Bank manager")
    INSTITUTION_OFFICER = "institution_officer", _("Institution officer")
    COMMISSIONER = "commissioner", _("Service commissioner")
    REGISTRATION_SUPERVISOR = "registration_supervisor", _("Registration supervisor")
    PROMOTION_OFFICER = "promotion_officer", _("Promotion centre officer")
    REVIEWER = "reviewer", _("Reviewer")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    JOINT_OFFICE_VIEWER = "joint_office_viewer", _("Joint-meeting office viewer")
    PARK_ADMIN = "park_admin", _("Park administrator")


# Staff for sign-in security (security.md check 15): everyone who acts for a bank, an institution, the
# government or as an organisation's administrator must use a second factor when MFA_REQUIRED is on, and so
# must portal staff (Django's is_staff). Only plain enterprise users may choose. The one place this is decided.
MFA_STAFF_ROLES = frozenset(set(Role) - {Role.ENTERPRISE_USER})

# Which roles an organisation of each kind can give its members.
ROLES_BY_KIND: dict[str, frozenset[str]] = {
    OrgKind.ENTERPRISE: frozenset({Role.ENTERPRISE_USER, Role.ORG_ADMIN}),
    OrgKind.BANK: frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER, Role.ORG_ADMIN}),
    OrgKind.GUARANTOR: frozenset({Role.INSTITUTION_OFFICER, Role.ORG_ADMIN}),
    OrgKind.INSURER: frozenset({Role.INSTITUTION_OFFICER, Role.ORG_ADMIN}),
    OrgKind.IP_AGENCY: frozenset({Role.INSTITUTION_OFFICER, Role.ORG_ADMIN}),
    OrgKind.EVALUATOR: frozenset({Role.INSTITUTION_OFFICER, Role.ORG_ADMIN}),
    OrgKind.REGISTRATION_OFFICE: frozenset({Role.COMMISSIONER, Role.REGISTRATION_SUPERVISOR, Role.ORG_ADMIN}),
    OrgKind.IP_BUREAU: frozenset({Role.REVIEWER, Role.PROMOTION_OFFICER, Role.ORG_ADMIN}),
    OrgKind.FINANCE_BUREAU: frozenset({Role.FINANCE_OFFICER, Role.ORG_ADMIN}),
    OrgKind.JOINT_OFFICE: frozenset({Role.JOINT_OFFICE_VIEWER, Role.ORG_ADMIN}),
    OrgKind.PARK_ADMIN: frozenset({Role.PARK_ADMIN, Role.ORG_ADMIN}),
}


class VerificationStatus(models.TextChoices):
    """Whether the promotion centre has verified an organisation that registered itself."""

    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")


# Who may move an organisation's verification status where. Organisations that staff or the services create
# start verified; only a self-registered enterprise starts pending.
VERIFICATION_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    VerificationStatus.PENDING: {
        VerificationStatus.VERIFIED: frozenset({Role.PROMOTION_OFFICER}),
        VerificationStatus.REJECTED: frozenset({Role.PROMOTION_OFFICER}),
    },
    # A rejection can be reconsidered (new documents, a mistake): the centre verifies after all.
    VerificationStatus.REJECTED: {VerificationStatus.VERIFIED: frozenset({Role.PROMOTION_OFFICER})},
}


class User(AbstractUser):
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    phone = models.CharField(_("mobile phone"), max_length=20, blank=True)
    # Set whenever the password is set; the rotation rule (PASSWORD_MAX_AGE_DAYS) reads it.
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def membership(self) -> "Membership | None":
        """The membership this user acts under now.

        Set per request by the middleware from the session; outside a request (tasks, shell, tests)
        it is the user's first active membership.
        """
        acting = getattr(self, "_acting_membership", None)
        if acting is not None:
            return acting
        held = self.active_memberships()
        return held[0] if held else None

    def active_memberships(self) -> "list[Membership]":
        """The memberships this user may act under (active, in an active organisation), oldest first.

        Read once per user object, which a request loads afresh: the acting membership, the default one
        and the page header's switcher all come from this one query.
        """
        if not hasattr(self, "_active_memberships"):
            self._active_memberships = list(
                self.memberships.filter(is_active=True, organisation__is_active=True)
                .select_related("organisation", "organisation__parent")
                .order_by("id")
            )
        return self._active_memberships

    @property
    def organisation(self) -> "Organisation | None":
        membership = self.membership
        return membership.organisation if membership else None

    @property
    def role(self) -> str | None:
        membership = self.membership
        return membership.role if membership else None

    def set_password(self, raw_password) -> None:
        super().set_password(raw_password)
        self.password_changed_at = timezone.now()

    def act_as(self, membership: "Membership") -> None:
        if membership.user_id != self.pk:
            raise ValueError("A user can only act under their own membership")
        self._acting_membership = membership


class Park(models.Model):
    """Parks (Zhongguancun sub-parks and others); staff-editable."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    district = models.CharField(_("district"), max_length=6, choices=District.choices, blank=True)
    is_zhongguancun = models.BooleanField(_("Zhongguancun sub-park"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=100)

    class Meta:
        ordering = ["sort_order", "name"]
        verbose_name = _("park")
        verbose_name_plural = _("parks")

    def __str__(self) -> str:
        return self.name


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=OrgKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("head office"),
        related_name="branches",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        help_text=_("Only bank branches have a head office."),
    )
    uscc = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_uscc],
    )
    district = models.CharField(_("district"), max_length=6, choices=District.choices, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    verification_status = models.CharField(
        _("verification"),
        max_length=16,
        choices=VerificationStatus.choices,
        default=VerificationStatus.VERIFIED,
        # Rows written in SQL (the statistics' scale data, benchmarks) are organisations the portal made.
        db_default=VerificationStatus.VERIFIED,
        db_index=True,
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parent__isnull=True) | models.Q(kind=OrgKind.BANK),
                name="org_only_banks_have_head_office",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=OrgKind.ENTERPRISE) | models.Q(uscc__isnull=False),
                name="org_enterprise_has_uscc",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id:
            if self.kind != OrgKind.BANK or self.parent.kind != OrgKind.BANK:
                raise ValidationError(
                    {"parent": _("Only a bank branch can have a head office, which must be a bank.")}
                )
            if self.parent.parent_id:
                raise ValidationError({"parent": _("A branch's head office cannot itself be a branch.")})
        if self.kind == OrgKind.ENTERPRISE and not self.uscc:
            raise ValidationError({"uscc": _("An enterprise needs its unified social credit code.")})

    @property
    def head_office(self) -> "Organisation":
        return self.parent if self.parent_id else self

    @property
    def is_government(self) -> bool:
        return self.kind in GOVERNMENT_KINDS


class OrganisationEvent(models.Model):
    """One move of an organisation's verification status: who, from, to, why, when."""

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), related_name="events", on_delete=models.CASCADE
    )
    actor = models.ForeignKey(
        "User", verbose_name=_("actor"), related_name="+", on_delete=models.PROTECT, null=True, blank=True
    )
    from_status = models.CharField(_("from"), max_length=16, choices=VerificationStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=16, choices=VerificationStatus.choices)
    reason = models.TextField(_("reason"), blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("organisation event")
        verbose_name_plural = _("organisation events")

    def __str__(self) -> str:
        return f"{self.organisation}: {self.from_status or '-'} -> {self.to_status}"


class EnterpriseProfile(models.Model):
    organisation = models.OneToOneField(
        Organisation,
        on_delete=models.CASCADE,
        related_name="enterprise_profile",
        verbose_name=_("organisation"),
    )
    park = models.ForeignKey(Park, verbose_name=_("park"), on_delete=models.PROTECT, null=True, blank=True)
    industry = models.CharField(
        _("industry"), max_length=32, choices=Industry.choices, default=Industry.OTHER
    )
    is_high_tech = models.BooleanField(_("high-tech enterprise"), default=False)
    is_specialised = models.BooleanField(_("specialised and sophisticated SME (专精特新)"), default=False)
    is_little_giant = models.BooleanField(_("'little giant' enterprise"), default=False)
    is_tech_sme = models.BooleanField(_("tech-based SME"), default=False)
    is_ip_advantage = models.BooleanField(_("IP advantage or demonstration enterprise"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    class Meta:
        verbose_name = _("enterprise profile")
        verbose_name_plural = _("enterprise profiles")

    def __str__(self) -> str:
        return str(self.organisation)

    @property
    def category_labels(self) -> list[str]:
        flags = [
            ("is_high_tech", self.is_high_tech),
            ("is_specialised", self.is_specialised),
            ("is_little_giant", self.is_little_giant),
            ("is_tech_sme", self.is_tech_sme),
            ("is_ip_advantage", self.is_ip_advantage),
        ]
        return [str(self._meta.get_field(name).verbose_name) for name, on in flags if on]


class Membership(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("user")
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="memberships",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation", "role"], name="membership_unique_role"),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.organisation} · {self.get_role_display()}"

    def clean(self) -> None:
        if self.organisation_id and self.role not in ROLES_BY_KIND[self.organisation.kind]:
            raise ValidationError(
                {
                    "role": _("An organisation of this kind cannot give the role %(role)s.")
                    % {"role": self.role}
                }
            )


class Invitation(models.Model):
    """An e-mailed, single-use link to join an organisation in a given role, valid for a week.

    Only the SHA-256 of the token is stored, so the table alone opens nothing. The token itself is an HMAC
    of ``nonce`` under the portal's secret key: the mail task recomputes it, and the outbox row carries
    only the invitation's id, never a usable link.
    """

    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), related_name="invitations", on_delete=models.CASCADE
    )
    email = models.EmailField(_("e-mail"))
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    token_hash = models.CharField(_("token (SHA-256)"), max_length=64, unique=True)
    nonce = models.CharField(_("nonce"), max_length=64)
    invited_by = models.ForeignKey(
        User, verbose_name=_("invited by"), related_name="+", on_delete=models.PROTECT
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        User, verbose_name=_("accepted by"), related_name="+", on_delete=models.PROTECT, null=True, blank=True
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, verbose_name=_("revoked by"), related_name="+", on_delete=models.PROTECT, null=True, blank=True
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")

    def __str__(self) -> str:
        return f"{self.email} · {self.organisation}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and not self.is_expired


class SignInFailures(models.Model):
    """Consecutive failed sign-ins for one account name or one source address (security.md check 10).

    Kept in the database, not only the cache, so a lock survives a cache flush and every web process sees
    it. Account names are stored whether or not such a user exists: an unknown name locks exactly like a
    known one, so the answers never tell them apart.
    """

    class Kind(models.TextChoices):
        ACCOUNT = "account", _("Account")
        ADDRESS = "address", _("Source address")

    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    key = models.CharField(_("account name or address"), max_length=150)
    failures = models.PositiveIntegerField(_("failures"), default=0)
    window_started_at = models.DateTimeField(_("first failure in window"))
    locked_until = models.DateTimeField(_("locked until"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in failures")
        verbose_name_plural = _("sign-in failures")
        constraints = [models.UniqueConstraint(fields=["kind", "key"], name="signin_failures_unique_key")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.key}"


class TotpDevice(models.Model):
    """A user's authenticator app (RFC 6238). Unconfirmed until the user has typed one code from it."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="totp_device", verbose_name=_("user")
    )
    secret = models.CharField(_("secret"), max_length=64)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # The last 30-second time step whose code was accepted: a code is good once (ASVS 6.5.1).
    last_step = models.BigIntegerField(_("last used time step"), default=0)

    class Meta:
        verbose_name = _("authenticator device")
        verbose_name_plural = _("authenticator devices")

    def __str__(self) -> str:
        return str(self.user)


class RecoveryCode(models.Model):
    """A single-use code for a lost phone; only its SHA-256 is stored (a 50-bit random value)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="recovery_codes", verbose_name=_("user")
    )
    digest = models.CharField(_("code (SHA-256)"), max_length=64)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")

    def __str__(self) -> str:
        return f"{self.user} #{self.pk}"


class UserSession(models.Model):
    """Which sessions a user has open, so a password change or a deactivation can end them (check 14)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="sessions", verbose_name=_("user"))
    session_key = models.CharField(_("session key"), max_length=40, unique=True)
    created_at = models.DateTimeField(_("signed in at"), default=timezone.now)

    class Meta:
        verbose_name = _("user session")
        verbose_name_plural = _("user sessions")

    def __str__(self) -> str:
        return f"{self.user} {self.created_at:%Y-%m-%d %H:%M}"
