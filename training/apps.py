from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = _("Talent training")

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        from training.permissions import is_organiser, is_promotion_officer

        links = [
            (_("Training programmes"), reverse("training:programme-list")),
            (_("My training"), reverse("training:mine")),
            (_("Commended people and teams"), reverse("training:commended")),
        ]
        if is_organiser(user):
            links.append((_("Manage training programmes"), reverse("training:manage-list")))
        if is_promotion_officer(user):
            links.append((_("Commendations"), reverse("training:commendations")))
        return [{"title": _("Talent training"), "testid": "home-training", "links": links}]

    def seed_demo(self) -> int:
        """Called by ``manage.py seed_demo`` after the organisations and logins exist."""
        from training.demo import seed_demo

        return seed_demo()
