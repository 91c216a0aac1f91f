from decimal import Decimal

import pytest
from django.template import Context, Template

from portal.policy.formatting import fraction_pct, money, rate_pct


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("300000", "300,000.00"),
        ("300000.00", "300,000.00"),
        ("1000000.00", "1,000,000.00"),
        ("20000", "20,000.00"),
        ("0", "0.00"),
        ("999.995", "1,000.00"),
        ("2.675", "2.68"),
    ],
)
def test_money_has_thousands_separators_and_two_places(value, text):
    assert money(Decimal(value)) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("0.5000", "50%"),
        ("0.4000", "40%"),
        ("0.3000", "30%"),
        ("1", "100%"),
        ("0", "0%"),
        ("0.3333", "33.33%"),
        ("0.4050", "40.5%"),
    ],
)
def test_fraction_is_shown_as_a_percentage_without_needless_zeros(value, text):
    assert fraction_pct(Decimal(value)) == text


@pytest.mark.parametrize(
    ("value", "text"), [("3.00", "3.00%"), ("3", "3.00%"), ("3.1", "3.10%"), ("4.2", "4.20%")]
)
def test_rate_in_percent_keeps_two_places(value, text):
    assert rate_pct(Decimal(value)) == text


def test_template_filters_format_and_leave_empty_values_blank():
    template = Template(
        "{% load policy_format %}{{ a|money }}|{{ b|fraction_pct }}|{{ c|rate_pct }}|{{ d|money }}|{{ e|money }}"
    )
    rendered = template.render(
        Context({"a": Decimal("300000"), "b": Decimal("0.5"), "c": Decimal("3"), "d": None, "e": "x"})
    )
    assert rendered == "300,000.00|50%|3.00%||"
