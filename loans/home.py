"""Loans on the home page: each role's queues (``home_work``) and the enterprise's coaching,
applications and loans on its timeline (``timeline``). Everything is read through this app's scoping
functions (``application_scope``, ``coaching_scope``, ``loan_scope``, ``enterprise_timeline``)."""

from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import (
    BANK_ROLES,
    ENTERPRISE_ROLES,
    ApplicationStatus,
    CoachingStatus,
    LoanStatus,
)
from loans.permissions import (
    can_view_coaching_cases,
    can_view_coaching_queue,
    coaching_is_enterprise_user,
)
from loans.selectors import (
    application_scope,
    case_scope,
    coaching_scope,
    enterprise_timeline,
    loan_scope,
    request_scope,
)
from portal.accounts.models import OrgKind
from portal.timeline import LIMIT, Entry, NextStep
from portal.work import NEAREST, Case, WorkItem, first_and_count, first_and_count_among, read_once

# Applications waiting for the bank (information requested waits for the enterprise; an offer made, for
# the enterprise's answer).
BANK_WAITING = (
    ApplicationStatus.SUBMITTED,
    ApplicationStatus.UNDER_REVIEW,
    ApplicationStatus.AWAITING_SECOND_APPROVAL,
)
ENTERPRISE_WAITING = (ApplicationStatus.INFO_REQUESTED, ApplicationStatus.APPROVED)
# Loans whose next fact (the contract, the disbursement) the bank still has to report.
FACTS_AWAITED = (LoanStatus.AWAITING_CONTRACT, LoanStatus.CONTRACTED)


def _since(moment):
    return timezone.localdate(moment)


def _queue(queryset, *, order=("created_at", "pk"), **item) -> WorkItem:
    """A queue counted, with its longest-waiting cases (``created_at`` is when each began to wait)."""
    return _queue_item(*first_and_count(queryset.order_by(*order)), **item)


def _queue_item(nearest, count, *, title, url, testid, label, link) -> WorkItem:
    return WorkItem(
        title=title,
        count=count,
        url=url,
        testid=testid,
        due=_since(nearest[0].created_at) if nearest else None,
        date_label=_("Waiting since:"),
        nearest=[Case(label(row), link(row), _since(row.created_at)) for row in nearest],
    )


def _application_label(application) -> str:
    return f"{application.request.reference} · {application.request.enterprise.name}"


def _application_url(application) -> str:
    return reverse("loans:application_detail", args=[application.pk])


def _bank_work(user) -> list[WorkItem]:
    applications = application_scope(user=user).select_related("request", "request__enterprise")
    loans = loan_scope(user=user).select_related("enterprise")
    return [
        _queue(
            applications.filter(status__in=BANK_WAITING),
            title=_("Loan applications to review"),
            url=reverse("loans:application_queue"),
            testid="work-application-queue",
            label=_application_label,
            link=_application_url,
        ),
        _queue(
            loans.filter(status__in=FACTS_AWAITED),
            title=_("Loans waiting for the contract or disbursement facts"),
            url=reverse("loans:loan_list"),
            testid="work-loan-facts",
            label=lambda loan: f"{loan.reference} · {loan.enterprise.name} · {loan.get_status_display()}",
            link=lambda loan: reverse("loans:loan_detail", args=[loan.pk]),
        ),
    ]


def _coaching_label(coaching) -> str:
    return f"{coaching.enterprise.name} · {coaching.get_topic_display()}"


def _coaching_url(coaching) -> str:
    return reverse("loans:coaching_detail", args=[coaching.pk])


def home_work(user) -> list[WorkItem]:
    items: list[WorkItem] = []
    organisation = user.organisation
    if organisation is not None and organisation.kind == OrgKind.BANK and user.role in BANK_ROLES:
        items.extend(_bank_work(user))
    coaching = coaching_scope(user=user).select_related("enterprise")
    if can_view_coaching_queue(user)[0]:
        items.append(
            _queue(
                coaching.filter(status=CoachingStatus.REQUESTED),
                title=_("Coaching requests to assign"),
                url=reverse("loans:coaching_queue"),
                testid="work-coaching-to-assign",
                label=_coaching_label,
                link=_coaching_url,
            )
        )
    if can_view_coaching_cases(user)[0]:
        items.append(
            _queue(
                coaching.filter(status=CoachingStatus.ASSIGNED),
                title=_("Enterprises you are coaching"),
                url=reverse("loans:coaching_cases"),
                testid="work-coaching-cases",
                label=_coaching_label,
                link=_coaching_url,
            )
        )
    if organisation is not None and organisation.kind == OrgKind.ENTERPRISE and user.role in ENTERPRISE_ROLES:
        cases = list(case_scope(user=user).order_by("-pk")[:NEAREST])
        if cases:
            items.append(
                WorkItem(
                    title=_("Our financing cases"),
                    count=None,
                    url=reverse("loans:case_list"),
                    testid="work-financing-cases",
                    summary=_("Quote the case number to anyone who handles your financing."),
                    nearest=[
                        Case(
                            case.reference,
                            reverse("loans:case_detail", args=[case.pk]),
                            _since(case.opened_at),
                        )
                        for case in cases
                    ],
                )
            )
        items.append(_answers_awaited(user))
    return items


def _open_applications(user) -> list:
    """The enterprise's applications waiting for a bank or for the enterprise, newest first, at most
    LIMIT + 1: read once per home page for its next steps and its work item (``read_once``)."""
    return read_once(
        ("loans.open_applications", user.pk),
        lambda: list(
            application_scope(user=user)
            .filter(status__in=BANK_WAITING + ENTERPRISE_WAITING)
            .select_related("request", "bank", "officer")
            .order_by("-updated_at", "-pk")[: LIMIT + 1]
        ),
    )


def _answers_awaited(user) -> WorkItem:
    """The applications waiting for the enterprise's answer, longest waiting first."""
    item = {
        "title": _("Banks waiting for your answer"),
        "url": reverse("loans:request_list"),
        "testid": "work-loan-answers",
        "label": lambda a: f"{a.request.reference} · {a.bank.name} · {a.get_status_display()}",
        "link": _application_url,
    }
    waiting = first_and_count_among(
        _open_applications(user),
        keep=lambda a: a.status in ENTERPRISE_WAITING,
        order=lambda a: (a.updated_at, a.pk),
    )
    if waiting is None:
        queryset = application_scope(user=user).filter(status__in=ENTERPRISE_WAITING)
        return _queue(queryset.select_related("request", "bank"), order=("updated_at", "pk"), **item)
    return _queue_item(*waiting, **item)


# --- The enterprise's timeline ---------------------------------------------------------------------


def _history(organisation, user) -> list[Entry]:
    """The existing coaching/application/loan timeline's newest entries (its own scope check: 404 for
    anyone who may not read this enterprise's history, which here means no entries)."""
    try:
        history = enterprise_timeline(user=user, enterprise=organisation)
    except Http404:
        return []
    entries = []
    for item in history[0:LIMIT]:
        notes = list(item.notes)
        if item.person:
            notes.append(f"{item.person} · {item.organisation}" if item.organisation else item.person)
        entries.append(
            Entry(at=item.at, what=item.what, url=item.link, source="loans", note="\n".join(notes))
        )
    return entries


def _officer(application) -> str:
    if application.officer_id:
        return f"{application.bank.name} · {application.officer}"
    return application.bank.name


def _application_step(application) -> NextStep:
    values = {"bank": application.bank.name, "ref": application.request.reference}
    status = application.status
    if status == ApplicationStatus.SUBMITTED:
        what = _("%(bank)s has received your application %(ref)s and will assign an officer.") % values
    elif status == ApplicationStatus.UNDER_REVIEW:
        what = _("%(bank)s is reviewing your application %(ref)s.") % values
    elif status == ApplicationStatus.INFO_REQUESTED:
        what = _("%(bank)s asks for more information on your application %(ref)s.") % values
    elif status == ApplicationStatus.AWAITING_SECOND_APPROVAL:
        what = _("%(bank)s is approving its offer on your application %(ref)s.") % values
    else:
        what = _("%(bank)s made an offer on your application %(ref)s: read it and answer.") % values
    return NextStep(what, who=_officer(application), url=_application_url(application), source="loans")


def _coaching_step(coaching) -> NextStep:
    topic = coaching.get_topic_display()
    if coaching.status == CoachingStatus.REQUESTED:
        what = _("The promotion centre is assigning a coach for “%(topic)s”.") % {"topic": topic}
        who = _("The promotion centre")
    else:
        what = _("Your coach is working with you on “%(topic)s”.") % {"topic": topic}
        who = str(coaching.coach) if coaching.coach_id else ""
    return NextStep(what, who=who, url=_coaching_url(coaching), source="loans")


def _loan_step(loan) -> NextStep:
    values = {"bank": loan.bank.name, "ref": loan.reference}
    if loan.status == LoanStatus.AWAITING_CONTRACT:
        what = _("%(bank)s prepares the contract for loan %(ref)s.") % values
    else:
        what = _("%(bank)s is to disburse loan %(ref)s.") % values
    return NextStep(
        what, who=loan.bank.name, url=reverse("loans:loan_detail", args=[loan.pk]), source="loans"
    )


def timeline(organisation, user) -> list:
    if not coaching_is_enterprise_user(user) or user.organisation.pk != organisation.pk:
        return []
    rows: list = _history(organisation, user)
    # The user's own enterprise (checked above), which is what the enterprise's application scope holds.
    applications = _open_applications(user)[:LIMIT]
    rows.extend(_application_step(application) for application in applications)
    coaching = (
        coaching_scope(user=user)
        .filter(enterprise=organisation, status__in=(CoachingStatus.REQUESTED, CoachingStatus.ASSIGNED))
        .select_related("coach")
        .order_by("-created_at", "-pk")[:LIMIT]
    )
    rows.extend(_coaching_step(request) for request in coaching)
    loans = (
        loan_scope(user=user)
        .filter(enterprise=organisation, status__in=FACTS_AWAITED)
        .select_related("bank")
        .order_by("-pk")[:LIMIT]
    )
    rows.extend(_loan_step(loan) for loan in loans)
    # An application waiting is a request made; otherwise ask whether there is any.
    if not applications and not request_scope(user=user).filter(enterprise=organisation).exists():
        # Nothing asked of any bank yet: say where an enterprise starts.
        rows.append(
            NextStep(
                _("No loan application yet: check whether you can get an IP-pledge loan."),
                url=reverse("loans:eligibility_check"),
                source="loans-start",
            )
        )
        rows.append(
            NextStep(
                _("Compare the banks' IP-pledge loan products, then apply to one or more banks."),
                url=reverse("loans:product_catalogue"),
                source="loans-start",
            )
        )
    return rows
