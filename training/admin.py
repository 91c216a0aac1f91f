from django.contrib import admin

from training.models import Certificate, Commendation, Course, Enrolment, Programme


class CourseInline(admin.TabularInline):
    model = Course
    extra = 0


@admin.register(Programme)
class ProgrammeAdmin(admin.ModelAdmin):
    list_display = ["title", "organiser", "year", "audience", "status", "capacity"]
    list_filter = ["status", "audience", "year"]
    search_fields = ["title"]
    list_select_related = ["organiser"]
    inlines = [CourseInline]
    readonly_fields = ["status", "published_at", "closed_on"]


@admin.register(Enrolment)
class EnrolmentAdmin(admin.ModelAdmin):
    list_display = ["programme", "user", "organisation", "status", "hours_attended"]
    list_filter = ["status"]
    list_select_related = ["programme", "user", "organisation"]
    readonly_fields = ["status"]


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    list_display = ["number", "holder_name", "programme_title", "completed_on"]
    search_fields = ["number", "holder_name"]

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Commendation)
class CommendationAdmin(admin.ModelAdmin):
    list_display = ["year", "kind", "name", "organisation_name", "published"]
    list_filter = ["year", "kind", "published"]
    readonly_fields = ["published", "published_at"]
