"""Django validators for forms, serializers and model fields; each wraps one ``check_*`` function.

The ValidationError's code is the check's error code (``format``, ``check_digit``, ``year``, ``type``,
``range``), so callers can tell a typing error from a malformed value.
"""

from django.core.exceptions import ValidationError

from portal.identifiers.copyright import check_copyright
from portal.identifiers.patent import check_patent
from portal.identifiers.result import CheckResult
from portal.identifiers.trademark import check_nice_class, check_trademark
from portal.identifiers.uscc import check_uscc


def _raise_unless_valid(result: CheckResult) -> None:
    if not result.valid:
        raise ValidationError(result.message, code=result.error_code)


def validate_uscc(value: str) -> None:
    _raise_unless_valid(check_uscc(value))


def validate_patent_number(value: str) -> None:
    _raise_unless_valid(check_patent(value))


def validate_trademark_number(value: str) -> None:
    _raise_unless_valid(check_trademark(value))


def validate_nice_class(value: int | str) -> None:
    _raise_unless_valid(check_nice_class(value))


def validate_copyright_number(value: str) -> None:
    _raise_unless_valid(check_copyright(value))
