"""Chinese patent application numbers and patent numbers (domain.md §3.2, api-contract.md §1).

Accepted input: an optional ``ZL`` (granted patent) or ``CN`` prefix, then either
- the format used since 2003-10-01: ``YYYY`` filing year, one type digit, a 7-digit serial; or
- the older format: ``YY`` filing year (85..03), one type digit, a 5-digit serial;
followed by a dot and the check character. Surrounding whitespace and lower case are normalised.
The numbering standard allows one optional space after the prefix and between the year, type and
serial groups only: a space inside the serial or around the dot is a typing error, not formatting.

The dot is required. Every published form of the number carries it, and a 13-digit string without
it is as likely to be a mistyped number as a number with the dot left out, so we refuse it and
suggest the dotted form instead of guessing.
"""

import re

from django.db import models
from django.utils.timezone import localdate
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal.identifiers.result import CheckResult

FIRST_YEAR = 1985  # The Patent Law took effect on 1985-04-01; no earlier application numbers exist.
WEIGHTS = (2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5)  # From the left; the old 8-digit format uses the first 8.

_PREFIX = r"(?:(?:ZL|CN) ?)?"
# [0-9], not \d: \d also matches other scripts' digits, which int() would then accept.
_NEW = re.compile(_PREFIX + r"([0-9]{4}) ?([0-9]) ?([0-9]{7})\.([0-9X])")
_OLD = re.compile(_PREFIX + r"([0-9]{2}) ?([0-9]) ?([0-9]{5})\.([0-9X])")
_UNSPACED = re.compile(r"(?:ZL|CN)?([0-9]{12}|[0-9]{8})(\.?)([0-9X])")


class PatentType(models.TextChoices):
    INVENTION = "invention", gettext_lazy("Invention")
    UTILITY_MODEL = "utility_model", gettext_lazy("Utility model")
    DESIGN = "design", gettext_lazy("Design")
    PCT_INVENTION = "pct_invention", gettext_lazy("PCT invention entering the national phase")
    PCT_UTILITY_MODEL = "pct_utility_model", gettext_lazy("PCT utility model entering the national phase")


TYPE_DIGITS = {
    "1": PatentType.INVENTION,
    "2": PatentType.UTILITY_MODEL,
    "3": PatentType.DESIGN,
    "8": PatentType.PCT_INVENTION,
    "9": PatentType.PCT_UTILITY_MODEL,
}


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def check_character(digits: str) -> str:
    """The check character for 12 (or, old format, 8) digits: weighted sum mod 11, 'X' for 10."""
    remainder = sum(int(digit) * weight for digit, weight in zip(digits, WEIGHTS, strict=False)) % 11
    return "X" if remainder == 10 else str(remainder)


def _old_format_year(two_digits: str) -> int | None:
    # The 8-digit numbers ran from 1985 until 2003-09-30, so 85..99 are 19xx and 00..03 are 20xx.
    yy = int(two_digits)
    if yy >= 85:
        return 1900 + yy
    if yy <= 3:
        return 2000 + yy
    return None


def _format_error(value: str, code: str) -> CheckResult:
    unspaced = _UNSPACED.fullmatch(re.sub(r"\s", "", code))
    if unspaced and not unspaced.group(2):
        message = _("Put a dot before the last character, like this: %(suggestion)s") % {
            "suggestion": f"{unspaced.group(1)}.{unspaced.group(3)}"
        }
    elif unspaced:
        message = _(
            "Spaces are allowed only after ZL or CN and between the year, the type digit and the serial "
            "number; remove the other spaces."
        )
    else:
        message = _(
            "A patent number is 12 digits, a dot and a check character (for example 201310699744.2), "
            "or 8 digits, a dot and a check character for applications filed before October 2003; "
            "ZL or CN in front is optional."
        )
    return CheckResult(value, False, error_code="format", message=message)


def check_patent(value: str) -> CheckResult:
    code = normalize(value)
    new = _NEW.fullmatch(code)
    old = None if new else _OLD.fullmatch(code)
    if not (new or old):
        return _format_error(value, code)

    year_digits, type_digit, serial, given = (new or old).groups()
    digits = year_digits + type_digit + serial
    current_year = localdate().year
    year = int(year_digits) if new else _old_format_year(year_digits)
    if year is None or not FIRST_YEAR <= year <= current_year:
        return CheckResult(
            value,
            False,
            error_code="year",
            message=_(
                "The number starts with the filing year, which must be between %(first)d and "
                "%(last)d; %(digits)s is not such a year."
            )
            % {"first": FIRST_YEAR, "last": current_year, "digits": year_digits},
        )

    patent_type = TYPE_DIGITS.get(type_digit)
    # The old format's third digit did not always follow the new type codes (domain.md §3.2), so an
    # unknown digit there leaves the type unknown instead of failing the number.
    if new and patent_type is None:
        return CheckResult(
            value,
            False,
            error_code="type",
            message=_(
                "The fifth digit gives the patent type and must be 1, 2, 3, 8 or 9; here it is %(digit)s."
            )
            % {"digit": type_digit},
        )

    expected = check_character(digits)
    if given != expected:
        return CheckResult(
            value,
            False,
            error_code="check_digit",
            message=_(
                "The character after the dot should be %(expected)s, not %(given)s; "
                "please check the number for a typing error."
            )
            % {"expected": expected, "given": given},
        )
    return CheckResult(
        value,
        True,
        normalized=f"{digits}.{given}",
        details={"patent_type": patent_type.value if patent_type else None, "filing_year": year},
    )
