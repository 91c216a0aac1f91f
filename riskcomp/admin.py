from django.contrib import admin

from riskcomp.models import (
    BankNplRatio,
    Claim,
    ClaimEvent,
    ClaimParticipant,
    ClawbackShare,
    Evidence,
    FundYear,
    InstitutionYear,
    Recovery,
)


def _all_fields(model) -> list[str]:
    return [field.name for field in (*model._meta.fields, *model._meta.many_to_many)]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff look risk compensation up here; every write goes through the services (the transition table,
    the events, the fund's and the caps' conditional updates), so no status or money changes in the admin."""

    def get_readonly_fields(self, request, obj=None):
        return _all_fields(self.model)

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return _all_fields(self.model)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


# --- Claims -------------------------------------------------------------------------------------------


class ParticipantInline(ReadOnlyInline):
    model = ClaimParticipant
    fields = (
        "kind",
        "organisation",
        "name",
        "share",
        "dispersed",
        "base",
        "payout",
        "proposed_payout",
        "approved_payout",
        "confirmation",
        "confirmation_note",
        "confirmed_by",
        "confirmed_at",
    )


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ("item", "file", "file_name", "content_type", "uploaded_by", "uploaded_at")


class ClaimEventInline(ReadOnlyInline):
    model = ClaimEvent
    fields = ("at", "actor", "action", "from_status", "to_status", "reason", "details")


class RecoveryInline(ReadOnlyInline):
    model = Recovery
    fields = ("received_on", "amount", "source", "fund_share", "status", "reported_by", "settled_on", "note")
    show_change_link = True


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "bank",
        "loan",
        "status",
        "year",
        "eligible",
        "total",
        "approved_total",
        "paid_on",
        "clawed_back",
    )
    list_filter = ("status", "year", "eligible")
    search_fields = ("reference", "loan__reference", "loan__contract_number", "bank__name")
    list_select_related = ("bank", "loan")
    show_full_result_count = False
    inlines = [ParticipantInline, EvidenceInline, ClaimEventInline, RecoveryInline]


@admin.register(ClaimEvent)
class ClaimEventAdmin(ReadOnlyAdmin):
    list_display = ("claim", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action", "to_status")
    search_fields = ("claim__reference", "reason")
    list_select_related = ("claim", "actor")
    show_full_result_count = False


# --- Recovery and clawback --------------------------------------------------------------------------------


class ClawbackShareInline(ReadOnlyInline):
    model = ClawbackShare
    fields = ("participant", "amount", "confirmed_by", "confirmed_at")


@admin.register(Recovery)
class RecoveryAdmin(ReadOnlyAdmin):
    list_display = ("claim", "received_on", "amount", "source", "fund_share", "status", "settled_on")
    list_filter = ("status", "source")
    search_fields = ("claim__reference",)
    list_select_related = ("claim",)
    inlines = [ClawbackShareInline]


# --- The money: the fund's year, each institution's year; the banks' NPL ratios ---------------------------


@admin.register(FundYear)
class FundYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "budget", "reserved", "paid", "recovered")


@admin.register(InstitutionYear)
class InstitutionYearAdmin(ReadOnlyAdmin):
    list_display = ("year", "organisation", "cap", "reserved")
    list_filter = ("year",)
    search_fields = ("organisation__name",)
    list_select_related = ("organisation",)


@admin.register(BankNplRatio)
class BankNplRatioAdmin(ReadOnlyAdmin):
    list_display = ("bank", "period_end", "ratio_pct", "reported_by", "reported_at")
    list_filter = ("period_end",)
    search_fields = ("bank__name",)
    list_select_related = ("bank", "reported_by")
