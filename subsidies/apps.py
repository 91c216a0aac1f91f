from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubsidiesConfig(AppConfig):
    name = "subsidies"
    verbose_name = _("Interest and fee subsidies")

    def home_links(self, user) -> list[dict]:
        from django.urls import reverse

        return [
            {
                "title": _("Subsidies after the loan"),
                "testid": "home-subsidies",
                "links": [(_("Subsidy calculator: interest and fees"), reverse("subsidies:calculator"))],
            }
        ]
