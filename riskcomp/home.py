"""Risk compensation on the home page: the reviewer's claims (only those the four-eyes rule lets this
reviewer act on) and the shares an institution is asked to confirm. Read through ``claim_scope`` and
``confirmation_scope``. An enterprise has no claim scope (the banks claim), so it has no timeline here."""

from django.db.models import F, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.work import Case, WorkItem, first_and_count, local_day
from riskcomp.models import ClaimStatus, Confirmation
from riskcomp.permissions import claim_scope, confirmation_scope, is_participant_user, is_reviewer

_S = ClaimStatus


def actionable_for_reviewer(user) -> Q:
    """A submitted claim (anyone starts the review), one the user is first reviewer of, and a proposal
    someone else made (never their own: four eyes)."""
    return (
        Q(status=_S.SUBMITTED)
        | Q(status=_S.UNDER_REVIEW, first_reviewer_id=user.pk)
        | (Q(status=_S.PROPOSED) & ~Q(first_reviewer_id=user.pk))
    )


def _reviewer_work(user) -> WorkItem:
    queryset = claim_scope(user).filter(actionable_for_reviewer(user))
    nearest, count = first_and_count(
        queryset.select_related("bank").order_by(F("submitted_at").asc(nulls_last=True), "pk")
    )
    return WorkItem(
        title=_("Compensation claims waiting for you"),
        count=count,
        url=reverse("riskcomp:review-queue"),
        testid="work-riskcomp-review",
        due=local_day(nearest[0].submitted_at) if nearest else None,
        date_label=_("Waiting since:"),
        nearest=[
            Case(
                f"{claim.reference} · {claim.bank.name} · {claim.get_status_display()}",
                reverse("riskcomp:review-detail", args=[claim.pk]),
                local_day(claim.submitted_at),
            )
            for claim in nearest
        ],
    )


def _participant_work(user) -> WorkItem:
    queryset = confirmation_scope(user).filter(confirmation=Confirmation.PENDING)
    nearest, count = first_and_count(queryset.select_related("claim").order_by("claim__submitted_at", "pk"))
    return WorkItem(
        title=_("Compensation shares to confirm"),
        count=count,
        url=reverse("riskcomp:confirmation-list"),
        testid="work-riskcomp-confirmations",
        due=local_day(nearest[0].claim.submitted_at) if nearest else None,
        date_label=_("Waiting since:"),
        nearest=[
            Case(
                f"{share.claim.reference} · {share.name}",
                reverse("riskcomp:confirmation-decide", args=[share.pk]),
                local_day(share.claim.submitted_at),
            )
            for share in nearest
        ],
    )


def home_work(user) -> list[WorkItem]:
    items = []
    if is_reviewer(user):
        items.append(_reviewer_work(user))
    if is_participant_user(user):
        items.append(_participant_work(user))
    return items
