from django.contrib import admin

from matchmaking.models import Contact, Demand, DemandClaim, DemandEvent, Event, EventLog, Match, Registration


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff look needs and events up here; every write goes through the services (the transition tables,
    the history rows, the conditional updates of claims and seats)."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in (*self.model._meta.fields, *self.model._meta.many_to_many)]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Demand)
class DemandAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "enterprise",
        "status",
        "source",
        "amount",
        "bank",
        "claim_until",
        "expires_on",
    )
    list_filter = ("status", "source")
    search_fields = ("reference", "enterprise__name")
    list_select_related = ("enterprise", "bank")


@admin.register(Event)
class EventAdmin(ReadOnlyAdmin):
    list_display = ("title", "kind", "organiser", "status", "starts_at", "capacity", "registered_count")
    list_filter = ("status", "kind")
    list_select_related = ("organiser",)


for model in (DemandClaim, Contact, DemandEvent, EventLog, Registration, Match):
    admin.site.register(model, ReadOnlyAdmin)
