"""Password rules beyond Django's validators (security.md check 11; GB/T 22239-2019 8.1.4.1 a).

等保 asks for complexity and periodic rotation, which ASVS 6.2.5 and 6.2.10 advise against; both are
therefore settings (PASSWORD_MIN_CLASSES, PASSWORD_MAX_AGE_DAYS) so a deployment can follow either.
"""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

_CLASSES = (str.isupper, str.islower, str.isdigit)


def character_classes(password: str) -> int:
    """How many of upper case, lower case, digits and symbols (anything else) the password uses."""
    used = sum(1 for test in _CLASSES if any(test(char) for char in password))
    symbol = any(not (char.isupper() or char.islower() or char.isdigit()) for char in password)
    return used + int(symbol)


class CharacterClassesValidator:
    """At least ``min_classes`` of: upper case, lower case, digits, symbols."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        if character_classes(password) < self.min_classes:
            raise ValidationError(
                _(
                    "This password must mix at least %(count)d of: upper-case letters, lower-case letters, "
                    "digits and symbols."
                )
                % {"count": self.min_classes},
                code="password_too_simple",
            )

    def get_help_text(self):
        return ngettext(
            "Your password must mix at least %(count)d kind of character (upper case, lower case, digits, "
            "symbols).",
            "Your password must mix at least %(count)d kinds of character (upper case, lower case, digits, "
            "symbols).",
            self.min_classes,
        ) % {"count": self.min_classes}


def _normalise(text: str) -> str:
    return "".join(char for char in text.casefold() if char.isalnum())


class OrganisationNameValidator:
    """Refuses a password that is, or contains, the name of an organisation the user belongs to."""

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        candidate = _normalise(password)
        names = user.memberships.values_list("organisation__name", flat=True)
        for name in names:
            normalised = _normalise(name)
            if len(normalised) >= 2 and normalised in candidate:
                raise ValidationError(
                    _("The password must not contain your organisation's name."),
                    code="password_has_organisation_name",
                )

    def get_help_text(self):
        return _("Your password must not contain your organisation's name.")


def password_expired(user) -> bool:
    """Whether the rotation rule sends this user to the change page (PASSWORD_MAX_AGE_DAYS; 0 = never).

    A user without a stamp (created by hand in the database) is not forced: every password set through
    Django stamps it, and the migration stamped everyone who existed before the rule.
    """
    max_age = settings.PASSWORD_MAX_AGE_DAYS
    changed_at = getattr(user, "password_changed_at", None)
    if not max_age or changed_at is None or not user.has_usable_password():
        return False
    return timezone.now() - changed_at > timedelta(days=max_age)
