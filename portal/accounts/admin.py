from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import EnterpriseProfile, Membership, Organisation, Park, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("full_name", "phone")}),
    )
    list_display = ("username", "full_name", "email", "is_active", "is_staff")
    search_fields = ("username", "full_name", "email")
    inlines = [MembershipInline]


class EnterpriseProfileInline(admin.StackedInline):
    model = EnterpriseProfile
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "uscc", "district", "is_active")
    list_filter = ("kind", "district", "is_active")
    search_fields = ("name", "uscc")
    autocomplete_fields = ["parent"]
    inlines = [EnterpriseProfileInline]


@admin.register(Park)
class ParkAdmin(admin.ModelAdmin):
    list_display = ("name", "name_en", "district", "is_zhongguancun", "is_active", "sort_order")
    list_editable = ("is_active", "sort_order")
    list_filter = ("is_zhongguancun", "district")
    search_fields = ("name", "name_en")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role", "is_active", "created_at")
    list_filter = ("role", "is_active", "organisation__kind")
    search_fields = ("user__username", "user__full_name", "organisation__name")
    autocomplete_fields = ["user", "organisation"]
