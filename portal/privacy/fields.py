"""DRF fields that write personal data masked; the full value only comes from the audited unmask call."""

from rest_framework import serializers

from portal.pii import mask_id_number, mask_phone


class _MaskedField(serializers.CharField):
    mask = staticmethod(str)

    def __init__(self, **kwargs):
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, value) -> str:
        return self.mask(value)


class MaskedPhoneField(_MaskedField):
    """``13812345678`` is written as ``138****5678``."""

    mask = staticmethod(mask_phone)


class MaskedIdNumberField(_MaskedField):
    """``110101199003071234`` is written as ``110101********1234``."""

    mask = staticmethod(mask_id_number)
