from django.apps import AppConfig
from django.conf import settings
from django.utils.translation import gettext_lazy as _


class StatsConfig(AppConfig):
    name = "stats"
    verbose_name = _("Statistics")

    def ready(self):
        from loans.signals import import_applied

        import_applied.connect(_refresh_after_import, dispatch_uid="stats-refresh-after-import")

    def home_work(self, user) -> list:
        """The user's queues in this app, counted, for the home page (portal/work.py)."""
        from stats.home import home_work

        return home_work(user)

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        from stats.permissions import stats_scope

        if stats_scope(user) is None:
            return []
        links = [
            (_("Statistics dashboard"), reverse("stats:overview")),
            (_("How each figure is counted"), reverse("stats:definitions")),
        ]
        return [{"title": _("Statistics"), "testid": "home-stats", "links": links}]

    def seed_demo(self) -> int:
        """Called by ``manage.py seed_demo`` after every other app's demo cases: the dashboards open with
        figures rather than an empty page."""
        from stats.rollup import refresh

        return refresh(trigger="demo").rows


def _refresh_after_import(sender, *, rows: int, **kwargs) -> None:
    """A big upload changes the figures at once: recompute now rather than at the next hourly refresh."""
    if rows >= settings.STATS_REFRESH_AFTER_IMPORT_ROWS:
        from portal.outbox import enqueue
        from stats.tasks import refresh_statistics

        enqueue(refresh_statistics, trigger="import")
