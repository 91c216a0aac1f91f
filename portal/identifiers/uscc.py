"""Unified social credit code (统一社会信用代码), GB 32100-2015 (domain.md §3.1)."""

import re

from django.utils.translation import gettext as _

from portal.identifiers.result import CheckResult

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters; I, O, S, V, Z never occur.
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)  # 3^(i-1) mod 31
# [0-9], not \d: \d also matches other scripts' digits, which are not in CHARSET.
_LAYOUT = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def check_uscc(value: str) -> CheckResult:
    code = normalize(value)
    if len(code) != 18:
        return CheckResult(
            value,
            False,
            error_code="format",
            message=_("A credit code has 18 characters; this one has %(n)d.") % {"n": len(code)},
        )
    if not _LAYOUT.match(code):
        return CheckResult(
            value,
            False,
            error_code="format",
            message=_(
                "A credit code uses digits and capital letters except I, O, S, V and Z, "
                "with a 6-digit area code in positions 3 to 8."
            ),
        )
    expected = check_character(code[:17])
    if code[17] != expected:
        return CheckResult(
            value,
            False,
            error_code="check_digit",
            message=_(
                "The last character should be %(expected)s, not %(given)s; "
                "please check the code for a typing error."
            )
            % {"expected": expected, "given": code[17]},
        )
    return CheckResult(value, True, normalized=code)
