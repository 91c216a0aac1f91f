"""The permission to show personal data in full.

Django permissions belong to a model; this one holds no rows and has no table (``managed = False``): it
only carries ``privacy.view_full_pii``, which staff grant to a user or a group in the admin. Every use of it
is an audit row (``pii.unmask``), not a row here.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonalData(models.Model):
    class Meta:
        managed = False
        db_table = "privacy_personal_data"
        default_permissions = ()
        permissions = [
            ("view_full_pii", _("Can show a full phone or ID number, one record at a time, with a reason")),
        ]
        verbose_name = _("personal data")
        verbose_name_plural = _("personal data")

    def __str__(self) -> str:
        return str(self._meta.verbose_name)
