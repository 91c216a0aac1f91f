"""``{% load pii %}``: ``value|mask_phone``, ``value|mask_id`` and ``{% pii_field obj "field" %}``.

``pii_field`` shows the field masked and, to a user holding ``privacy.view_full_pii``, a "show full
number" form (a reason is required; each use is audited). Only fields listed in
``portal.privacy.registry`` can be used with it, so a page cannot offer an unmask the endpoint refuses.
"""

from django import template

from portal import pii
from portal.privacy.permissions import can_view_full_pii
from portal.privacy.registry import MASKS, field_kind

register = template.Library()


@register.filter
def mask_phone(value) -> str:
    return pii.mask_phone(value)


@register.filter
def mask_id(value) -> str:
    return pii.mask_id_number(value)


@register.inclusion_tag("privacy/_masked.html", takes_context=True)
def pii_field(context, obj, field: str):
    label = obj._meta.label_lower
    kind = field_kind(label, field)
    if kind is None:
        raise template.TemplateSyntaxError(f"{label}.{field} is not listed in portal.privacy.registry")
    value = getattr(obj, field) or ""
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "masked": MASKS[kind](value),
        "can_unmask": bool(value) and user is not None and can_view_full_pii(user)[0],
        "record": label,
        "pk": obj.pk,
        "field": field,
        "slot": f"pii-{label.replace('.', '-')}-{obj.pk}-{field}",
        "csrf_token": context.get("csrf_token"),
    }
