"""Pages everyone uses: the public programme list and programme page (enrolment needs a sign-in), the user's
own training (enrolments, hours, certificates), the certificate download (holder, organiser, promotion
officers; anyone else 404), the public certificate verification and the public commendation list."""

from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portal.audit.services import audit_record
from training import enrolments as enrolment_services
from training import selectors
from training.calculations import mask_name
from training.certificates import certificate_pdf, certificate_verify
from training.errors import TrainingError, TrainingNotAllowed
from training.forms import ProgrammeFilterForm, VerifyForm
from training.models import EnrolmentStatus, ProgrammeStatus
from training.permissions import can_enrol, organises

PAGE_SIZE = 20
COMMENDED_YEARS_PER_PAGE = 3


@require_GET
def programme_list(request):
    form = ProgrammeFilterForm(request.GET or None)
    status = 200
    programmes = selectors.programme_public_list()
    if form.is_bound and not form.is_valid():
        programmes = programmes.none()
        status = 400
    elif form.is_bound:
        programmes = selectors.programme_public_list(filters=form.cleaned_data)
    params = request.GET.copy()
    params.pop("page", None)
    context = {
        "filter_form": form,
        "query": params.urlencode(),
        "page": Paginator(programmes, PAGE_SIZE).get_page(request.GET.get("page")),
    }
    return render(request, "training/programme_list.html", context, status=status)


def _detail_page(request, programme, *, error: str = "", status: int = 200):
    user = request.user
    enrolment = None
    if user.is_authenticated:
        enrolment = selectors.enrolment_scope(user).filter(programme=programme, user=user).first()
    allowed, refusal = can_enrol(user, programme)
    context = {
        "programme": programme,
        "courses": programme.courses.all(),
        "places_left": max(programme.capacity - programme.enrolled, 0),
        "enrolment": enrolment,
        "can_enrol": (
            programme.status == ProgrammeStatus.PUBLISHED
            and allowed
            and (enrolment is None or enrolment.status == EnrolmentStatus.WITHDRAWN)
        ),
        "refusal": refusal if user.is_authenticated and not allowed else "",
        "can_withdraw": enrolment is not None
        and enrolment.status == EnrolmentStatus.ENROLLED
        and programme.status == ProgrammeStatus.PUBLISHED,
        "organiser_view": organises(user, programme),
        "error": error,
    }
    return render(request, "training/programme_detail.html", context, status=status)


@require_GET
def programme_detail(request, pk: int):
    return _detail_page(request, selectors.programme_public_get(pk=pk))


@login_required
@require_POST
def programme_enrol(request, pk: int):
    programme = selectors.programme_public_get(pk=pk)
    try:
        enrolment_services.enrol(programme=programme, actor=request.user)
    except TrainingNotAllowed as error:
        raise PermissionDenied(error.message) from error
    except TrainingError as error:
        return _detail_page(request, selectors.programme_public_get(pk=pk), error=error.message, status=400)
    messages.success(request, _("You are enrolled in “%(title)s”.") % {"title": programme.title})
    return redirect("training:programme-detail", pk=programme.pk)


@login_required
@require_POST
def enrolment_withdraw(request, pk: int):
    enrolment = selectors.get_in_scope(
        selectors.enrolment_scope(request.user).filter(user=request.user).select_related("programme"), pk
    )
    try:
        enrolment_services.enrolment_withdraw(enrolment=enrolment, actor=request.user)
    except TrainingNotAllowed as error:
        raise PermissionDenied(error.message) from error
    except TrainingError as error:
        programme = selectors.programme_public_get(pk=enrolment.programme_id)
        return _detail_page(request, programme, error=error.message, status=400)
    messages.success(request, _("Your enrolment is withdrawn."))
    return redirect("training:programme-detail", pk=enrolment.programme_id)


@login_required
@require_GET
def my_training(request):
    enrolments = selectors.my_enrolments(user=request.user)
    context = {"page": Paginator(enrolments, PAGE_SIZE).get_page(request.GET.get("page"))}
    return render(request, "training/my_training.html", context)


@login_required
@require_GET
def certificate_download(request, pk: int):
    certificate = selectors.get_in_scope(selectors.certificate_scope(request.user), pk)
    audit_record(
        action="training.certificate.download",
        request=request,
        object_type="training.certificate",
        object_id=certificate.pk,
    )
    response = HttpResponse(certificate_pdf(certificate), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def certificate_verify_page(request):
    """Anyone checks a certificate by its number and verification code; the answer shows the holder's name
    masked and never the PDF. A wrong number and a wrong code get the same answer."""
    asked = "number" in request.GET or "code" in request.GET
    form = VerifyForm(request.GET if asked else None)
    result = None
    status = 200
    if asked and not form.is_valid():
        status = 400
    elif asked:
        certificate = certificate_verify(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
        result = {"valid": certificate is not None}
        if certificate is not None:
            result.update(
                number=certificate.number,
                name=mask_name(certificate.holder_name),
                organisation=certificate.organisation_name,
                programme=certificate.programme_title,
                hours=certificate.hours,
                completed_on=certificate.completed_on,
                issuer=certificate.issuer_name,
            )
    return render(request, "training/verify.html", {"form": form, "result": result}, status=status)


@require_GET
def commended(request):
    """The published commendations by year, newest year first; a page holds a few years."""
    years = list(
        selectors.commendation_public_list().order_by("-year").values_list("year", flat=True).distinct()
    )
    page = Paginator(years, COMMENDED_YEARS_PER_PAGE).get_page(request.GET.get("page"))
    entries = selectors.commendation_public_list().filter(year__in=list(page.object_list))
    groups = [
        {"year": year, "entries": list(items)} for year, items in groupby(entries, key=lambda item: item.year)
    ]
    return render(request, "training/commended.html", {"page": page, "groups": groups})
