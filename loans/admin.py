from django.contrib import admin

from loans.models import Product, ProductEvent


class ProductEventInline(admin.TabularInline):
    model = ProductEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "from_status", "to_status", "reason")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    """Read-mostly: banks write products through their pages (services check the bank group and the
    transition table); staff look them up here."""

    list_display = (
        "name",
        "bank",
        "status",
        "amount_min",
        "amount_max",
        "valid_from",
        "valid_until",
        "updated_at",
    )
    list_filter = ("status", "guarantor_involved", "insurer_involved", "bank")
    search_fields = ("name", "bank__name", "target")
    date_hierarchy = "valid_from"
    list_select_related = ("bank",)
    inlines = [ProductEventInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in Product._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
