"""The back office shows personal data masked too: staff look records up there, they do not call people.

The read-only admins list every field as read-only; this mixin puts a masked column in place of each raw
one (and keeps the raw one out of the form), so a change page never carries the full number.
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.pii import mask_contact, mask_phone

# raw field -> the admin method that shows it masked
_MASKED = {"contact_phone": "masked_contact_phone", "contact": "masked_contact"}


class MaskedPiiAdminMixin:
    def _swap(self, names):
        return [_MASKED.get(name, name) if isinstance(name, str) else name for name in names]

    def get_fields(self, request, obj=None):
        return self._swap(super().get_fields(request, obj))

    def get_readonly_fields(self, request, obj=None):
        return self._swap(super().get_readonly_fields(request, obj))

    def get_exclude(self, request, obj=None):
        own = {field.name for field in self.model._meta.fields}
        return [*(super().get_exclude(request, obj) or ()), *(name for name in _MASKED if name in own)]

    @admin.display(description=_("contact phone"))
    def masked_contact_phone(self, obj) -> str:
        return mask_phone(obj.contact_phone)

    @admin.display(description=_("how to reach you"))
    def masked_contact(self, obj) -> str:
        return mask_contact(obj.contact)
