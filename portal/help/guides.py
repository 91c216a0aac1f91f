"""The roles that have a guide, in the order the help index lists them.

Each guide is a template under ``templates/help/guides/``; its links are ``{% url %}`` tags, so a renamed
route fails the help tests instead of leaving a dead link.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Guide:
    slug: str
    title: Promise
    summary: Promise

    @property
    def template(self) -> str:
        return f"help/guides/{self.slug}.html"


GUIDES: tuple[Guide, ...] = (
    Guide(
        "enterprise",
        _("Enterprises"),
        _("Check eligibility, apply for a loan, file the pledge registration, claim the subsidies."),
    ),
    Guide(
        "bank",
        _("Bank officers and managers"),
        _(
            "Publish products, review applications, confirm pledges, answer the whitelist, claim compensation."
        ),
    ),
    Guide(
        "commissioner",
        _("Service commissioners"),
        _("Guide each pledge registration from filing to certificate within the service time."),
    ),
    Guide(
        "reviewer",
        _("Reviewers"),
        _("Review subsidy applications and risk compensation claims; keep the whitelist rules."),
    ),
    Guide(
        "promotion",
        _("Promotion centre officers"),
        _("Assign coaching, screen and publish the whitelist, run events, training and commendations."),
    ),
    Guide(
        "finance",
        _("Finance officers"),
        _("Pay approved subsidies and compensation, and settle clawbacks."),
    ),
    Guide(
        "joint-office",
        _("Joint-meeting office"),
        _("Follow how the policy is doing across the city, with every figure's definition."),
    ),
    Guide(
        "park",
        _("Park administrators"),
        _("Collect enterprises' financing needs and run events and training in the park."),
    ),
)

GUIDES_BY_SLUG: dict[str, Guide] = {guide.slug: guide for guide in GUIDES}
