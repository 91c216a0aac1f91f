from django.contrib import admin

from stats.models import Export, MonthlyReport, Snapshot


@admin.register(Snapshot)
class SnapshotAdmin(admin.ModelAdmin):
    """Read-only: snapshots are made by the refresh job, never by hand."""

    list_display = ("pk", "status", "trigger", "as_of", "finished_at", "rows", "base_rows")
    list_filter = ("status", "trigger")
    readonly_fields = [f.name for f in Snapshot._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Export)
class ExportAdmin(admin.ModelAdmin):
    list_display = ("pk", "requested_by", "indicator", "period", "status", "done", "total", "created_at")
    list_filter = ("status",)
    readonly_fields = [f.name for f in Export._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin):
    list_display = ("period", "recipient", "sent_at")
    readonly_fields = ("period", "recipient", "sent_at")

    def has_add_permission(self, request):
        return False
