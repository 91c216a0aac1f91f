from django.contrib import admin

from portal.audit.models import AuditEvent


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
