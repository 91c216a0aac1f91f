from django.contrib import admin

from whitelist.models import Batch, Consent, EnterpriseIndicator, IndicatorImport, RuleSet, ScreeningRun


@admin.register(EnterpriseIndicator)
class EnterpriseIndicatorAdmin(admin.ModelAdmin):
    """Staff may correct one enterprise's figures by hand; partner departments' files come in through the
    indicator upload page."""

    list_display = (
        "enterprise",
        "rd_ratio_pct",
        "revenue_band",
        "credit_rating",
        "serious_dishonesty",
        "source",
        "as_of",
    )
    list_filter = ("revenue_band", "credit_rating", "serious_dishonesty")
    search_fields = ("enterprise__name", "=enterprise__uscc")
    autocomplete_fields = ["enterprise"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Changed only through the portal's pages, where every change writes its event row."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RuleSet)
class RuleSetAdmin(ReadOnlyAdmin):
    list_display = ("version", "status", "created_by", "created_at", "activated_at")


@admin.register(ScreeningRun)
class ScreeningRunAdmin(ReadOnlyAdmin):
    list_display = ("pk", "rule_set", "status", "requested_by", "requested_at", "screened", "passed")


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("number", "status", "run", "valid_until", "published_at", "published_count")


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "status", "changed_at")
    search_fields = ("enterprise__name", "=enterprise__uscc")


@admin.register(IndicatorImport)
class IndicatorImportAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "source",
        "original_name",
        "status",
        "total_rows",
        "error_count",
        "applied_rows",
    )
