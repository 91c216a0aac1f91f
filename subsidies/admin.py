from django.contrib import admin

from portal.privacy.admin_masking import MaskedPiiAdminMixin
from subsidies.models import (
    Application,
    ApplicationEvent,
    Batch,
    BatchEvent,
    BatchParameters,
    ChecklistItem,
    Claim,
    FeeLine,
    LoanLine,
    Material,
    Objection,
    PaymentList,
    Publicity,
)


def _all_fields(model) -> list[str]:
    return [field.name for field in (*model._meta.fields, *model._meta.many_to_many)]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Staff look subsidies up here; every write goes through the services (the transition table, the
    budget's conditional update, the events), so no money or status is added or changed in the admin."""

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


# --- Batches ----------------------------------------------------------------------------------------


class BatchParametersInline(ReadOnlyInline):
    model = BatchParameters
    fields = ("version", "values", "reason", "created_by", "created_at")


class ChecklistItemInline(ReadOnlyInline):
    model = ChecklistItem
    fields = (
        "position",
        "title",
        "scope",
        "needs_signature",
        "needs_seal",
        "needs_colour_scan",
        "template",
        "template_name",
    )


class BatchEventInline(ReadOnlyInline):
    model = BatchEvent
    fields = ("at", "actor", "action", "from_status", "to_status", "reason", "details")


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("title", "year", "status", "opens_on", "closes_on", "budget", "reserved", "paid")
    list_filter = ("status", "year")
    search_fields = ("title", "budget_source")
    list_select_related = ("parameter_set",)
    inlines = [BatchParametersInline, ChecklistItemInline, BatchEventInline]


@admin.register(BatchEvent)
class BatchEventAdmin(ReadOnlyAdmin):
    list_display = ("batch", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action", "to_status")
    search_fields = ("batch__title", "reason")
    list_select_related = ("batch", "actor")


# --- Applications -----------------------------------------------------------------------------------


class LoanLineInline(ReadOnlyInline):
    model = LoanLine
    fields = (
        "source",
        "bank",
        "contract_number",
        "interest_paid",
        "annual_rate_pct",
        "ip_share",
        "disbursed_on",
        "settled_on",
        "pledge_registered_on",
        "confirmation",
        "lpr_pct",
        "cap_rate_pct",
        "eligible_interest",
        "subsidy",
        "reasons",
    )


class FeeLineInline(ReadOnlyInline):
    model = FeeLine
    fields = ("kind", "payee", "invoice_code", "invoice_number", "invoice_date", "amount", "counted")


class MaterialInline(ReadOnlyInline):
    model = Material
    fields = ("item", "file", "file_name", "uploaded_at", "verdict", "note")


class ClaimInline(ReadOnlyInline):
    model = Claim
    fields = ("programme", "key")


class ApplicationEventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ("at", "actor", "action", "from_status", "to_status", "reason", "details")


@admin.register(Application)
class ApplicationAdmin(MaskedPiiAdminMixin, ReadOnlyAdmin):
    list_display = (
        "reference",
        "batch",
        "enterprise",
        "status",
        "calculated",
        "proposed_amount",
        "approved_amount",
        "updated_at",
    )
    list_filter = ("status", "batch")
    search_fields = ("reference", "enterprise__name", "enterprise__uscc", "loan_lines__contract_number")
    list_select_related = ("batch", "enterprise")
    # A recomputation batch holds 10,000 applications: do not count them on every page.
    show_full_result_count = False
    inlines = [LoanLineInline, FeeLineInline, MaterialInline, ClaimInline, ApplicationEventInline]


@admin.register(ApplicationEvent)
class ApplicationEventAdmin(ReadOnlyAdmin):
    list_display = ("application", "action", "from_status", "to_status", "actor", "at")
    list_filter = ("action", "to_status")
    search_fields = ("application__reference", "reason")
    list_select_related = ("application", "actor")
    show_full_result_count = False


@admin.register(Claim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("programme", "key", "application")
    list_filter = ("programme",)
    search_fields = ("key", "application__reference")
    list_select_related = ("application",)


# --- Publicity and payment ---------------------------------------------------------------------------


class ObjectionInline(MaskedPiiAdminMixin, ReadOnlyInline):
    model = Objection
    fields = ("application", "name", "contact", "text", "status", "resolution", "resolved_by", "lodged_at")


@admin.register(Publicity)
class PublicityAdmin(ReadOnlyAdmin):
    list_display = ("batch", "starts_on", "ends_on", "closed_at")
    list_select_related = ("batch",)
    inlines = [ObjectionInline]


@admin.register(Objection)
class ObjectionAdmin(MaskedPiiAdminMixin, ReadOnlyAdmin):
    list_display = ("application", "name", "status", "lodged_at", "resolved_at")
    list_filter = ("status",)
    search_fields = ("application__reference", "name", "text")
    list_select_related = ("application",)


class PaidApplicationInline(ReadOnlyInline):
    model = Application
    fk_name = "payment"
    fields = ("reference", "enterprise", "status", "approved_amount", "bank_account_number", "paid_at")
    show_change_link = True


@admin.register(PaymentList)
class PaymentListAdmin(ReadOnlyAdmin):
    list_display = ("reference", "batch", "total", "created_at", "paid_on")
    search_fields = ("reference",)
    list_select_related = ("batch",)
    inlines = [PaidApplicationInline]
