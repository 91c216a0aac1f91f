"""Writing the security audit log.

Everything that can come from a user (usernames, paths, object ids, details) is made safe before it is
stored: control characters such as CR/LF are written as visible escapes, so a username like
``"a\\r\\nFAKE ENTRY"`` cannot forge a line in any log the rows are shipped to, yet the attempt stays
visible (ASVS 16.4.1). Keys that name secrets are redacted and ID-card and mobile numbers are masked
(ASVS 16.2.5; PIPL Art. 51; JR/T 0171-2020 Annex A).

Each row is also written as one JSON line to the ``portal.audit`` logger, so operations can ship the
log to a separate system (ASVS 16.4.3).
"""

import datetime
import json
import logging
import re
import uuid
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder

from portal.audit.models import AuditAction, AuditEvent, Outcome
from portal.net import client_ip

logger = logging.getLogger("portal.audit")

_ACTION_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)*$")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_ESCAPES = {"\r": "\\r", "\n": "\\n", "\t": "\\t"}
# Resident ID number (GB 11643-1999): keep the first 6 and the last 4, as the portal displays it.
_ID_NUMBER_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
# A key naming any of these is redacted whatever it holds ("otp" only as a whole word: not "footprint").
_SECRET_KEY_RE = re.compile(
    r"password|passwd|secret|token|api_?key|authorization|cookie|session|csrf|(?:^|[_.-])otp(?:$|[_.-])",
    re.IGNORECASE,
)
REDACTED = "[redacted]"
_MAX_TEXT = 1000
_MAX_DEPTH = 5

_REQUEST_ID_ATTR = "_portal_request_id"
_DENIAL_RECORDED_ATTR = "_portal_authz_denied_recorded"


def _escape_control(match: re.Match) -> str:
    char = match.group()
    return _CONTROL_ESCAPES.get(char) or f"\\u{ord(char):04x}"


def sanitise(value, max_length: int = _MAX_TEXT, *, mask: bool = True) -> str:
    """One safe line: control characters escaped, ID and mobile numbers masked, length capped."""
    text = _CONTROL_RE.sub(_escape_control, str(value))
    if mask:
        text = _ID_NUMBER_RE.sub(r"\1********\2", text)
        text = _MOBILE_RE.sub(r"\1****\2", text)
    return text[:max_length]


def _is_secret_key(key: str) -> bool:
    return _SECRET_KEY_RE.search(key) is not None


def _clean(value, depth: int = 0):
    if value is None or isinstance(value, bool | int):
        return value
    if isinstance(value, Decimal | datetime.date | datetime.time | uuid.UUID):
        # Stored as text so amounts keep their exact digits (DjangoJSONEncoder would do the same).
        return json.loads(DjangoJSONEncoder().encode(value))
    if depth >= _MAX_DEPTH:
        return sanitise(value)
    if isinstance(value, dict):
        return {
            sanitise(key, 100): REDACTED if _is_secret_key(str(key)) else _clean(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_clean(item, depth + 1) for item in value]
    return sanitise(value)


def request_id_for(request) -> str:
    """The request's correlation id: the proxy's X-Request-ID when well-formed, else a new UUID.

    Kept on the request so every row written during one request carries the same id.
    """
    request_id = getattr(request, _REQUEST_ID_ATTR, None)
    if request_id is None:
        supplied = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = supplied if _REQUEST_ID_RE.match(supplied) else uuid.uuid4().hex
        setattr(request, _REQUEST_ID_ATTR, request_id)
    return request_id


def denial_recorded(request) -> bool:
    """Whether this request already has an authz.denied row (the middleware then adds none)."""
    return getattr(request, _DENIAL_RECORDED_ATTR, False)


def _actor_columns(actor) -> dict:
    if actor is None or not getattr(actor, "is_authenticated", False):
        return {}
    membership = getattr(actor, "membership", None)
    return {
        "actor_id": actor.pk,
        "actor_username": sanitise(actor.get_username(), 150),
        "organisation_id": membership.organisation_id if membership else None,
        "role": membership.role if membership else "",
    }


def audit_record(
    *,
    action: str,
    request=None,
    actor=None,
    object_type: str = "",
    object_id="",
    outcome: str = Outcome.SUCCESS,
    details: dict | None = None,
) -> AuditEvent:
    """Append one audit row.

    The actor (and their acting organisation and role) is ``actor`` when given, else ``request.user``.
    The source IP and request id come from ``request`` (none for jobs). ``details`` holds anything
    else, e.g. ``{"before": ..., "after": ...}`` for a change; never pass secrets, but keys that look
    like one (password, token, ...) are redacted anyway.

    The row is written in the caller's transaction: if that rolls back, the event did not happen.
    """
    if not _ACTION_RE.match(action) or len(action) > 64:
        raise ValueError(
            f"An audit action is a lower-case dotted name such as 'login.success'; got {action!r}"
        )
    if outcome not in Outcome.values:
        raise ValueError(f"An audit outcome is one of {Outcome.values}; got {outcome!r}")
    if actor is None and request is not None:
        actor = getattr(request, "user", None)
    event = AuditEvent(
        action=action,
        # Identifiers, not prose: escaped but not masked (an all-digit credit code looks like an ID number).
        object_type=sanitise(object_type, 64, mask=False),
        object_id=sanitise(object_id, 64, mask=False),
        outcome=outcome,
        details=_clean(details or {}),
        **_actor_columns(actor),
    )
    return _append(event, request)


def audit_hidden_denial(request, existing, *, object_type: str, object_id) -> None:
    """Record the denial behind a 404 that hides another organisation's object (security.md check 1):
    ``existing`` is a queryset that finds the object if it exists at all. The answer stays a 404 so that
    existence does not leak; the audit middleware only sees 403s, so the view records it here."""
    if existing.exists():
        audit_record(
            action=AuditAction.AUTHZ_DENIED,
            request=request,
            object_type=object_type,
            object_id=object_id,
            outcome=Outcome.DENIED,
            details={"path": request.path, "method": request.method},
        )


def audit_login_failure(*, username: str, request=None) -> AuditEvent:
    """A failed login: only the name that was tried is kept (no account id, never the password)."""
    event = AuditEvent(
        action=AuditAction.LOGIN_FAILURE,
        outcome=Outcome.FAILURE,
        actor_username=sanitise(username or "", 150),
    )
    return _append(event, request)


def _append(event: AuditEvent, request) -> AuditEvent:
    if request is not None:
        event.source_ip = client_ip(request)
        event.request_id = request_id_for(request)
        if event.action == AuditAction.AUTHZ_DENIED:
            setattr(request, _DENIAL_RECORDED_ATTR, True)
    event.save()
    logger.info(
        "%s",
        json.dumps(
            {
                "at": event.at.isoformat(),
                "action": event.action,
                "outcome": event.outcome,
                "actor_id": event.actor_id,
                "actor": event.actor_username,
                "organisation_id": event.organisation_id,
                "role": event.role,
                "ip": event.source_ip,
                "request_id": event.request_id,
                "object_type": event.object_type,
                "object_id": event.object_id,
                "details": event.details,
            },
            ensure_ascii=False,
            cls=DjangoJSONEncoder,
        ),
    )
    return event


def audit_export(*, request, object_type: str, filters: dict, row_count: int) -> AuditEvent:
    """Record a data export: who exported which kind of rows, with which filters, and how many."""
    return audit_record(
        action=AuditAction.DATA_EXPORT,
        request=request,
        object_type=object_type,
        details={"filters": filters, "row_count": row_count},
    )
