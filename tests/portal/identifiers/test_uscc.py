import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from portal.identifiers.uscc import CHARSET, WEIGHTS, check_character, check_uscc
from tests.portal.identifiers.strategies import (
    USCC_ALLOWED,
    USCC_CHARSET,
    replacement_chars,
    uscc_check_char,
    valid_usccs,
)

E10 = "91110108551385082Q"


def test_worked_example_e10_is_valid_with_weighted_sum_999():
    values = [CHARSET.index(char) for char in E10[:17]]
    assert sum(value * weight for value, weight in zip(values, WEIGHTS, strict=True)) == 999
    result = check_uscc(E10)
    assert result.valid
    assert result.normalized == E10
    assert result.error_code is None


@pytest.mark.parametrize(
    "code", ["914403001922038216", "91330100716105852F", "91440300708461136T", "91110108MA01ABCD5T"]
)
def test_published_and_synthetic_codes_from_the_domain_notes_are_valid(code):
    assert check_uscc(code).valid


def test_weights_are_powers_of_three_mod_31_and_charset_skips_i_o_s_v_z():
    assert list(WEIGHTS) == [pow(3, i, 31) for i in range(17)]
    assert len(CHARSET) == 31
    assert not set("IOSVZ") & set(CHARSET)


def test_fujian_pilot_code_is_reported_as_a_check_digit_error_naming_the_computed_character():
    result = check_uscc("91350100M0001TGQXM")
    assert not result.valid
    assert result.error_code == "check_digit"
    assert result.normalized is None
    assert check_character("91350100M0001TGQX") == "1"
    assert "1" in result.message and "M" in result.message


def test_lower_case_and_surrounding_whitespace_are_normalised():
    result = check_uscc("  91110108551385082q\t\n")
    assert result.valid
    assert result.normalized == E10
    assert result.value == "  91110108551385082q\t\n"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "9111010855138508",  # 16 characters
        "91110108551385082QQ",  # 19 characters
        "9111 0108551385082Q",  # inner space
        "91110108551385O82Q",  # letter O is never used
        "91110108551385I82Q",  # letter I is never used
        "91A10108551385082Q",  # area code must be digits
        "91١10108551385082Q",  # an Arabic-Indic digit is not a digit here
        "９１110108551385082Q",  # full-width digits are not accepted
        "91110108551385082-",
    ],
)
def test_malformed_codes_are_format_errors(value):
    result = check_uscc(value)
    assert not result.valid
    assert result.error_code == "format"
    assert result.message


def test_none_is_a_format_error_not_a_crash():
    assert check_uscc(None).error_code == "format"


def test_every_single_substitution_of_the_worked_example_is_rejected():
    """Exhaustive over the alphabet: GB 32100's weights catch every single-character error."""
    for position, original in enumerate(E10):
        for char in USCC_CHARSET + "IOSVZ":
            if char == original:
                continue
            mutated = E10[:position] + char + E10[position + 1 :]
            expected = "check_digit" if char in USCC_ALLOWED[position] else "format"
            assert check_uscc(mutated).error_code == expected, mutated


@settings(max_examples=200, deadline=None)
@given(valid_usccs())
def test_generated_valid_codes_are_accepted(code):
    result = check_uscc(code)
    assert result.valid, code
    assert result.normalized == code


@settings(max_examples=200, deadline=None)
@given(valid_usccs(), st.data())
def test_generated_codes_are_accepted_in_any_case_with_surrounding_whitespace(code, data):
    lowered = "".join(char.lower() if data.draw(st.booleans()) else char for char in code)
    padding = st.sampled_from(["", " ", "  ", "\t", "\n", " \u3000"])
    value = data.draw(padding) + lowered + data.draw(padding)
    result = check_uscc(value)
    assert result.valid, value
    assert result.normalized == code


@settings(max_examples=200, deadline=None)
@given(valid_usccs(), st.integers(0, 17), replacement_chars)
def test_every_single_character_substitution_is_rejected_with_the_right_code(code, position, replacement):
    assume(replacement.upper() != code[position])  # a case change of the same character is normalisation
    mutated = code[:position] + replacement + code[position + 1 :]
    upper = replacement.upper()
    expected = "check_digit" if len(upper) == 1 and upper in USCC_ALLOWED[position] else "format"
    result = check_uscc(mutated)
    assert not result.valid, mutated
    assert result.error_code == expected, (mutated, result.message)


def test_strategy_check_character_agrees_with_the_worked_example():
    assert uscc_check_char(E10[:17]) == "Q"
