"""Subsidies on the home page: the reviewer's queue (only the applications the four-eyes rule lets this
reviewer act on), the loan figures a bank is asked to confirm, the enterprise's applications to
complete; and the enterprise's applications on its timeline. Read through ``application_scope`` and
``confirmation_scope``."""

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.timeline import LIMIT, Entry, NextStep
from portal.work import Case, WorkItem, first_and_count, first_and_count_among, local_day, read_once
from subsidies.models import ApplicationEvent, ApplicationStatus, Confirmation
from subsidies.permissions import (
    application_scope,
    confirmation_scope,
    is_applicant,
    is_confirming_bank,
    is_reviewer,
)

_S = ApplicationStatus


def actionable_for_reviewer(user) -> Q:
    """What this reviewer may act on: a submitted application (anyone starts the review), one they are
    first reviewer of, and a proposal someone else made (never their own: four eyes)."""
    return (
        Q(status=_S.SUBMITTED)
        | Q(status=_S.UNDER_REVIEW, first_reviewer_id=user.pk)
        | (Q(status=_S.PROPOSED) & ~Q(first_reviewer_id=user.pk))
    )


def _reviewer_work(user) -> WorkItem:
    queryset = application_scope(user).filter(actionable_for_reviewer(user))
    nearest, count = first_and_count(
        # The enterprises of the few rows are fetched by key afterwards: joined in the query, PostgreSQL
        # hashes every organisation before it sorts (tens of ms at 60,000; bench/pages.py).
        queryset.prefetch_related("enterprise").order_by(
            F("review_clock_started_at").asc(nulls_last=True), F("submitted_at").asc(nulls_last=True), "pk"
        )
    )
    since = [local_day(a.review_clock_started_at or a.submitted_at) for a in nearest]
    return WorkItem(
        title=_("Subsidy applications waiting for you"),
        count=count,
        url=reverse("subsidies:review-queue"),
        testid="work-subsidy-review",
        due=since[0] if since else None,
        date_label=_("Waiting since:"),
        nearest=[
            Case(
                f"{a.reference} · {a.enterprise.name} · {a.get_status_display()}",
                reverse("subsidies:review-detail", args=[a.pk]),
                day,
            )
            for a, day in zip(nearest, since, strict=True)
        ],
    )


def _bank_work(user) -> WorkItem:
    queryset = confirmation_scope(user).filter(confirmation=Confirmation.PENDING)
    nearest, count = first_and_count(
        queryset.select_related("application", "application__enterprise").order_by(
            "application__submitted_at", "pk"
        )
    )
    return WorkItem(
        title=_("Loan figures to confirm for subsidies"),
        count=count,
        url=reverse("subsidies:confirmation-list"),
        testid="work-subsidy-confirmations",
        due=local_day(nearest[0].application.submitted_at) if nearest else None,
        date_label=_("Waiting since:"),
        nearest=[
            Case(
                f"{line.application.enterprise.name} · {line.contract_number}",
                reverse("subsidies:confirmation-decide", args=[line.pk]),
                local_day(line.application.submitted_at),
            )
            for line in nearest
        ],
    )


# Finished applications: nothing more happens on them.
_DONE = (_S.PAID, _S.REJECTED, _S.WITHDRAWN)
_TO_COMPLETE = (_S.DRAFT, _S.CORRECTION)


def _pending_applications(user, organisation) -> list:
    """The enterprise's applications not finished, newest first, at most LIMIT + 1: read once per home
    page for its next steps and its work item (``read_once``)."""
    return read_once(
        ("subsidies.pending", user.pk, organisation.pk),
        lambda: list(
            application_scope(user)
            .filter(enterprise=organisation)
            .exclude(status__in=_DONE)
            .select_related("first_reviewer")
            .order_by("-pk")[: LIMIT + 1]
        ),
    )


def _applicant_work(user) -> WorkItem:
    nearest, count = first_and_count_among(
        _pending_applications(user, user.organisation),
        keep=lambda a: a.status in _TO_COMPLETE,
        order=lambda a: (a.updated_at, a.pk),
    ) or first_and_count(application_scope(user).filter(status__in=_TO_COMPLETE).order_by("updated_at", "pk"))
    return WorkItem(
        title=_("Subsidy applications to complete"),
        count=count,
        url=reverse("subsidies:application-list"),
        testid="work-subsidy-drafts",
        nearest=[
            Case(
                f"{a.reference} · {a.get_status_display()}",
                reverse("subsidies:application-detail", args=[a.pk]),
                local_day(a.updated_at),
            )
            for a in nearest
        ],
    )


def home_work(user) -> list[WorkItem]:
    items = []
    if is_reviewer(user):
        items.append(_reviewer_work(user))
    if is_confirming_bank(user):
        items.append(_bank_work(user))
    if is_applicant(user):
        items.append(_applicant_work(user))
    return items


def _next_step(application) -> NextStep | None:
    values = {"ref": application.reference}
    status = application.status
    bureau = _("The IP bureau")
    url = reverse("subsidies:application-detail", args=[application.pk])
    if status == _S.DRAFT:
        what, who = _("Subsidy application %(ref)s is a draft: complete and submit it."), _("Your enterprise")
    elif status == _S.CORRECTION:
        what, who = _("Subsidy application %(ref)s needs your correction."), _("Your enterprise")
    elif status == _S.AWAITING_BANK:
        what, who = _("The banks are confirming the loan figures of subsidy application %(ref)s."), ""
    elif status == _S.SUBMITTED:
        what, who = _("Subsidy application %(ref)s is waiting for a reviewer."), bureau
    elif status == _S.UNDER_REVIEW:
        what = _("The IP bureau is reviewing subsidy application %(ref)s.")
        who = str(application.first_reviewer) if application.first_reviewer_id else bureau
    elif status == _S.PROPOSED:
        what, who = _("A second reviewer is deciding on subsidy application %(ref)s."), bureau
    elif status in (_S.APPROVED, _S.PUBLICITY):
        what, who = _("Subsidy application %(ref)s is approved and goes on public notice."), bureau
    elif status in (_S.PUBLICISED, _S.PAYMENT_LISTED):
        what, who = _("The finance bureau is paying subsidy application %(ref)s."), _("The finance bureau")
    else:
        return None
    return NextStep(what % values, who=who, url=url, source="subsidies")


def timeline(organisation, user) -> list:
    if not is_applicant(user):
        return []
    applications = application_scope(user).filter(enterprise=organisation)
    rows: list = []
    events = (
        ApplicationEvent.objects.filter(application__in=applications)
        .exclude(to_status="")
        .select_related("application")
        .order_by("-at", "-pk")[:LIMIT]
    )
    for event in events:
        rows.append(
            Entry(
                at=event.at,
                what=_("Subsidy application %(ref)s: %(step)s")
                % {"ref": event.application.reference, "step": event.get_to_status_display()},
                url=reverse("subsidies:application-detail", args=[event.application_id]),
                source="subsidies",
                note=event.reason,
            )
        )
    pending = _pending_applications(user, organisation)[:LIMIT]
    rows.extend(step for application in pending if (step := _next_step(application)) is not None)
    return rows
