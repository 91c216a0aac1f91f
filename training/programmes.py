"""Writes of programmes and their courses: create and edit (by the organiser's organisation), publish, and
close (which completes or fails every enrolled person and issues the certificates).

Every state change goes through ``PROGRAMME_TRANSITIONS`` on a locked row and writes a ``ProgrammeEvent``;
mails go out after the commit."""

from decimal import Decimal

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User
from portal.notifications.services import notify
from training.calculations import completes
from training.certificates import certificate_issue
from training.enrolments import enrolment_move, hours_attended_by_enrolment
from training.errors import TrainingInvalid, TrainingNotAllowed
from training.models import (
    EDITABLE_PROGRAMME_STATUSES,
    PROGRAMME_TRANSITIONS,
    Course,
    Enrolment,
    EnrolmentStatus,
    Programme,
    ProgrammeEvent,
    ProgrammeStatus,
)
from training.permissions import is_organiser, organises

PROGRAMME_FIELDS = ("title", "audience", "description", "year", "capacity", "completion_hours_share")
ZERO = Decimal("0.00")
COURSE_FIELDS = ("title", "teacher", "starts_at", "ends_at", "place", "online_link", "hours", "capacity")


def _organiser_only(actor: User, programme: Programme | None = None) -> None:
    if not is_organiser(actor):
        raise TrainingNotAllowed(
            _("Only the promotion centre and park administrations organise training programmes.")
        )
    if programme is not None and not organises(actor, programme):
        raise TrainingNotAllowed(_("Only the organiser's own staff may change this programme."))


def _locked(programme: Programme) -> Programme:
    return Programme.objects.select_for_update().select_related("organiser").get(pk=programme.pk)


def _editable(programme: Programme) -> None:
    if programme.status not in EDITABLE_PROGRAMME_STATUSES:
        raise TrainingInvalid(_("A closed programme can no longer be changed."))


def available_transitions(programme: Programme, user: User) -> list[str]:
    """The moves the user may make now: what the organiser page draws buttons for."""
    if not organises(user, programme):
        return []
    return [to for to, roles in PROGRAMME_TRANSITIONS.get(programme.status, {}).items() if user.role in roles]


def programme_transition(*, programme: Programme, to: str, actor: User, reason: str = "") -> ProgrammeEvent:
    """One move of ``PROGRAMME_TRANSITIONS`` on a programme the caller has locked, with its event."""
    allowed = PROGRAMME_TRANSITIONS.get(programme.status, {}).get(to)
    if allowed is None:
        raise TrainingInvalid(
            _("A programme that is “%(status)s” cannot move to “%(to)s”.")
            % {"status": programme.get_status_display(), "to": ProgrammeStatus(to).label}
        )
    if actor.role not in allowed or not organises(actor, programme):
        raise TrainingNotAllowed(_("Only the organiser's own staff may change this programme."))
    event = ProgrammeEvent.objects.create(
        programme=programme, actor=actor, from_status=programme.status, to_status=to, reason=reason
    )
    programme.status = to
    return event


@transaction.atomic
def programme_create(*, actor: User, values: dict) -> Programme:
    _organiser_only(actor)
    programme = Programme(organiser=actor.organisation, created_by=actor)
    for field in PROGRAMME_FIELDS:
        if field in values:
            setattr(programme, field, values[field])
    programme.save()
    ProgrammeEvent.objects.create(programme=programme, actor=actor, to_status=programme.status)
    return programme


@transaction.atomic
def programme_update(*, programme: Programme, actor: User, values: dict) -> Programme:
    _organiser_only(actor, programme)
    programme = _locked(programme)
    _editable(programme)
    enrolled = programme.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    if "capacity" in values and values["capacity"] < enrolled:
        raise TrainingInvalid(
            _("Nothing was saved: correct the fields marked."),
            {
                "capacity": [
                    _("%(count)s people are already enrolled: the places cannot be fewer.")
                    % {"count": enrolled}
                ]
            },
        )
    for field in PROGRAMME_FIELDS:
        if field in values:
            setattr(programme, field, values[field])
    programme.save()
    return programme


@transaction.atomic
def course_save(*, programme: Programme, actor: User, values: dict, course: Course | None = None) -> Course:
    """Add a course to a programme, or change one of its courses, while the programme is open."""
    _organiser_only(actor, programme)
    programme = _locked(programme)
    _editable(programme)
    if course is None:
        course = Course(programme=programme)
    elif course.programme_id != programme.pk:
        raise TrainingNotAllowed(_("This course belongs to another programme."))
    for field in COURSE_FIELDS:
        if field in values:
            setattr(course, field, values[field])
    course.save()
    return course


@transaction.atomic
def programme_publish(*, programme: Programme, actor: User) -> Programme:
    _organiser_only(actor, programme)
    programme = _locked(programme)
    if programme.status == ProgrammeStatus.DRAFT and not programme.courses.exists():
        raise TrainingInvalid(_("Add at least one course before publishing the programme."))
    programme_transition(programme=programme, to=ProgrammeStatus.PUBLISHED, actor=actor)
    programme.published_at = timezone.now()
    programme.save(update_fields=["status", "published_at", "updated_at"])
    return programme


@transaction.atomic
def programme_close(*, programme: Programme, actor: User) -> dict[str, int]:
    """Close the programme: each enrolled person who attended at least the programme's share of its hours
    completes and gets a certificate; everyone else still enrolled fails. Returns the counts."""
    _organiser_only(actor, programme)
    programme = _locked(programme)
    programme_transition(programme=programme, to=ProgrammeStatus.CLOSED, actor=actor)
    today = timezone.localdate()
    programme.closed_on = today
    programme.save(update_fields=["status", "closed_on", "updated_at"])
    total = sum((course.hours for course in programme.courses.all()), start=ZERO)
    attended = hours_attended_by_enrolment(programme)
    counts = {"completed": 0, "failed": 0}
    completed: list[Enrolment] = []
    enrolled = (
        programme.enrolments.select_for_update()
        .select_related("user", "organisation")
        .filter(status=EnrolmentStatus.ENROLLED)
        .order_by("pk")
    )
    for enrolment in enrolled:
        hours = attended.get(enrolment.pk, ZERO)
        enrolment.hours_attended = hours
        if completes(attended=hours, total=total, share=programme.completion_hours_share):
            enrolment_move(enrolment, actor=actor, to=EnrolmentStatus.COMPLETED, programme=programme)
            enrolment.completed_on = today
            enrolment.save(update_fields=["status", "hours_attended", "completed_on"])
            certificate_issue(enrolment=enrolment, programme=programme)
            completed.append(enrolment)
            counts["completed"] += 1
        else:
            reason = _("Attended %(hours)s of %(total)s hours.") % {"hours": hours, "total": total}
            enrolment_move(
                enrolment, actor=actor, to=EnrolmentStatus.FAILED, programme=programme, reason=reason
            )
            enrolment.save(update_fields=["status", "hours_attended"])
            counts["failed"] += 1
    # In the transaction: the notices commit with the change (their e-mails go through the outbox), so a
    # crash after the commit loses none (issue 10, "Nothing lost").
    _tell_completed(programme, completed)
    return counts


def _tell_completed(programme: Programme, completed: list[Enrolment]) -> None:
    link = reverse("training:mine")
    for enrolment in completed:
        notify(
            recipients=[enrolment.user],
            kind="training.certificate",
            template="training_certificate",
            context={"programme": programme, "number": enrolment.certificate.number},
            link=link,
            dedupe_key=f"training:certificate:{enrolment.pk}",
        )
