import datetime

import pytest
from freezegun import freeze_time
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.identifiers.patent import PatentType, check_character, check_patent
from tests.portal.identifiers.strategies import (
    DIGITS,
    expected_patent_error,
    patent_check_char,
    patent_replacement_chars,
    valid_patents,
)


@pytest.mark.parametrize(
    ("value", "normalized", "patent_type", "year"),
    [
        # E11
        ("ZL201310699744.2", "201310699744.2", "invention", 2013),
        ("CN 2010 8 0063196.9", "201080063196.9", "pct_invention", 2010),
        ("90101673.X", "90101673.X", "invention", 1990),
        # domain.md §3.2 verified and synthetic examples
        ("CN201080063196.9", "201080063196.9", "pct_invention", 2010),
        ("201110047567.0", "201110047567.0", "invention", 2011),
        ("ZL200820132792.8", "200820132792.8", "utility_model", 2008),
        ("202410000001.X", "202410000001.X", "invention", 2024),
    ],
)
def test_worked_and_published_examples_are_valid(value, normalized, patent_type, year):
    result = check_patent(value)
    assert result.valid, result.message
    assert result.normalized == normalized
    assert result.details == {"patent_type": patent_type, "filing_year": year}


@pytest.mark.parametrize(
    ("digits", "expected_sum"),
    [("201080063196", 185), ("201310699744", 233), ("90101673", 153), ("202410000001", 43)],
)
def test_check_character_uses_weights_2_to_9_then_2_to_5(digits, expected_sum):
    weights = [2, 3, 4, 5, 6, 7, 8, 9, 2, 3, 4, 5]
    assert sum(int(d) * w for d, w in zip(digits, weights, strict=False)) == expected_sum
    remainder = expected_sum % 11
    assert check_character(digits) == ("X" if remainder == 10 else str(remainder))


@pytest.mark.parametrize(
    "value",
    [
        " zl201310699744.2 ",
        "Zl 201310699744.2",
        "cn 2010 8 0063196.9",
        "2013 1 0699744.2",
        "20131 0699744.2",
        "2013 10699744.2",
        "\t90101673.x\n",
        "90 1 01673.X",
    ],
)
def test_case_prefix_and_standard_spaces_are_normalised(value):
    result = check_patent(value)
    assert result.valid, (value, result.message)
    assert " " not in result.normalized
    assert not result.normalized.startswith(("ZL", "CN"))


@pytest.mark.parametrize(
    "value",
    [
        "CN 2010 8 00631 96.9",  # space inside the serial
        "201310699744 .2",  # space before the dot
        "201310699744. 2",  # space after the dot
        "2013  1 0699744.2",  # two spaces
        "20 13 1 0699744.2",  # space inside the year
        "2013\t1 0699744.2",  # a tab is not the standard's space
        "ZL  201310699744.2",
    ],
)
def test_spaces_outside_the_standard_groups_are_format_errors(value):
    result = check_patent(value)
    assert result.error_code == "format"
    assert "space" in result.message.lower()


def test_missing_dot_is_refused_with_the_dotted_number_suggested():
    result = check_patent("2013106997442")
    assert result.error_code == "format"
    assert "201310699744.2" in result.message
    assert check_patent("ZL 2013 1 06997442").error_code == "format"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "ZL",
        "201310699744",  # no check character
        "201310699744.",
        "2013106997.44",
        "20131069974.2",  # 11 digits
        "2013106997444.2",  # 13 digits
        "9010167.X",  # 7 digits
        "201310699744.A",
        "2013X0699744.2",
        "CNZL201310699744.2",
        "ZL201310699744,2",
        "ZL201310699744。2",  # full-width stop
        "２０１３10699744.2",  # full-width digits
        "CN101234567A",  # a publication number, not an application number
    ],
)
def test_malformed_numbers_are_format_errors(value):
    result = check_patent(value)
    assert not result.valid
    assert result.error_code == "format"
    assert result.message


def _with_check(digits: str) -> str:
    return f"{digits}.{patent_check_char(digits)}"


@pytest.mark.parametrize("type_digit", ["0", "4", "5", "6", "7"])
def test_unknown_type_digit_in_the_new_format_is_a_type_error(type_digit):
    result = check_patent(_with_check(f"2013{type_digit}0699744"))
    assert result.error_code == "type"
    assert type_digit in result.message


@pytest.mark.parametrize(
    ("type_digit", "patent_type"),
    [
        ("1", "invention"),
        ("2", "utility_model"),
        ("3", "design"),
        ("8", "pct_invention"),
        ("9", "pct_utility_model"),
    ],
)
def test_each_type_digit_maps_to_its_patent_type(type_digit, patent_type):
    assert check_patent(_with_check(f"2015{type_digit}0000123")).details["patent_type"] == patent_type
    assert check_patent(_with_check(f"95{type_digit}00123")).details["patent_type"] == patent_type
    assert patent_type in PatentType.values


@pytest.mark.parametrize("type_digit", ["0", "4", "5", "6", "7"])
def test_old_format_with_another_third_digit_is_valid_with_unknown_type(type_digit):
    result = check_patent(_with_check(f"88{type_digit}00017"))
    assert result.valid
    assert result.details == {"patent_type": None, "filing_year": 1988}


@pytest.mark.parametrize(("yy", "year"), [("85", 1985), ("99", 1999), ("00", 2000), ("03", 2003)])
def test_old_format_years_run_from_1985_to_2003(yy, year):
    assert check_patent(_with_check(f"{yy}100001")).details["filing_year"] == year


@pytest.mark.parametrize("yy", ["04", "50", "84"])
def test_old_format_years_outside_85_to_03_are_year_errors(yy):
    assert check_patent(_with_check(f"{yy}100001")).error_code == "year"


@pytest.mark.parametrize("year", [1900, 1984, 2999])
def test_new_format_years_outside_1985_to_this_year_are_year_errors(year):
    result = check_patent(_with_check(f"{year}10000001"))
    assert result.error_code == "year"
    assert str(year) in result.message


def test_first_year_1985_is_accepted():
    assert check_patent(_with_check("198510000001")).valid


def test_next_year_is_refused_until_new_year_in_beijing():
    number = _with_check("202710000001")
    # 2026-12-31 23:30 in Beijing: still 2026.
    with freeze_time(datetime.datetime(2026, 12, 31, 15, 30, tzinfo=datetime.UTC)):
        assert check_patent(number).error_code == "year"
    # 2027-01-01 00:30 in Beijing, though still 2026 in UTC.
    with freeze_time(datetime.datetime(2026, 12, 31, 16, 30, tzinfo=datetime.UTC)):
        assert check_patent(number).valid


def test_wrong_check_character_names_the_expected_one():
    result = check_patent("ZL201310699744.3")
    assert result.error_code == "check_digit"
    assert "2" in result.message and "3" in result.message
    assert result.details == {}
    assert check_patent("202410000001.0").error_code == "check_digit"
    assert check_patent("90101673.9").error_code == "check_digit"


def test_invalid_results_carry_no_type_or_year():
    for value in ["ZL201310699744.3", "203010699744.2", "201340699744.2", "nonsense"]:
        result = check_patent(value)
        assert result.normalized is None
        assert result.details == {}


def test_every_single_substitution_of_a_worked_example_is_rejected():
    """Exhaustive over digits, X, the dot and a space for E11's first number."""
    sample = "ZL201310699744.2"
    for position, original in enumerate(sample):
        for char in DIGITS + "X. ":
            if char == original:
                continue
            mutated = sample[:position] + char + sample[position + 1 :]
            assert not check_patent(mutated).valid, mutated


@settings(max_examples=200, deadline=None)
@given(valid_patents())
def test_generated_valid_numbers_in_both_formats_are_accepted(sample):
    result = check_patent(sample.text)
    assert result.valid, (sample.text, result.message)
    assert result.normalized == sample.normalized
    assert result.details == {"patent_type": sample.patent_type, "filing_year": sample.filing_year}


@settings(max_examples=200, deadline=None)
@given(valid_patents(), st.data())
def test_generated_numbers_are_accepted_with_surrounding_whitespace(sample, data):
    padding = st.sampled_from(["", " ", "  ", "\t", "\r\n", "\u3000"])
    result = check_patent(data.draw(padding) + sample.text + data.draw(padding))
    assert result.valid
    assert result.normalized == sample.normalized


@settings(max_examples=200, deadline=None)
@given(valid_patents(), st.data(), patent_replacement_chars)
def test_every_single_character_substitution_is_rejected_with_the_right_code(sample, data, replacement):
    position = data.draw(st.integers(0, len(sample.text) - 1))
    assume(replacement.upper() != sample.text[position].upper())  # same character, other case
    mutated = sample.text[:position] + replacement + sample.text[position + 1 :]
    result = check_patent(mutated)
    assert not result.valid, mutated
    assert result.error_code == expected_patent_error(sample, position, replacement), (
        mutated,
        result.message,
    )


@settings(max_examples=200, deadline=None)
@given(valid_patents(decorated=False), st.data())
def test_a_space_inside_the_serial_or_around_the_dot_is_a_format_error(sample, data):
    # Gaps strictly inside the serial, or on either side of the dot.
    serial = [i for i, role in enumerate(sample.roles) if role == "serial"]
    dot = sample.roles.index("dot")
    gaps = [*serial[1:], dot, dot + 1]
    gap = data.draw(st.sampled_from(gaps))
    spaced = sample.text[:gap] + " " + sample.text[gap:]
    assert check_patent(spaced).error_code == "format", spaced
