from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.outbox.models import OutboxMessage


class SentFilter(admin.SimpleListFilter):
    title = _("sent")
    parameter_name = "sent"

    def lookups(self, request, model_admin):
        return [("no", _("Waiting")), ("yes", _("Sent"))]

    def queryset(self, request, queryset):
        if self.value() == "no":
            return queryset.filter(sent_at=None)
        if self.value() == "yes":
            return queryset.exclude(sent_at=None)
        return queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    """Read-only: staff see what waits for the broker and why; the relay alone sends and prunes rows."""

    list_display = ("id", "task", "created_at", "sent_at", "attempts", "available_at", "short_error")
    list_filter = (SentFilter, "task")
    search_fields = ("task", "=dedupe_key")
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in OutboxMessage._meta.fields]
    show_full_result_count = False

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:120]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
