from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskcompConfig(AppConfig):
    name = "riskcomp"
    verbose_name = _("Risk compensation")
