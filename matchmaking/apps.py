from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MatchmakingConfig(AppConfig):
    name = "matchmaking"
    verbose_name = _("Financing demand pool and events")

    def search(self, user, query) -> list:
        """This app's groups for the portal's global search (portal.search)."""
        from matchmaking.search import search

        return search(user, query)

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        from matchmaking.funnel import can_view_funnel
        from matchmaking.permissions import (
            is_bank_user,
            is_enterprise_user,
            is_organiser,
            is_oversight,
            is_park_admin,
        )

        links = []
        if is_enterprise_user(user):
            links += [
                (_("My financing needs"), reverse("matchmaking:demand-list")),
                (_("Post a financing need"), reverse("matchmaking:demand-new")),
            ]
        if is_bank_user(user):
            links += [
                (_("Financing demand pool"), reverse("matchmaking:pool")),
                (_("My bank's claims"), reverse("matchmaking:claims")),
            ]
        if is_park_admin(user):
            links.append((_("Collect a need for an enterprise"), reverse("matchmaking:demand-collect")))
        if is_park_admin(user) or is_oversight(user):
            links.append((_("Financing needs"), reverse("matchmaking:demand-list")))
        if is_organiser(user):
            links.append((_("Events to run"), reverse("matchmaking:event-manage")))
        if can_view_funnel(user):
            links.append((_("Demand pool funnel"), reverse("matchmaking:funnel")))
        links.append((_("Events calendar"), reverse("matchmaking:event-calendar")))
        return [{"title": _("Financing needs and events"), "testid": "home-matchmaking", "links": links}]

    def seed_demo(self) -> int:
        """Called by ``manage.py seed_demo`` after the organisations, logins and loans exist."""
        from matchmaking.demo import seed_demo

        return seed_demo()
