from django.contrib import admin

from loans.models import (
    ApplicationEvent,
    CoachingEvent,
    CoachingRequest,
    CoachingSession,
    FinancingCase,
    Loan,
    LoanAlert,
    LoanApplication,
    LoanEvent,
    LoanFact,
    LoanImport,
    LoanParticipant,
    LoanRequest,
    Product,
    ProductEvent,
)
from portal.privacy.admin_masking import MaskedPiiAdminMixin


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff look things up here; every write goes through the services (transition tables, events, scope)."""

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class ProductEventInline(admin.TabularInline):
    model = ProductEvent
    extra = 0
    can_delete = False
    readonly_fields = ("at", "actor", "from_status", "to_status", "reason")

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
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


class CoachingSessionInline(ReadOnlyInline):
    model = CoachingSession


class CoachingEventInline(ReadOnlyInline):
    model = CoachingEvent


@admin.register(CoachingRequest)
class CoachingRequestAdmin(MaskedPiiAdminMixin, ReadOnlyAdmin):
    list_display = ("enterprise", "topic", "status", "coach", "created_at")
    list_filter = ("status", "topic")
    search_fields = ("enterprise__name", "enterprise__uscc")
    list_select_related = ("enterprise", "coach")
    inlines = [CoachingSessionInline, CoachingEventInline]


class LoanApplicationInline(ReadOnlyInline):
    model = LoanApplication
    fields = ("bank", "product", "status", "officer", "offer_amount", "offer_rate_pct", "offer_term_months")
    show_change_link = True


@admin.register(FinancingCase)
class FinancingCaseAdmin(ReadOnlyAdmin):
    list_display = ("reference", "enterprise", "origin", "opened_at")
    list_filter = ("origin",)
    search_fields = ("reference", "enterprise__name", "enterprise__uscc")
    list_select_related = ("enterprise",)


@admin.register(LoanRequest)
class LoanRequestAdmin(ReadOnlyAdmin):
    list_display = ("reference", "enterprise", "amount", "term_months", "created_at")
    search_fields = ("reference", "enterprise__name", "enterprise__uscc")
    list_select_related = ("enterprise",)
    inlines = [LoanApplicationInline]


class ApplicationEventInline(ReadOnlyInline):
    model = ApplicationEvent


@admin.register(LoanApplication)
class LoanApplicationAdmin(ReadOnlyAdmin):
    list_display = ("request", "bank", "product", "status", "officer", "offer_amount", "updated_at")
    list_filter = ("status", "decline_reason")
    search_fields = ("request__reference", "request__enterprise__name", "bank__name")
    list_select_related = ("request", "bank", "product", "officer")
    inlines = [ApplicationEventInline]


class LoanParticipantInline(ReadOnlyInline):
    model = LoanParticipant


class LoanFactInline(ReadOnlyInline):
    model = LoanFact


class LoanEventInline(ReadOnlyInline):
    model = LoanEvent


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = (
        "reference",
        "bank_loan_ref",
        "bank",
        "enterprise",
        "principal",
        "status",
        "classification",
    )
    list_filter = ("status", "classification", "source")
    search_fields = ("reference", "bank_loan_ref", "contract_number", "enterprise__name", "enterprise__uscc")
    list_select_related = ("bank", "enterprise")
    # A million rows: the admin must not count them on every page.
    show_full_result_count = False
    inlines = [LoanParticipantInline, LoanFactInline, LoanEventInline]


@admin.register(LoanAlert)
class LoanAlertAdmin(ReadOnlyAdmin):
    list_display = ("loan", "kind", "raised_on", "created_at")
    list_filter = ("kind",)
    search_fields = ("loan__reference", "loan__bank_loan_ref")
    list_select_related = ("loan",)


@admin.register(LoanImport)
class LoanImportAdmin(ReadOnlyAdmin):
    list_display = ("original_name", "bank", "status", "total_rows", "error_count", "created_at")
    list_filter = ("status",)
    list_select_related = ("bank",)
