from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RatingsConfig(AppConfig):
    name = "ratings"
    verbose_name = _("Satisfaction ratings")

    def ready(self) -> None:
        from ratings import signals

        signals.connect()

    def home_work(self, user) -> list:
        """The user's queues in this app, counted, for the home page (portal/work.py)."""
        from ratings.home import home_work

        return home_work(user)

    def timeline(self, organisation, user) -> list:
        """The enterprise's entries and next steps in this app, for its home page (portal/timeline.py)."""
        from ratings.home import timeline

        return timeline(organisation, user)

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        from ratings.permissions import can_see_report, is_follow_up_user, is_rater_user

        links = []
        if is_rater_user(user):
            links.append((_("Ratings to give"), reverse("ratings:to-give")))
            links.append((_("My ratings"), reverse("ratings:given")))
        if is_follow_up_user(user):
            links.append((_("Rating follow-ups"), reverse("ratings:follow-ups")))
        if can_see_report(user):
            links.append((_("Satisfaction report"), reverse("ratings:report")))
        if not links:
            return []
        return [{"title": _("Satisfaction ratings"), "testid": "home-ratings", "links": links}]

    def seed_demo(self) -> int:
        """Called by ``manage.py seed_demo`` after the pledges, loans, subsidies and riskcomp demo cases."""
        from ratings.demo import seed_demo

        return seed_demo()
