"""Form and serializer fields for identifiers: they validate and hand back the normalised value.

Every form and serializer that takes a credit code, patent, trademark or copyright number uses these,
so stored values are always in one spelling (upper case, no prefix or spaces) and users always get
the same explanation of what is wrong. Form fields for the kinds the public API checks render
``data-identifier`` so ``static/js/identifier-check.js`` checks them while the user types.
"""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers
from rest_framework.fields import empty

from portal.identifiers.copyright import check_copyright
from portal.identifiers.patent import check_patent
from portal.identifiers.result import CheckResult
from portal.identifiers.trademark import NICE_CLASSES, check_trademark
from portal.identifiers.uscc import check_uscc
from portal.identifiers.validators import validate_nice_class

# Room for prefixes and the numbering standard's spaces; longer input cannot be an identifier.
MAX_INPUT_LENGTH = 64

_NICE_CLASS_MESSAGE = _("There are 45 Nice classes, numbered 1 to 45.")


class _IdentifierFormField(forms.CharField):
    check: Callable[[str], CheckResult]
    live_kind = ""  # data-identifier for identifier-check.js; only kinds the public API checks.

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_INPUT_LENGTH)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"})
        if self.live_kind and not widget.is_hidden:
            attrs["data-identifier"] = self.live_kind
        return attrs

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return value
        result = self.check(value)
        if not result.valid:
            raise ValidationError(result.message, code=result.error_code)
        return result.normalized


class UsccFormField(_IdentifierFormField):
    check = staticmethod(check_uscc)
    live_kind = "uscc"


class PatentNumberFormField(_IdentifierFormField):
    check = staticmethod(check_patent)
    live_kind = "patent"


class TrademarkNumberFormField(_IdentifierFormField):
    check = staticmethod(check_trademark)


class CopyrightNumberFormField(_IdentifierFormField):
    check = staticmethod(check_copyright)


class NiceClassFormField(forms.IntegerField):
    default_validators = [validate_nice_class]

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update({"min": NICE_CLASSES.start, "max": NICE_CLASSES.stop - 1})
        return attrs


class _IdentifierSerializerField(serializers.CharField):
    check: Callable[[str], CheckResult]

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_INPUT_LENGTH)
        super().__init__(**kwargs)

    def run_validation(self, data=empty):
        # The parent trims, handles blank/null and applies max_length to the text as sent.
        value = super().run_validation(data)
        if value in ("", None):
            return value
        result = self.check(value)
        if not result.valid:
            raise serializers.ValidationError(result.message, code=result.error_code)
        return result.normalized


class UsccSerializerField(_IdentifierSerializerField):
    check = staticmethod(check_uscc)


class PatentNumberSerializerField(_IdentifierSerializerField):
    check = staticmethod(check_patent)


class TrademarkNumberSerializerField(_IdentifierSerializerField):
    check = staticmethod(check_trademark)


class CopyrightNumberSerializerField(_IdentifierSerializerField):
    check = staticmethod(check_copyright)


class NiceClassSerializerField(serializers.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", NICE_CLASSES.start)
        kwargs.setdefault("max_value", NICE_CLASSES.stop - 1)
        error_messages = {"min_value": _NICE_CLASS_MESSAGE, "max_value": _NICE_CLASS_MESSAGE}
        error_messages.update(kwargs.pop("error_messages", {}))
        super().__init__(error_messages=error_messages, **kwargs)
