"""The organisers' pages (the promotion centre and park administrations): their programmes, creating and
editing a programme and its courses, publishing, the enrolment list, the attendance register of each course
and closing the programme. Each view checks the role first (403), then the organisation's scope (another
organiser's programme is a 404), then the form (400, the input kept), then calls one service."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.forms import show_errors
from training import enrolments as enrolment_services
from training import programmes as services
from training import selectors
from training.errors import TrainingError, TrainingNotAllowed
from training.forms import CourseForm, ProgrammeForm
from training.models import EDITABLE_PROGRAMME_STATUSES, Attendance, EnrolmentStatus, ProgrammeStatus
from training.permissions import can_manage_programme

PAGE_SIZE = 25


def _organiser_only(user) -> None:
    allowed, reason = can_manage_programme(user)
    if not allowed:
        raise PermissionDenied(reason)


def _programme(request, pk: int):
    _organiser_only(request.user)
    return selectors.programme_get_for_organiser(user=request.user, pk=pk)


def _forbid(error: TrainingError) -> None:
    if isinstance(error, TrainingNotAllowed):
        raise PermissionDenied(error.message) from error


@login_required
@require_GET
def manage_list(request):
    _organiser_only(request.user)
    programmes = selectors.organiser_programme_list(user=request.user)
    page = Paginator(programmes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "training/manage/list.html", {"page": page})


def _form_page(request, form, *, programme=None, status=200):
    return render(
        request, "training/manage/programme_form.html", {"form": form, "programme": programme}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request):
    _organiser_only(request.user)
    if request.method == "GET":
        return _form_page(request, ProgrammeForm())
    form = ProgrammeForm(request.POST)
    if not form.is_valid():
        return _form_page(request, form, status=400)
    try:
        programme = services.programme_create(actor=request.user, values=form.cleaned_data)
    except TrainingError as error:
        _forbid(error)
        show_errors(form, error.message, error.errors)
        return _form_page(request, form, status=400)
    messages.success(request, _("The programme is saved as a draft: add its courses, then publish it."))
    return redirect("training:manage-programme", pk=programme.pk)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk: int):
    programme = _programme(request, pk)
    if request.method == "GET":
        return _form_page(request, ProgrammeForm(instance=programme), programme=programme)
    form = ProgrammeForm(request.POST, instance=programme)
    if not form.is_valid():
        return _form_page(request, form, programme=programme, status=400)
    try:
        services.programme_update(programme=programme, actor=request.user, values=form.cleaned_data)
    except TrainingError as error:
        _forbid(error)
        show_errors(form, error.message, error.errors)
        return _form_page(request, form, programme=programme, status=400)
    messages.success(request, _("The programme is saved."))
    return redirect("training:manage-programme", pk=programme.pk)


def _manage_page(request, programme, *, error: str = "", status: int = 200):
    enrolments = selectors.programme_enrolments(programme=programme)
    context = {
        "programme": programme,
        "courses": programme.courses.all(),
        "transitions": services.available_transitions(programme, request.user),
        "editable": programme.status in EDITABLE_PROGRAMME_STATUSES,
        "registers_open": programme.status == ProgrammeStatus.PUBLISHED,
        "page": Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page")),
        "events": programme.events.select_related("actor").order_by("pk"),
        "error": error,
    }
    return render(request, "training/manage/programme.html", context, status=status)


@login_required
@require_GET
def manage_programme(request, pk: int):
    return _manage_page(request, _programme(request, pk))


def _move(request, pk: int, call, done: str):
    programme = _programme(request, pk)
    try:
        result = call(programme)
    except TrainingError as error:
        _forbid(error)
        programme = selectors.programme_get_for_organiser(user=request.user, pk=pk)
        return _manage_page(request, programme, error=error.message, status=400)
    messages.success(request, done if not isinstance(result, dict) else done % result)
    return redirect("training:manage-programme", pk=pk)


@login_required
@require_POST
def programme_publish(request, pk: int):
    return _move(
        request,
        pk,
        lambda programme: services.programme_publish(programme=programme, actor=request.user),
        _("The programme is published: people of its audience can enrol now."),
    )


@login_required
@require_POST
def programme_close(request, pk: int):
    return _move(
        request,
        pk,
        lambda programme: services.programme_close(programme=programme, actor=request.user),
        _("The programme is closed: %(completed)s completed (certificates issued), %(failed)s did not."),
    )


def _course_page(request, programme, form, *, course=None, status=200):
    context = {"programme": programme, "form": form, "course": course}
    return render(request, "training/manage/course_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk: int, course_pk: int | None = None):
    programme = _programme(request, pk)
    course = None
    if course_pk is not None:
        course = selectors.course_get_for_organiser(user=request.user, programme=programme, pk=course_pk)
    if request.method == "GET":
        return _course_page(request, programme, CourseForm(instance=course), course=course)
    form = CourseForm(request.POST, instance=course)
    if not form.is_valid():
        return _course_page(request, programme, form, course=course, status=400)
    try:
        services.course_save(programme=programme, actor=request.user, values=form.cleaned_data, course=course)
    except TrainingError as error:
        _forbid(error)
        show_errors(form, error.message, error.errors)
        return _course_page(request, programme, form, course=course, status=400)
    messages.success(request, _("The course is saved."))
    return redirect("training:manage-programme", pk=programme.pk)


def _register_page(request, programme, course, *, checked: set[int] | None = None, error="", status=200):
    enrolled = list(
        programme.enrolments.filter(status=EnrolmentStatus.ENROLLED)
        .select_related("user", "organisation")
        .order_by("pk")
    )
    if checked is None:
        checked = set(
            Attendance.objects.filter(course=course, present=True).values_list("enrolment_id", flat=True)
        )
    context = {
        "programme": programme,
        "course": course,
        "rows": [{"enrolment": enrolment, "present": enrolment.pk in checked} for enrolment in enrolled],
        "open": programme.status == ProgrammeStatus.PUBLISHED,
        "error": error,
    }
    return render(request, "training/manage/register.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def attendance_register(request, pk: int, course_pk: int):
    programme = _programme(request, pk)
    course = selectors.course_get_for_organiser(user=request.user, programme=programme, pk=course_pk)
    if request.method == "GET":
        return _register_page(request, programme, course)
    raw = request.POST.getlist("present")
    if not all(value.isdigit() for value in raw):
        return _register_page(
            request, programme, course, checked=set(), error=_("The register was not understood."), status=400
        )
    present = {int(value) for value in raw}
    try:
        count = enrolment_services.attendance_save(course=course, actor=request.user, present=present)
    except TrainingError as error:
        _forbid(error)
        return _register_page(request, programme, course, checked=present, error=error.message, status=400)
    messages.success(
        request,
        _("Attendance of “%(course)s” is saved: %(count)s present.")
        % {"course": course.title, "count": count},
    )
    return redirect("training:manage-programme", pk=programme.pk)
