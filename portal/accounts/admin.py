from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.accounts import lockout, mfa
from portal.accounts.models import (
    EnterpriseProfile,
    Invitation,
    Membership,
    Organisation,
    OrganisationEvent,
    Park,
    SignInFailures,
    User,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organisation"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Portal"), {"fields": ("full_name", "phone", "password_changed_at")}),
    )
    readonly_fields = ("password_changed_at",)
    list_display = ("username", "full_name", "email", "is_active", "is_staff")
    search_fields = ("username", "full_name", "email")
    inlines = [MembershipInline]
    actions = ["unlock_sign_in", "reset_second_factor"]

    @admin.action(description=_("Unlock sign-in for the selected users"))
    def unlock_sign_in(self, request, queryset):
        unlocked = sum(
            lockout.unlock(
                kind=SignInFailures.Kind.ACCOUNT,
                key=lockout.account_key(user.get_username()),
                actor=request.user,
                request=request,
            )
            for user in queryset
        )
        self.message_user(
            request,
            ngettext("%(count)d account unlocked.", "%(count)d accounts unlocked.", unlocked)
            % {"count": unlocked},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reset the second factor of the selected users"))
    def reset_second_factor(self, request, queryset):
        reset = sum(mfa.device_remove(user=user, actor=request.user, request=request) for user in queryset)
        self.message_user(
            request,
            ngettext(
                "%(count)d second factor reset; the user sets it up again at the next sign-in.",
                "%(count)d second factors reset; the users set them up again at the next sign-in.",
                reset,
            )
            % {"count": reset},
            messages.SUCCESS,
        )


@admin.register(SignInFailures)
class SignInFailuresAdmin(admin.ModelAdmin):
    """Failed sign-in counters and locks; staff lift a lock with the action (audited), never by editing."""

    list_display = ("kind", "key", "failures", "window_started_at", "locked_until")
    list_filter = ("kind",)
    search_fields = ("key",)
    actions = ["unlock"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # deleting would lift a lock without an audit row: use the action

    @admin.action(description=_("Unlock the selected accounts and addresses"), permissions=["view"])
    def unlock(self, request, queryset):
        unlocked = sum(
            lockout.unlock(kind=row.kind, key=row.key, actor=request.user, request=request)
            for row in queryset
        )
        self.message_user(
            request,
            ngettext("%(count)d lock lifted.", "%(count)d locks lifted.", unlocked) % {"count": unlocked},
            messages.SUCCESS,
        )


class EnterpriseProfileInline(admin.StackedInline):
    model = EnterpriseProfile
    extra = 0


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "parent", "uscc", "district", "verification_status", "is_active")
    list_filter = ("kind", "district", "verification_status", "is_active")
    search_fields = ("name", "uscc")
    autocomplete_fields = ["parent"]
    # Verification moves through the promotion centre's pages (transition table, event and audit rows).
    readonly_fields = ("verification_status",)
    inlines = [EnterpriseProfileInline]


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OrganisationEvent)
class OrganisationEventAdmin(_ReadOnlyAdmin):
    list_display = ("organisation", "from_status", "to_status", "actor", "at")
    list_filter = ("to_status",)
    search_fields = ("organisation__name", "organisation__uscc")


@admin.register(Invitation)
class InvitationAdmin(_ReadOnlyAdmin):
    """Invitations are sent, accepted and withdrawn by the organisations' administrators; staff only look."""

    list_display = ("email", "organisation", "role", "created_at", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("role",)
    search_fields = ("email", "organisation__name")
    exclude = ("token_hash", "nonce")


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
