"""Objects looked up inside the user's scope (security.md check 1).

A miss answers 404 whether the object does not exist or belongs to another organisation, so existence does
not leak. The second case is a denial all the same: ``OutOfScope`` carries the model and id, and wherever
the 404 is answered (a page: ``AuditDeniedMiddleware``; the API: ``portal.api.exception_handler``) one
``authz.denied`` row is written when the object exists. Selectors find their objects with
``get_in_scope``, so no view has to remember to record the denial.
"""

from django.db.models import QuerySet
from django.http import Http404

from portal.audit.services import audit_hidden_denial, denial_recorded


class OutOfScope(Http404):
    def __init__(self, model, pk):
        super().__init__()
        self.model = model
        self.pk = pk


def get_in_scope(queryset: QuerySet, pk):
    """The object ``pk`` among ``queryset`` (a scoped queryset), or ``OutOfScope``."""
    found = queryset.filter(pk=pk).first()
    if found is None:
        raise OutOfScope(queryset.model, pk)
    return found


def record_hidden_denial(request, exception: BaseException) -> None:
    """The audit row for an ``OutOfScope`` 404 whose object exists (once per request)."""
    if isinstance(exception, OutOfScope) and not denial_recorded(request):
        model = exception.model
        audit_hidden_denial(
            request,
            model._default_manager.filter(pk=exception.pk),
            object_type=model._meta.label_lower,
            object_id=exception.pk,
        )
