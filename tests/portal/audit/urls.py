"""Views that answer 403, for the middleware tests; the portal's own URLs come after them."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.urls import include, path

from portal.audit.services import audit_record


def forbidden(request):
    raise PermissionDenied


def forbidden_after_explicit_record(request):
    audit_record(action="authz.denied", request=request, object_type="loan", object_id="42", outcome="denied")
    raise PermissionDenied


def missing(request):
    raise Http404


urlpatterns = [
    path("test/forbidden/", forbidden),
    path("test/forbidden-recorded/", forbidden_after_explicit_record),
    path("test/missing/", missing),
    path("", include("portal.urls")),
]
