from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import ROLES_BY_KIND, Organisation, Role
from portal.apiauth.models import AccessToken, ApiClient
from portal.apiauth.services import api_client_create, api_client_deactivate, api_client_rotate_secret


class ApiClientCreateForm(forms.ModelForm):
    organisation = forms.ModelChoiceField(
        label=_("organisation"), queryset=Organisation.objects.filter(is_active=True).order_by("name")
    )
    role = forms.ChoiceField(
        label=_("role"), choices=[(value, label) for value, label in Role.choices if value != Role.ORG_ADMIN]
    )

    class Meta:
        model = ApiClient
        fields = ["name"]

    def clean(self):
        data = super().clean()
        organisation, role = data.get("organisation"), data.get("role")
        if organisation is not None and role and role not in ROLES_BY_KIND.get(organisation.kind, ()):
            self.add_error("role", _("An organisation of this kind cannot give this role."))
        return data


def _show_secret(request, client: ApiClient, secret: str) -> None:
    messages.warning(
        request,
        gettext(
            "Client %(client_id)s: its secret is %(secret)s. Copy it now: it is not stored and will not be shown again."
        )
        % {"client_id": client.client_id, "secret": secret},
    )


@admin.register(ApiClient)
class ApiClientAdmin(admin.ModelAdmin):
    """Partner systems. Adding one creates its service user and shows its secret once; the actions
    replace a secret or switch a client off (both stop its live tokens)."""

    list_display = ("name", "client_id", "membership", "is_active", "secret_set_at", "last_token_at")
    list_filter = ("is_active", "membership__organisation__kind")
    search_fields = ("name", "=client_id", "membership__organisation__name")
    actions = ["rotate_secret", "deactivate"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = ApiClientCreateForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["name", "organisation", "role"]
        return [
            "name",
            "client_id",
            "membership",
            "is_active",
            "created_at",
            "created_by",
            "secret_set_at",
            "last_token_at",
        ]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "client_id",
            "membership",
            "is_active",
            "created_at",
            "created_by",
            "secret_set_at",
            "last_token_at",
        ]

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["name"])
            return
        client, secret = api_client_create(
            organisation=form.cleaned_data["organisation"],
            role=form.cleaned_data["role"],
            name=form.cleaned_data["name"],
            actor=request.user,
        )
        obj.pk = client.pk  # the admin's "added" message and redirect point at the new client
        _show_secret(request, client, secret)

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: the audit trail names the client

    @admin.action(description=_("Replace the secret (the old one and its tokens stop working)"))
    def rotate_secret(self, request, queryset):
        for client in queryset:
            _show_secret(request, client, api_client_rotate_secret(client=client, actor=request.user))

    @admin.action(description=_("Deactivate (no more tokens; live tokens stop working)"))
    def deactivate(self, request, queryset):
        for client in queryset.filter(is_active=True):
            api_client_deactivate(client=client, actor=request.user)
        messages.success(request, gettext("The selected clients are deactivated."))


@admin.register(AccessToken)
class AccessTokenAdmin(admin.ModelAdmin):
    """Read-only: which client holds live tokens and until when (the tokens themselves are not stored)."""

    list_display = ("client", "issued_at", "expires_at", "revoked_at")
    list_filter = ("client",)
    readonly_fields = ["client", "issued_at", "expires_at", "revoked_at"]
    exclude = ["digest"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
