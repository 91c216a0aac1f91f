from decimal import Decimal

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from portal.policy import formatting
from stats.indicators import PERCENT, YUAN

register = template.Library()


@register.filter
def figure(value, unit: str) -> str:
    """A figure as the dashboards show it: money to the fen with separators, percentages with %, counts
    with separators, and a dash where there is nothing to divide by."""
    if value is None:
        return "—"
    if unit == YUAN:
        return formatting.money(Decimal(value))
    if unit == PERCENT:
        return f"{Decimal(value):.2f}%"
    return f"{int(value):,}"


def _joined(parts) -> str:
    return format_html_join("", "{}", ((part,) for part in parts))


def _cell(cell, unit) -> str:
    if unit:
        return format_html('<td class="num">{}</td>', figure(cell, unit))
    return format_html("<td>{}</td>", "—" if cell in (None, "") else cell)


@register.simple_tag
def stats_table(section) -> str:
    """A section's table, written in Python: the league tables hold hundreds of cells, and the template
    language's per-cell cost made them most of the page's time."""
    headings = section["headings"]
    head = _joined(
        [format_html('<th scope="col">{}</th>', headings[0])]
        + [format_html('<th scope="col" class="num">{}</th>', heading) for heading in headings[1:]]
    )
    rows = [
        format_html(
            '<tr data-testid="{}-row"><th scope="row">{}</th>{}</tr>',
            section["key"],
            row[0],
            _joined(_cell(cell, unit) for cell, unit in zip(row[1:], section["units"][1:], strict=True)),
        )
        for row in section["rows"]
    ] or [
        format_html(
            '<tr><td colspan="{}" class="muted">{}</td></tr>', len(headings), _("Nothing in this period.")
        )
    ]
    return format_html(
        '<div class="table-scroll"><table><thead><tr>{}</tr></thead><tbody>{}</tbody></table></div>',
        head,
        _joined(rows),
    )


def _options(choices, selected: str) -> str:
    parts = []
    for value, label in choices:
        if isinstance(label, (list, tuple)):  # a group: the period's year with its quarters and months
            parts.append(format_html('<optgroup label="{}">{}</optgroup>', value, _options(label, selected)))
        else:
            mark = " selected" if str(value) == selected else ""
            parts.append(format_html('<option value="{}"{}>{}</option>', value, mark, label))
    return _joined(parts)


@register.simple_tag
def select_field(bound_field) -> str:
    """A choice field's label and select, written in Python: the period, park and bank lists hold hundreds
    of options, and Django's widget templates render one template per option."""
    value = bound_field.value()
    errors = _joined(format_html('<small class="error">{}</small>', error) for error in bound_field.errors)
    return format_html(
        '<label for="{}">{}</label> <select name="{}" id="{}">{}</select>{}',
        bound_field.id_for_label,
        bound_field.label,
        bound_field.html_name,
        bound_field.id_for_label,
        _options(bound_field.field.choices, "" if value in (None, "") else str(value)),
        errors,
    )
