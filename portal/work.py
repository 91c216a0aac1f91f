"""The work each role finds first on its home page: what waits for the user, how much of it, and what is
due soonest, each item a link to the page where it is done.

The kernel imports no domain app: every installed app may offer ``home_work(user)`` on its AppConfig,
returning ``WorkItem`` rows built from its own scoped selectors. Each app reads a count and at most
``NEAREST`` rows per item, so the home page costs the same few queries however much work waits.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar

from django.apps import apps
from django.utils import timezone

from portal.timeline import LIMIT

# How many of the soonest cases an item lists under its count.
NEAREST = 3

T = TypeVar("T")
_PAGE_READS: ContextVar[dict | None] = ContextVar("home_page_reads", default=None)


@dataclass(frozen=True)
class Case:
    """One of the soonest cases of a work item: what it is, its date and where it is worked."""

    label: str
    url: str
    due: date | None = None


@dataclass(frozen=True)
class WorkItem:
    """A queue of the user's work: ``count`` cases (None for a summary), ``overdue`` of them past their date; ``due`` is the
    nearest date and ``date_label`` says what that date is (due on, waiting since)."""

    title: str
    count: int | None
    url: str
    testid: str
    due: date | None = None
    date_label: str = ""
    overdue: int = 0
    nearest: list[Case] = field(default_factory=list)
    # A line of figures in place of a queue (the joint-meeting office's dashboard has no cases to work).
    summary: str = ""


def first_and_count(queryset) -> tuple[list, int]:
    """The first NEAREST rows of an ordered queryset and how many rows it holds. Fewer rows than NEAREST
    are all of them, so the count costs a query only when the first rows fill the list (most queues of
    most users are empty or short: an enterprise's home has four; bench/pages.py)."""
    nearest = list(queryset[:NEAREST])
    return nearest, len(nearest) if len(nearest) < NEAREST else queryset.count()


def first_and_count_among(read: list, *, keep: Callable, order: Callable) -> tuple[list, int] | None:
    """A work item's first rows and count taken from rows its app read for the page's next steps (at most
    LIMIT + 1, with ``read_once``): the rows ``keep`` accepts, sorted by ``order``. None when that read
    was cut short (more than LIMIT rows), so the item asks the database itself (``first_and_count``)."""
    if len(read) > LIMIT:
        return None
    kept = sorted(filter(keep, read), key=order)
    return kept[:NEAREST], len(kept)


def local_day(moment) -> date | None:
    """The Beijing date of a moment, or None: the date a work item shows for a timestamp."""
    return timezone.localdate(moment) if moment else None


def collect_work(user) -> list[WorkItem]:
    """Every app's work items for ``user``, in INSTALLED_APPS order (the floors of the portal)."""
    items: list[WorkItem] = []
    for config in apps.get_app_configs():
        hook = getattr(config, "home_work", None)
        if hook is not None:
            items.extend(hook(user))
    return items


def split_work(items: list[WorkItem]) -> tuple[list[WorkItem], list[WorkItem]]:
    """(items with something waiting or a summary to read, queues that are empty now): the page shows
    the first in full and names the second on one line."""
    busy = [item for item in items if item.count or item.summary]
    clear = [item for item in items if not (item.count or item.summary)]
    return busy, clear


@contextmanager
def page_reads() -> Iterator[None]:
    """While the home page collects its work and its timeline: an app whose work item and next steps come
    from the same rows (an enterprise's open applications, say) reads them once (``read_once``)."""
    token = _PAGE_READS.set({})
    try:
        yield
    finally:
        _PAGE_READS.reset(token)


def read_once(key: tuple, compute: Callable[[], T]) -> T:
    """``compute()``, shared under ``key`` within ``page_reads``; outside it (a test calling a hook, a
    task) computed afresh every time, so nothing outlives the page."""
    reads = _PAGE_READS.get()
    if reads is None:
        return compute()
    if key not in reads:
        reads[key] = compute()
    return reads[key]
