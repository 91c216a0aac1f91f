"""Trademark registration numbers and Nice classes (domain.md §3.3).

No authoritative format spec exists: the certificate shows the number as "第N号" with no check digit,
and Madrid-system international registrations share the register with a leading G.
"""

import re

from django.utils.translation import gettext as _

from portal.identifiers.result import CheckResult

NICE_CLASSES = range(1, 46)  # Nice Classification: 34 goods classes + 11 services classes.

# [0-9], not \d: \d also matches other scripts' digits.
_NUMBER = re.compile(r"(G?)([0-9]{1,9})")
_CLASS = re.compile(r"[0-9]{1,3}")


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def check_trademark(value: str) -> CheckResult:
    code = normalize(value)
    match = _NUMBER.fullmatch(code)
    if not match:
        return CheckResult(
            value,
            False,
            error_code="format",
            message=_(
                "A trademark registration number is 1 to 9 digits, with a G in front for an "
                "international registration (the N of 第N号 on the certificate)."
            ),
        )
    return CheckResult(value, True, normalized=code, details={"international": bool(match.group(1))})


def check_nice_class(value: int | str) -> CheckResult:
    """One trademark registration covers one Nice class, so a pledged trademark records its class."""
    # bool is an int, but True is no answer to "which class?".
    text = "" if value is None or isinstance(value, bool) else str(value).strip()
    if not _CLASS.fullmatch(text):
        return CheckResult(
            str(value), False, error_code="format", message=_("A Nice class is a whole number from 1 to 45.")
        )
    number = int(text)
    if number not in NICE_CLASSES:
        return CheckResult(
            str(value),
            False,
            error_code="range",
            message=_("There are 45 Nice classes, numbered 1 to 45; %(number)d is not one of them.")
            % {"number": number},
        )
    return CheckResult(str(value), True, normalized=str(number), details={"nice_class": number})
