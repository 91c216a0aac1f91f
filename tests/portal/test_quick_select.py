"""QuickSelect writes the same select as Django's template-rendered one, escaping included."""

from django import forms
from django.test.html import parse_html

from portal.forms import QuickSelect

CHOICES = [
    ("", "—"),
    (1, "北京中关村科技融资担保有限公司"),
    (2, '<script>alert("x")</script> & Co'),
    ("Group <b>", [(3, "三"), (4, "四")]),
]


def _both(value, attrs=None):
    quick = QuickSelect(choices=CHOICES, attrs={"class": "wide"})
    django = forms.Select(choices=CHOICES, attrs={"class": "wide"})
    return (
        parse_html(quick.render("organisation", value, attrs)),
        parse_html(django.render("organisation", value, attrs)),
    )


def test_the_markup_equals_djangos_with_the_selected_option_and_groups():
    quick, django = _both(2, {"id": "id_participants-0-organisation", "required": True})
    assert quick == django


def test_labels_and_values_are_escaped():
    html = QuickSelect(choices=CHOICES).render("organisation", None)
    assert "<script>" not in html
    assert "&lt;script&gt;" in html
    assert 'label="Group &lt;b&gt;"' in html


def test_no_value_selects_the_empty_option_as_django_does():
    quick, django = _both(None)
    assert quick == django
    assert QuickSelect(choices=CHOICES).render("organisation", None).count("selected") == 1
