from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RiskcompConfig(AppConfig):
    name = "riskcomp"
    verbose_name = _("Risk compensation")

    def case_links(self, user) -> list:
        """This app's scoped rows and their path to the financing case (portal.case_file)."""
        from riskcomp.cases import case_links

        return case_links(user)

    def case_items(self, case, user) -> list:
        """This app's rows of a financing case that the user may see (portal.case_file)."""
        from riskcomp.cases import case_items

        return case_items(case, user)

    def search(self, user, query) -> list:
        """This app's groups for the portal's global search (portal.search)."""
        from riskcomp.search import search

        return search(user, query)

    def home_work(self, user) -> list:
        """The user's queues in this app, counted, for the home page (portal/work.py)."""
        from riskcomp.home import home_work

        return home_work(user)

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        from riskcomp.permissions import (
            is_claimant,
            is_finance,
            is_oversight,
            is_participant_user,
            is_reviewer,
        )

        links = [(_("Risk compensation calculator"), reverse("riskcomp:calculator"))]
        if is_claimant(user) or is_participant_user(user) or is_oversight(user):
            links.append((_("Risk compensation claims"), reverse("riskcomp:claim-list")))
        if is_participant_user(user):
            links.append((_("Shares and clawbacks to confirm"), reverse("riskcomp:confirmation-list")))
        if is_reviewer(user):
            links.append((_("Risk compensation review queue"), reverse("riskcomp:review-queue")))
        if is_finance(user):
            links.append((_("Compensation payments and clawbacks"), reverse("riskcomp:payment-queue")))
        if is_claimant(user) or is_oversight(user):
            links.append((_("Risk compensation reports"), reverse("riskcomp:report")))
            links.append((_("Banks' overall NPL ratios"), reverse("riskcomp:npl-ratios")))
        return [{"title": _("Risk compensation"), "testid": "home-riskcomp", "links": links}]

    def seed_demo(self) -> int:
        """Called by ``manage.py seed_demo`` after the organisations, logins and loans exist."""
        from riskcomp.demo import seed_demo

        return seed_demo()
