"""Masking personal data for display: phone numbers and resident ID numbers.

Every page, export and API response shows these masked (security.md check 37; PIPL Art. 28, 51; JR/T
0171-2020 Annex A 信息屏蔽): ID numbers keep the first 6 and last 4 characters (``110101********1234``),
mobiles the first 3 and last 4 (``138****5678``), landlines their area code and last 4 (``010-****3344``);
free contact text has its numbers and e-mail addresses masked.
Showing a full number is a permission and an audited call (``portal.privacy``).

The masks never reveal more than the rule allows, whatever the input: a value too short to keep both ends
is masked whole, so a typo or an odd length cannot leak the number.

This module imports nothing from Django's ORM: the logging filter in ``LOGGING`` uses it before the apps
are loaded.
"""

import logging
import re

_DIGIT = re.compile(r"\d")
_MOBILE_CN = re.compile(r"^(?:\+?86[\s-]?)?(1[3-9]\d)\s*-?\s*(\d{4})\s*-?\s*(\d{4})$")
# A landline whose area code is set off by a separator or brackets: 010-66223344, (0755) 8888 1234.
_LANDLINE_CN = re.compile(r"^(\(0\d{2,3}\)|0\d{2,3}(?=[\s-]))([\s-]*)([\d\s-]+)$")

# In free text (log lines): an 18-character ID number (GB 11643-1999) and an 11-digit mainland mobile, not
# inside a longer run of digits nor the fraction of a decimal ("succeeded in 0.0087813950895089s"). Letters
# around them do not protect them ("user13812345678" is masked): in a log, masking a contract number by
# mistake costs nothing, missing a phone number does.
ID_NUMBER_IN_TEXT = re.compile(r"(?<![\d.])(\d{6})\d{8}(\d{3}[\dXx])(?!\d)")
MOBILE_IN_TEXT = re.compile(r"(?<![\d.])(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LINE_BREAKS = re.compile(r"[\r\n\u2028\u2029\x0b\x0c\x85]")


def _stars(text: str) -> str:
    """Every digit or letter becomes a star; separators stay so the shape is still readable."""
    return re.sub(r"[0-9A-Za-z]", "*", text)


def mask_phone(value) -> str:
    """``13812345678`` -> ``138****5678``; ``010-66223344`` -> ``010-****3344``; blanks stay blank.

    Anything else keeps only its last 4 digits, and only when at least 4 more are hidden; a shorter value
    is starred whole.
    """
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    mobile = _MOBILE_CN.match(text)
    if mobile:
        return f"{mobile.group(1)}****{mobile.group(3)}"
    landline = _LANDLINE_CN.match(text)
    if landline:
        area, separator, local = landline.group(1), landline.group(2), _DIGIT.findall(landline.group(3))
        if len(local) >= 7:
            return f"{area}{separator[:1]}{'*' * (len(local) - 4)}{''.join(local[-4:])}"
    digits = _DIGIT.findall(text)
    if len(digits) >= 8:
        return "*" * (len(digits) - 4) + "".join(digits[-4:])
    return _stars(text)


def mask_id_number(value) -> str:
    """``110101199003071234`` -> ``110101********1234`` (first 6 and last 4 kept); blanks stay blank.

    A 15-digit first-generation number keeps the same ends; anything shorter than 15 is starred whole.
    """
    if value is None:
        return ""
    text = re.sub(r"\s", "", str(value))
    if not text:
        return ""
    if len(text) < 15:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


_PHONE_LIKE = re.compile(r"[0-9+()\s-]+")
_EMAIL_IN_TEXT = re.compile(r"([A-Za-z0-9._%+-])[A-Za-z0-9._%+-]*@([A-Za-z0-9.-]+\.[A-Za-z]{2,})")
_DIGIT_RUN = re.compile(r"\d[\d\s-]{5,}\d")


def mask_contact(value) -> str:
    """Free "how to reach you" text: a phone number is masked as one; in anything else, e-mail addresses
    keep their first letter and domain, and every run of 7 or more digits is masked as a phone."""
    text = str(value or "").strip()
    if not text:
        return ""
    if _PHONE_LIKE.fullmatch(text):
        return mask_phone(text)
    text = _EMAIL_IN_TEXT.sub(r"\1***@\2", mask_text(text))
    return _DIGIT_RUN.sub(lambda match: mask_phone(match.group()), text)


def mask_text(value) -> str:
    """Free text with any ID number or mobile inside it masked (log messages, notes)."""
    text = ID_NUMBER_IN_TEXT.sub(r"\1********\2", str(value))
    return MOBILE_IN_TEXT.sub(r"\1****\2", text)


def one_line(value) -> str:
    """Line breaks written as visible escapes, so user input cannot forge a log line (ASVS 16.4.1)."""
    return _LINE_BREAKS.sub(lambda match: repr(match.group())[1:-1], str(value))


# --- Logs (security.md check 21) -------------------------------------------------------------------------


class PiiLogFilter(logging.Filter):
    """Masks ID numbers and mobiles in every log record and writes its line breaks as escapes.

    Installed on the handlers, so it covers every logger that propagates to them (Django's request
    logger writes the requested path, a user name can hold ``\\r\\n``). The message is formatted once
    here and the arguments dropped, so no formatter sees the raw values afterwards. A traceback is kept
    (operations need it, check 25) but its text is masked and escaped the same way.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record; keep what was given
            message = f"{record.msg} {record.args!r}"
        record.msg = one_line(mask_text(message))
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            # A traceback spans lines by nature: its lines are kept but indented, so a line break inside
            # an exception's message (a user name, a path) cannot start what looks like a log entry.
            lines = mask_text(record.exc_text).replace("\r", "\\r").split("\n")
            record.exc_text = "\n".join("  " + line for line in lines)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
        return True
