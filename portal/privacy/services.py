"""Showing one field of one record in full, for a reason, with an audit row."""

from django.http import Http404
from django.utils.translation import gettext as _

from portal.audit.models import Outcome
from portal.audit.services import audit_record
from portal.privacy.permissions import can_view_full_pii
from portal.privacy.registry import RECORDS

ACTION = "pii.unmask"
REASON_MAX = 200


class UnmaskNotAllowed(Exception):
    pass


class UnmaskInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        self.errors = errors
        super().__init__("; ".join(message for messages in errors.values() for message in messages))


def pii_unmask(*, actor, label: str, pk, field: str, reason: str, request=None) -> str:
    """The full value of ``field`` on the record ``label``/``pk``, written to the audit log first.

    ``request`` only fills the audit row's source IP and request id. Raises UnmaskNotAllowed without the
    permission (the refusal is audited too), UnmaskInvalid for an unknown field or a missing reason, and
    Http404 for a record outside the actor's scope.
    """
    allowed, refusal = can_view_full_pii(actor)
    if not allowed:
        audit_record(
            action=ACTION,
            request=request,
            actor=actor,
            object_type=label[:64],
            object_id=str(pk)[:64],
            outcome=Outcome.DENIED,
            details={"field": field},
        )
        raise UnmaskNotAllowed(refusal)
    errors: dict[str, list[str]] = {}
    record = RECORDS.get(label)
    if record is None or field not in record.fields:
        errors["field"] = [_("This field cannot be shown in full.")]
    reason = " ".join((reason or "").split())
    if not reason:
        errors["reason"] = [_("Give the reason for showing the full number.")]
    elif len(reason) > REASON_MAX:
        errors["reason"] = [_("Keep the reason under %(limit)d characters.") % {"limit": REASON_MAX}]
    if errors:
        raise UnmaskInvalid(errors)
    obj = record.queryset(actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if obj is None:
        raise Http404
    audit_record(
        action=ACTION,
        request=request,
        actor=actor,
        object_type=label,
        object_id=obj.pk,
        details={
            "field": field,
            "reason": reason,
            "owner_organisation_id": getattr(obj, record.owner) if record.owner else None,
        },
    )
    return getattr(obj, field) or ""
