from django.contrib import admin

from portal.audit.models import AuditArchive, AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only, for staff as for everyone (the database refuses too)."""

    list_display = (
        "at",
        "action",
        "outcome",
        "actor_username",
        "organisation_id",
        "role",
        "source_ip",
        "object_type",
        "object_id",
    )
    list_filter = ("action", "outcome", ("at", admin.DateFieldListFilter))
    search_fields = ("actor_username", "=object_id", "=request_id")
    readonly_fields = [field.name for field in AuditEvent._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditArchive)
class AuditArchiveAdmin(admin.ModelAdmin):
    """Read-only: archive rows are written by the retention job, and their checksums are its evidence."""

    list_display = ("file", "first_id", "last_id", "row_count", "cutoff", "created_at", "purged_at")
    readonly_fields = [field.name for field in AuditArchive._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
