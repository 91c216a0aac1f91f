from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DisposalConfig(AppConfig):
    name = "disposal"
    verbose_name = _("Disposal of pledged IP")

    def case_links(self, user) -> list:
        """This app's scoped rows and their path to the financing case (portal.case_file)."""
        from disposal.cases import case_links

        return case_links(user)

    def case_items(self, case, user) -> list:
        """This app's rows of a financing case that the user may see (portal.case_file)."""
        from disposal.cases import case_items

        return case_items(case, user)

    def search(self, user, query) -> list:
        """This app's groups for the portal's global search (portal.search)."""
        from disposal.search import search

        return search(user, query)

    def timeline(self, organisation, user) -> list:
        """The enterprise's entries and next steps in this app, for its home page (portal/timeline.py)."""
        from disposal.home import timeline

        return timeline(organisation, user)

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        from disposal.permissions import can_bid, is_oversight, is_pledgee_user

        links = []
        if is_pledgee_user(user):
            links.append((_("Disposal cases and opening one"), reverse("disposal:case-list")))
        elif is_oversight(user):
            links.append((_("All disposal cases"), reverse("disposal:case-list")))
        links.append((_("Pledged IP on offer (public listing)"), reverse("disposal:listing-list")))
        if can_bid(user):
            links.append((_("My auction registrations and bids"), reverse("disposal:my-bids")))
        return [{"title": _("Disposal of pledged IP"), "testid": "home-disposal", "links": links}]

    def seed_demo(self) -> int:
        """Called by ``manage.py seed_demo`` after the riskcomp demo (INSTALLED_APPS order)."""
        from disposal.demo import seed_demo

        return seed_demo()
