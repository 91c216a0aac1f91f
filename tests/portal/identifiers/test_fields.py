import pytest
from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from portal.identifiers.fields import (
    CopyrightNumberFormField,
    CopyrightNumberSerializerField,
    NiceClassFormField,
    NiceClassSerializerField,
    PatentNumberFormField,
    PatentNumberSerializerField,
    TrademarkNumberFormField,
    TrademarkNumberSerializerField,
    UsccFormField,
    UsccSerializerField,
)
from portal.identifiers.validators import (
    validate_copyright_number,
    validate_nice_class,
    validate_patent_number,
    validate_trademark_number,
    validate_uscc,
)


@pytest.mark.parametrize(
    ("validator", "good", "bad", "code"),
    [
        (validate_uscc, "91110108551385082Q", "91350100M0001TGQXM", "check_digit"),
        (validate_patent_number, "ZL201310699744.2", "ZL201310699744.3", "check_digit"),
        (validate_patent_number, "201310699744.2", "203010699744.2", "year"),
        (validate_patent_number, "201310699744.2", "201340699744.2", "type"),
        (validate_patent_number, "201310699744.2", "2013106997442", "format"),
        (validate_trademark_number, "G1234567", "G12345678901", "format"),
        (validate_nice_class, 9, 46, "range"),
        (validate_copyright_number, "2021SR0123456", "2021SR01", "format"),
    ],
)
def test_validators_accept_valid_values_and_raise_with_the_check_error_code(validator, good, bad, code):
    validator(good)
    with pytest.raises(ValidationError) as raised:
        validator(bad)
    assert raised.value.code == code
    assert raised.value.messages[0]


class PledgeForm(forms.Form):
    uscc = UsccFormField()
    patent = PatentNumberFormField()
    trademark = TrademarkNumberFormField(required=False)
    nice_class = NiceClassFormField(required=False)
    copyright = CopyrightNumberFormField(required=False)


def test_form_fields_return_the_normalised_values():
    form = PledgeForm(
        data={
            "uscc": " 91110108551385082q ",
            "patent": "zl 2013 1 0699744.2",
            "trademark": "g1234567",
            "nice_class": "9",
            "copyright": "2021sr0123456",
        }
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "uscc": "91110108551385082Q",
        "patent": "201310699744.2",
        "trademark": "G1234567",
        "nice_class": 9,
        "copyright": "2021SR0123456",
    }


def test_form_fields_report_what_is_wrong_with_the_error_code():
    form = PledgeForm(
        data={
            "uscc": "91350100M0001TGQXM",
            "patent": "201310699744.3",
            "trademark": "12A",
            "nice_class": "46",
            "copyright": "2021SR01",
        }
    )
    assert not form.is_valid()
    assert form.has_error("uscc", code="check_digit")
    assert form.has_error("patent", code="check_digit")
    assert "should be 2" in form.errors["patent"][0]
    assert form.has_error("trademark", code="format")
    assert form.has_error("nice_class", code="range")
    assert form.has_error("copyright", code="format")


def test_optional_form_fields_accept_empty_and_required_ones_do_not():
    form = PledgeForm(data={"uscc": "", "patent": "201310699744.2"})
    assert not form.is_valid()
    assert form.has_error("uscc", code="required")
    assert "trademark" not in form.errors
    assert form.cleaned_data["trademark"] == ""


def test_live_checked_form_fields_render_data_identifier_for_the_script():
    html = str(PledgeForm()["uscc"]) + str(PledgeForm()["patent"])
    assert 'data-identifier="uscc"' in html
    assert 'data-identifier="patent"' in html
    assert "data-identifier" not in str(PledgeForm()["trademark"])
    assert 'min="1"' in str(PledgeForm()["nice_class"]) and 'max="45"' in str(PledgeForm()["nice_class"])


def test_overlong_form_input_is_refused_before_checking():
    form = PledgeForm(data={"uscc": "9" * 65, "patent": "201310699744.2"})
    assert form.has_error("uscc", code="max_length")


class PledgeSerializer(serializers.Serializer):
    uscc = UsccSerializerField()
    patent = PatentNumberSerializerField()
    trademark = TrademarkNumberSerializerField(required=False)
    nice_class = NiceClassSerializerField(required=False)
    copyright = CopyrightNumberSerializerField(required=False, allow_null=True)


def test_serializer_fields_return_the_normalised_values():
    serializer = PledgeSerializer(
        data={
            "uscc": "91110108551385082q ",
            "patent": "CN 2010 8 0063196.9",
            "trademark": "123",
            "nice_class": 45,
            "copyright": None,
        }
    )
    assert serializer.is_valid(), serializer.errors
    assert serializer.validated_data == {
        "uscc": "91110108551385082Q",
        "patent": "201080063196.9",
        "trademark": "123",
        "nice_class": 45,
        "copyright": None,
    }


def test_serializer_fields_report_what_is_wrong_with_the_error_code():
    serializer = PledgeSerializer(
        data={"uscc": "9111010855138508", "patent": "201310699744.3", "trademark": "x", "nice_class": 0}
    )
    assert not serializer.is_valid()
    assert serializer.errors["uscc"][0].code == "format"
    assert serializer.errors["patent"][0].code == "check_digit"
    assert serializer.errors["trademark"][0].code == "format"
    assert serializer.errors["nice_class"][0].code == "min_value"
    assert "1 to 45" in serializer.errors["nice_class"][0]


def test_serializer_fields_refuse_blank_and_overlong_input():
    serializer = PledgeSerializer(data={"uscc": "  ", "patent": "2" * 65})
    assert not serializer.is_valid()
    assert serializer.errors["uscc"][0].code == "blank"
    assert serializer.errors["patent"][0].code == "max_length"
