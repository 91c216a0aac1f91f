"""One financing case across the apps (issue 11): what each app holds of a case, and who may see the case.

The case itself is ``loans.FinancingCase`` (its number follows the enterprise from the first coaching
question to the last recovery); its parts live in other apps: registrations, subsidy applications,
compensation claims, disposals. The kernel imports no domain app, so every app that holds parts of cases
offers two hooks on its AppConfig, each read through the app's own scoping function:

- ``case_links(user)``: the app's scoped querysets with the path from their rows to the case, one pair
  per kind of row (``[(loan_scope(user=user), "case")]``). A case is visible to a user when any app shows
  them part of it. The condition is a correlated EXISTS per pair: a page of cases or one case costs an
  index probe per case, never a pass over every scoped row.
- ``case_items(case, user)``: the app's rows of that case the user may see, as ``CaseItem``.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from django.apps import apps
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# The stages of a case, in the order a case goes through them.
STAGES = (
    ("coaching", _("Coaching")),
    ("application", _("Loan application")),
    ("loan", _("Loan")),
    ("registration", _("Pledge registration")),
    ("subsidy", _("Interest and fee subsidy")),
    ("compensation", _("Risk compensation")),
    ("disposal", _("Disposal of the pledged IP")),
)


@dataclass(frozen=True)
class CaseItem:
    """A row of one app in a case: what it is, where it stands, since when, who handles it."""

    stage: str  # a key of STAGES
    title: str
    status: str
    url: str
    at: datetime | date | None = None
    handler: str = ""
    closed: bool = False  # finished either way: settled, paid, refused, withdrawn...

    @property
    def day(self) -> date | None:
        if isinstance(self.at, datetime):
            return timezone.localdate(self.at)
        return self.at


@dataclass
class Stage:
    key: str
    label: str
    items: list[CaseItem] = field(default_factory=list)
    current: bool = False

    @property
    def reached(self) -> bool:
        return bool(self.items)


def _hooks(name: str):
    for config in apps.get_app_configs():
        hook = getattr(config, name, None)
        if hook is not None:
            yield hook


def case_visibility(user) -> Q:
    """The condition the user's cases meet: any app shows them part of the case. Matches nothing for a
    user no app shows anything."""
    condition = Q(pk__in=[])
    for hook in _hooks("case_links"):
        for queryset, path in hook(user):
            condition |= Q(Exists(queryset.filter(**{path: OuterRef("pk")})))
    return condition


def case_stages(case, user) -> list[Stage]:
    """Every stage with the items the user may see in it; the furthest stage reached is the current one."""
    stages = {key: Stage(key=key, label=str(label)) for key, label in STAGES}
    for hook in _hooks("case_items"):
        for item in hook(case, user):
            stages[item.stage].items.append(item)
    ordered = [stages[key] for key, _label in STAGES]
    for stage in ordered:
        stage.items.sort(key=lambda item: (item.day or date.min, item.title))
    reached = [stage for stage in ordered if stage.reached]
    if reached:
        reached[-1].current = True
    return ordered
