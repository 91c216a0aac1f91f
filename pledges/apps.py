from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledge registrations and the IP register")

    def seed_demo(self) -> int:
        """Called by `manage.py seed_demo` after the organisations and logins exist."""
        from pledges.demo import seed_demo

        return seed_demo()
