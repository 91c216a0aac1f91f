from django.apps import AppConfig
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledge registrations and the IP register")

    def case_links(self, user) -> list:
        """This app's scoped rows and their path to the financing case (portal.case_file)."""
        from pledges.cases import case_links

        return case_links(user)

    def case_items(self, case, user) -> list:
        """This app's rows of a financing case that the user may see (portal.case_file)."""
        from pledges.cases import case_items

        return case_items(case, user)

    def search(self, user, query) -> list:
        """This app's groups for the portal's global search (portal.search)."""
        from pledges.search import search

        return search(user, query)

    def seed_demo(self) -> int:
        """Called by `manage.py seed_demo` after the organisations and logins exist."""
        from pledges.demo import seed_demo

        return seed_demo()

    def home_work(self, user) -> list:
        """The user's queues in this app, counted, for the home page (portal/work.py)."""
        from pledges.home import home_work

        return home_work(user)

    def timeline(self, organisation, user) -> list:
        """The enterprise's entries and next steps in this app, for its home page (portal/timeline.py)."""
        from pledges.home import timeline

        return timeline(organisation, user)

    def home_links(self, user) -> list[dict]:
        """The pledge-registration card on the user's home page: each role's own work."""
        from portal.accounts.models import OrgKind, Role

        organisation, role = user.organisation, user.role
        if organisation is None:
            return []
        if organisation.kind == OrgKind.ENTERPRISE:
            links = [
                (_("My filings"), reverse("pledges:my_filings")),
                (_("Start a new filing"), reverse("pledges:filing_new")),
                (_("My IP register"), reverse("pledges:asset_list")),
            ]
        elif organisation.kind == OrgKind.REGISTRATION_OFFICE:
            links = [
                (_("Workbench"), reverse("pledges:workbench")),
                (_("Enter a window filing"), reverse("pledges:window_filing_new")),
                (_("Import a legal-status file"), reverse("pledges:legal_status_import")),
                (_("Registrations on time"), reverse("pledges:on_time_stats")),
            ]
        elif organisation.kind in {OrgKind.BANK, OrgKind.GUARANTOR} and role != Role.ORG_ADMIN:
            links = [(_("Filings to confirm"), reverse("pledges:to_confirm"))]
        elif organisation.kind in {OrgKind.IP_BUREAU, OrgKind.JOINT_OFFICE}:
            links = [(_("Registrations on time"), reverse("pledges:on_time_stats"))]
        else:
            return []
        return [{"title": _("Pledge registration"), "testid": "home-pledges", "links": links}]
