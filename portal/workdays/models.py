"""The working-day calendar as year-versioned data (domain.md §4.1).

Each year's State Council notice (国务院办公厅关于××年部分节假日安排的通知) becomes one ``CalendarYear``
with its ``SpecialDay`` rows: every day of each holiday range (weekend days inside a range included, so a
skipped Saturday can be named after its holiday) and every makeup working day (调休上班). A year counts
only once staff mark it official; until then deadlines falling in it are provisional.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# Dates outside this span are refused by the calculator; the same bounds keep typos out of the admin.
FIRST_YEAR = 1990
LAST_YEAR = 2101


class CalendarStatus(models.TextChoices):
    OFFICIAL = "official", _("Official")
    PROVISIONAL = "provisional", _("Provisional")


class DayKind(models.TextChoices):
    HOLIDAY = "holiday", _("Holiday (day off)")
    MAKEUP_WORKDAY = "makeup_workday", _("Makeup working day")


class CalendarYear(models.Model):
    year = models.PositiveSmallIntegerField(
        _("year"),
        unique=True,
        validators=[MinValueValidator(FIRST_YEAR), MaxValueValidator(LAST_YEAR)],
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=CalendarStatus.choices,
        default=CalendarStatus.PROVISIONAL,
        help_text=_(
            "Only an official year is used for deadlines; a provisional year counts weekends and the "
            "fixed statutory holidays only."
        ),
    )
    notice_reference = models.CharField(
        _("notice reference"),
        max_length=120,
        blank=True,
        help_text=_("Document number of the State Council notice, e.g. 国办发明电〔2025〕7号."),
    )
    notice_date = models.DateField(_("notice date"), null=True, blank=True)
    source_url = models.URLField(_("source URL"), max_length=500, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("updated by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = _("calendar year")
        verbose_name_plural = _("calendar years")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=CalendarStatus.values),
                name="workdays_calendaryear_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=FIRST_YEAR, year__lte=LAST_YEAR),
                name="workdays_calendaryear_year_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} ({self.get_status_display()})"

    def clean(self):
        # An official calendar decides legal deadlines, so it must say which notice it comes from.
        if self.status == CalendarStatus.OFFICIAL and not self.notice_reference.strip():
            raise ValidationError(
                {
                    "notice_reference": _(
                        "An official calendar needs the reference of its State Council notice."
                    )
                }
            )


class SpecialDay(models.Model):
    calendar = models.ForeignKey(
        CalendarYear,
        verbose_name=_("calendar year"),
        on_delete=models.CASCADE,
        related_name="special_days",
    )
    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=DayKind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60, help_text=_("e.g. 国庆节"))
    name_en = models.CharField(_("name (English)"), max_length=80, help_text=_("e.g. National Day"))
    source = models.CharField(
        _("source"),
        max_length=200,
        blank=True,
        help_text=_("Where this day comes from: the notice, or the chinesecalendar package version."),
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("special day")
        verbose_name_plural = _("special days")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=DayKind.values),
                name="workdays_specialday_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date.isoformat()} {self.name_zh} ({self.get_kind_display()})"

    def clean(self):
        errors = {}
        calendar = getattr(self, "calendar", None)
        if calendar is not None and self.date is not None and self.date.year != calendar.year:
            errors["date"] = _("This date is not in %(year)s, the year of its calendar.") % {
                "year": calendar.year
            }
        # Makeup days (调休上班) turn a weekend day into a working day; on a weekday they would mean nothing.
        if self.kind == DayKind.MAKEUP_WORKDAY and self.date is not None and self.date.weekday() < 5:
            errors["kind"] = _("A makeup working day must fall on a Saturday or a Sunday.")
        if errors:
            raise ValidationError(errors)
