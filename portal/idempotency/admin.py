from django.contrib import admin

from portal.idempotency.models import IdempotencyKey


@admin.register(IdempotencyKey)
class IdempotencyKeyAdmin(admin.ModelAdmin):
    """Read-only: staff look up what a client's retry was answered; rows are written by the API only."""

    list_display = ("created_at", "scope", "key", "method", "path", "state", "response_status")
    list_filter = ("state", "method")
    search_fields = ("=scope", "=key", "path")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in IdempotencyKey._meta.fields]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
