"""Every read scoped to a user: one scoping function per entity serves both its lists and its details.

An object outside the user's scope is a 404 (never a hint that it exists); a wrong role is answered 403 by
the views before they get here."""

from decimal import Decimal

from django.db.models import Count, DecimalField, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.http import Http404

from portal.accounts.models import User
from portal.audit.scope import get_in_scope
from training.models import (
    Certificate,
    Commendation,
    Course,
    Enrolment,
    EnrolmentStatus,
    Programme,
    ProgrammeStatus,
)
from training.permissions import is_organiser, is_promotion_officer

VISIBLE_TO_PUBLIC = (ProgrammeStatus.PUBLISHED, ProgrammeStatus.CLOSED)
_HOURS = DecimalField(max_digits=8, decimal_places=2)


def _with_totals(programmes: QuerySet[Programme]) -> QuerySet[Programme]:
    """Each programme with its total hours and its number enrolled (subqueries: two joined sums would
    multiply each other)."""
    hours = (
        Course.objects.filter(programme=OuterRef("pk"))
        .order_by()
        .values("programme")
        .annotate(total=Sum("hours"))
        .values("total")
    )
    enrolled = (
        Enrolment.objects.filter(programme=OuterRef("pk"), status=EnrolmentStatus.ENROLLED)
        .order_by()
        .values("programme")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return programmes.select_related("organiser").annotate(
        total_hours=Coalesce(Subquery(hours, output_field=_HOURS), Value(Decimal("0")), output_field=_HOURS),
        enrolled=Coalesce(Subquery(enrolled, output_field=IntegerField()), Value(0)),
    )


def programme_public_list(*, filters: dict | None = None) -> QuerySet[Programme]:
    """What anyone may browse: the published programmes (the closed ones only through their own page)."""
    filters = filters or {}
    programmes = Programme.objects.filter(status=ProgrammeStatus.PUBLISHED)
    if filters.get("audience"):
        programmes = programmes.filter(audience=filters["audience"])
    if filters.get("year"):
        programmes = programmes.filter(year=filters["year"])
    return _with_totals(programmes).order_by("-year", "-pk")


def programme_public_get(*, pk: int) -> Programme:
    return get_in_scope(_with_totals(Programme.objects.filter(status__in=VISIBLE_TO_PUBLIC)), pk)


def programme_scope(user: User) -> QuerySet[Programme]:
    """An organiser's own organisation's programmes; nobody else manages any."""
    if not is_organiser(user):
        return Programme.objects.none()
    return Programme.objects.filter(organiser=user.organisation)


def programme_get_for_organiser(*, user: User, pk: int) -> Programme:
    return get_in_scope(_with_totals(programme_scope(user)), pk)


def organiser_programme_list(*, user: User) -> QuerySet[Programme]:
    return _with_totals(programme_scope(user)).order_by("-year", "-pk")


def course_get_for_organiser(*, user: User, programme: Programme, pk: int) -> Course:
    if programme.organiser_id != getattr(user.organisation, "pk", None):
        raise Http404
    return get_in_scope(programme.courses.all(), pk)


def enrolment_scope(user: User) -> QuerySet[Enrolment]:
    """A person's own enrolments, and an organiser's programmes' enrolments: nobody else sees who enrolled
    or attended."""
    if not user.is_authenticated:
        return Enrolment.objects.none()
    mine = Q(user=user)
    if is_organiser(user):
        mine |= Q(programme__organiser=user.organisation)
    return Enrolment.objects.filter(mine)


def with_hours_attended(enrolments: QuerySet[Enrolment]) -> QuerySet[Enrolment]:
    return enrolments.annotate(
        attended_hours=Coalesce(
            Sum("attendances__course__hours", filter=Q(attendances__present=True)),
            Value(Decimal("0")),
            output_field=_HOURS,
        )
    )


def my_enrolments(*, user: User) -> QuerySet[Enrolment]:
    return with_hours_attended(
        enrolment_scope(user)
        .filter(user=user)
        .select_related("programme", "programme__organiser", "organisation", "certificate")
    ).order_by("-pk")


def programme_enrolments(*, programme: Programme, statuses=None) -> QuerySet[Enrolment]:
    enrolments = programme.enrolments.select_related("user", "organisation", "certificate")
    if statuses:
        enrolments = enrolments.filter(status__in=statuses)
    return with_hours_attended(enrolments).order_by("pk")


def certificate_scope(user: User) -> QuerySet[Certificate]:
    """The holder's own; the organiser's programmes'; promotion officers every certificate."""
    if not user.is_authenticated:
        return Certificate.objects.none()
    if is_promotion_officer(user):
        return Certificate.objects.all()
    mine = Q(enrolment__user=user)
    if is_organiser(user):
        mine |= Q(enrolment__programme__organiser=user.organisation)
    return Certificate.objects.filter(mine)


def commendation_scope(user: User) -> QuerySet[Commendation]:
    """The commendations the user's promotion centre wrote."""
    if not is_promotion_officer(user):
        return Commendation.objects.none()
    return Commendation.objects.filter(organisation=user.organisation)


def commendation_public_list() -> QuerySet[Commendation]:
    return Commendation.objects.filter(published=True).order_by("-year", "kind", "pk")
