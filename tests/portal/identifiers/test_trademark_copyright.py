import pytest

from portal.identifiers.copyright import check_copyright
from portal.identifiers.trademark import check_nice_class, check_trademark


@pytest.mark.parametrize(
    ("value", "normalized", "international"),
    [
        ("1", "1", False),
        ("12345678", "12345678", False),
        ("123456789", "123456789", False),
        ("G1234567", "G1234567", True),
        (" g1234567 ", "G1234567", True),
    ],
)
def test_trademark_numbers_of_one_to_nine_digits_with_optional_g_are_valid(value, normalized, international):
    result = check_trademark(value)
    assert result.valid
    assert result.normalized == normalized
    assert result.details == {"international": international}


@pytest.mark.parametrize(
    "value", ["", "1234567890", "G", "GG123", "第12345678号", "12 345", "123A", "１２３", "-123", "G-123"]
)
def test_other_trademark_numbers_are_format_errors(value):
    result = check_trademark(value)
    assert not result.valid
    assert result.error_code == "format"
    assert "G" in result.message


@pytest.mark.parametrize(("value", "number"), [(1, 1), (45, 45), ("9", 9), (" 35 ", 35), ("09", 9)])
def test_nice_classes_1_to_45_are_valid(value, number):
    result = check_nice_class(value)
    assert result.valid
    assert result.details == {"nice_class": number}
    assert result.normalized == str(number)


@pytest.mark.parametrize("value", [0, 46, "46", "100", -0])
def test_nice_classes_outside_1_to_45_are_range_errors(value):
    result = check_nice_class(value)
    assert result.error_code == "range"
    assert "45" in result.message


@pytest.mark.parametrize("value", ["", "abc", "9.5", "-1", True, None, "1000", "٣"])
def test_nice_class_that_is_not_a_whole_number_is_a_format_error(value):
    assert check_nice_class(value).error_code == "format"


@pytest.mark.parametrize(
    ("value", "normalized", "details"),
    [
        (
            "国作登字-2021-L-00268255",
            "国作登字-2021-L-00268255",
            {"kind": "work", "year": 2021, "category": "L"},
        ),
        (
            "国作登字-2026-A-00037559",
            "国作登字-2026-A-00037559",
            {"kind": "work", "year": 2026, "category": "A"},
        ),
        (
            " 国作登字-1998-f-00000001 ",
            "国作登字-1998-F-00000001",
            {"kind": "work", "year": 1998, "category": "F"},
        ),
        ("2021SR0123456", "2021SR0123456", {"kind": "software", "year": 2021}),
        ("2005sr12345", "2005SR12345", {"kind": "software", "year": 2005}),
        ("2024SR12345678", "2024SR12345678", {"kind": "software", "year": 2024}),
    ],
)
def test_work_and_software_registration_numbers_are_valid(value, normalized, details):
    result = check_copyright(value)
    assert result.valid
    assert result.normalized == normalized
    assert result.details == details


@pytest.mark.parametrize(
    "value",
    [
        "",
        "国作登字-2021-L-0026825",  # 7-digit serial
        "国作登字-2021-LL-00268255",
        "国作登字-1821-L-00268255",  # year must be 19xx or 20xx
        "国作登字2021-L-00268255",
        "国作登字-2021-1-00268255",
        "2021SR1234",  # 4-digit serial
        "2021SR123456789",  # 9-digit serial
        "21SR0123456",
        "2021 SR0123456",
        "2021RS0123456",
        "2021SR012345６",
    ],
)
def test_other_copyright_numbers_are_format_errors(value):
    result = check_copyright(value)
    assert not result.valid
    assert result.error_code == "format"
    assert "SR" in result.message
