"""The hourly sweep (Celery beat "ratings-sweep"): invitations for cases closed in the last 30 days that
have none (a lost signal loses nothing), one reminder per unrated invitation after the year's reminder
days, and one notice per follow-up task past its due date. Safe to run twice or concurrently: invitations
are unique per case, reminders and overdue notices are claimed with conditional UPDATEs."""

import logging
from datetime import timedelta

from django.utils import timezone

from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year
from ratings.models import FollowUp, FollowUpStatus, Invitation, InvitationStatus
from ratings.services import follow_up_flag_overdue, invitation_open, invitation_remind
from ratings.subjects import SUBJECTS

logger = logging.getLogger(__name__)
BACKSTOP_DAYS = 30  # how far back the sweep looks for closed cases without an invitation
BATCH = 500


def invitations_backfill(*, days: int | None = BACKSTOP_DAYS) -> int:
    """Invite for every case that reached a closing status in the last ``days`` days (all when None)."""
    created = 0
    since = timezone.now() - timedelta(days=days) if days is not None else None
    for kind, subject in SUBJECTS.items():
        events = subject.event_model.objects.filter(to_status__in=subject.closing)
        if since is not None:
            events = events.filter(at__gte=since)
        case_ids = set(events.values_list(f"{subject.event_fk}_id", flat=True))
        invited = set(
            Invitation.objects.filter(subject_kind=kind, subject_id__in=case_ids).values_list(
                "subject_id", flat=True
            )
        )
        for case_id in sorted(case_ids - invited):
            if invitation_open(kind=kind, subject_id=case_id) is not None:
                created += 1
    return created


def reminders_send() -> int:
    today = timezone.localdate()
    try:
        days = parameter_set_for_year(today.year).rating_reminder_days
    except PolicyYearMissing:
        logger.error("ratings: no policy parameters in force for %s; rating reminders not sent", today.year)
        return 0
    cutoff = timezone.now() - timedelta(days=days)
    due = Invitation.objects.filter(
        status=InvitationStatus.INVITED, reminded_at=None, created_at__lte=cutoff
    ).values_list("pk", flat=True)
    return sum(invitation_remind(invitation_id=pk) for pk in list(due.order_by("pk")[:BATCH]))


def overdue_notices_send() -> int:
    today = timezone.localdate()
    due = FollowUp.objects.filter(
        status=FollowUpStatus.OPEN, due_on__lt=today, overdue_notified_at=None
    ).values_list("pk", flat=True)
    return sum(
        follow_up_flag_overdue(follow_up_id=pk, today=today) for pk in list(due.order_by("pk")[:BATCH])
    )


def ratings_sweep() -> dict[str, int]:
    return {
        "invited": invitations_backfill(),
        "reminded": reminders_send(),
        "overdue": overdue_notices_send(),
    }
