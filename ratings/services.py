"""Every write of the ratings app: opening an invitation for a closed case, rating, declining, and the
responsible organisation's callback and rectification. Each move is checked against the transition
tables, made on a locked row and recorded as an ``InvitationEvent`` in the same transaction; notices go
out after commit."""

import logging
from datetime import date

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.models import OrgKind, Role, User
from portal.accounts.selectors import active_members
from portal.notifications.services import notify
from portal.policy.errors import PolicyYearMissing
from portal.policy.selectors import parameter_set_for_year
from portal.workdays.services import add_calendar_days_rolled, add_working_days
from ratings.errors import RatingInvalid, RatingNotAllowed
from ratings.models import (
    FOLLOW_UP_TRANSITIONS,
    INVITATION_TRANSITIONS,
    RATER,
    RESPONSIBLE,
    SYSTEM,
    FollowUp,
    FollowUpKind,
    FollowUpStatus,
    Invitation,
    InvitationEvent,
    InvitationStatus,
    Rating,
)
from ratings.permissions import (
    FOLLOW_UP_ROLES_BY_KIND,
    RATER_ROLES_BY_KIND,
    can_complete_follow_up,
    party_of,
)
from ratings.subjects import subject_for

logger = logging.getLogger(__name__)
_S = InvitationStatus
SCALES = ("score", "timeliness", "helpfulness", "clarity")


# --- Moves, events and notices ----------------------------------------------------------------------------


def move(invitation: Invitation, *, party: str, to: str, actor: User | None, reason: str = "", details=None):
    """One transition of ``INVITATION_TRANSITIONS`` on a locked invitation, with its event (not saved)."""
    allowed = INVITATION_TRANSITIONS.get(invitation.status, {}).get(to)
    if allowed is None:
        raise RatingInvalid(
            _("A rating invitation that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": invitation.get_status_display(), "to": InvitationStatus(to).label}
        )
    if party not in allowed:
        raise RatingNotAllowed(_("You may not make this step."))
    InvitationEvent.objects.create(
        invitation=invitation,
        actor=actor,
        from_status=invitation.status,
        to_status=to,
        reason=reason,
        details=details or {},
    )
    invitation.status = to


def locked(invitation: Invitation) -> Invitation:
    return (
        Invitation.objects.select_for_update(of=("self",))
        .select_related("rater_org", "responsible_org", "responsible_user")
        .get(pk=invitation.pk)
    )


def rater_users(invitation: Invitation) -> list[User]:
    organisation = invitation.rater_org
    roles = RATER_ROLES_BY_KIND.get(organisation.kind, frozenset())
    return active_members({organisation.pk, organisation.parent_id}, roles)


def responsible_users(invitation: Invitation) -> list[User]:
    """A registration office: the commissioner in charge and the office's supervisors; a bank: its officers
    and managers; the IP bureau: its reviewers and promotion officers."""
    organisation = invitation.responsible_org
    if organisation.kind == OrgKind.REGISTRATION_OFFICE:
        users = [invitation.responsible_user] if invitation.responsible_user else []
        roles = {Role.REGISTRATION_SUPERVISOR} if users else {Role.REGISTRATION_SUPERVISOR, Role.COMMISSIONER}
        return users + active_members([organisation.pk], roles)
    return active_members([organisation.pk], FOLLOW_UP_ROLES_BY_KIND.get(organisation.kind, frozenset()))


def invitation_link(invitation: Invitation) -> str:
    return reverse("ratings:invitation-detail", args=[invitation.pk])


def tell(recipients, invitation: Invitation, template: str, key: str, link: str, **context) -> None:
    """Notify in the caller's transaction: the notices commit with the rating, and their e-mails go through
    the outbox, so neither a crash after the commit nor a mail outage loses or undoes anything."""
    notify(
        recipients=User.objects.filter(pk__in=[user.pk for user in recipients]).order_by("pk"),
        kind=f"ratings.{template}",
        template=f"ratings_{template}",
        context={"invitation": invitation, "kind_label": invitation.get_subject_kind_display(), **context},
        link=link,
        dedupe_key=f"ratings:{key}",
    )


# --- Invitations ------------------------------------------------------------------------------------------


def _closed_at(subject, case):
    moment = (
        subject.event_model.objects.filter(**{subject.event_fk: case}, to_status=case.status)
        .order_by("-at", "-pk")
        .values_list("at", flat=True)
        .first()
    )
    # Cases recorded without a history (imported from the register) closed when they were last saved.
    return moment or subject.closed_fallback(case) or timezone.now()


def invitation_open(*, kind: str, subject_id: int) -> Invitation | None:
    """Invite the party served to rate a closed case; the existing invitation if there is one, None when
    the case is not closed for rating (or has no responsible organisation to answer for it yet)."""
    existing = Invitation.objects.filter(subject_kind=kind, subject_id=subject_id).first()
    if existing is not None:
        return existing
    subject = subject_for(kind)
    case = subject.load(subject_id)
    if case is None or case.status not in subject.closing:
        return None
    responsible = subject.responsible(case)
    if responsible.organisation is None:
        logger.warning("ratings: no responsible organisation for %s %s; not invited yet", kind, subject_id)
        return None
    try:
        # The title holds labels (the filing kind): stored in the portal's language, whoever closed the case.
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            invitation = Invitation.objects.create(
                subject_kind=kind,
                subject_id=subject_id,
                reference=subject.reference(case)[:40],
                title=subject.title(case)[:300],
                outcome=case.status,
                rater_org=subject.rater_org(case),
                responsible_org=responsible.organisation,
                responsible_user=responsible.user,
                closed_at=_closed_at(subject, case),
            )
            InvitationEvent.objects.create(
                invitation=invitation,
                action="invited",
                to_status=_S.INVITED,
                details={"outcome": case.status},
            )
    except IntegrityError:
        # Another worker (the signal, the sweep) invited it first: the unique constraint decided.
        return Invitation.objects.get(subject_kind=kind, subject_id=subject_id)
    tell(
        rater_users(invitation),
        invitation,
        "invited",
        f"invited:{invitation.pk}",
        invitation_link(invitation),
    )
    return invitation


# --- Rating ------------------------------------------------------------------------------------------------


def _scores(values: dict) -> dict[str, int]:
    errors: dict[str, list[str]] = {}
    scores: dict[str, int] = {}
    for name in SCALES:
        try:
            value = int(values.get(name))
        except (TypeError, ValueError):
            value = 0
        if not 1 <= value <= 5:
            errors[name] = [_("Choose one of the five answers.")]
        scores[name] = value
    if errors:
        raise RatingInvalid(_("Answer every question on the five-point scale."), errors)
    return scores


def _parameters(day: date):
    try:
        return parameter_set_for_year(day.year)
    except PolicyYearMissing as missing:
        raise RatingInvalid(
            _(
                "The policy parameters for %(year)s are not in force, so the follow-up deadlines cannot be "
                "set. Please try again later; the portal staff have been told."
            )
            % {"year": day.year}
        ) from missing


def follow_up_due_dates(rated_on: date) -> dict[str, date]:
    """The callback is due within the year's working days (from the day after the rating), the
    rectification within its days, rolled to the next working day when it ends on a day off."""
    parameters = _parameters(rated_on)
    return {
        FollowUpKind.CALLBACK: add_working_days(rated_on, parameters.rating_callback_working_days).due_date,
        FollowUpKind.RECTIFICATION: add_calendar_days_rolled(
            rated_on, parameters.rating_rectification_days
        ).due_date,
    }


def _open_follow_ups(invitation: Invitation, rating: Rating, actor: User) -> list[FollowUp]:
    due = follow_up_due_dates(timezone.localdate(rating.submitted_at))
    follow_ups = []
    for kind in (FollowUpKind.CALLBACK, FollowUpKind.RECTIFICATION):
        follow_up = FollowUp.objects.create(
            invitation=invitation,
            rating=rating,
            kind=kind,
            responsible_org=invitation.responsible_org,
            due_on=due[kind],
        )
        InvitationEvent.objects.create(
            invitation=invitation,
            follow_up=follow_up,
            actor=actor,
            action="follow_up_opened",
            to_status=FollowUpStatus.OPEN,
            details={"kind": kind, "due_on": due[kind].isoformat()},
        )
        follow_ups.append(follow_up)
    return follow_ups


@transaction.atomic
def rating_submit(*, invitation: Invitation, actor: User, values: dict) -> Rating:
    """The rater's rating: the first, or the second once the rectification is done (never a third).

    ``values``: score, timeliness, helpfulness, clarity (1..5) and comment (required for a bad overall
    score: the callback starts from it). A bad first rating opens the callback and the rectification."""
    invitation = locked(invitation)
    party = party_of(actor, invitation)
    if party != RATER:
        raise RatingNotAllowed(_("Only the organisation that was served rates this case."))
    if invitation.status not in (_S.INVITED, _S.REMINDED, _S.REINVITED):
        raise RatingInvalid(
            _("This case is not waiting for a rating (it is “%(status)s”); a case is rated at most twice.")
            % {"status": invitation.get_status_display()}
        )
    scores = _scores(values)
    comment = (values.get("comment") or "").strip()
    bad = scores["score"] <= 2
    if bad and not comment:
        raise RatingInvalid(
            _("Tell us what went wrong so that the responsible party can call you back and fix it."),
            {"comment": [_("Required for a dissatisfied rating.")]},
        )
    attempt = 2 if invitation.status == _S.REINVITED else 1
    now = timezone.now()
    # The partial unique constraint allows one current rating: retire the first before adding the second.
    invitation.ratings.filter(is_current=True).update(is_current=False)
    rating = Rating.objects.create(
        invitation=invitation,
        attempt=attempt,
        comment=comment,
        submitted_by=actor,
        submitted_at=now,
        **scores,
    )
    to = _S.RERATED if attempt == 2 else _S.CALLBACK_DUE if bad else _S.RATED
    move(invitation, party=party, to=to, actor=actor, details={"attempt": attempt, "score": scores["score"]})
    invitation.save(update_fields=["status", "updated_at"])
    if to == _S.CALLBACK_DUE:
        follow_ups = _open_follow_ups(invitation, rating, actor)
        callback = follow_ups[0]
        tell(
            responsible_users(invitation),
            invitation,
            "bad_rating",
            f"bad:{rating.pk}",
            reverse("ratings:follow-up-detail", args=[callback.pk]),
            rating=rating,
            follow_ups=follow_ups,
        )
    return rating


@transaction.atomic
def invitation_decline(*, invitation: Invitation, actor: User, reason: str = "") -> Invitation:
    """The rater chooses not to rate: the invitation closes without a rating."""
    invitation = locked(invitation)
    party = party_of(actor, invitation)
    if party != RATER:
        raise RatingNotAllowed(_("Only the organisation that was served rates this case."))
    move(invitation, party=party, to=_S.CLOSED, actor=actor, reason=(reason or "").strip())
    invitation.save(update_fields=["status", "updated_at"])
    return invitation


# --- Follow-ups -------------------------------------------------------------------------------------------


@transaction.atomic
def follow_up_complete(*, follow_up: FollowUp, actor: User, note: str) -> FollowUp:
    """The responsible organisation records the callback (what the rater said) or the rectification (what
    was fixed). The callback comes first; the rectification, once done, invites the rater to rate again."""
    allowed, message = can_complete_follow_up(actor, follow_up)
    if not allowed:
        raise RatingNotAllowed(message)
    invitation = locked(follow_up.invitation)
    follow_up = FollowUp.objects.select_for_update().get(pk=follow_up.pk)
    note = (note or "").strip()
    if not note:
        raise RatingInvalid(_("Record what was said or done."), {"note": [_("This field is required.")]})
    if FollowUpStatus.DONE not in FOLLOW_UP_TRANSITIONS.get(follow_up.status, {}):
        raise RatingInvalid(_("This task is already done."))
    is_callback = follow_up.kind == FollowUpKind.CALLBACK
    expected = _S.CALLBACK_DUE if is_callback else _S.RECTIFYING
    if invitation.status != expected:
        raise RatingInvalid(
            _("Record the callback first: the rectification follows what the rater said.")
            if invitation.status == _S.CALLBACK_DUE
            else _("This task can no longer be recorded.")
        )
    now = timezone.now()
    InvitationEvent.objects.create(
        invitation=invitation,
        follow_up=follow_up,
        actor=actor,
        action="follow_up_done",
        from_status=follow_up.status,
        to_status=FollowUpStatus.DONE,
        reason=note,
        details={
            "kind": follow_up.kind,
            "due_on": follow_up.due_on.isoformat(),
            "on_time": timezone.localdate(now) <= follow_up.due_on,
        },
    )
    follow_up.status, follow_up.note, follow_up.done_at, follow_up.done_by = (
        FollowUpStatus.DONE,
        note,
        now,
        actor,
    )
    follow_up.save(update_fields=["status", "note", "done_at", "done_by"])
    to = _S.RECTIFYING if is_callback else _S.REINVITED
    move(invitation, party=RESPONSIBLE, to=to, actor=actor, details={"follow_up": follow_up.pk})
    invitation.save(update_fields=["status", "updated_at"])
    if to == _S.REINVITED:
        tell(
            rater_users(invitation),
            invitation,
            "reinvited",
            f"reinvited:{invitation.pk}",
            invitation_link(invitation),
            rectification=note,
        )
    return follow_up


# --- The sweep's moves ------------------------------------------------------------------------------------


def invitation_remind(*, invitation_id: int) -> bool:
    """Remind the rater once: the conditional UPDATE claims the invitation, so two sweeps never both send."""
    with transaction.atomic():
        now = timezone.now()
        claimed = Invitation.objects.filter(pk=invitation_id, status=_S.INVITED, reminded_at=None).update(
            status=_S.REMINDED, reminded_at=now, updated_at=now
        )
        if claimed != 1:
            return False
        if SYSTEM not in INVITATION_TRANSITIONS[_S.INVITED][_S.REMINDED]:  # pragma: no cover - table guard
            raise RatingInvalid("The table no longer lets the portal remind.")
        invitation = Invitation.objects.select_related("rater_org").get(pk=invitation_id)
        InvitationEvent.objects.create(
            invitation=invitation, from_status=_S.INVITED, to_status=_S.REMINDED, action="transition"
        )
        tell(
            rater_users(invitation),
            invitation,
            "reminder",
            f"reminder:{invitation.pk}",
            invitation_link(invitation),
        )
    return True


def follow_up_flag_overdue(*, follow_up_id: int, today: date) -> bool:
    """Tell the responsible organisation once that an open task is past its due date."""
    with transaction.atomic():
        claimed = FollowUp.objects.filter(
            pk=follow_up_id, status=FollowUpStatus.OPEN, due_on__lt=today, overdue_notified_at=None
        ).update(overdue_notified_at=timezone.now())
        if claimed != 1:
            return False
        follow_up = FollowUp.objects.select_related(
            "invitation", "invitation__responsible_org", "invitation__responsible_user"
        ).get(pk=follow_up_id)
        invitation = follow_up.invitation
        InvitationEvent.objects.create(
            invitation=invitation,
            follow_up=follow_up,
            action="overdue",
            details={"kind": follow_up.kind, "due_on": follow_up.due_on.isoformat()},
        )
        tell(
            responsible_users(invitation),
            invitation,
            "overdue",
            f"overdue:{follow_up.pk}",
            reverse("ratings:follow-up-detail", args=[follow_up.pk]),
            follow_up=follow_up,
        )
    return True
