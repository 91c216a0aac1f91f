"""The API's JSON renderer (portal.renderers.FastJSONRenderer) writes exactly the bytes DRF's own would."""

import datetime
import uuid
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import gettext_lazy, override
from rest_framework.renderers import JSONRenderer

from portal.renderers import FastJSONRenderer

BEIJING = datetime.timezone(datetime.timedelta(hours=8))

PAYLOADS = [
    {},
    [],
    {"next": None, "previous": None, "results": []},
    {"amount": Decimal("1234567.89"), "rate": Decimal("3.4500"), "zero": Decimal("0.00")},
    {"at": datetime.datetime(2026, 11, 27, 9, 30, 15, 123456, tzinfo=BEIJING)},
    {
        "at": datetime.datetime(2026, 11, 27, 1, 30, tzinfo=datetime.UTC),
        "naive": datetime.datetime(2026, 1, 2, 3, 4),
    },
    {"day": datetime.date(2026, 2, 28), "time": datetime.time(17, 30, 5, 250000)},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678")},
    {"名称": "北京某某科技有限公司", "quote": 'a "b" \\ c\n', "emoji": "专利 ✓"},
    {1: "int key", "nested": {"list": [1, 2.5, True, False, None, {"deep": [Decimal("0.1")]}]}},
    {"big": 2**53 + 1, "negative": -7},
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_same_bytes_as_drf(payload):
    assert FastJSONRenderer().render(payload) == JSONRenderer().render(payload)


def test_lazy_translations_are_rendered_in_the_active_language():
    payload = {"label": gettext_lazy("Loans")}
    with override("en"):
        assert FastJSONRenderer().render(payload) == JSONRenderer().render(payload)


def test_an_indent_asked_for_is_honoured():
    payload = {"a": [1, {"b": Decimal("2.00")}]}
    media_type = "application/json; indent=2"
    assert FastJSONRenderer().render(payload, media_type) == JSONRenderer().render(payload, media_type)
    assert b"\n" in FastJSONRenderer().render(payload, media_type)


def test_nothing_renders_as_no_body():
    assert FastJSONRenderer().render(None) == b""


@override_settings(USE_TZ=True)
def test_aware_now_matches():
    payload = {"now": timezone.now()}
    assert FastJSONRenderer().render(payload) == JSONRenderer().render(payload)
