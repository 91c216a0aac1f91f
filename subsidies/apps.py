from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Interest and fee subsidies")

    def case_links(self, user) -> list:
        """This app's scoped rows and their path to the financing case (portal.case_file)."""
        from subsidies.cases import case_links

        return case_links(user)

    def case_items(self, case, user) -> list:
        """This app's rows of a financing case that the user may see (portal.case_file)."""
        from subsidies.cases import case_items

        return case_items(case, user)

    def search(self, user, query) -> list:
        """This app's groups for the portal's global search (portal.search)."""
        from subsidies.search import search

        return search(user, query)

    def home_work(self, user) -> list:
        """The user's queues in this app, counted, for the home page (portal/work.py)."""
        from subsidies.home import home_work

        return home_work(user)

    def timeline(self, organisation, user) -> list:
        """The enterprise's entries and next steps in this app, for its home page (portal/timeline.py)."""
        from subsidies.home import timeline

        return timeline(organisation, user)

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        from subsidies.permissions import (
            is_applicant,
            is_confirming_bank,
            is_finance,
            is_oversight,
            is_reviewer,
        )

        links = [(_("Subsidy calculator: interest and fees"), reverse("subsidies:calculator"))]
        if is_applicant(user) or is_oversight(user):
            links.append((_("Subsidy applications"), reverse("subsidies:application-list")))
        if is_confirming_bank(user):
            links.append((_("Loan figures to confirm for subsidies"), reverse("subsidies:confirmation-list")))
        if is_reviewer(user):
            links.append((_("Subsidy review queue"), reverse("subsidies:review-queue")))
        if is_oversight(user):
            links.append((_("Subsidy batches and reports"), reverse("subsidies:batch-list")))
        if is_finance(user) or is_oversight(user):
            links.append((_("Subsidy payment lists"), reverse("subsidies:payment-list-list")))
        links.append((_("Subsidy public notice (公示)"), reverse("subsidies:public-notice")))
        return [{"title": _("Subsidies after the loan"), "testid": "home-subsidies", "links": links}]

    def seed_demo(self) -> int:
        """Called by ``manage.py seed_demo`` after the organisations, logins and loans exist."""
        from subsidies.demo import seed_demo

        return seed_demo()
