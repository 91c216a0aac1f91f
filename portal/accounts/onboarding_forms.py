"""Forms of the onboarding pages. They check shape and spelling; the services in onboarding.py decide."""

from django import forms
from django.contrib.auth.password_validation import password_validators_help_text_html
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import ROLES_BY_KIND, District, Park, Role, VerificationStatus
from portal.identifiers.fields import UsccFormField

_PASSWORD_ATTRS = {"autocomplete": "new-password"}


class _NewAccountForm(forms.Form):
    """Username and password twice, the tail of both the registration and the invitation form."""

    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        help_text=_("You sign in with this name. Letters, digits and @ . + - _ only."),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password = forms.CharField(
        label=_("Choose a password"),
        strip=False,
        widget=forms.PasswordInput(attrs=_PASSWORD_ATTRS),
        help_text=password_validators_help_text_html,
    )
    password_confirm = forms.CharField(
        label=_("Password again"), strip=False, widget=forms.PasswordInput(attrs=_PASSWORD_ATTRS)
    )

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_confirm")
        if password and again and password != again:
            self.add_error("password_confirm", _("The two passwords differ."))
        return cleaned


class RegisterForm(_NewAccountForm):
    uscc = UsccFormField(
        label=_("Unified social credit code"),
        help_text=_("The 18-character code on your business licence. It is checked as you type."),
    )
    name = forms.CharField(
        label=_("Enterprise name"), max_length=200, help_text=_("As on the business licence.")
    )
    district = forms.ChoiceField(label=_("District"), choices=[("", "---------"), *District.choices])
    park = forms.ModelChoiceField(
        label=_("Park"),
        queryset=Park.objects.filter(is_active=True),
        required=False,
        empty_label=_("Not in a park"),
    )
    contact_name = forms.CharField(label=_("Contact person"), max_length=100)
    contact_phone = forms.CharField(
        label=_("Contact phone"), max_length=20, widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    contact_email = forms.EmailField(
        label=_("Contact e-mail"),
        help_text=_("The promotion centre's decision is sent here."),
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    field_order = [
        "uscc",
        "name",
        "district",
        "park",
        "contact_name",
        "contact_phone",
        "contact_email",
        "username",
        "password",
        "password_confirm",
    ]


class AcceptInvitationForm(_NewAccountForm):
    full_name = forms.CharField(
        label=_("Your full name"), max_length=100, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )

    field_order = ["full_name", "username", "password", "password_confirm"]


class VerificationDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            (VerificationStatus.VERIFIED, _("Verify the enterprise")),
            (VerificationStatus.REJECTED, _("Reject the registration")),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required for a rejection: the enterprise reads it."),
    )


def _role_choices(kinds) -> list[tuple[str, str]]:
    roles = set().union(*(ROLES_BY_KIND[kind] for kind in kinds)) if kinds else set()
    # The administrator's role last: the first choice, preselected, is the everyday one.
    choices = [(value, label) for value, label in Role.choices if value in roles]
    return sorted(choices, key=lambda choice: choice[0] == Role.ORG_ADMIN)


class InvitationForm(forms.Form):
    organisation = forms.ModelChoiceField(label=_("Organisation"), queryset=None, empty_label=None)
    email = forms.EmailField(label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"}))
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        self.fields["role"].choices = _role_choices({org.kind for org in organisations})
        if len(organisations) == 1:
            self.fields["organisation"].widget = forms.HiddenInput()
            self.fields["organisation"].initial = organisations[0].pk


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"))

    def __init__(self, *args, membership, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = _role_choices({membership.organisation.kind})
        self.fields["role"].initial = membership.role


class BranchForm(forms.Form):
    name = forms.CharField(label=_("Branch name"), max_length=200)
    district = forms.ChoiceField(
        label=_("District"), choices=[("", "---------"), *District.choices], required=False
    )
    uscc = UsccFormField(
        label=_("Unified social credit code"),
        required=False,
        help_text=_("If the branch has its own code."),
    )
