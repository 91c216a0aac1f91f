from django.contrib import admin

from portal.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """Read-mostly: staff look up what was sent to whom; rows are written by the services only."""

    list_display = ("created_at", "recipient", "kind", "subject", "read_at", "email_sent_at")
    list_filter = (
        "kind",
        ("read_at", admin.EmptyFieldListFilter),
        ("email_sent_at", admin.EmptyFieldListFilter),
    )
    search_fields = ("recipient__username", "recipient__full_name", "subject", "kind", "dedupe_key")
    list_select_related = ("recipient",)
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in Notification._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
