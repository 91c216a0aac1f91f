"""Hypothesis strategies for identifiers, with check characters computed here from the standards'
formulas (not with the code under test), and the error code each single-character change must get."""

from dataclasses import dataclass

from django.utils.timezone import localdate
from hypothesis import strategies as st

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
DIGITS = "0123456789"
# GB 32100-2015 layout: 2 code characters, a 6-digit area code, 9 code characters, the check character.
USCC_ALLOWED = [USCC_CHARSET] * 2 + [DIGITS] * 6 + [USCC_CHARSET] * 10

# Replacement characters: the identifiers' own alphabets in both cases, plus anything Unicode offers
# (other scripts' digits, full-width forms, whitespace, control characters).
replacement_chars = st.one_of(
    st.sampled_from(USCC_CHARSET + USCC_CHARSET.lower() + "IOSVZiosvz.-X x"),
    st.characters(),
)
# For patent numbers most interesting replacements are digits (check, year and type errors).
patent_replacement_chars = st.one_of(st.sampled_from(DIGITS + "Xx. "), replacement_chars)


def uscc_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(char) * pow(3, i, 31) for i, char in enumerate(first17))
    return USCC_CHARSET[(31 - total % 31) % 31]


@st.composite
def valid_usccs(draw) -> str:
    body = "".join(draw(st.sampled_from(allowed)) for allowed in USCC_ALLOWED[:17])
    return body + uscc_check_char(body)


def patent_check_char(digits: str) -> str:
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    remainder = sum(int(d) * w for d, w in zip(digits, weights, strict=False)) % 11
    return "X" if remainder == 10 else str(remainder)


OLD_YEARS = {f"{yy:02d}": (1900 + yy if yy >= 85 else 2000 + yy) for yy in [*range(85, 100), *range(4)]}
NEW_TYPES = {
    "1": "invention",
    "2": "utility_model",
    "3": "design",
    "8": "pct_invention",
    "9": "pct_utility_model",
}


@dataclass(frozen=True)
class PatentSample:
    text: str
    roles: tuple[str, ...]  # one per character of text: prefix, space, year, type, serial, dot, check
    old: bool
    normalized: str
    filing_year: int
    patent_type: str | None


@st.composite
def valid_patents(draw, *, decorated: bool = True) -> PatentSample:
    """A valid number in either format; ``decorated`` adds a prefix, the standard's spaces and mixed case."""
    old = draw(st.booleans())
    if old:
        year_text = draw(st.sampled_from(sorted(OLD_YEARS)))
        filing_year = OLD_YEARS[year_text]
        type_digit = draw(st.sampled_from(DIGITS))
        serial = draw(st.text(DIGITS, min_size=5, max_size=5))
    else:
        filing_year = draw(st.integers(1985, localdate().year))
        year_text = str(filing_year)
        type_digit = draw(st.sampled_from(sorted(NEW_TYPES)))
        serial = draw(st.text(DIGITS, min_size=7, max_size=7))
    digits = year_text + type_digit + serial
    check = patent_check_char(digits)

    prefix = draw(st.sampled_from(["", "ZL", "CN", "zl", "cn", "Zl", "cN"])) if decorated else ""
    after_prefix = " " if prefix and decorated and draw(st.booleans()) else ""
    gap1 = draw(st.sampled_from(["", " "])) if decorated else ""
    gap2 = draw(st.sampled_from(["", " "])) if decorated else ""
    check_text = check.lower() if check == "X" and decorated and draw(st.booleans()) else check

    parts = [
        (prefix, "prefix"),
        (after_prefix, "space"),
        (year_text, "year"),
        (gap1, "space"),
        (type_digit, "type"),
        (gap2, "space"),
        (serial, "serial"),
        (".", "dot"),
        (check_text, "check"),
    ]
    text = "".join(part for part, _ in parts)
    roles = tuple(role for part, role in parts for _ in part)
    patent_type = NEW_TYPES.get(type_digit)
    return PatentSample(text, roles, old, f"{digits}.{check}", filing_year, patent_type)


def _patent_year_ok(year_text: str, old: bool) -> bool:
    if old:
        return year_text in OLD_YEARS
    return 1985 <= int(year_text) <= localdate().year


def expected_patent_error(sample: PatentSample, position: int, replacement: str) -> str:
    """The error code a patent number must get when the character at ``position`` is replaced."""
    role = sample.roles[position]
    upper = replacement.upper()
    is_digit = len(upper) == 1 and upper in DIGITS
    if role in {"prefix", "space", "dot"}:
        return "format"
    if role == "check":
        return "check_digit" if len(upper) == 1 and upper in DIGITS + "X" else "format"
    if not is_digit:
        return "format"
    if role == "year":
        year_positions = [i for i, r in enumerate(sample.roles) if r == "year"]
        year_text = "".join(upper if i == position else sample.text[i] for i in year_positions)
        return "check_digit" if _patent_year_ok(year_text, sample.old) else "year"
    if role == "type" and not sample.old and upper not in NEW_TYPES:
        return "type"
    return "check_digit"
