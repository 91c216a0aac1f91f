"""Writes of enrolments and attendance: a person of the audience enrols (one enrolment per person and
programme, never past the programme's places) or withdraws; the organiser marks who attended each course.

Enrolment and the attendance register lock the programme row first: two people taking the last place at the
same moment are served one after the other, and a register saved while the programme closes waits for it
(then is refused: the hours the rule was applied to do not change afterwards)."""

from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.notifications.services import notify
from training.errors import TrainingInvalid, TrainingNotAllowed
from training.models import (
    ENROLMENT_TRANSITIONS,
    SELF,
    Attendance,
    Course,
    Enrolment,
    EnrolmentEvent,
    EnrolmentStatus,
    Programme,
    ProgrammeStatus,
)
from training.permissions import can_enrol, organises

_E = EnrolmentStatus
HOUR = Decimal("0.01")


def enrolment_move(
    enrolment: Enrolment, *, actor: User, to: str, programme: Programme, reason: str = ""
) -> EnrolmentEvent:
    """One move of ``ENROLMENT_TRANSITIONS`` on an enrolment whose programme the caller has locked."""
    allowed = ENROLMENT_TRANSITIONS.get(enrolment.status, {}).get(to)
    if allowed is None:
        raise TrainingInvalid(
            _("An enrolment that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": enrolment.get_status_display(), "to": EnrolmentStatus(to).label}
        )
    if SELF in allowed:
        permitted = actor.pk == enrolment.user_id
    else:
        permitted = actor.role in allowed and organises(actor, programme)
    if not permitted:
        raise TrainingNotAllowed(_("You may not change this enrolment."))
    event = EnrolmentEvent.objects.create(
        enrolment=enrolment, actor=actor, from_status=enrolment.status, to_status=to, reason=reason
    )
    enrolment.status = to
    return event


def _locked_programme(programme: Programme) -> Programme:
    return Programme.objects.select_for_update().select_related("organiser").get(pk=programme.pk)


@transaction.atomic
def enrol(*, programme: Programme, actor: User) -> Enrolment:
    programme = _locked_programme(programme)
    allowed, reason = can_enrol(actor, programme)
    if not allowed:
        raise TrainingNotAllowed(reason)
    if programme.status != ProgrammeStatus.PUBLISHED:
        raise TrainingInvalid(_("This programme is not open for enrolment."))
    existing = Enrolment.objects.select_for_update().filter(programme=programme, user=actor).first()
    if existing is not None and existing.status != _E.WITHDRAWN:
        raise TrainingInvalid(
            _("You are already enrolled in this programme (%(status)s).")
            % {"status": existing.get_status_display()}
        )
    taken = programme.enrolments.filter(status=_E.ENROLLED).count()
    if taken >= programme.capacity:
        raise TrainingInvalid(
            _("This programme is full: all %(capacity)s places are taken.") % {"capacity": programme.capacity}
        )
    if existing is not None:
        enrolment_move(existing, actor=actor, to=_E.ENROLLED, programme=programme)
        existing.organisation = actor.organisation
        existing.save(update_fields=["status", "organisation"])
        enrolment = existing
    else:
        try:
            with transaction.atomic():
                enrolment = Enrolment.objects.create(
                    programme=programme, user=actor, organisation=actor.organisation
                )
        except IntegrityError as error:
            # Only reachable if something enrolled this person without the programme's lock.
            raise TrainingInvalid(_("You are already enrolled in this programme.")) from error
        EnrolmentEvent.objects.create(enrolment=enrolment, actor=actor, to_status=_E.ENROLLED)
    # In the transaction: the notices commit with the change (their e-mails go through the outbox), so a
    # crash after the commit loses none (issue 10, "Nothing lost").
    _tell_enrolled(enrolment, programme)
    return enrolment


def _tell_enrolled(enrolment: Enrolment, programme: Programme) -> None:
    notify(
        recipients=[enrolment.user],
        kind="training.enrolment",
        template="training_enrolled",
        context={"programme": programme},
        link=reverse("training:programme-detail", args=[programme.pk]),
        # A person may withdraw and enrol again: one notice per enrolment event.
        dedupe_key=f"training:enrolled:{enrolment.pk}:{enrolment.events.count()}",
    )


@transaction.atomic
def enrolment_withdraw(*, enrolment: Enrolment, actor: User) -> Enrolment:
    programme = _locked_programme(enrolment.programme)
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if programme.status != ProgrammeStatus.PUBLISHED:
        raise TrainingInvalid(_("The programme is closed: the enrolment can no longer be withdrawn."))
    enrolment_move(enrolment, actor=actor, to=_E.WITHDRAWN, programme=programme)
    enrolment.save(update_fields=["status"])
    return enrolment


@transaction.atomic
def attendance_save(*, course: Course, actor: User, present: set[int]) -> int:
    """Save a course's register in one go: the enrolled people whose enrolment ids are in ``present``
    attended, every other enrolled person did not. Returns how many attended."""
    programme = _locked_programme(course.programme)
    if not organises(actor, programme):
        raise TrainingNotAllowed(_("Only the organiser's own staff mark attendance."))
    if programme.status != ProgrammeStatus.PUBLISHED:
        raise TrainingInvalid(
            _("Attendance is marked while the programme is published (not draft or closed).")
        )
    enrolled = set(programme.enrolments.filter(status=_E.ENROLLED).values_list("pk", flat=True))
    unknown = present - enrolled
    if unknown:
        raise TrainingInvalid(
            _("The register lists people who are not enrolled: reload the page and try again.")
        )
    existing = {
        row.enrolment_id: row for row in Attendance.objects.filter(course=course, enrolment_id__in=enrolled)
    }
    for enrolment_id in sorted(enrolled):
        row = existing.get(enrolment_id)
        mark = enrolment_id in present
        if row is None:
            Attendance.objects.create(course=course, enrolment_id=enrolment_id, present=mark, marked_by=actor)
        elif row.present != mark:
            row.present = mark
            row.marked_by = actor
            row.save(update_fields=["present", "marked_by", "marked_at"])
    return len(present)


def hours_attended_by_enrolment(programme: Programme) -> dict[int, Decimal]:
    rows = (
        Attendance.objects.filter(course__programme=programme, present=True)
        .values("enrolment")
        .annotate(hours=Sum("course__hours"))
    )
    # SQLite sums decimals as floats (7.99 comes back as 7.99000000000000): back to the fen-hour exactly.
    return {row["enrolment"]: Decimal(row["hours"]).quantize(HOUR, ROUND_HALF_UP) for row in rows}
