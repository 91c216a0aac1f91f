"""The "show full number" button: one field of one record, for a reason, audited.

htmx swaps the masked value for the full one; a plain form post gets a small page; a client asking for
JSON gets ``{"value": ...}``. Without the permission: 403; a record outside the user's scope: 404.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from portal.privacy.services import UnmaskInvalid, UnmaskNotAllowed, pii_unmask


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@never_cache  # the full number must not stay in a browser's or a proxy's cache
@login_required
@require_POST
def unmask(request):
    label = request.POST.get("record", "")
    pk = request.POST.get("pk", "")
    field = request.POST.get("field", "")
    try:
        value = pii_unmask(
            actor=request.user,
            label=label,
            pk=pk,
            field=field,
            reason=request.POST.get("reason", ""),
            request=request,
        )
    except UnmaskNotAllowed as refusal:
        raise PermissionDenied(str(refusal)) from refusal
    except UnmaskInvalid as error:
        if _wants_json(request):
            return JsonResponse({"message": str(error), "errors": error.errors}, status=400)
        context = {"errors": error.errors}
        template = "privacy/_unmask_error.html" if request.htmx else "privacy/unmasked.html"
        return render(request, template, context, status=400)
    if _wants_json(request):
        return JsonResponse({"record": label, "pk": int(pk), "field": field, "value": value})
    back = request.headers.get("Referer", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, require_https=request.is_secure()):
        back = ""
    context = {"value": value, "back": back}
    template = "privacy/_unmasked.html" if request.htmx else "privacy/unmasked.html"
    return render(request, template, context)
