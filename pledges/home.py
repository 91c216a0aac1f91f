"""The pledge registrations on the home page: each role's queue (``home_work``) and the enterprise's
filings on its timeline (``timeline``). Everything is read through ``registration_scope``."""

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.models import OPEN_STATUSES, RegistrationEvent, Status
from pledges.selectors import registration_scope
from pledges.views import _MOVE_LABELS, _is_enterprise, _is_office_staff, _is_pledgee, _is_supervisor
from portal.accounts.models import OrgKind
from portal.timeline import LIMIT, Entry, NextStep
from portal.work import NEAREST, Case, WorkItem, first_and_count, first_and_count_among, read_once


def _case_url(registration) -> str:
    return reverse("pledges:registration_detail", args=[registration.pk])


def _label(registration) -> str:
    return f"{registration.reference} · {registration.pledgor.name}"


def _commissioner_queue(user) -> WorkItem:
    """Open cases (the commissioner's own; a supervisor's: the office's), soonest due first on the
    working-day calendar the due dates were computed on; cases not yet accepted have no date yet."""
    queryset = registration_scope(user=user).filter(status__in=OPEN_STATUSES)
    if not _is_supervisor(user):
        queryset = queryset.filter(commissioner=user)
    today = timezone.localdate()
    nearest = list(
        queryset.select_related("pledgor").order_by(F("due_date").asc(nulls_last=True), "id")[:NEAREST]
    )
    if len(nearest) < NEAREST:  # all of them (see portal.work.first_and_count)
        figures = {
            "count": len(nearest),
            "overdue": sum(1 for r in nearest if r.due_date and r.due_date < today),
        }
    else:
        figures = queryset.aggregate(count=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today)))
    return WorkItem(
        title=_("Registrations due"),
        count=figures["count"],
        overdue=figures["overdue"],
        url=reverse("pledges:workbench"),
        testid="work-registrations-due",
        due=nearest[0].due_date if nearest else None,
        date_label=_("Nearest due date:"),
        nearest=[Case(_label(r), _case_url(r), r.due_date) for r in nearest],
    )


def _waiting_queue(user, *, status: str, **item) -> WorkItem:
    """Filings waiting for the user's organisation in ``status``, longest waiting first."""
    queryset = registration_scope(user=user).filter(status=status)
    return _waiting_item(
        *first_and_count(queryset.select_related("pledgor").order_by("updated_at", "id")), **item
    )


def _waiting_item(nearest, count, *, title: str, url: str, testid: str) -> WorkItem:
    return WorkItem(
        title=title,
        count=count,
        url=url,
        testid=testid,
        due=timezone.localdate(nearest[0].updated_at) if nearest else None,
        date_label=_("Waiting since:"),
        nearest=[Case(_label(r), _case_url(r), timezone.localdate(r.updated_at)) for r in nearest],
    )


def _late_cases(user) -> WorkItem:
    """For the joint-meeting office, which follows the office's service times: open cases past their due
    date, the longest overdue first."""
    queryset = registration_scope(user=user).filter(
        status__in=OPEN_STATUSES, due_date__lt=timezone.localdate()
    )
    nearest, count = first_and_count(queryset.select_related("pledgor").order_by("due_date", "id"))
    return WorkItem(
        title=_("Registrations past their due date"),
        count=count,
        url=reverse("pledges:on_time_stats"),
        testid="work-registrations-late",
        due=nearest[0].due_date if nearest else None,
        date_label=_("Longest overdue since:"),
        nearest=[Case(_label(r), _case_url(r), r.due_date) for r in nearest],
    )


def home_work(user) -> list[WorkItem]:
    organisation = user.organisation
    if organisation is not None and organisation.kind == OrgKind.JOINT_OFFICE:
        return [_late_cases(user)]
    if _is_office_staff(user):
        return [_commissioner_queue(user)]
    if _is_pledgee(user):
        return [
            _waiting_queue(
                user,
                status=Status.AWAITING_PLEDGEE,
                title=_("Pledge filings to confirm"),
                url=reverse("pledges:to_confirm"),
                testid="work-filings-to-confirm",
            )
        ]
    if _is_enterprise(user):
        return [_to_correct(user)]
    return []


# Filings still moving, from the enterprise's side: its drafts, the pledgee's confirmation, the office.
_PENDING = OPEN_STATUSES | {Status.DRAFT, Status.AWAITING_PLEDGEE}


def _pending_filings(user, organisation) -> list:
    """The enterprise's filings still moving, soonest due first, at most LIMIT + 1: read once per home
    page for its next steps and its work item (``read_once``)."""
    return read_once(("pledges.pending", user.pk, organisation.pk), lambda: _read_pending(user, organisation))


def _read_pending(user, organisation) -> list:
    filings = list(
        registration_scope(user=user)
        .filter(pledgor=organisation, status__in=_PENDING)
        .select_related("pledgee", "commissioner")
        .order_by(F("due_date").asc(nulls_last=True), "id")[: LIMIT + 1]
    )
    for filing in filings:
        filing.pledgor = organisation  # the enterprise itself: no join for its name
    return filings


def _to_correct(user) -> WorkItem:
    item = {
        "title": _("Pledge filings to correct"),
        "url": reverse("pledges:my_filings"),
        "testid": "work-filings-to-correct",
    }
    waiting = first_and_count_among(
        _pending_filings(user, user.organisation),
        keep=lambda r: r.status == Status.NEEDS_CORRECTION,
        order=lambda r: (r.updated_at, r.id),
    )
    if waiting is None:
        return _waiting_queue(user, status=Status.NEEDS_CORRECTION, **item)
    return _waiting_item(*waiting, **item)


def _next_step(registration) -> NextStep | None:
    commissioner = str(registration.commissioner) if registration.commissioner_id else ""
    office = _("Service commissioner %(name)s") % {"name": commissioner} if commissioner else ""
    url = _case_url(registration)
    reference = registration.reference
    if registration.status == Status.DRAFT:
        return NextStep(
            _("Filing %(ref)s is a draft: complete it and send it to the pledgee.") % {"ref": reference},
            who=_("Your enterprise"),
            url=url,
            source="pledges",
        )
    if registration.status == Status.AWAITING_PLEDGEE:
        return NextStep(
            _("%(pledgee)s is confirming filing %(ref)s.")
            % {"pledgee": registration.pledgee.name, "ref": reference},
            who=registration.pledgee.name,
            url=url,
            source="pledges",
        )
    if registration.status == Status.NEEDS_CORRECTION:
        return NextStep(
            _("Filing %(ref)s needs your correction.") % {"ref": reference},
            who=office,
            url=url,
            source="pledges",
        )
    if registration.status in OPEN_STATUSES:
        if registration.due_date:
            what = _("The registration %(ref)s is due on %(date)s.") % {
                "ref": reference,
                "date": registration.due_date.isoformat(),
            }
        else:
            what = _("The registration office is checking filing %(ref)s.") % {"ref": reference}
        return NextStep(
            what,
            who=office or _("The registration office"),
            due=registration.due_date,
            url=url,
            source="pledges",
        )
    return None


def timeline(organisation, user) -> list:
    """The enterprise's filings: every move on its cases, and what each open case waits for."""
    cases = registration_scope(user=user).filter(pledgor=organisation)
    rows: list = []
    events = (
        RegistrationEvent.objects.filter(registration__in=cases)
        # The filing and its moves; a reassignment, an upload or a clock restart is the case page's detail.
        .filter(Q(action="created") | Q(action="transition"))
        .select_related("registration", "actor")
        .order_by("-at", "-id")[:LIMIT]
    )
    for event in events:
        if event.action == "created":
            label = _("Filing started")
        else:
            label = _MOVE_LABELS.get(event.to_status, event.get_to_status_display())
        rows.append(
            Entry(
                at=event.at,
                what=_("Pledge registration %(ref)s: %(step)s")
                % {"ref": event.registration.reference, "step": label},
                url=_case_url(event.registration),
                source="pledges",
                note="\n".join(filter(None, [event.reason, str(event.actor) if event.actor_id else ""])),
            )
        )
    pending = _pending_filings(user, organisation)[:LIMIT]
    rows.extend(step for registration in pending if (step := _next_step(registration)) is not None)
    return rows
