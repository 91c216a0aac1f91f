"""Django validators for forms, serializers and model fields; each wraps one ``check_*`` function."""

from django.core.exceptions import ValidationError

from portal.identifiers.uscc import check_uscc


def validate_uscc(value: str) -> None:
    result = check_uscc(value)
    if not result.valid:
        raise ValidationError(result.message, code=result.error_code)
