"""The masking kernel (security.md check 37): phones and ID numbers, the template filters, the DRF fields and
the log filter's line handling. Pure functions: no database."""

import logging

import pytest
from django.template import Context, Template
from rest_framework import serializers

from portal.pii import PiiLogFilter, mask_contact, mask_id_number, mask_phone, mask_text, one_line
from portal.privacy.fields import MaskedIdNumberField, MaskedPhoneField


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("86-138-1234-5678", "138****5678"),
        (" 19912345678 ", "199****5678"),
        ("010-66223344", "010-****3344"),
        ("010 6622 3344", "010 ****3344"),
        ("(0755) 8888 1234", "(0755) ****1234"),
        ("0755-88881234", "0755-****1234"),
        ("021-5555666", "021-***5666"),
        # Not recognisable: only the last 4 digits, and only when at least 4 more are hidden.
        ("0106622334", "******2334"),
        ("1381234567", "******4567"),
        ("400-820-8820", "******8820"),
        ("861381234567800", "***********7800"),
        ("12345", "*****"),
        ("010-123", "***-***"),
        ("ab", "**"),
        ("", ""),
        ("   ", ""),
        (None, ""),
    ],
)
def test_mask_phone(raw, shown):
    assert mask_phone(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("110101199003071234", "110101********1234"),
        ("11010119900307123X", "110101********123X"),
        ("110101 19900307 1234", "110101********1234"),
        ("110101900307123", "110101*****7123"),  # first-generation, 15 digits
        ("1101011990030712345", "110101*********2345"),
        ("11010119900307", "**************"),  # too short to keep both ends
        ("1234", "****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_number(raw, shown):
    assert mask_id_number(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("call 13812345678 now", "call 138****5678 now"),
        ("id=110101199003071234;", "id=110101********1234;"),
        ("id 11010119900307123x", "id 110101********123x"),
        ("user13812345678", "user138****5678"),
        # A credit code and a longer run of digits are not personal data.
        ("91110108MA01234567", "91110108MA01234567"),
        ("138123456789", "138123456789"),
        ("1101011990030712345", "1101011990030712345"),
        # Nor the fraction of a decimal (a task's run time in Celery's log).
        ("succeeded in 0.0087813950895089s", "succeeded in 0.0087813950895089s"),
        ("took 2.13812345678 s", "took 2.13812345678 s"),
    ],
)
def test_mask_text_masks_numbers_inside_free_text(raw, shown):
    assert mask_text(raw) == shown


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("13911112222", "139****2222"),
        ("010-66223344", "010-****3344"),
        ("张先生 13911112222", "张先生 139****2222"),
        ("wang@example.com", "w***@example.com"),
        ("邮箱 zhang.san@example.com 或 010-6622 3344", "邮箱 z***@example.com 或 010-****3344"),
        ("微信 zs2026", "微信 zs2026"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_contact_masks_numbers_and_addresses_in_free_text(raw, shown):
    assert mask_contact(raw) == shown


def test_one_line_writes_line_breaks_as_escapes():
    assert one_line("a\r\nFAKE ENTRY\u2028x") == "a\\r\\nFAKE ENTRY\\u2028x"


def test_template_filters_mask():
    rendered = Template(
        "{% load pii %}{{ phone|mask_phone }} {{ id|mask_id }} {{ blank|mask_phone }}."
    ).render(Context({"phone": "13812345678", "id": "110101199003071234", "blank": ""}))
    assert rendered == "138****5678 110101********1234 ."


def test_drf_fields_write_masked_values_and_are_read_only():
    class PersonSerializer(serializers.Serializer):
        phone = MaskedPhoneField()
        id_number = MaskedIdNumberField()

    data = PersonSerializer({"phone": "13812345678", "id_number": "110101199003071234"}).data
    assert data == {"phone": "138****5678", "id_number": "110101********1234"}
    assert PersonSerializer().fields["phone"].read_only


def _record(msg, args=(), exc_info=None):
    return logging.LogRecord("portal.test", logging.ERROR, __file__, 1, msg, args, exc_info)


def test_log_filter_masks_the_message_and_its_arguments():
    record = _record("user %s phone %s id %s", ("a\r\nFAKE ENTRY", "13812345678", "110101199003071234"))
    assert PiiLogFilter().filter(record) is True
    assert record.getMessage() == "user a\\r\\nFAKE ENTRY phone 138****5678 id 110101********1234"


def test_log_filter_masks_and_indents_a_traceback():
    try:
        raise ValueError("bad name a\nFAKE ENTRY 13812345678")
    except ValueError:
        import sys

        record = _record("failed", exc_info=sys.exc_info())
    PiiLogFilter().filter(record)
    text = logging.Formatter("%(message)s").format(record)
    assert "13812345678" not in text
    assert "138****5678" in text
    assert "\nFAKE ENTRY" not in text
    assert "ValueError" in text  # the traceback itself is kept for operations


def test_log_filter_keeps_a_record_with_a_bad_format_string():
    record = _record("%d items", ("13812345678",))
    assert PiiLogFilter().filter(record) is True
    assert "13812345678" not in record.getMessage()
