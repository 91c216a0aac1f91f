"""Back office for the policy numbers. Every save goes through ``portal.policy.services`` so the change log
records the staff user; the change log itself is read-only here."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.db import models
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.policy import selectors, services
from portal.policy.models import (
    PARAMETER_FIELDS,
    PARAMETER_GROUPS,
    LprRate,
    ParameterChange,
    PolicyParameterSet,
    ServiceTime,
)

SOURCE_PREFIX = "source_"
RECENT_CHANGES = 20


class PolicyParameterSetForm(forms.ModelForm):
    """The set's fields plus one source-note box beside each parameter (stored in ``sources``)."""

    reason = forms.CharField(
        label=_("Reason for the change"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Recorded in the change history with every value changed by this save."),
    )

    class Meta:
        model = PolicyParameterSet
        fields = ("year", "title", "status", "notes", *PARAMETER_FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in PARAMETER_FIELDS:
            self.fields[SOURCE_PREFIX + name] = forms.CharField(
                label=_("Source"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
                initial=self.instance.source_for(name) if self.instance.pk else "",
            )

    def source_changes(self) -> dict[str, str]:
        return {
            name[len(SOURCE_PREFIX) :]: self.cleaned_data[name]
            for name in self.changed_data
            if name.startswith(SOURCE_PREFIX)
        }

    def sources(self) -> dict[str, str]:
        return {
            name: self.cleaned_data[SOURCE_PREFIX + name].strip()
            for name in PARAMETER_FIELDS
            if self.cleaned_data.get(SOURCE_PREFIX + name, "").strip()
        }


class ServiceTimeInline(admin.TabularInline):
    model = ServiceTime
    extra = 0
    fields = ("ip_kind", "channel", "target", "days", "day_basis", "source")
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 1, "cols": 50})}}


@admin.register(PolicyParameterSet)
class PolicyParameterSetAdmin(admin.ModelAdmin):
    form = PolicyParameterSetForm
    list_display = ("year", "title", "status", "interest_ratio", "lpr_markup", "updated_at")
    list_filter = ("status",)
    search_fields = ("title", "notes")
    inlines = [ServiceTimeInline]
    actions = ["clone_to_next_year"]

    def get_fieldsets(self, request, obj=None):
        general = [("year", "status"), "title", "notes"]
        fieldsets = [(None, {"fields": general})]
        for key, label, names in PARAMETER_GROUPS:
            fieldsets.append((label, {"fields": [(name, SOURCE_PREFIX + name) for name in names]}))
            if key == "riskcomp":
                # Registration times are rows of their own (the inline below the form).
                fieldsets.append(
                    (
                        _("Registration"),
                        {
                            "fields": ["registration_summary"],
                            "description": _("Edit the rows under Service times."),
                        },
                    )
                )
        fieldsets.append((_("Change"), {"fields": ["reason"]}))
        if obj is not None:
            fieldsets.append((_("History"), {"fields": ["recent_changes"], "classes": ["collapse"]}))
        return fieldsets

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The source boxes are added by the form itself (one per parameter), not built from model fields.
        fields = kwargs.get("fields") or flatten_fieldsets(self.get_fieldsets(request, obj))
        kwargs["fields"] = [name for name in fields if not name.startswith(SOURCE_PREFIX)]
        return super().get_form(request, obj, change, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = ["registration_summary", "recent_changes"]
        if obj is not None:
            # The year is the set's identity: batches and quotes select the set by it.
            readonly.append("year")
        return readonly

    def has_delete_permission(self, request, obj=None):
        # Versioned numbers stay: a set no longer wanted is put back to draft.
        return False

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        latest = PolicyParameterSet.objects.order_by("-year").first()
        if latest is not None:
            # A new year usually starts from last year's numbers; the settlement window defaults from the year.
            initial.setdefault("year", latest.year + 1)
            for name in PARAMETER_FIELDS:
                if name not in ("settlement_window_start", "settlement_window_end"):
                    initial.setdefault(name, getattr(latest, name))
                    initial.setdefault(SOURCE_PREFIX + name, latest.source_for(name))
        return initial

    @admin.display(description=_("Registration service times"))
    def registration_summary(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        rows = obj.service_times.all()
        return format_html_join(
            "",
            "<div>{} · {} · {}: {} {}</div>",
            (
                (
                    row.get_ip_kind_display(),
                    row.get_channel_display(),
                    row.get_target_display(),
                    row.days,
                    row.get_day_basis_display(),
                )
                for row in rows
            ),
        )

    @admin.display(description=_("Recent changes"))
    def recent_changes(self, obj):
        if obj is None or obj.pk is None:
            return "-"
        changes = selectors.parameter_change_list(parameter_set=obj)[:RECENT_CHANGES]
        table = format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>"
            "<tbody>{}</tbody></table>",
            gettext("Changed at"),
            gettext("Changed by"),
            gettext("Field"),
            gettext("Old value"),
            gettext("New value"),
            gettext("Reason"),
            format_html_join(
                "",
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                (
                    (
                        change.changed_at.strftime("%Y-%m-%d %H:%M"),
                        change.actor or gettext("system"),
                        change.field,
                        change.old_value,
                        change.new_value,
                        change.reason,
                    )
                    for change in changes
                ),
            ),
        )
        link = format_html(
            '<p><a href="{}?parameter_set__id__exact={}">{}</a></p>',
            reverse("admin:policy_parameterchange_changelist"),
            obj.pk,
            gettext("All changes of this parameter set"),
        )
        return format_html("{}{}", table, link)

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("reason", "")
        if change:
            changes = {
                name: form.cleaned_data[name]
                for name in form.changed_data
                if name in form.base_fields and not name.startswith(SOURCE_PREFIX) and name != "reason"
            }
            source_changes = form.source_changes()
            if source_changes:
                changes["sources"] = source_changes
            services.parameter_set_update(
                parameter_set=obj, changes=changes, actor=request.user, reason=reason
            )
            return
        created = services.parameter_set_create(
            year=form.cleaned_data["year"],
            title=form.cleaned_data["title"],
            notes=form.cleaned_data.get("notes", ""),
            status=form.cleaned_data["status"],
            values={name: getattr(obj, name) for name in PARAMETER_FIELDS},
            sources=form.sources(),
            actor=request.user,
            reason=reason,
        )
        # The admin goes on to save the inlines against ``obj``; make it the row the service created.
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db

    def save_formset(self, request, form, formset, change):
        if formset.model is not ServiceTime:
            super().save_formset(request, form, formset, change)
            return
        reason = form.cleaned_data.get("reason", "")
        parameter_set = form.instance
        # Deletions first, so a row re-added under the same IP kind and channel does not collide.
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                services.service_time_delete(
                    service_time=inline_form.instance, actor=request.user, reason=reason
                )
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = {name: inline_form.cleaned_data[name] for name in ServiceTimeInline.fields}
            if inline_form.instance.pk:
                services.service_time_update(
                    service_time=inline_form.instance, changes=data, actor=request.user, reason=reason
                )
            else:
                services.service_time_add(
                    parameter_set=parameter_set, **data, actor=request.user, reason=reason
                )
        # The admin's change message reads these lists.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description=_("Copy to the next year as a draft"))
    def clone_to_next_year(self, request, queryset):
        for source in queryset.order_by("year"):
            if PolicyParameterSet.objects.filter(year=source.year + 1).exists():
                self.message_user(
                    request,
                    gettext("A parameter set for %(year)s already exists.") % {"year": source.year + 1},
                    messages.WARNING,
                )
                continue
            clone = services.parameter_set_clone(source=source, year=source.year + 1, actor=request.user)
            self.message_user(
                request,
                gettext("Created the draft parameter set for %(year)s.") % {"year": clone.year},
                messages.SUCCESS,
            )


@admin.register(LprRate)
class LprRateAdmin(admin.ModelAdmin):
    list_display = ("effective_date", "one_year_pct", "five_year_pct", "note", "source")
    date_hierarchy = "effective_date"
    fields = ("effective_date", "one_year_pct", "five_year_pct", "source", "note")
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    def has_delete_permission(self, request, obj=None):
        # Quotes already given cite these rows; a wrong row is corrected, and the correction logged.
        return False

    def save_model(self, request, obj, form, change):
        if change:
            changes = {name: form.cleaned_data[name] for name in form.changed_data}
            services.lpr_rate_update(lpr_rate=obj, changes=changes, actor=request.user)
            return
        created = services.lpr_rate_add(
            effective_date=form.cleaned_data["effective_date"],
            one_year_pct=form.cleaned_data["one_year_pct"],
            five_year_pct=form.cleaned_data["five_year_pct"],
            source=form.cleaned_data["source"],
            note=form.cleaned_data.get("note", ""),
            actor=request.user,
        )
        obj.pk = created.pk
        obj._state.adding = False
        obj._state.db = created._state.db


@admin.register(ParameterChange)
class ParameterChangeAdmin(admin.ModelAdmin):
    list_display = ("changed_at", "parameter_set", "field", "old_value", "new_value", "actor", "reason")
    list_filter = ("parameter_set",)
    search_fields = ("field", "old_value", "new_value", "reason")
    date_hierarchy = "changed_at"
    list_select_related = ("parameter_set", "actor")

    # The change log is evidence: staff read it, nobody adds, edits or deletes rows here.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
