from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Users and organisations")

    def ready(self):
        from portal.accounts import sessions  # noqa: F401 (connects the sign-in receiver)
