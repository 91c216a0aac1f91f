"""The back office's view of disposal cases: read and search; every change goes through the services."""

from django.contrib import admin

from disposal.models import AuctionRound, Bid, Bidder, DisposalCase, DisposalEvent, Proceeds


class _ReadOnly(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class RoundInline(_ReadOnly):
    model = AuctionRound


class ProceedsInline(_ReadOnly):
    model = Proceeds


class EventInline(_ReadOnly):
    model = DisposalEvent


@admin.register(DisposalCase)
class DisposalCaseAdmin(admin.ModelAdmin):
    list_display = (
        "reference",
        "status",
        "method",
        "pledgee",
        "reserve_price",
        "deal_price",
        "proceeds_total",
    )
    list_filter = ("status", "method")
    search_fields = ("reference", "loan__reference", "pledgee__name")
    list_select_related = ("pledgee",)
    inlines = [RoundInline, ProceedsInline, EventInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(Bidder)
class BidderAdmin(admin.ModelAdmin):
    list_display = ("case", "number", "name", "user", "deposit_paid")
    search_fields = ("case__reference", "name")
    list_select_related = ("case", "user")

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Bid)
class BidAdmin(admin.ModelAdmin):
    list_display = ("round", "bidder", "amount", "placed_at")
    list_select_related = ("round", "bidder")

    def has_change_permission(self, request, obj=None):
        return False
