"""Statistics snapshots: the rollups the dashboards read (issue 8, domain.md §2.10).

A refresh (``stats.rollup.refresh``, run by Celery) computes every figure from the base tables into a new
``Snapshot`` and its ``Cell`` rows, then makes it current in one transaction: a reader always sees one whole
snapshot, never a half-written one, and every figure carries the snapshot's as-of time.

A ``Cell`` holds one subject's measures for one period and one combination of dimension values. Which
dimensions a row is cut by is its ``grain`` (a bitmask of ``stats.dims.Dim``); a dimension outside the grain
holds its "all" value ('' or 0). The measures' meaning per subject is in ``stats.subjects``.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SnapshotStatus(models.TextChoices):
    RUNNING = "running", _("Computing")
    READY = "ready", _("Current")
    SUPERSEDED = "superseded", _("Superseded")
    FAILED = "failed", _("Failed")


class Snapshot(models.Model):
    status = models.CharField(
        _("status"), max_length=16, choices=SnapshotStatus.choices, default=SnapshotStatus.RUNNING
    )
    trigger = models.CharField(_("started by"), max_length=32)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(_("started at"), auto_now_add=True)
    as_of = models.DateTimeField(_("figures as of"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    base_rows = models.PositiveBigIntegerField(_("base rows read"), default=0)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("statistics snapshot")
        verbose_name_plural = _("statistics snapshots")
        constraints = [
            # At most one snapshot is current: readers take it without ordering or guessing.
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="ready"), name="stats_one_current_snapshot"
            ),
            models.UniqueConstraint(
                fields=["status"], condition=models.Q(status="running"), name="stats_one_running_snapshot"
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_status_display()} {self.as_of or self.started_at:%Y-%m-%d %H:%M}"


class PeriodKind(models.TextChoices):
    YEAR = "Y", _("Year")
    QUARTER = "Q", _("Quarter")
    MONTH = "M", _("Month")
    NOW = "N", _("As of the refresh")


class Cell(models.Model):
    snapshot = models.ForeignKey(Snapshot, on_delete=models.CASCADE, related_name="cells")
    subject = models.CharField(max_length=16)
    kind = models.CharField(max_length=1, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField()
    part = models.PositiveSmallIntegerField()  # month 1-12, quarter 1-4, 0 for a year or "now"
    grain = models.PositiveSmallIntegerField()
    district = models.CharField(max_length=6, blank=True)
    park_id = models.PositiveIntegerField(default=0)
    bank_id = models.PositiveIntegerField(default=0)
    ip_kind = models.CharField(max_length=16, blank=True)
    industry = models.CharField(max_length=32, blank=True)
    breakdown = models.CharField(max_length=64, blank=True)
    c1 = models.BigIntegerField(default=0)
    c2 = models.BigIntegerField(default=0)
    c3 = models.BigIntegerField(default=0)
    c4 = models.BigIntegerField(default=0)
    c5 = models.BigIntegerField(default=0)
    a1 = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    a2 = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    a3 = models.DecimalField(max_digits=18, decimal_places=2, default=0)
    a4 = models.DecimalField(max_digits=18, decimal_places=2, default=0)

    class Meta:
        verbose_name = _("statistics cell")
        verbose_name_plural = _("statistics cells")
        indexes = [
            models.Index(
                fields=["snapshot", "subject", "grain", "kind", "year", "part"], name="stats_cell_lookup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject} {self.kind}{self.year}-{self.part} g{self.grain}"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting")
    RUNNING = "running", _("Writing")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Export(models.Model):
    """A drill-down list written to Excel by a Celery task, with its progress (large lists take a while).

    The scope was applied when it was requested: ``filters`` already holds the user's forced cut."""

    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    indicator = models.CharField(_("indicator"), max_length=40)
    period = models.CharField(_("period"), max_length=8)
    filters = models.JSONField(_("filters"), default=dict)
    language = models.CharField(_("language"), max_length=16, blank=True)  # the file speaks the requester's
    status = models.CharField(
        _("status"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    total = models.PositiveIntegerField(_("cases"), null=True, blank=True)
    done = models.PositiveIntegerField(_("written"), default=0)
    file = models.FileField(_("file"), upload_to="stats-exports/%Y/%m/", blank=True)
    error = models.TextField(_("error"), blank=True)
    created_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("statistics export")
        verbose_name_plural = _("statistics exports")

    def __str__(self) -> str:
        return f"{self.indicator} {self.period} ({self.get_status_display()})"


class MonthlyReport(models.Model):
    """One row per month reported and recipient: the beat task is safe to run twice."""

    period = models.CharField(_("month"), max_length=7)
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        ordering = ["-period", "recipient_id"]
        verbose_name = _("monthly statistics report")
        verbose_name_plural = _("monthly statistics reports")
        constraints = [
            models.UniqueConstraint(fields=["period", "recipient"], name="stats_monthly_report_once"),
        ]

    def __str__(self) -> str:
        return f"{self.period} → {self.recipient_id}"
