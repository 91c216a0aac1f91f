"""Writes of coaching before the loan (贷前有辅导): an enterprise asks, the promotion centre assigns a
coach (a service commissioner or an IP agency's officer), the coach records sessions and their advice,
and the request ends closed or cancelled.

Every status move goes through ``coaching_transition``: it locks the request row, re-checks the move
against ``COACHING_TRANSITIONS`` and the actor's part in this request, and writes a ``CoachingEvent`` and
an audit row in the same transaction. Notices follow the pledges workflow: the inbox rows are written in
that transaction (they roll back with the move) and the mails leave only after the commit; each notice
has a dedupe key, so a retried call tells nobody twice.
"""

import re
from datetime import date, datetime

from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from loans.errors import LoanConflict, LoanNotAllowed, LoanValidationError
from loans.models import (
    COACH_ROLES,
    COACHING_TRANSITIONS,
    ENTERPRISE_ROLES,
    PROMOTION_ROLES,
    CaseOrigin,
    CoachingEvent,
    CoachingRequest,
    CoachingSession,
    CoachingStatus,
    CoachingTopic,
    SessionMode,
)
from loans.permissions import can_request_coaching, can_transition_coaching, coaching_roles_on
from loans.selectors import coach_choices
from loans.services.cases import case_for
from portal.accounts.models import Membership, OrgKind, User
from portal.audit.services import audit_record
from portal.notifications.services import notify

TEXT_MAX = 4000
REASON_MAX = 2000
_PHONE_MAX = CoachingRequest._meta.get_field("contact_phone").max_length
PHONE_PATTERN = r"^[0-9+\-() ]+$"
_PHONE_RE = re.compile(PHONE_PATTERN)
_OBJECT_TYPE = "loans.coachingrequest"


# ---------------------------------------------------------------------------------------------------
# Who is told


def _members(roles, **organisation) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.filter(
            role__in=list(roles), is_active=True, organisation__is_active=True, **organisation
        ).values("user_id"),
    ).order_by("pk")


def _enterprise_users(request: CoachingRequest, *, actor=None) -> list[User]:
    users = _members(ENTERPRISE_ROLES, organisation_id=request.enterprise_id)
    return [user for user in users if actor is None or user.pk != actor.pk]


def _promotion_centre() -> QuerySet[User]:
    return _members(PROMOTION_ROLES, organisation__kind=OrgKind.IP_BUREAU)


def _link(request: CoachingRequest) -> str:
    return reverse("loans:coaching_detail", args=[request.pk])


def _notify(recipients, *, request: CoachingRequest, what: str, key: str, **context) -> None:
    notify(
        recipients=recipients,
        kind=f"loans.coaching.{what}",
        template=f"loans_coaching_{what}",
        context={"coaching": request, "enterprise": request.enterprise.name, **context},
        link=_link(request),
        dedupe_key=f"coaching:{request.pk}:{key}",
    )


# ---------------------------------------------------------------------------------------------------
# Checks of the input


def _text(value, *, field: str, required: bool, limit: int, errors: dict) -> str:
    text = (value or "").strip()
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("At most %(max)d characters.") % {"max": limit}]
    return text


def _raise_if(errors: dict, message: str) -> None:
    if errors:
        raise LoanValidationError(message, errors=errors)


def _as_date(value) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return parse_date(value.strip())
        except ValueError:
            return None
    return None


def _valid_coach(coach, previous) -> User:
    """The coach as chosen, with ``coach_organisation``; a 400 when they cannot coach."""
    chosen = coach_choices().filter(pk=coach.pk).first() if isinstance(coach, User) else None
    if chosen is None:
        message = _(
            "Choose an active service commissioner of the registration office or an officer of an IP agency."
        )
        raise LoanValidationError(message, errors={"coach": [message]})
    if previous is not None and previous.pk == chosen.pk:
        message = _("%(name)s already coaches this enterprise; choose another coach to hand it over.") % {
            "name": chosen
        }
        raise LoanValidationError(message, errors={"coach": [message]})
    return chosen


# ---------------------------------------------------------------------------------------------------
# Writes


@transaction.atomic
def coaching_request_create(
    *, enterprise, topic: str, message: str, contact_phone: str = "", actor
) -> CoachingRequest:
    """A new request of ``enterprise``, made by one of its users; the promotion centre is told."""
    allowed, reason = can_request_coaching(actor)
    if not allowed or enterprise is None or actor.organisation.pk != enterprise.pk:
        raise LoanNotAllowed(reason or _("You may ask for coaching only for your own enterprise."))
    errors: dict[str, list[str]] = {}
    if topic not in CoachingTopic.values:
        errors["topic"] = [_("Choose a topic from the list.")]
    message = _text(message, field="message", required=True, limit=TEXT_MAX, errors=errors)
    contact_phone = _text(
        contact_phone, field="contact_phone", required=False, limit=_PHONE_MAX, errors=errors
    )
    if contact_phone and "contact_phone" not in errors and not _PHONE_RE.match(contact_phone):
        errors["contact_phone"] = [_("Enter a phone number: digits, spaces, +, - and brackets.")]
    _raise_if(errors, _("The coaching request cannot be saved as given."))
    request = CoachingRequest.objects.create(
        case=case_for(enterprise_id=enterprise.pk, origin=CaseOrigin.COACHING, actor=actor),
        enterprise=enterprise,
        topic=topic,
        message=message,
        contact_phone=contact_phone,
        status=CoachingStatus.REQUESTED,
        requested_by=actor,
    )
    CoachingEvent.objects.create(
        request=request, actor=actor, from_status="", to_status=CoachingStatus.REQUESTED
    )
    audit_record(
        action="loans.coaching.request",
        actor=actor,
        object_type=_OBJECT_TYPE,
        object_id=request.pk,
        details={"enterprise": enterprise.pk, "topic": topic},
    )
    _notify(_promotion_centre(), request=request, what="requested", key="requested")
    return request


def _notify_move(request: CoachingRequest, event: CoachingEvent, *, actor, coach, previous) -> None:
    to = event.to_status
    if to == CoachingStatus.ASSIGNED:
        context = {"coach": coach, "coach_organisation": getattr(coach, "coach_organisation", "")}
        _notify([coach], request=request, what="assigned", key=f"assigned:{event.pk}", **context)
        _notify(
            _enterprise_users(request, actor=actor),
            request=request,
            what="coach_named",
            key=f"coach-named:{event.pk}",
            **context,
        )
        if previous is not None:
            _notify([previous], request=request, what="handed_over", key=f"handed-over:{event.pk}", **context)
    elif to == CoachingStatus.CLOSED:
        _notify(
            _enterprise_users(request, actor=actor),
            request=request,
            what="closed",
            key="closed",
            reason=event.reason,
        )
    elif to == CoachingStatus.CANCELLED:
        recipients = _enterprise_users(request, actor=actor)
        if request.coach is not None and request.coach.pk != actor.pk:
            recipients.append(request.coach)
        _notify(recipients, request=request, what="cancelled", key="cancelled", reason=event.reason)


def coaching_transition(
    *, request: CoachingRequest, to: str, actor, reason: str = "", coach=None
) -> CoachingRequest:
    """Move ``request`` to ``to`` if the table lists the move and ``actor`` takes that part in it: the
    promotion centre assigns (``coach`` required; assigning again hands it to another coach), the
    assigned coach or the promotion centre closes, the enterprise or the promotion centre cancels.

    Raises LoanConflict (409: the move is not in the table), LoanNotAllowed (403: listed, but not for
    this actor) or LoanValidationError (400: no valid coach, a coach given for another move, a reason
    too long). Returns the updated request.
    """
    reason = (reason or "").strip()
    with transaction.atomic():
        # of=self: the coach is a nullable join, which PostgreSQL will not lock.
        locked = (
            CoachingRequest.objects.select_for_update(of=("self",))
            .select_related("enterprise", "coach")
            .get(pk=request.pk)
        )
        allowed, message = can_transition_coaching(actor, locked, to)
        if not allowed:
            if to in COACHING_TRANSITIONS.get(locked.status, {}):
                raise LoanNotAllowed(message)
            raise LoanConflict(message, code="transition_not_allowed")
        errors: dict[str, list[str]] = {}
        reason = _text(reason, field="reason", required=False, limit=REASON_MAX, errors=errors)
        _raise_if(errors, _("The step cannot be recorded as given."))
        from_status, previous = locked.status, locked.coach
        details: dict = {}
        now = timezone.now()
        update = ["status"]
        if to == CoachingStatus.ASSIGNED:
            coach = _valid_coach(coach, previous)
            locked.coach, locked.assigned_at = coach, now
            update += ["coach", "assigned_at"]
            details = {
                "coach": coach.pk,
                "coach_name": str(coach),
                "coach_organisation": coach.coach_organisation or "",
                "previous_coach": previous.pk if previous else None,
                "previous_coach_name": str(previous) if previous else "",
            }
        elif coach is not None:
            message = _("A coach is chosen only when the request is assigned.")
            raise LoanValidationError(message, errors={"coach": [message]})
        if to in (CoachingStatus.CLOSED, CoachingStatus.CANCELLED):
            locked.closed_at = now
            update.append("closed_at")
        locked.status = to
        locked.save(update_fields=update)
        event = CoachingEvent.objects.create(
            request=locked,
            actor=actor,
            from_status=from_status,
            to_status=to,
            action="transition",
            reason=reason,
            details=details,
        )
        audit_record(
            action="loans.coaching.transition",
            actor=actor,
            object_type=_OBJECT_TYPE,
            object_id=locked.pk,
            details={"from": from_status, "to": to, **({"coach": coach.pk} if details else {})},
        )
        _notify_move(
            locked,
            event,
            actor=actor,
            coach=coach if details else None,
            previous=previous if from_status == CoachingStatus.ASSIGNED and details else None,
        )
    return locked


def coaching_session_record(
    *, request: CoachingRequest, held_on, mode: str, advice: str, next_steps: str = "", actor
) -> CoachingSession:
    """Record a session held and the advice given, by the assigned coach or the promotion centre while a
    coach is assigned; ``held_on`` is a Beijing date, not after today nor before the request was made.
    The enterprise's users are told.

    Raises LoanNotAllowed (403: not the coach nor the promotion centre), LoanConflict (409: no coach
    assigned now) or LoanValidationError (400)."""
    with transaction.atomic():
        locked = (
            CoachingRequest.objects.select_for_update(of=("self",))
            .select_related("enterprise", "coach")
            .get(pk=request.pk)
        )
        if not coaching_roles_on(actor, locked) & (COACH_ROLES | PROMOTION_ROLES):
            raise LoanNotAllowed(_("Only the assigned coach or the promotion centre may record a session."))
        if locked.status != CoachingStatus.ASSIGNED:
            raise LoanConflict(
                _("Sessions are recorded only while a coach is assigned; this request is %(status)s.")
                % {"status": locked.get_status_display()},
                code="not_assigned",
            )
        errors: dict[str, list[str]] = {}
        day = _as_date(held_on)
        today = timezone.localdate()
        asked_on = timezone.localdate(locked.created_at)
        if day is None:
            errors["held_on"] = [_("Enter the date as YYYY-MM-DD.")]
        elif day > today:
            errors["held_on"] = [_("A session cannot be recorded before it is held.")]
        elif day < asked_on:
            errors["held_on"] = [
                _("The session cannot be before the request was made (%(day)s).")
                % {"day": asked_on.isoformat()}
            ]
        if mode not in SessionMode.values:
            errors["mode"] = [_("Choose how the session was held.")]
        advice = _text(advice, field="advice", required=True, limit=TEXT_MAX, errors=errors)
        next_steps = _text(next_steps, field="next_steps", required=False, limit=TEXT_MAX, errors=errors)
        _raise_if(errors, _("The session cannot be recorded as given."))
        session = CoachingSession.objects.create(
            request=locked, held_on=day, mode=mode, advice=advice, next_steps=next_steps, recorded_by=actor
        )
        CoachingEvent.objects.create(
            request=locked,
            actor=actor,
            action="session",
            details={"session": session.pk, "held_on": day.isoformat(), "mode": mode},
        )
        audit_record(
            action="loans.coaching.session",
            actor=actor,
            object_type=_OBJECT_TYPE,
            object_id=locked.pk,
            details={"session": session.pk, "held_on": day, "mode": mode},
        )
        _notify(
            _enterprise_users(locked, actor=actor),
            request=locked,
            what="session",
            key=f"session:{session.pk}",
            session=session,
        )
    return session
