"""Satisfaction ratings on the home page: the cases the user's organisation is asked to rate
(``invitations_to_give``) and, on the enterprise's timeline, the ratings it gave. Read through
``invitation_scope``."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.timeline import LIMIT, Entry, NextStep
from portal.work import Case, WorkItem, first_and_count, read_once
from ratings.models import Rating
from ratings.permissions import group_ids, is_rater_user
from ratings.selectors import invitation_scope, invitations_to_give


def _to_give(user) -> tuple[list, int]:
    """The oldest cases to rate and how many, read once per home page (the work item and a next step)."""
    # The home names each case by its title alone: none of the list page's joined organisations.
    return read_once(
        ("ratings.to_give", user.pk),
        lambda: first_and_count(invitations_to_give(user=user).select_related(None)),
    )


def home_work(user) -> list[WorkItem]:
    if not is_rater_user(user):
        return []
    nearest, count = _to_give(user)
    return [
        WorkItem(
            title=_("Ratings to give"),
            count=count,
            url=reverse("ratings:to-give"),
            testid="work-ratings-to-give",
            due=timezone.localdate(nearest[0].created_at) if nearest else None,
            date_label=_("Waiting since:"),
            nearest=[
                Case(
                    str(invitation),
                    reverse("ratings:invitation-rate", args=[invitation.pk]),
                    timezone.localdate(invitation.created_at),
                )
                for invitation in nearest
            ],
        )
    ]


def timeline(organisation, user) -> list:
    if not is_rater_user(user):
        return []
    invitations = invitation_scope(user=user).filter(rater_org_id__in=group_ids(user))
    rows: list = [
        Entry(
            at=rating.submitted_at,
            what=_("Rated %(case)s") % {"case": rating.invitation},
            url=reverse("ratings:invitation-detail", args=[rating.invitation_id]),
            source="ratings",
        )
        for rating in Rating.objects.filter(invitation__in=invitations)
        .select_related("invitation")
        .order_by("-submitted_at", "-pk")[:LIMIT]
    ]
    rows.extend(
        NextStep(
            _("Tell us how %(case)s went: rate it.") % {"case": invitation},
            who=_("Your enterprise"),
            url=reverse("ratings:invitation-rate", args=[invitation.pk]),
            source="ratings",
        )
        for invitation in _to_give(user)[0]
    )
    return rows
