"""Copyright registration numbers (domain.md §3.4): works and computer software; no check digit.

Works: 国作登字-YYYY-X-NNNNNNNN (X a category letter, 8-digit serial). Software: YYYY + SR + serial;
the software serial has grown over the years, so 5 to 8 digits are accepted.
"""

import re

from django.utils.translation import gettext as _

from portal.identifiers.result import CheckResult

# [0-9], not \d: \d also matches other scripts' digits.
_WORK = re.compile(r"国作登字-((?:19|20)[0-9]{2})-([A-Z])-([0-9]{8})")
_SOFTWARE = re.compile(r"((?:19|20)[0-9]{2})SR([0-9]{5,8})")


def normalize(value: str) -> str:
    return (value or "").strip().upper()


def check_copyright(value: str) -> CheckResult:
    code = normalize(value)
    work = _WORK.fullmatch(code)
    if work:
        return CheckResult(
            value,
            True,
            normalized=code,
            details={"kind": "work", "year": int(work.group(1)), "category": work.group(2)},
        )
    software = _SOFTWARE.fullmatch(code)
    if software:
        return CheckResult(
            value, True, normalized=code, details={"kind": "software", "year": int(software.group(1))}
        )
    return CheckResult(
        value,
        False,
        error_code="format",
        message=_(
            "A copyright registration number looks like 国作登字-2021-L-00268255 for a work "
            "(year, category letter, 8-digit serial) or 2021SR0123456 for software (year, SR, 5 to 8 digits)."
        ),
    )
