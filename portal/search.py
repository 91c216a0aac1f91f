"""Global search (issue 11): one box in the page header finds enterprises by credit code or name, IP assets
by number, and cases by their case number, each kind only inside the user's own scope.

The kernel imports no domain app (architecture.md §2). Each app's AppConfig offers
``search(user, query) -> list[Group]``, built in the app's ``search.py`` on top of the scoping function its
list pages use, so a search can never show a row the user could not open. This module holds what the apps
share: the query's normal forms (``Query``), the result shapes (``Group``, ``Hit``), the bounded fetch
(``group_from``: at most ``PER_KIND`` rows and a capped count of the rest) and the page.
"""

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.db.models import Q, QuerySet
from django.shortcuts import render
from django.views.decorators.http import require_GET

from portal.accounts.models import Organisation, OrgKind
from portal.postgresql import prepared_statements

MIN_LENGTH = 2
MAX_LENGTH = 100
PER_KIND = 10
# Counting every match of a short name fragment would scan a whole table: past this many we say "more than".
COUNT_CAP = 500
# Up to this many enterprises match, the apps filter by their ids as a list (read once per search, see
# ``enterprise_match``); past it, by the subquery.
ENTERPRISE_IDS_LISTED = 1000
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Query:
    """What the user typed, in the forms the fields are stored in."""

    text: str  # trimmed, inner spaces collapsed: for names (contains)
    code: str  # upper case, no spaces: credit codes, case numbers, IP numbers are stored this way

    @classmethod
    def parse(cls, raw: str | None) -> "Query":
        text = _SPACES.sub(" ", (raw or "").strip())[:MAX_LENGTH]
        return cls(text=text, code=text.replace(" ", "").upper())

    @property
    def too_short(self) -> bool:
        return len(self.text) < MIN_LENGTH

    @property
    def may_be_number(self) -> bool:
        """Every number the portal knows (credit codes, case numbers, IP numbers, loan references) has a
        digit: a query without one is a name, and the lookups by number can be left out."""
        return any(character.isdigit() for character in self.code)

    @property
    def ip_number(self) -> str:
        """A patent number as people write it ("ZL 2021 1 0123456.7") to the stored form ("20211...")."""
        return self.code.removeprefix("ZL")

    @cached_property
    def enterprise_ids(self) -> list[int] | None:
        """The matching enterprises' ids, read once per search (every app's search asks for them), or None
        when more than ENTERPRISE_IDS_LISTED match. (``cached_property`` writes the instance's __dict__,
        which a frozen dataclass allows.)"""
        ids = list(_enterprises_matching(self).values_list("pk", flat=True)[: ENTERPRISE_IDS_LISTED + 1])
        return ids if len(ids) <= ENTERPRISE_IDS_LISTED else None


@dataclass(frozen=True)
class Hit:
    title: str
    url: str
    detail: str = ""


@dataclass
class Group:
    key: str  # stable, for tests and the page's data-testid
    title: str
    hits: list[Hit] = field(default_factory=list)
    total: int = 0
    capped: bool = False  # the total is at least COUNT_CAP + 1
    rank: int = 100  # lower first: enterprises and IP before cases

    @property
    def more(self) -> int:
        return max(self.total - len(self.hits), 0)


def _enterprises_matching(query: Query) -> QuerySet:
    return Organisation.objects.filter(kind=OrgKind.ENTERPRISE).filter(
        Q(uscc__startswith=query.code) | Q(name__icontains=query.text)
    )


def enterprise_match(field: str, query: Query) -> Q:
    """``field`` (an enterprise's id: ``"enterprise_id"``, ``"loan__enterprise_id"``) is one of the
    enterprises whose credit code starts with the query or whose name contains it, for an app to put
    *inside* its scoped queryset. The code comparison is a case-sensitive prefix on the stored upper-case
    code, which the unique column's pattern index serves.

    Usually the ids, read once per search, as one array (``portal.lookups.AnyOf``): an app ORs this with
    its own indexed conditions (a case number prefix), and PostgreSQL serves an OR of indexed conditions
    by combining index scans, but an OR holding a subquery only by scanning the whole table (a bank's
    loans and registrations searched by an enterprise name: 600 ms each among a million, against 60 ms
    with the ids). When more enterprises match than ENTERPRISE_IDS_LISTED (a fragment like "北京"), it is
    the subquery (which selects no rows by itself).
    """
    ids = query.enterprise_ids
    if ids is None:
        return Q(**{f"{field}__in": _enterprises_matching(query).values("pk")})
    return Q(**{f"{field}__any_of": ids})


def group_from(
    queryset: QuerySet, *, key: str, title: str, hit: Callable[[object], Hit], rank: int = 100
) -> list[Group]:
    """The first PER_KIND rows of an already scoped and filtered queryset as one group, or no group when
    nothing matched.

    The matching ids come first, at most COUNT_CAP + 1 of them and in no order, then the shown rows among
    them in the queryset's order. Asked for the newest ten directly, PostgreSQL walks the primary key
    backwards and filters every row it passes until ten match (22 ms among a bank's million registrations
    for a name matching 400 of them, ``python -m bench pages``); without an order it combines the indexes
    each condition has (a bitmap), and the ten are then sorted among a few hundred ids. The ids also give
    the count, so a group costs two queries whatever it finds. Most groups are ordered by key (newest
    first): their shown rows are then read by those ten keys alone (``_rows_among``)."""
    ids = list(queryset.order_by().values_list("pk", flat=True)[: COUNT_CAP + 1])
    if not ids:
        return []
    total = len(ids)
    capped = total > COUNT_CAP
    # Past the cap the ids are a sample: the shown rows are then the first of all (with that many matches
    # the backward walk finds them at once).
    rows = list((queryset if capped else _rows_among(queryset, ids))[:PER_KIND])
    return [
        Group(
            key=key,
            title=title,
            hits=[hit(row) for row in rows],
            total=total,
            capped=capped,
            rank=rank,
        )
    ]


def _rows_among(queryset: QuerySet, ids: list) -> QuerySet | list:
    """The queryset's rows among ``ids``, which came through its conditions. Ordered by key (most groups:
    newest first), the shown rows are known from the ids alone, and are read here by key with the
    queryset's joins but without its conditions again, the keys as one array: that statement is the same
    for every search, so it is prepared and planned once per connection (planning was most of each
    group's second query). A queryset with annotations keeps its own query."""
    order = tuple(queryset.query.order_by)
    if order not in (("-pk",), ("pk",)) or queryset.query.annotations:
        return queryset.filter(pk__in=ids)
    chosen = sorted(ids, reverse=order == ("-pk",))[:PER_KIND]
    rows = queryset.model._base_manager.filter(pk__any_of=chosen).order_by(*order)
    rows.query.select_related = copy.deepcopy(queryset.query.select_related)
    with prepared_statements(connection):
        return list(rows)


def search(user, raw_query: str | None) -> tuple[Query, list[Group]]:
    """Every app's groups for the query, in rank order; nothing for a query too short to mean anything."""
    query = Query.parse(raw_query)
    if query.too_short:
        return query, []
    groups = [
        group
        for config in apps.get_app_configs()
        if callable(getattr(config, "search", None))
        for group in config.search(user, query)
    ]
    return query, sorted(groups, key=lambda group: group.rank)


@login_required
@require_GET
def search_view(request):
    query, groups = search(request.user, request.GET.get("q"))
    context = {
        "query": query,
        "asked": bool(query.text),
        "groups": groups,
        "min_length": MIN_LENGTH,
        "per_kind": PER_KIND,
        "count_cap": COUNT_CAP,
    }
    return render(request, "portal/search.html", context)
