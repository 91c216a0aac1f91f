from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _reinstall_triggers(sender, using, **kwargs):
    # SQLite rebuilds a table (dropping its triggers) whenever a migration alters it: put them back
    # after every migrate.
    from django.db import connections

    from portal.audit import triggers

    triggers.install_if_migrated(connections[using])


class AuditConfig(AppConfig):
    name = "portal.audit"
    label = "audit"
    verbose_name = _("Security audit log")

    def ready(self):
        from portal.audit import signals  # noqa: F401  (connects the receivers)

        post_migrate.connect(_reinstall_triggers, sender=self, dispatch_uid="audit_reinstall_triggers")
