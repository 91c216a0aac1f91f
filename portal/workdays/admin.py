"""Back office for the calendar: staff enter each year's State Council notice and mark it official."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from portal.workdays.models import CalendarYear, DayKind, SpecialDay
from portal.workdays.services import calendar_year_mark_official


class SpecialDayInline(admin.TabularInline):
    model = SpecialDay
    extra = 3
    fields = ("date", "kind", "name_zh", "name_en", "source")
    ordering = ("date",)


@admin.register(CalendarYear)
class CalendarYearAdmin(admin.ModelAdmin):
    list_display = (
        "year",
        "status",
        "notice_reference",
        "notice_date",
        "holiday_count",
        "makeup_count",
        "updated_at",
        "updated_by",
    )
    list_filter = ("status",)
    search_fields = ("year", "notice_reference")
    readonly_fields = ("updated_at", "updated_by")
    fields = ("year", "status", "notice_reference", "notice_date", "source_url", "updated_at", "updated_by")
    inlines = [SpecialDayInline]
    actions = ["mark_official"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("updated_by")
            .annotate(
                holidays=Count("special_days", filter=Q(special_days__kind=DayKind.HOLIDAY)),
                makeups=Count("special_days", filter=Q(special_days__kind=DayKind.MAKEUP_WORKDAY)),
            )
        )

    @admin.display(description=_("days off"), ordering="holidays")
    def holiday_count(self, obj):
        return obj.holidays

    @admin.display(description=_("makeup working days"), ordering="makeups")
    def makeup_count(self, obj):
        return obj.makeups

    def save_model(self, request, obj, form, change):
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)

    @admin.action(description=_("Mark the selected years official"))
    def mark_official(self, request, queryset):
        marked = 0
        for calendar in queryset:
            try:
                calendar_year_mark_official(calendar=calendar, actor=request.user)
            except ValidationError as exc:
                self.message_user(
                    request,
                    _("%(year)s was not marked official: %(reason)s")
                    % {"year": calendar.year, "reason": "; ".join(exc.messages)},
                    messages.ERROR,
                )
            else:
                marked += 1
        if marked:
            self.message_user(
                request,
                ngettext("%(n)d year marked official.", "%(n)d years marked official.", marked)
                % {"n": marked},
                messages.SUCCESS,
            )


@admin.register(SpecialDay)
class SpecialDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name_zh", "name_en", "calendar", "source")
    list_filter = ("kind", "calendar")
    search_fields = ("name_zh", "name_en")
    date_hierarchy = "date"
    list_select_related = ("calendar",)
