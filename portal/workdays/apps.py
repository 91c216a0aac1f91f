from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkdaysConfig(AppConfig):
    name = "portal.workdays"
    label = "workdays"
    verbose_name = _("Working-day calendar")

    def ready(self):
        from portal.workdays import signals  # noqa: F401  (connects the cache invalidation)
