"""One timeline of an enterprise's financing on its home page: what happened, newest first, and at the
top what happens next and who is handling it.

The kernel imports no domain app: every installed app may offer ``timeline(organisation, user)`` on its
AppConfig, returning ``Entry`` rows (what happened) and ``NextStep`` rows (what is pending) read through
its own scoping functions and limited to the enterprise. Each app reads at most ``LIMIT`` rows per
source, so the page costs the same few queries however long the enterprise's history is.
"""

from dataclasses import dataclass
from datetime import date, datetime, time

from django.apps import apps
from django.utils import timezone

# Entries shown on the home page; the full histories are one link away on each app's pages.
LIMIT = 15


@dataclass(frozen=True)
class Entry:
    """Something that happened: when, what (plain words), where to read more."""

    at: datetime | date  # a date sorts at the end of that day (Beijing time)
    what: str
    url: str = ""
    source: str = ""  # the app's label, for the reader's eye and the tests
    note: str = ""

    @property
    def has_time(self) -> bool:
        return isinstance(self.at, datetime)


@dataclass(frozen=True)
class NextStep:
    """Something pending: what happens next, who is handling it, by when."""

    what: str
    who: str = ""
    due: date | None = None
    url: str = ""
    source: str = ""


@dataclass
class Timeline:
    entries: list[Entry]
    next_steps: list[NextStep]


def _moment(value: datetime | date) -> datetime:
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    return timezone.make_aware(datetime.combine(value, time.max))


def collect_timeline(organisation, user, *, limit: int = LIMIT) -> Timeline:
    """The enterprise's entries from every app, newest first (at most ``limit``), and its next steps,
    soonest due first (undated ones after)."""
    entries: list[Entry] = []
    next_steps: list[NextStep] = []
    for config in apps.get_app_configs():
        hook = getattr(config, "timeline", None)
        if hook is None:
            continue
        for row in hook(organisation, user):
            (next_steps if isinstance(row, NextStep) else entries).append(row)
    entries.sort(key=lambda entry: _moment(entry.at), reverse=True)
    next_steps.sort(key=lambda step: (step.due is None, step.due or date.min))
    return Timeline(entries=entries[:limit], next_steps=next_steps)
