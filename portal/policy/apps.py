from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PolicyConfig(AppConfig):
    name = "portal.policy"
    label = "policy"
    verbose_name = _("Policy parameters and rates")
