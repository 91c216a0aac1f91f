"""What the portal's forms share."""

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join


def show_errors(form, message: str, errors: dict) -> None:
    """Put a service's refusal on ``form``: each field's messages on that field; messages for names the form
    does not have (``__all__``, ``participants``, ...) on top of it; the summary ``message`` on top too
    unless some field already says what is wrong."""
    placed = False
    for name, field_errors in errors.items():
        if name in form.fields:
            form.add_error(name, list(field_errors))
            placed = True
        elif name != "__all__" or list(field_errors) != [message]:
            form.add_error(None, list(field_errors))
    if not placed:
        form.add_error(None, message)


class QuickSelect(forms.Select):
    """A select whose options are written out in Python. Django renders every option through a template;
    for a list of institutions repeated in each row of a formset that cost more than the rest of the page
    (the loan page, ``python -m bench pages``). Same markup: name, attributes, selected option, groups."""

    def render(self, name, value, attrs=None, renderer=None):
        widget = self.get_context(name, value, attrs)["widget"]
        parts = []
        for group_name, options, _index in widget["optgroups"]:
            rows = format_html_join(
                "",
                '<option value="{}"{}>{}</option>',
                ((option["value"], flatatt(option["attrs"]), option["label"]) for option in options),
            )
            parts.append(
                format_html('<optgroup label="{}">{}</optgroup>', group_name, rows) if group_name else rows
            )
        # Every part is already safe (format_html), so joining them through format_html escapes nothing twice.
        body = format_html_join("", "{}", ((part,) for part in parts))
        return format_html('<select name="{}"{}>{}</select>', widget["name"], flatatt(widget["attrs"]), body)
