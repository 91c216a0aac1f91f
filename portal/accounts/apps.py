from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "portal.accounts"
    label = "accounts"
    verbose_name = _("Users and organisations")

    def ready(self):
        from django.contrib import admin

        from portal.accounts import sessions  # noqa: F401 (connects the sign-in receivers)
        from portal.accounts.views import admin_login

        # The admin signs in through the portal's own page, so lockout, rate limits and the second factor
        # apply there too (the admin's own form would bypass them).
        admin.site.login = admin_login
