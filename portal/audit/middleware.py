from portal.audit.models import AuditAction, Outcome
from portal.audit.scope import record_hidden_denial
from portal.audit.services import audit_record, denial_recorded


class AuditDeniedMiddleware:
    """Records ``authz.denied`` for every 403 response (PermissionDenied, DRF refusals, CSRF failures) and
    for every API call refused with a 401 for want of a valid bearer token (portal.apiauth).

    No other status. Object-level denials in this portal answer 404 so that a record's existence does not
    leak (security.md check 1): a page whose selector raised ``portal.audit.scope.OutOfScope`` for an object
    that exists is recorded here (``process_exception``), an API call by ``portal.api.exception_handler``.
    A request that already recorded its denial gets no second row.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        refused_api_call = response.status_code == 401 and response.get("WWW-Authenticate", "").startswith(
            "Bearer"
        )
        if (response.status_code == 403 or refused_api_call) and not denial_recorded(request):
            # The path only: a query string may carry tokens or personal data.
            details = {"path": request.path, "method": request.method}
            if refused_api_call:
                details["status"] = 401  # no credentials, or a bad, expired or revoked bearer token
            audit_record(
                action=AuditAction.AUTHZ_DENIED, request=request, outcome=Outcome.DENIED, details=details
            )
        return response

    def process_exception(self, request, exception):
        record_hidden_denial(request, exception)
        return None  # Django answers the 404 as usual
