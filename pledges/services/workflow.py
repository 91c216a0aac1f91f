"""Moves of a registration case through ``TRANSITIONS``, commissioner assignment, and case numbers.

Every write here locks the case row, re-checks the move against the table and the actor's party role,
writes a ``RegistrationEvent`` in the same transaction, and leaves mail to after the commit (notify
queues it through ``portal.outbox.enqueue``; the inbox rows and the queued mail roll back with the move).
"""

import json
import re
from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from pledges.errors import (
    PledgeValidationError,
    ReassignmentNotAllowed,
    TransitionDetailsInvalid,
    TransitionNotAllowed,
)
from pledges.models import (
    ENTERPRISE_ROLES,
    OPEN_STATUSES,
    PLEDGEE_ROLES,
    SYSTEM,
    TRANSITIONS,
    PledgeRegistration,
    ReferenceCounter,
    RefusalReason,
    RegistrationEvent,
    RegistrationKind,
    Status,
)
from pledges.permissions import can_reassign_registration, can_transition_registration
from pledges.services.sla import case_link, clock_start, reminders_discard_pending
from portal.accounts.models import Membership, OrgKind, Role
from portal.notifications.services import notify

User = get_user_model()

REFERENCE_PREFIX = "ZY"
_REFERENCE_RE = re.compile(rf"^{REFERENCE_PREFIX}-(\d{{4}})-(\d+)$")

# A registered change or extension leaves the original standing as changed; a cancellation ends it.
_ORIGINAL_OUTCOME = {
    RegistrationKind.CHANGE: Status.CHANGED,
    RegistrationKind.EXTENSION: Status.CHANGED,
    RegistrationKind.CANCELLATION: Status.CANCELLED,
}

_NOTICE_NUMBER_MAX = PledgeRegistration._meta.get_field("notice_number").max_length


# ---------------------------------------------------------------------------------------------------
# Case numbers


def next_reference(*, year: int) -> str:
    """The next case number of ``year``, e.g. "ZY-2026-000123"; call it just before inserting the case.

    The year's counter row is locked (select_for_update) while the number is drawn, so concurrent
    filings never get the same number. Inside the caller's transaction the lock holds until it commits,
    and a rolled-back filing gives its number back; outside one, a number may be skipped but never
    reused. The first number of a year continues after any case number already stored for that year.
    """
    with transaction.atomic():
        counter = ReferenceCounter.objects.select_for_update().filter(year=year).first()
        if counter is None:
            try:
                # A savepoint: losing the race to create the row must not break the caller's transaction.
                with transaction.atomic():
                    ReferenceCounter.objects.create(year=year, last=_highest_stored_sequence(year))
            except IntegrityError:
                pass
            counter = ReferenceCounter.objects.select_for_update().get(year=year)
        counter.last += 1
        counter.save(update_fields=["last"])
    return f"{REFERENCE_PREFIX}-{year:04d}-{counter.last:06d}"


def _highest_stored_sequence(year: int) -> int:
    references = PledgeRegistration.objects.filter(
        reference__startswith=f"{REFERENCE_PREFIX}-{year:04d}-"
    ).values_list("reference", flat=True)
    numbers = [int(match.group(2)) for ref in references if (match := _REFERENCE_RE.match(ref))]
    return max(numbers, default=0)


# ---------------------------------------------------------------------------------------------------
# Who is told


def _members(organisation_id: int, roles: Iterable[str]) -> QuerySet:
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.filter(
            organisation_id=organisation_id, role__in=list(roles), is_active=True
        ).values("user_id"),
    ).order_by("pk")


def party_users(registration: PledgeRegistration) -> list:
    """The pledgor's enterprise users and the pledgee organisation's officers on this case."""
    return [
        *_members(registration.pledgor_id, ENTERPRISE_ROLES),
        *_members(registration.pledgee_id, PLEDGEE_ROLES),
    ]


def _details_json(details: dict | None) -> dict:
    # Dates and Decimals in details are stored as the strings the API shows.
    return json.loads(json.dumps(details or {}, cls=DjangoJSONEncoder))


# Plain-language subjects, one per status reached (issue 3: the parties follow a case without a call).
def _subject(to: str) -> str:
    subjects = {
        Status.DRAFT: _("Pledge registration %(reference)s was returned to draft"),
        Status.AWAITING_PLEDGEE: _(
            "Pledge registration %(reference)s is waiting for the pledgee's confirmation"
        ),
        Status.SUBMITTED: _("Your pledge registration %(reference)s was submitted"),
        Status.PRECHECK: _("Your pledge registration %(reference)s is being pre-checked"),
        Status.NEEDS_CORRECTION: _("Your pledge registration %(reference)s needs a correction"),
        Status.CORRECTED: _("Pledge registration %(reference)s was corrected"),
        Status.ACCEPTED: _("Your pledge registration %(reference)s was accepted"),
        Status.UNDER_REVIEW: _("Your pledge registration %(reference)s is under review"),
        Status.REGISTERED: _("Your pledge registration %(reference)s was registered"),
        Status.REFUSED: _("Your pledge registration %(reference)s was refused"),
        Status.CHANGED: _("Pledge registration %(reference)s was changed"),
        Status.CANCELLED: _("Pledge registration %(reference)s was cancelled"),
        Status.WITHDRAWN: _("Pledge registration %(reference)s was withdrawn"),
    }
    return subjects[to]


def _body(registration: PledgeRegistration, reason: str) -> str:
    values = {
        "reference": registration.reference,
        "status": registration.get_status_display(),
        "pledgor": registration.pledgor.name,
        "pledgee": registration.pledgee.name,
    }
    lines = [_("Case %(reference)s (pledgor %(pledgor)s, pledgee %(pledgee)s) is now: %(status)s.") % values]
    if reason:
        lines.append(_("Reason: %(reason)s") % {"reason": reason})
    if registration.status == Status.ACCEPTED and registration.due_date:
        lines.append(_("It is due to be completed by %(due)s.") % {"due": registration.due_date.isoformat()})
        if registration.due_provisional:
            lines.append(
                _("This date is provisional: the holiday calendar of its year has not been published yet.")
            )
    if registration.status == Status.REGISTERED:
        lines.append(
            _("Registration notice %(number)s, registered on %(day)s.")
            % {"number": registration.notice_number, "day": registration.registered_on.isoformat()}
        )
    if registration.status == Status.REFUSED:
        labels = [str(RefusalReason(code).label) for code in registration.refusal_reasons]
        lines.append(_("Grounds for refusal: %(grounds)s.") % {"grounds": "; ".join(labels)})
    if registration.status == Status.AWAITING_PLEDGEE:
        lines.append(_("The pledgee confirms the filing in the portal, or sends it back with a reason."))
    if registration.status == Status.NEEDS_CORRECTION:
        lines.append(
            _("Open the case to see what to correct; the service time starts again once it is cured.")
        )
    if registration.commissioner_id and registration.status in OPEN_STATUSES:
        lines.append(_("Your service commissioner: %(name)s.") % {"name": registration.commissioner})
    return "\n".join(lines)


def _notify_move(registration: PledgeRegistration, *, actor, from_status: str, reason: str) -> None:
    recipients = party_users(registration)
    # The commissioner hears of the moves the parties (or the portal) make; their own they know.
    # A submission tells the commissioner through the assignment notice instead.
    commissioner_told = registration.commissioner_id and registration.status != Status.SUBMITTED
    if commissioner_told:
        recipients.append(registration.commissioner)
    if actor is not None:
        recipients = [user for user in recipients if user.pk != actor.pk]
    if not recipients:
        return
    with translation.override(settings.LANGUAGE_CODE):
        subject = _subject(registration.status) % {"reference": registration.reference}
        body = _body(registration, reason)
    notify(
        recipients=recipients,
        kind=f"pledges.registration.{registration.status}",
        template="notice",
        context={"subject": subject, "body": body},
        link=case_link(registration),
    )


def _notify_assigned(registrations: list[PledgeRegistration], commissioner, *, reason: str = "") -> None:
    if not registrations:
        return
    references = ", ".join(registration.reference for registration in registrations)
    with translation.override(settings.LANGUAGE_CODE):
        if len(registrations) == 1:
            subject = _("Case %(reference)s was assigned to you") % {"reference": references}
        else:
            subject = _("%(count)d cases were assigned to you") % {"count": len(registrations)}
        body = _("Assigned to you: %(references)s.") % {"references": references}
        if reason:
            body += "\n" + _("Reason: %(reason)s") % {"reason": reason}
    notify(
        recipients=[commissioner],
        kind="pledges.registration.assigned",
        template="notice",
        context={"subject": subject, "body": body},
        link=case_link(registrations[0]) if len(registrations) == 1 else "",
    )


# ---------------------------------------------------------------------------------------------------
# Assignment


def active_commissioners() -> QuerySet:
    """Active users holding an active commissioner membership of an active registration office."""
    return User.objects.filter(
        is_active=True,
        pk__in=Membership.objects.filter(
            is_active=True,
            role=Role.COMMISSIONER,
            organisation__kind=OrgKind.REGISTRATION_OFFICE,
            organisation__is_active=True,
        ).values("user_id"),
    )


def registration_assign_auto(*, registration: PledgeRegistration, actor=None):
    """Give the case to the commissioner with the fewest open cases (ties: the lowest id); returns the
    commissioner, or None when the office has none (the supervisor then assigns by hand).

    Call with the case row locked (the workflow does). Two cases submitted at the same instant may both
    go to the same commissioner; the next submissions even it out.
    """
    commissioner = (
        active_commissioners()
        .annotate(
            open_cases=Count(
                "registrations_commissioned",
                filter=Q(registrations_commissioned__status__in=OPEN_STATUSES),
            )
        )
        .order_by("open_cases", "pk")
        .first()
    )
    if commissioner is None:
        return None
    _assign(registration, commissioner, actor=actor)
    _notify_assigned([registration], commissioner)
    return commissioner


def registration_reassign(
    *, registrations: Iterable, commissioner, actor, reason: str = ""
) -> list[PledgeRegistration]:
    """Hand one or many open cases to another commissioner (supervisor only).

    The clock, the due date and the reminders owed stay as they are: a reassignment is the office's own
    business and must not give a case more time (issue 3). Cases already with that commissioner are left
    alone. Returns the cases reassigned.
    """
    allowed, message = can_reassign_registration(actor)
    if not allowed:
        raise ReassignmentNotAllowed(message)
    ids = sorted({getattr(item, "pk", item) for item in registrations})
    if not ids:
        raise PledgeValidationError(
            _("Choose at least one case to reassign."),
            errors={"registrations": [_("Choose at least one case.")]},
        )
    if commissioner is None or not active_commissioners().filter(pk=commissioner.pk).exists():
        message = _("Cases can only be given to an active service commissioner of the registration office.")
        raise PledgeValidationError(message, errors={"commissioner": [message]})
    reason = (reason or "").strip()
    with transaction.atomic():
        # Locked in id order, so two supervisors reassigning overlapping sets cannot deadlock.
        locked = list(
            PledgeRegistration.objects.select_for_update(of=("self",))
            .select_related("commissioner")
            .filter(pk__in=ids)
            .order_by("pk")
        )
        missing = set(ids) - {registration.pk for registration in locked}
        closed = [
            registration.reference for registration in locked if registration.status not in OPEN_STATUSES
        ]
        if missing or closed:
            message = _("Only open cases can be reassigned: %(cases)s.") % {
                "cases": ", ".join([*closed, *(str(pk) for pk in sorted(missing))])
            }
            raise PledgeValidationError(message, errors={"registrations": [message]})
        moved: list[PledgeRegistration] = []
        now = timezone.now()
        by_previous: dict = {}
        for registration in locked:
            previous = registration.commissioner
            if previous is not None and previous.pk == commissioner.pk:
                continue
            registration.commissioner = commissioner
            registration.assigned_at = now
            registration.save(update_fields=["commissioner", "assigned_at", "updated_at"])
            RegistrationEvent.objects.create(
                registration=registration,
                actor=actor,
                from_status=registration.status,
                to_status=registration.status,
                action="reassign",
                reason=reason,
                details={
                    "old_commissioner": previous.pk if previous else None,
                    "old_commissioner_name": str(previous) if previous else "",
                    "new_commissioner": commissioner.pk,
                    "new_commissioner_name": str(commissioner),
                },
            )
            moved.append(registration)
            if previous is not None:
                by_previous.setdefault(previous, []).append(registration)
        _notify_assigned(moved, commissioner, reason=reason)
        for previous, cases in by_previous.items():
            with translation.override(settings.LANGUAGE_CODE):
                references = ", ".join(case.reference for case in cases)
                subject = _("Cases reassigned to %(name)s") % {"name": commissioner}
                body = _("These cases are now with %(name)s: %(references)s.") % {
                    "name": commissioner,
                    "references": references,
                }
            notify(
                recipients=[previous],
                kind="pledges.registration.unassigned",
                template="notice",
                context={"subject": subject, "body": body},
            )
    return moved


# ---------------------------------------------------------------------------------------------------
# Moves


def _refuse(registration: PledgeRegistration, to: str, actor) -> None:
    allowed_roles = TRANSITIONS.get(registration.status, {})
    if actor is None:
        if SYSTEM not in allowed_roles.get(to, frozenset()):
            raise TransitionNotAllowed(
                _("The portal cannot move a case that is %(status)s to %(to)s by itself.")
                % {"status": registration.get_status_display(), "to": _status_label(to)}
            )
        return
    allowed, message = can_transition_registration(actor, registration, to)
    if not allowed:
        listed = to in allowed_roles
        if not listed:
            message = _("A case that is %(status)s cannot move to %(to)s.") % {
                "status": registration.get_status_display(),
                "to": _status_label(to),
            }
        raise TransitionNotAllowed(message, forbidden=listed)


def _status_label(value: str) -> str:
    try:
        return str(Status(value).label)
    except ValueError:
        return str(value)


def _registered_details(registration: PledgeRegistration, details: dict) -> tuple[str, date]:
    errors: dict[str, list[str]] = {}
    notice_number = str(details.get("notice_number") or "").strip()
    if not notice_number:
        errors["notice_number"] = [_("Enter the number of the registration notice.")]
    elif len(notice_number) > _NOTICE_NUMBER_MAX:
        errors["notice_number"] = [
            _("The notice number can have at most %(max)d characters.") % {"max": _NOTICE_NUMBER_MAX}
        ]
    today = timezone.localdate()
    registered_on = details.get("registered_on") or today
    if isinstance(registered_on, datetime):
        registered_on = (
            timezone.localdate(registered_on) if timezone.is_aware(registered_on) else registered_on.date()
        )
    elif isinstance(registered_on, str):
        try:
            registered_on = parse_date(registered_on)
        except ValueError:
            registered_on = None
    if not isinstance(registered_on, date):
        errors["registered_on"] = [_("Enter the registration date as YYYY-MM-DD.")]
    elif registered_on > today:
        errors["registered_on"] = [_("The registration date cannot be in the future.")]
    elif registration.clock_started_on and registered_on < registration.clock_started_on:
        errors["registered_on"] = [
            _("The registration date cannot be before the case was accepted (%(day)s).")
            % {"day": registration.clock_started_on.isoformat()}
        ]
    if errors:
        raise TransitionDetailsInvalid(_("The registration cannot be recorded as given."), errors=errors)
    return notice_number, registered_on


def _refusal_reasons(details: dict) -> list[str]:
    codes = details.get("refusal_reasons")
    if isinstance(codes, str):
        codes = [codes]
    valid = set(RefusalReason.values)
    if not isinstance(codes, list | tuple) or not codes:
        message = _("Choose at least one ground for refusal.")
    elif unknown := [str(code) for code in codes if not (isinstance(code, str) and code in valid)]:
        message = _("Unknown grounds for refusal: %(codes)s.") % {"codes": ", ".join(unknown)}
    else:
        return list(dict.fromkeys(str(code) for code in codes))
    raise TransitionDetailsInvalid(message, errors={"refusal_reasons": [message]})


def _cure_date(registration: PledgeRegistration) -> date:
    cured = (
        registration.events.filter(action="transition", to_status=Status.CORRECTED)
        .order_by("-at", "-id")
        .values_list("at", flat=True)
        .first()
    )
    return timezone.localdate(cured) if cured else timezone.localdate()


def _apply_side_effects(registration: PledgeRegistration, *, from_status: str, details: dict) -> dict:
    """Apply what reaching the new status means; returns facts for the event's details."""
    to = registration.status
    today = timezone.localdate()
    facts: dict = {}
    if to == Status.SUBMITTED:
        registration.submitted_at = timezone.now()
    elif to == Status.ACCEPTED:
        # domain.md §2.1.1 [V-5]: after a defect, the clock starts only when it is fully cured.
        started_on = _cure_date(registration) if from_status == Status.CORRECTED else today
        clock_start(registration=registration, started_on=started_on)
        facts = {
            "clock_started_on": started_on.isoformat(),
            "due_date": registration.due_date.isoformat(),
            "due_provisional": registration.due_provisional,
        }
    elif to == Status.NEEDS_CORRECTION and from_status in (Status.ACCEPTED, Status.UNDER_REVIEW):
        # The clock stops: the sweep reminds only cases whose clock runs. Its rows are kept, so a cure on
        # the same day resumes that very clock.
        facts = {"clock_stopped": str(registration.clock_started_on or "")}
    elif to == Status.REGISTERED:
        notice_number, registered_on = _registered_details(registration, details)
        registration.notice_number = notice_number
        registration.registered_on = registered_on
        registration.completed_on = registered_on
        registration.breached = (
            registration.completed_on > registration.due_date if registration.due_date else None
        )
        facts = {"registered_on": registered_on.isoformat(), "breached": registration.breached}
    elif to == Status.REFUSED:
        registration.refusal_reasons = _refusal_reasons(details)
        registration.completed_on = today
        registration.breached = today > registration.due_date if registration.due_date else None
        facts = {"breached": registration.breached}
    if from_status in OPEN_STATUSES and to not in OPEN_STATUSES:
        reminders_discard_pending(registration=registration)
    return facts


def registration_transition(
    *, registration: PledgeRegistration, to: str, actor, reason: str = "", details: dict | None = None
) -> PledgeRegistration:
    """Move the case to ``to`` if the table lists the move and ``actor`` is the right party for it.

    ``actor=None`` is the portal itself, allowed only for the moves the table lists for SYSTEM. Details
    a move needs: REGISTERED {"notice_number": str, "registered_on": date or "YYYY-MM-DD" (default
    today)}; REFUSED {"refusal_reasons": [RefusalReason codes]}. Other details (e.g. the items a
    correction asks for) are stored on the event as given.

    Raises TransitionNotAllowed (``forbidden`` when the move exists but not for this actor),
    TransitionDetailsInvalid (missing or bad details), ServiceTimeUnavailable (acceptance without a
    service time in force). Returns the updated case.
    """
    details = details or {}
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = (
            PledgeRegistration.objects.select_for_update(of=("self",))
            .select_related("pledgor", "pledgee", "commissioner", "original")
            .get(pk=registration.pk)
        )
        _refuse(locked, to, actor)
        from_status = locked.status
        locked.status = to
        facts = _apply_side_effects(locked, from_status=from_status, details=details)
        locked.save()
        RegistrationEvent.objects.create(
            registration=locked,
            actor=actor,
            from_status=from_status,
            to_status=to,
            action="transition",
            reason=reason,
            details=_details_json({**details, **facts}),
        )
        if to == Status.SUBMITTED and locked.commissioner_id is None:
            # A window filing entered by a commissioner stays with that commissioner.
            if actor is not None and actor.role == Role.COMMISSIONER:
                _assign(locked, actor, actor=actor)
                locked.commissioner = actor
            else:
                registration_assign_auto(registration=locked, actor=actor)
        _notify_move(locked, actor=actor, from_status=from_status, reason=reason)
        if to == Status.REGISTERED and locked.original_id and locked.kind in _ORIGINAL_OUTCOME:
            registration_transition(
                registration=locked.original,
                to=_ORIGINAL_OUTCOME[locked.kind],
                actor=None,
                reason=_("%(kind)s %(reference)s registered")
                % {"kind": locked.get_kind_display(), "reference": locked.reference},
                details={"follow_up": locked.pk, "follow_up_reference": locked.reference},
            )
    return locked


def _assign(registration: PledgeRegistration, commissioner, *, actor) -> None:
    registration.commissioner = commissioner
    registration.assigned_at = timezone.now()
    registration.save(update_fields=["commissioner", "assigned_at", "updated_at"])
    RegistrationEvent.objects.create(
        registration=registration,
        actor=actor,
        from_status=registration.status,
        to_status=registration.status,
        action="assign",
        details={"commissioner": commissioner.pk, "commissioner_name": str(commissioner)},
    )
