"""What the staff's subsidy pages share: the role checks (403), a batch in the user's scope (404), and a
service's refusal shown on the form (400) or as a 403."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from portal.forms import show_errors
from subsidies.errors import SubsidyError, SubsidyNotAllowed
from subsidies.models import (
    ApplicationStatus,
    Batch,
)
from subsidies.permissions import (
    batch_scope,
    get_in_scope,
    is_batch_manager,
    is_finance,
    is_oversight,
    is_reviewer,
)

_S = ApplicationStatus
PAGE_SIZE = 20
QUEUE_PAGE_SIZE = 50

# --- Who may open which page ---------------------------------------------------------------------------


def _require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)


def _oversight(request) -> None:
    _require(is_oversight(request.user), _("Only the IP bureau, the finance bureau and the joint office."))


def _manager(request) -> None:
    _require(
        is_batch_manager(request.user),
        _("Only the IP bureau's reviewers and promotion officers manage subsidy batches."),
    )


def _reviewer(request) -> None:
    _require(is_reviewer(request.user), _("Only the IP bureau's reviewers review subsidy applications."))


def _finance(request) -> None:
    _require(is_finance(request.user), _("Only the finance bureau's officers handle payment lists."))


def _refused(request, error: SubsidyError, form=None) -> None:
    """A service's refusal: 403 for a rule of who may act, else its messages on the form (or page)."""
    if isinstance(error, SubsidyNotAllowed):
        raise PermissionDenied(error.message)
    if form is None:
        messages.error(request, error.message)
        return
    show_errors(form, error.message, error.errors)


def _batch(request, pk: int) -> Batch:
    return get_in_scope(batch_scope(request.user).select_related("parameter_set", "cloned_from"), pk)
