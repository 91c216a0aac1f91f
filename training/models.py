"""Talent training (issue 9; seed policy §9 加强知识产权质押融资专业人才培养).

The promotion centre (promotion officers of the IP bureau) and park administrations organise training
``Programme``s for bank credit staff, IP service professionals and enterprises, each a series of ``Course``s
with their hours. People of the programme's audience enrol (``Enrolment``, one per person and programme, up to
the programme's capacity); the organiser marks ``Attendance`` per course; closing the programme completes
everyone who attended at least the programme's ``completion_hours_share`` of its hours (the rest fail) and
issues each completion a numbered ``Certificate`` that anyone can verify. The promotion centre also publishes
the ``Commendation`` list of outstanding people and teams (通报表扬). Every move follows a TRANSITIONS table and
writes an event row.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from portal.accounts.models import Organisation, OrgKind, Role

ORGANISER_ROLES = frozenset({Role.PROMOTION_OFFICER, Role.PARK_ADMIN})
ORGANISER_KINDS = frozenset({OrgKind.IP_BUREAU, OrgKind.PARK_ADMIN})
# The enrolled person themselves, whatever their role.
SELF = "self"
DEFAULT_COMPLETION_SHARE = Decimal("0.8000")


class Audience(models.TextChoices):
    BANK_CREDIT = "bank_credit", _("Bank credit staff")
    IP_PROFESSIONALS = "ip_professionals", _("IP service professionals")
    ENTERPRISES = "enterprises", _("Enterprises")
    ALL = "all", _("Everyone")


# Who belongs to each audience: (organisation kinds, roles or None for any role of those kinds).
AUDIENCE_MEMBERS: dict[str, tuple[frozenset[str], frozenset[str] | None]] = {
    Audience.BANK_CREDIT: (frozenset({OrgKind.BANK}), frozenset({Role.BANK_OFFICER, Role.BANK_MANAGER})),
    Audience.IP_PROFESSIONALS: (frozenset({OrgKind.IP_AGENCY, OrgKind.EVALUATOR}), None),
    Audience.ENTERPRISES: (frozenset({OrgKind.ENTERPRISE}), None),
}


class ProgrammeStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published, open for enrolment")
    CLOSED = "closed", _("Closed")


_P = ProgrammeStatus
PROGRAMME_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    _P.DRAFT: {_P.PUBLISHED: ORGANISER_ROLES},
    _P.PUBLISHED: {_P.CLOSED: ORGANISER_ROLES},
    _P.CLOSED: {},
}
EDITABLE_PROGRAMME_STATUSES = frozenset({_P.DRAFT, _P.PUBLISHED})


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    COMPLETED = "completed", pgettext_lazy("training", "Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    FAILED = "failed", _("Not completed")


_E = EnrolmentStatus
# Completion and failure happen when the organiser closes the programme; a person may withdraw and enrol
# again while it is open (the same row: one enrolment per person and programme).
ENROLMENT_TRANSITIONS: dict[str, dict[str, frozenset[str]]] = {
    _E.ENROLLED: {_E.COMPLETED: ORGANISER_ROLES, _E.FAILED: ORGANISER_ROLES, _E.WITHDRAWN: frozenset({SELF})},
    _E.WITHDRAWN: {_E.ENROLLED: frozenset({SELF})},
    _E.COMPLETED: {},
    _E.FAILED: {},
}


def _hours(verbose_name, **extra):
    return models.DecimalField(verbose_name, max_digits=6, decimal_places=2, **extra)


class Programme(models.Model):
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices, default=Audience.ALL)
    organiser = models.ForeignKey(
        Organisation,
        verbose_name=_("organiser"),
        on_delete=models.PROTECT,
        related_name="training_programmes",
    )
    description = models.TextField(pgettext_lazy("programme", "description"), blank=True)
    year = models.PositiveSmallIntegerField(_("year"))
    capacity = models.PositiveIntegerField(_("places"))
    completion_hours_share = models.DecimalField(
        _("share of the hours to attend for completion"),
        max_digits=5,
        decimal_places=4,
        default=DEFAULT_COMPLETION_SHARE,
        help_text=_("For example 0.8000: attend at least 0.8 of the programme's hours."),
    )
    status = models.CharField(_("status"), max_length=12, choices=ProgrammeStatus.choices, default=_P.DRAFT)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["-year", "-pk"]
        verbose_name = _("training programme")
        verbose_name_plural = _("training programmes")
        indexes = [
            models.Index(fields=["organiser", "-id"], name="training_prog_organiser"),
            models.Index(fields=["status", "-year", "-id"], name="training_prog_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gt=0), name="training_programme_capacity_positive"),
            models.CheckConstraint(
                condition=Q(completion_hours_share__gt=0, completion_hours_share__lte=1),
                name="training_programme_share_range",
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Course(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="courses")
    title = models.CharField(_("title"), max_length=200)
    teacher = models.CharField(_("teacher"), max_length=100)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    online_link = models.URLField(_("online link"), blank=True)
    hours = _hours(_("hours"))
    capacity = models.PositiveIntegerField(_("seats"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "starts_at", "pk"]
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0), name="training_course_hours_positive"),
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="training_course_ends_after"
            ),
            models.CheckConstraint(
                condition=~Q(place="") | ~Q(online_link=""), name="training_course_place_or_link"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class ProgrammeEvent(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=ProgrammeStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=ProgrammeStatus.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["programme", "pk"]

    def __str__(self) -> str:
        return f"{self.programme_id}: {self.from_status} → {self.to_status}"


class Enrolment(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.PROTECT, related_name="enrolments")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="training_enrolments"
    )
    # The organisation the person enrolled for (they may act for another one later).
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=12, choices=EnrolmentStatus.choices, default=_E.ENROLLED
    )
    enrolled_at = models.DateTimeField(_("enrolled at"), auto_now_add=True)
    # Set when the programme is closed: the hours the rule was applied to.
    hours_attended = _hours(_("hours attended"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)

    class Meta:
        ordering = ["programme", "pk"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="training_enrolment_one_per_person"),
        ]
        indexes = [models.Index(fields=["user", "-id"], name="training_enrolment_user")]

    def __str__(self) -> str:
        return f"{self.user} · {self.programme}"


class EnrolmentEvent(models.Model):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_status = models.CharField(_("from"), max_length=12, choices=EnrolmentStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=12, choices=EnrolmentStatus.choices, blank=True)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["enrolment", "pk"]

    def __str__(self) -> str:
        return f"{self.enrolment_id}: {self.from_status} → {self.to_status}"


class Attendance(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attendances")
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attendances")
    present = models.BooleanField(_("present"), default=False)
    marked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    marked_at = models.DateTimeField(_("marked at"), auto_now=True)

    class Meta:
        ordering = ["course", "enrolment"]
        constraints = [
            models.UniqueConstraint(fields=["course", "enrolment"], name="training_attendance_once"),
        ]

    def __str__(self) -> str:
        return f"{self.course_id}/{self.enrolment_id}: {self.present}"


class CertificateSequence(models.Model):
    """The last certificate serial of a year; locked while a number is taken, so numbers never repeat
    and have no gaps."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.year}: {self.last}"


class Certificate(models.Model):
    # What the certificate says is kept as issued: a later rename of the person, their organisation or
    # the programme does not change a certificate already handed out.
    enrolment = models.OneToOneField(Enrolment, on_delete=models.PROTECT, related_name="certificate")
    number = models.CharField(_("certificate number"), max_length=20, unique=True)
    year = models.PositiveSmallIntegerField(_("year"))
    serial = models.PositiveIntegerField(_("serial"))
    verification_code = models.CharField(_("verification code"), max_length=12)
    holder_name = models.CharField(_("name"), max_length=100)
    organisation_name = models.CharField(_("organisation"), max_length=200)
    programme_title = models.CharField(_("programme"), max_length=200)
    hours = _hours(_("hours"))
    completed_on = models.DateField(_("completed on"))
    issuer_name = models.CharField(_("issuer"), max_length=200)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "-serial"]
        verbose_name = _("certificate of completion")
        verbose_name_plural = _("certificates of completion")
        constraints = [
            models.UniqueConstraint(fields=["year", "serial"], name="training_certificate_serial"),
        ]

    def __str__(self) -> str:
        return self.number


class CommendationKind(models.TextChoices):
    PERSON = "person", _("Person")
    TEAM = "team", _("Team")


class Commendation(models.Model):
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("published by"), on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    kind = models.CharField(_("kind"), max_length=8, choices=CommendationKind.choices)
    name = models.CharField(_("name"), max_length=100)
    organisation_name = models.CharField(_("organisation"), max_length=200)
    citation = models.TextField(_("citation"))
    published = models.BooleanField(_("published"), default=False)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["-year", "kind", "pk"]
        verbose_name = _("commendation")
        verbose_name_plural = _("commendations")
        indexes = [models.Index(fields=["published", "-year"], name="training_commendation_pub")]

    def __str__(self) -> str:
        return self.name


class CommendationEvent(models.Model):
    commendation = models.ForeignKey(Commendation, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(_("action"), max_length=16)
    created_at = models.DateTimeField(_("time"), auto_now_add=True)

    class Meta:
        ordering = ["commendation", "pk"]

    def __str__(self) -> str:
        return f"{self.commendation_id}: {self.action}"
