from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiAuthConfig(AppConfig):
    name = "portal.apiauth"
    label = "apiauth"
    verbose_name = _("API clients")

    def ready(self):
        from portal.apiauth import receivers, schema  # noqa: F401 (token revocation; the bearer scheme)
