"""Reads of loan products: the public catalogue (published and valid today) and a bank group's own
products in every status. An id outside the reader's scope is a 404 (never a 403: existence does not
leak)."""

from decimal import Decimal

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.timezone import localdate

from loans.models import Product, ProductStatus
from loans.permissions import is_bank_member
from portal.accounts.models import Organisation, OrgKind, User
from portal.accounts.selectors import bank_scope_ids
from portal.audit.scope import OutOfScope, get_in_scope
from portal.case_file import case_visibility

COMPARE_MAX = 4


def review_bank_ids(organisation: Organisation | None) -> list[int]:
    """The bank organisations whose applications and loans a bank user works: a branch its own, a head
    office its whole group (issue 4: "a review queue scoped to their bank and branch")."""
    if organisation is None or organisation.kind != OrgKind.BANK:
        return []
    if organisation.parent_id is not None:
        return [organisation.pk]
    return bank_scope_ids(organisation)


def _public_scope() -> QuerySet[Product]:
    today = localdate()
    return (
        Product.objects.filter(status=ProductStatus.PUBLISHED, valid_from__lte=today)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=today))
        .select_related("bank", "bank__parent")
    )


def _yes_no(value) -> bool | None:
    if value in (True, "yes", "true", "1", "on"):
        return True
    if value in (False, "no", "false", "0"):
        return False
    return None


def product_public_list(*, filters: dict | None = None) -> QuerySet[Product]:
    """Published products valid today (Beijing date), with the visitor's filters: ip_kind, amount
    (yuan, inside the product's range), term (months, inside its range), bank (a head office also finds
    its branches' products), guarantor / insurer ("yes" or "no"), search (name, bank, description,
    target). Filters arrive already parsed (Decimal, int) from the form; missing ones are skipped."""
    queryset = _public_scope()
    filters = filters or {}
    if ip_kind := filters.get("ip_kind"):
        # ip_kinds is a JSON list; "contains" on a JSON array is PostgreSQL-only, so match the quoted
        # value in its JSON text, which works on both databases (the values are a closed set of words,
        # none quoted inside another).
        queryset = queryset.filter(ip_kinds__icontains=f'"{ip_kind}"')
    amount = filters.get("amount")
    if amount is not None and amount != "":
        amount = Decimal(amount)
        queryset = queryset.filter(amount_min__lte=amount, amount_max__gte=amount)
    term = filters.get("term_months")
    if term is not None and term != "":
        term = int(term)
        queryset = queryset.filter(term_min_months__lte=term, term_max_months__gte=term)
    if bank := filters.get("bank"):
        bank_id = bank.pk if isinstance(bank, Organisation) else int(bank)
        queryset = queryset.filter(Q(bank_id=bank_id) | Q(bank__parent_id=bank_id))
    for flag in ("guarantor", "insurer"):
        wanted = _yes_no(filters.get(flag))
        if wanted is not None:
            queryset = queryset.filter(**{f"{flag}_involved": wanted})
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(
            Q(name__icontains=search)
            | Q(bank__name__icontains=search)
            | Q(description__icontains=search)
            | Q(target__icontains=search)
        )
    return queryset.order_by("bank__name", "name", "pk")


def product_public_get(*, pk: int) -> Product:
    """A published product (even one past its valid period, so a saved link still explains itself);
    drafts and withdrawn products are a 404."""
    product = (
        Product.objects.select_related("bank", "bank__parent")
        .filter(pk=pk, status=ProductStatus.PUBLISHED)
        .first()
    )
    if product is None:
        raise Http404
    return product


def catalogue_banks() -> QuerySet[Organisation]:
    """Head offices with at least one product in the catalogue today (the bank filter's choices)."""
    ids = _public_scope().values_list("bank_id", "bank__parent_id")
    head_ids = {parent or bank for bank, parent in ids}
    return Organisation.objects.filter(pk__in=head_ids, kind=OrgKind.BANK).order_by("name")


def product_compare(*, ids: list) -> tuple[list[Product], list[str]]:
    """The catalogue products among ``ids`` (in the order asked) and the ids ignored because they are
    not numbers, not found, not published or not valid today. The caller refuses more than
    ``COMPARE_MAX`` ids before calling."""
    wanted: list[int] = []
    ignored: list[str] = []
    for raw in ids:
        text = str(raw).strip()
        if text.isdigit() and int(text) not in wanted:
            wanted.append(int(text))
        elif not text.isdigit():
            ignored.append(text)
    found = {product.pk: product for product in product_public_list().filter(pk__in=wanted)}
    ignored.extend(str(pk) for pk in wanted if pk not in found)
    return [found[pk] for pk in wanted if pk in found], ignored


def product_scope_for_bank(*, user: User) -> QuerySet[Product]:
    """The user's bank group's products in every status; nothing for anyone else."""
    if not is_bank_member(user):
        return Product.objects.none()
    return Product.objects.filter(bank_id__in=bank_scope_ids(user.organisation))


def product_list_for_bank(*, user: User, filters: dict | None = None) -> QuerySet[Product]:
    """The bank group's own products with filters: status, search (name)."""
    queryset = product_scope_for_bank(user=user).select_related("bank", "updated_by")
    filters = filters or {}
    if (status := filters.get("status")) in ProductStatus.values:
        queryset = queryset.filter(status=status)
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(name__icontains=search)
    return queryset.order_by("-updated_at", "-pk")


def product_get_for_bank(*, user: User, pk: int) -> Product:
    return get_in_scope(
        product_scope_for_bank(user=user).select_related("bank", "created_by", "updated_by"), pk
    )


# --- Applications -----------------------------------------------------------------------------------
# Imported as modules: the names other sections import at module level would clash (F811).
from loans import models as loan_models  # noqa: E402
from loans import permissions as loan_permissions  # noqa: E402
from portal.accounts import models as account_models  # noqa: E402


def application_scope(*, user: User) -> QuerySet:
    """Every application the user may see, before any filter: the enterprise its own requests'; bank
    officers and managers those of their review scope (``review_bank_ids``); the promotion centre all,
    read-only; nobody else any."""
    queryset = loan_models.LoanApplication.objects.all()
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return queryset.none()
    if organisation.kind == OrgKind.ENTERPRISE and user.role in loan_models.ENTERPRISE_ROLES:
        return queryset.filter(request__enterprise=organisation)
    if organisation.kind == OrgKind.BANK and user.role in loan_models.BANK_ROLES:
        return queryset.filter(bank_id__in=review_bank_ids(organisation))
    if loan_permissions.is_application_watcher(user):
        return queryset
    return queryset.none()


def application_list(*, user: User, filters: dict | None = None) -> QuerySet:
    """Scoped applications with the user's filters: status, assigned ("mine" or "unassigned"), search
    (request number, exactly, or part of the enterprise's name). Newest first."""
    queryset = application_scope(user=user).select_related(
        "request", "request__enterprise", "product", "bank", "officer", "proposed_by"
    )
    filters = filters or {}
    if (status := filters.get("status")) in loan_models.ApplicationStatus.values:
        queryset = queryset.filter(status=status)
    assigned = filters.get("assigned")
    if assigned == "mine":
        queryset = queryset.filter(officer_id=user.pk)
    elif assigned == "unassigned":
        queryset = queryset.filter(officer__isnull=True)
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(
            Q(request__reference__iexact=search) | Q(request__enterprise__name__icontains=search)
        )
    return queryset.order_by("-created_at", "-pk")


def application_get_for_user(*, user: User, pk: int):
    return get_in_scope(
        (
            application_scope(user=user)
            .select_related("request", "request__enterprise", "product", "bank", "officer", "proposed_by")
            .select_related("approved_by")
        ),
        pk,
    )


def application_awaiting_second_approval_count(*, user: User) -> int:
    """Proposals in the user's scope waiting for a checker (the queue's counter)."""
    return (
        application_scope(user=user)
        .filter(status=loan_models.ApplicationStatus.AWAITING_SECOND_APPROVAL)
        .count()
    )


def application_documents(application) -> QuerySet:
    """The documents a bank sees on one application: those sent to every bank of the request, and
    those answering this bank's own information requests (never another bank's)."""
    return (
        loan_models.ApplicationDocument.objects.filter(request_id=application.request_id)
        .filter(Q(application__isnull=True) | Q(application_id=application.pk))
        .select_related("uploaded_by")
        .order_by("uploaded_at", "pk")
    )


def application_document_get_for_user(*, user: User, pk: int):
    """A document reachable through an application in the user's scope, with that application; else 404."""
    document = loan_models.ApplicationDocument.objects.filter(pk=pk).first()
    if document is None:
        raise Http404
    applications = application_scope(user=user).filter(request_id=document.request_id)
    if document.application_id is not None:
        applications = applications.filter(pk=document.application_id)
    application = applications.select_related("request").order_by("pk").first()
    if application is None:
        raise OutOfScope(loan_models.ApplicationDocument, pk)  # a 404 the audit log records
    return document, application


def application_assignable_officers(application) -> QuerySet:
    """Bank officers and managers who may work this application: active members of its bank, or of
    its head office (whose scope covers the branches). Branch staff of a sibling branch may not."""
    bank = application.bank
    bank_ids = {bank.pk, bank.parent_id or bank.pk}
    memberships = account_models.Membership.objects.filter(
        organisation_id__in=bank_ids,
        organisation__is_active=True,
        role__in=list(loan_models.BANK_ROLES),
        is_active=True,
    )
    return account_models.User.objects.filter(is_active=True, pk__in=memberships.values("user_id")).order_by(
        "full_name", "username", "pk"
    )


def request_scope(*, user: User) -> QuerySet:
    """Loan requests the user may open as a whole (every bank side by side): the enterprise its own,
    the promotion centre all. Banks see a request only through their own application."""
    queryset = loan_models.LoanRequest.objects.all()
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return queryset.none()
    if organisation.kind == OrgKind.ENTERPRISE and user.role in loan_models.ENTERPRISE_ROLES:
        return queryset.filter(enterprise=organisation)
    if loan_permissions.is_application_watcher(user):
        return queryset
    return queryset.none()


def request_list(*, user: User, filters: dict | None = None) -> QuerySet:
    """Scoped requests, newest first, with their applications; filter: search (request number)."""
    queryset = (
        request_scope(user=user)
        .select_related("enterprise")
        .prefetch_related("applications__bank", "applications__product")
    )
    filters = filters or {}
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(
            Q(reference__iexact=search) | Q(enterprise__name__icontains=search) | Q(purpose__icontains=search)
        )
    return queryset.order_by("-created_at", "-pk")


def request_get_for_user(*, user: User, pk: int):
    return get_in_scope(request_scope(user=user).select_related("enterprise", "created_by"), pk)


# --- Coaching ---------------------------------------------------------------------------------------
# Imported here rather than at the top so this section stays one block that other features leave alone.
from dataclasses import dataclass, field  # noqa: E402
from datetime import date, datetime, time  # noqa: E402

from django.db.models import Case, IntegerField, OuterRef, Subquery, Value, When  # noqa: E402
from django.urls import NoReverseMatch, reverse  # noqa: E402
from django.utils import timezone  # noqa: E402
from django.utils.translation import gettext as _  # noqa: E402

from loans.models import (  # noqa: E402
    ApplicationEvent,
    ApplicationStatus,
    CoachingEvent,
    CoachingRequest,
    CoachingSession,
    CoachingStatus,
    CoachingTopic,
    LoanEvent,
    LoanStatus,
)
from loans.permissions import (  # noqa: E402
    COACH_KIND_BY_ROLE,
    coaching_is_coach,
    coaching_is_enterprise_user,
    coaching_is_promotion_officer,
)
from portal.accounts.models import Membership  # noqa: E402

TIMELINE_PAGE_SIZE = 50


def _coach_memberships() -> QuerySet[Membership]:
    """Active coach memberships: a commissioner of a registration office, an officer of an IP agency."""
    either = Q(pk__in=[])
    for role, kind in COACH_KIND_BY_ROLE.items():
        either |= Q(role=role, organisation__kind=kind)
    return Membership.objects.filter(either, is_active=True, organisation__is_active=True)


def _coach_organisation(outer: str) -> Subquery:
    # The organisation a coach coaches for, beside the coach, without a query per row.
    return Subquery(
        _coach_memberships().filter(user_id=OuterRef(outer)).order_by("pk").values("organisation__name")[:1]
    )


def coach_choices() -> QuerySet[User]:
    """Who may be given a coaching request: active users holding an active coach membership; each
    carries ``coach_organisation`` (the name shown beside theirs)."""
    return (
        User.objects.filter(is_active=True, pk__in=_coach_memberships().values("user_id"))
        .annotate(coach_organisation=_coach_organisation("pk"))
        .order_by("full_name", "username", "pk")
    )


def coaching_scope(*, user: User) -> QuerySet[CoachingRequest]:
    """The enterprise sees its own requests, the promotion centre all, a coach those assigned to them
    now; everyone else nothing."""
    queryset = CoachingRequest.objects.all()
    if not user.is_authenticated:
        return queryset.none()
    if coaching_is_promotion_officer(user):
        return queryset
    if coaching_is_enterprise_user(user):
        return queryset.filter(enterprise_id=user.organisation.pk)
    if coaching_is_coach(user):
        return queryset.filter(coach_id=user.pk)
    return queryset.none()


def coaching_list(*, user: User, filters: dict | None = None) -> QuerySet[CoachingRequest]:
    """Scoped requests with the user's filters (status, topic, search: the enterprise's name); waiting
    for a coach first, then being coached, then done; newest first within each."""
    queryset = coaching_scope(user=user).select_related("enterprise", "coach", "requested_by")
    filters = filters or {}
    if (status := filters.get("status")) in CoachingStatus.values:
        queryset = queryset.filter(status=status)
    if (topic := filters.get("topic")) in CoachingTopic.values:
        queryset = queryset.filter(topic=topic)
    if search := (filters.get("search") or "").strip():
        queryset = queryset.filter(enterprise__name__icontains=search)
    waiting_first = Case(
        When(status=CoachingStatus.REQUESTED, then=Value(0)),
        When(status=CoachingStatus.ASSIGNED, then=Value(1)),
        default=Value(2),
        output_field=IntegerField(),
    )
    return queryset.annotate(
        coach_organisation=_coach_organisation("coach_id"), waiting_first=waiting_first
    ).order_by("waiting_first", "-created_at", "-pk")


def coaching_get_for_user(*, user: User, pk: int) -> CoachingRequest:
    return get_in_scope(
        (
            coaching_scope(user=user)
            .select_related("enterprise", "coach", "requested_by")
            .annotate(coach_organisation=_coach_organisation("coach_id"))
        ),
        pk,
    )


@dataclass
class TimelineEntry:
    """One line of an enterprise's timeline: when, what (plain words), who, and where to read more."""

    at: datetime  # the moment it sorts by
    when: date | datetime  # what the page shows: a session's day, an event's moment
    kind: str  # coaching, session, application, loan
    what: str
    notes: list[str] = field(default_factory=list)
    person: str = ""
    organisation: str = ""
    link: str = ""
    actor_id: int | None = None
    # Organisations the actor most likely acted for here (the parties of the object), best first.
    parties: tuple[int, ...] = ()


def _link_if_routed(name: str, pk: int) -> str:
    """The object's page when that page exists yet (the application and loan pages come in their own
    slices of issue 4); otherwise no link rather than an error."""
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def _status_label(choices, value: str) -> str:
    return str(dict(choices.choices).get(value, value))


def _coaching_event_entry(event: CoachingEvent) -> TimelineEntry:
    request = event.request
    coach = (event.details or {}).get("coach_name", "")
    if event.to_status == CoachingStatus.REQUESTED:
        step = _("asked for")
    elif event.to_status == CoachingStatus.ASSIGNED and event.from_status == CoachingStatus.ASSIGNED:
        step = _("handed to another coach, %(coach)s") % {"coach": coach}
    elif event.to_status == CoachingStatus.ASSIGNED:
        step = _("coach assigned, %(coach)s") % {"coach": coach}
    elif event.to_status in (CoachingStatus.CLOSED, CoachingStatus.CANCELLED):
        step = _status_label(CoachingStatus, event.to_status)
    else:
        step = event.action.replace("_", " ")
    what = _("Coaching “%(topic)s”: %(step)s") % {"topic": request.get_topic_display(), "step": step}
    return TimelineEntry(
        at=event.at,
        when=event.at,
        kind="coaching",
        what=what,
        notes=[event.reason] if event.reason else [],
        link=reverse("loans:coaching_detail", args=[request.pk]),
        actor_id=event.actor_id,
        parties=(request.enterprise_id,),
    )


def _session_sort_moment(session: CoachingSession) -> datetime:
    # A session recorded on the day it was held sorts at the moment it was recorded; one recorded later
    # sorts at the end of the day it was held. Both grow with (held_on, created_at), the order the rows
    # are read in, so the newest rows of each source are enough to merge a page.
    end_of_day = timezone.make_aware(datetime.combine(session.held_on, time.max))
    return min(session.created_at, end_of_day)


def _session_entry(session: CoachingSession) -> TimelineEntry:
    notes = [session.advice]
    if session.next_steps:
        notes.append(_("Next steps: %(steps)s") % {"steps": session.next_steps})
    return TimelineEntry(
        at=_session_sort_moment(session),
        when=session.held_on,
        kind="session",
        what=_("Coaching “%(topic)s”: session (%(mode)s)")
        % {"topic": session.request.get_topic_display(), "mode": session.get_mode_display()},
        notes=notes,
        link=reverse("loans:coaching_detail", args=[session.request_id]),
        actor_id=session.recorded_by_id,
        parties=(session.request.enterprise_id,),
    )


def _move_text(event, choices) -> str:
    if event.to_status and event.to_status != event.from_status:
        return _status_label(choices, event.to_status)
    return event.action.replace("_", " ")


def _application_event_entry(event: ApplicationEvent) -> TimelineEntry:
    application = event.application
    what = _("Loan application %(reference)s to %(bank)s: %(step)s") % {
        "reference": application.request.reference,
        "bank": application.bank.name,
        "step": _move_text(event, ApplicationStatus),
    }
    return TimelineEntry(
        at=event.at,
        when=event.at,
        kind="application",
        what=what,
        notes=[event.reason] if event.reason else [],
        link=_link_if_routed("loans:application_detail", application.pk),
        actor_id=event.actor_id,
        parties=(application.request.enterprise_id, application.bank_id, application.bank.parent_id or 0),
    )


def _loan_event_entry(event: LoanEvent) -> TimelineEntry:
    loan = event.loan
    what = _("Loan %(reference)s from %(bank)s: %(step)s") % {
        "reference": loan.reference,
        "bank": loan.bank.name,
        "step": _move_text(event, LoanStatus),
    }
    return TimelineEntry(
        at=event.at,
        when=event.at,
        kind="loan",
        what=what,
        notes=[event.reason] if event.reason else [],
        link=_link_if_routed("loans:loan_detail", loan.pk),
        actor_id=event.actor_id,
        parties=(loan.enterprise_id, loan.bank_id, loan.bank.parent_id or 0),
    )


class EnterpriseTimeline:
    """An enterprise's history across coaching, applications and loans, newest first.

    A Paginator slices it. A slice reads, from each of the four sources, only its newest ``stop`` rows
    (in the order that source sorts by) and merges them; the actors' organisations come in one more
    query. A page therefore costs the same few queries however long the history is.
    """

    def __init__(self, enterprise: Organisation):
        self.enterprise = enterprise
        # (queryset in newest-first order, entry builder, rank among entries at the same moment)
        self._sources = [
            (
                CoachingEvent.objects.filter(request__enterprise=enterprise)
                # The session itself is on the timeline with its advice; its event would say it twice.
                .exclude(action="session")
                .select_related("actor", "request")
                .order_by("-at", "-pk"),
                _coaching_event_entry,
            ),
            (
                CoachingSession.objects.filter(request__enterprise=enterprise)
                .select_related("recorded_by", "request")
                .order_by("-held_on", "-created_at", "-pk"),
                _session_entry,
            ),
            (
                ApplicationEvent.objects.filter(application__request__enterprise=enterprise)
                .select_related("actor", "application__request", "application__bank")
                .order_by("-at", "-pk"),
                _application_event_entry,
            ),
            (
                LoanEvent.objects.filter(loan__enterprise=enterprise)
                .select_related("actor", "loan__bank")
                .order_by("-at", "-pk"),
                _loan_event_entry,
            ),
        ]

    def count(self) -> int:
        return sum(queryset.count() for queryset, _build in self._sources)

    def __getitem__(self, index: slice) -> list[TimelineEntry]:
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("An enterprise timeline is read a page (a slice) at a time.")
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        candidates: list[tuple[tuple, TimelineEntry, object]] = []
        for rank, (queryset, build) in enumerate(self._sources):
            for row in queryset[:stop]:
                entry = build(row)
                secondary = getattr(row, "created_at", None) or entry.at
                candidates.append(((entry.at, rank, secondary, row.pk), entry, row))
        candidates.sort(key=lambda item: item[0], reverse=True)
        chosen = candidates[start:stop]
        self._name_people([(entry, row) for _key, entry, row in chosen])
        return [entry for _key, entry, _row in chosen]

    @staticmethod
    def _name_people(pairs) -> None:
        actor_ids = {entry.actor_id for entry, _row in pairs if entry.actor_id}
        memberships: dict[int, list[Membership]] = {}
        for membership in (
            Membership.objects.filter(user_id__in=actor_ids, is_active=True)
            .select_related("organisation")
            .order_by("pk")
        ):
            memberships.setdefault(membership.user_id, []).append(membership)
        for entry, row in pairs:
            actor = getattr(row, "recorded_by", None) if entry.kind == "session" else row.actor
            if actor is None:
                entry.person = _("The portal")
                continue
            entry.person = str(actor)
            held = memberships.get(actor.pk, [])
            acting = next((m for m in held if m.organisation_id in entry.parties), held[0] if held else None)
            entry.organisation = acting.organisation.name if acting else ""


def can_view_enterprise_timeline(user: User, enterprise: Organisation) -> bool:
    if coaching_is_promotion_officer(user):
        return True
    return coaching_is_enterprise_user(user) and user.organisation.pk == enterprise.pk


def enterprise_timeline(*, user: User, enterprise: Organisation | int) -> EnterpriseTimeline:
    """The enterprise's timeline (slice it, or give it to a Paginator of ``TIMELINE_PAGE_SIZE``). An
    enterprise user reads only their own enterprise's, the promotion centre any enterprise's; anyone
    else, or an id that is not an enterprise, gets a 404."""
    if not isinstance(enterprise, Organisation):
        enterprise = Organisation.objects.filter(pk=enterprise, kind=OrgKind.ENTERPRISE).first()
    if enterprise is None or enterprise.kind != OrgKind.ENTERPRISE or not user.is_authenticated:
        raise Http404
    if not can_view_enterprise_timeline(user, enterprise):
        raise Http404
    return EnterpriseTimeline(enterprise)


# --- Loans ------------------------------------------------------------------------------------------
# Imported as modules, like the sections above: this section stays one block other features leave alone.
from loans.models import Loan  # noqa: E402

# Government staff who follow every loan, read-only: the IP bureau's promotion centre and reviewers
# (subsidies and compensation are decided on these loans), the joint-meeting office, and the finance
# bureau (it pays the subsidies). Their organisations' admins manage people, not loans.
LOAN_OVERSIGHT_ROLES: dict[str, frozenset[str]] = {
    OrgKind.IP_BUREAU: frozenset({account_models.Role.PROMOTION_OFFICER, account_models.Role.REVIEWER}),
    OrgKind.JOINT_OFFICE: frozenset({account_models.Role.JOINT_OFFICE_VIEWER}),
    OrgKind.FINANCE_BUREAU: frozenset({account_models.Role.FINANCE_OFFICER}),
}


def loan_scope(*, user: User) -> QuerySet[Loan]:
    """Every loan the user may see, before any filter: a bank user its review scope's loans
    (``review_bank_ids``: a branch its own, a head office its group's), an enterprise user its own
    borrowing, the oversight roles above all of them; nobody else any."""
    queryset = Loan.objects.all()
    organisation = user.organisation if user.is_authenticated else None
    if organisation is None:
        return queryset.none()
    if organisation.kind == OrgKind.BANK:
        return queryset.filter(bank_id__in=review_bank_ids(organisation))
    if organisation.kind == OrgKind.ENTERPRISE:
        return queryset.filter(enterprise_id=organisation.pk)
    if user.role in LOAN_OVERSIGHT_ROLES.get(organisation.kind, ()):
        return queryset
    return queryset.none()


def loan_list(*, user: User, filters: dict | None = None) -> QuerySet[Loan]:
    """Scoped loans, newest first ("-id": the keyset the API's cursor and the pages walk), with the
    user's filters applied inside the scope (a ``bank`` outside it finds nothing):

    - ``status``, ``classification``: values of LoanStatus / Classification;
    - ``bank_loan_ref``: the bank's own reference, exactly;
    - ``enterprise``: the borrower, an Organisation or its credit code;
    - ``bank``: an Organisation or its id; a head office also finds its branches' loans;
    - ``search``: a loan number or bank reference (exactly), or part of the borrower's name.

    Bank and borrower come with the rows (one query per page whatever its size)."""
    queryset = loan_scope(user=user).select_related("bank", "enterprise")
    filters = filters or {}
    if (status := filters.get("status")) in loan_models.LoanStatus.values:
        queryset = queryset.filter(status=status)
    if (classification := filters.get("classification")) in loan_models.Classification.values:
        queryset = queryset.filter(classification=classification)
    if bank_loan_ref := (filters.get("bank_loan_ref") or "").strip():
        queryset = queryset.filter(bank_loan_ref=bank_loan_ref)
    if enterprise := filters.get("enterprise"):
        if isinstance(enterprise, Organisation):
            queryset = queryset.filter(enterprise_id=enterprise.pk)
        else:
            queryset = queryset.filter(enterprise__uscc=str(enterprise).strip().upper())
    if bank := filters.get("bank"):
        bank_id = bank.pk if isinstance(bank, Organisation) else int(bank)
        # The group's ids first: "bank_id IN (...)" keeps to the (bank, -id) index, where an OR over a
        # join to the bank's parent would not.
        group = Organisation.objects.filter(Q(pk=bank_id) | Q(parent_id=bank_id), kind=OrgKind.BANK)
        queryset = queryset.filter(bank_id__in=list(group.values_list("pk", flat=True)))
    if search := (filters.get("search") or "").strip():
        borrowers = Organisation.objects.filter(kind=OrgKind.ENTERPRISE, name__icontains=search)
        queryset = queryset.filter(
            Q(reference=search.upper())
            | Q(bank_loan_ref=search)
            | Q(enterprise_id__in=borrowers.values("pk"))
        )
    return queryset.order_by("-id")


def loan_get_for_user(*, user: User, pk: int) -> Loan:
    """The loan with its bank and borrower, or 404 when it is outside the user's scope."""
    return get_in_scope(
        loan_scope(user=user).select_related("bank", "bank__parent", "enterprise", "case"), pk
    )


# --- Batch uploads of loan facts --------------------------------------------------------------------


def loan_import_scope(*, user: User) -> QuerySet:
    """A bank's uploads: a branch sees its own, a head office its group's; nothing for anyone else."""
    from loans.models import LoanImport

    if not user.is_authenticated:
        return LoanImport.objects.none()
    return LoanImport.objects.filter(bank_id__in=review_bank_ids(user.organisation))


def loan_import_list(*, user: User) -> QuerySet:
    return loan_import_scope(user=user).select_related("bank", "uploaded_by").order_by("-created_at", "-pk")


def loan_import_get_for_user(*, user: User, pk: int):
    """The upload, or 404 when it is another bank's (existence does not leak)."""
    return get_in_scope(loan_import_scope(user=user).select_related("bank", "uploaded_by"), pk)


# --- Financing cases (issue 11) ---------------------------------------------------------------------


def case_scope(*, user: User) -> QuerySet:
    """The cases the user may open: those any app shows them part of (``portal.case_file``): the
    enterprise its own, a bank those it was asked to lend in, the promotion centre and the oversight
    roles all, a coach those it coaches, a guarantor or insurer those whose claims it shares."""
    if not user.is_authenticated:
        return loan_models.FinancingCase.objects.none()
    if loan_permissions.coaching_is_enterprise_user(user):
        # The enterprise's own users see every coaching request, request and loan of theirs, and every
        # case holds one of those from its opening: the same answer as asking every app, in one condition.
        return loan_models.FinancingCase.objects.filter(enterprise_id=user.organisation.pk)
    return loan_models.FinancingCase.objects.filter(case_visibility(user))


def case_get_for_user(*, user: User, pk: int):
    return get_in_scope(case_scope(user=user).select_related("enterprise", "opened_by"), pk)
