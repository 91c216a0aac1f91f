"""API clients and their tokens: create, rotate, deactivate; issue a token; resolve a token to its user.

The token's lookup is one query whatever the call (token, client, service user, membership, organisation
and its head office together), so a bank's call costs less than a signed-in page: no session to load or
save (docs/performance.md).
"""

import functools
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from portal.accounts.models import Membership, Organisation, User
from portal.accounts.services import user_create
from portal.apiauth.models import AccessToken, ApiClient
from portal.audit.models import Outcome
from portal.audit.services import audit_record
from portal.postgresql import prepared_statements


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def _revoke_tokens(client: ApiClient, now) -> int:
    return client.tokens.filter(revoked_at__isnull=True, expires_at__gt=now).update(revoked_at=now)


@transaction.atomic
def api_client_create(
    *,
    organisation: Organisation,
    role: str,
    name: str,
    actor: User | None,
    client_id: str = "",
    secret: str = "",
) -> tuple[ApiClient, str]:
    """A new client acting as a new service user with ``role`` in ``organisation``; returns the client
    and its secret, which is shown this once and never stored. (``client_id`` and ``secret`` are given
    only by the demo data, so that its README can name them.)"""
    client_id = client_id or f"ipf_{secrets.token_hex(12)}"
    secret = secret or secrets.token_urlsafe(32)
    user = user_create(
        username=f"api.{client_id}"[:150],
        password=None,  # a service user never signs in with a password
        full_name=name,
        organisation=organisation,
        role=role,
        actor=actor,
    )
    client = ApiClient.objects.create(
        client_id=client_id,
        secret_digest=_digest(secret),
        name=name,
        membership=user.memberships.get(),
        created_by=actor,
        secret_set_at=timezone.now(),
    )
    audit_record(
        action="apiclient.create",
        actor=actor,
        object_type="apiauth.apiclient",
        object_id=client.pk,
        details={"client_id": client_id, "organisation_id": organisation.pk, "role": role},
    )
    return client, secret


@transaction.atomic
def api_client_rotate_secret(*, client: ApiClient, actor: User | None) -> str:
    """A new secret (returned once); the old one stops working and so do the tokens it obtained."""
    now = timezone.now()
    secret = secrets.token_urlsafe(32)
    client.secret_digest = _digest(secret)
    client.secret_set_at = now
    client.save(update_fields=["secret_digest", "secret_set_at"])
    revoked = _revoke_tokens(client, now)
    audit_record(
        action="apiclient.rotate_secret",
        actor=actor,
        object_type="apiauth.apiclient",
        object_id=client.pk,
        details={"client_id": client.client_id, "tokens_revoked": revoked},
    )
    return secret


@transaction.atomic
def api_client_deactivate(*, client: ApiClient, actor: User | None) -> None:
    """The client gets no more tokens, and its live tokens stop working on their next call."""
    now = timezone.now()
    client.is_active = False
    client.save(update_fields=["is_active"])
    revoked = _revoke_tokens(client, now)
    audit_record(
        action="apiclient.deactivate",
        actor=actor,
        object_type="apiauth.apiclient",
        object_id=client.pk,
        details={"client_id": client.client_id, "tokens_revoked": revoked},
    )


class InvalidClient(Exception):
    """Unknown client, wrong secret, or a client (or its user, membership, organisation) switched off."""


@dataclass(frozen=True)
class IssuedToken:
    access_token: str
    expires_in: int  # seconds


def _usable(client: ApiClient) -> bool:
    membership = client.membership
    return (
        client.is_active
        and membership.is_active
        and membership.user.is_active
        and membership.organisation.is_active
    )


def token_issue(*, client_id: str, secret: str, request=None) -> IssuedToken:
    """RFC 6749 §4.4 (client credentials): a bearer token for a client whose secret matches."""
    client = (
        ApiClient.objects.select_related("membership__user", "membership__organisation")
        .filter(client_id=client_id)
        .first()
    )
    # The failure's audit row is written outside any transaction: the refusal must not roll it back.
    # The digest is compared even for an unknown client, so the answer takes as long either way.
    matches = hmac.compare_digest(client.secret_digest if client else "0" * 64, _digest(secret))
    if client is None or not matches or not _usable(client):
        audit_record(
            action="apitoken.failure",
            request=request,
            actor=client.membership.user if client else None,
            object_type="apiauth.apiclient",
            object_id=client.pk if client else "",
            outcome=Outcome.FAILURE,
            details={"client_id": client_id[:40]},
        )
        raise InvalidClient
    now = timezone.now()
    token = secrets.token_urlsafe(32)
    lifetime = settings.API_TOKEN_TTL_SECONDS
    with transaction.atomic():
        AccessToken.objects.create(
            digest=_digest(token), client=client, issued_at=now, expires_at=now + timedelta(seconds=lifetime)
        )
        ApiClient.objects.filter(pk=client.pk).update(last_token_at=now)
        audit_record(
            action="apitoken.issue",
            request=request,
            actor=client.membership.user,
            object_type="apiauth.apiclient",
            object_id=client.pk,
            details={"client_id": client.client_id, "expires_in": lifetime},
        )
    return IssuedToken(access_token=token, expires_in=lifetime)


# What a token's identity is built from: the rest of each row is deferred and loads on first use. Read
# with one hand-written join instead of the ORM's six-table select_related, whose compilation cost more
# than the rest of a list page's authentication (docs/performance.md; bench loan_list).
_IDENTITY = (
    (User, "u", ("id", "username", "full_name", "is_active", "is_staff", "is_superuser")),
    (Membership, "m", ("id", "user_id", "organisation_id", "role", "is_active")),
    (Organisation, "o", ("id", "name", "kind", "parent_id", "uscc", "district", "is_active")),
)


def _in_model_order(model, names) -> list[str]:
    return [field.attname for field in model._meta.concrete_fields if field.attname in names]


@functools.cache
def _token_sql() -> str:
    quote = connection.ops.quote_name

    def table(model) -> str:
        return quote(model._meta.db_table)

    columns = [
        f"{alias}.{quote(model._meta.get_field(name).column)}"
        for model, alias, names in _IDENTITY
        for name in _in_model_order(model, names)
    ]
    return (
        f"SELECT {', '.join(columns)} FROM {table(AccessToken)} t "  # noqa: S608  # nosec B608 # model names only
        f"JOIN {table(ApiClient)} c ON c.id = t.client_id "
        f"JOIN {table(Membership)} m ON m.id = c.membership_id "
        f"JOIN {table(User)} u ON u.id = m.user_id "
        f"JOIN {table(Organisation)} o ON o.id = m.organisation_id "
        "WHERE t.digest = %s AND t.expires_at > %s AND t.revoked_at IS NULL "
        "AND c.is_active = %s AND m.is_active = %s AND u.is_active = %s AND o.is_active = %s"
    )


def token_user(token: str) -> User | None:
    """The service user a live token belongs to, acting under its client's membership; None for an
    unknown, expired or revoked token, or one whose client, user, membership or organisation is off."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    # Every API call runs this query: prepared once per connection, it is not planned again.
    with prepared_statements(connection), connection.cursor() as cursor:
        cursor.execute(_token_sql(), [_digest(token), now, True, True, True, True])
        row = cursor.fetchone()
    if row is None:
        return None
    instances, position = [], 0
    for model, _alias, names in _IDENTITY:
        attnames = _in_model_order(model, names)
        values = list(row[position : position + len(attnames)])
        position += len(attnames)
        for index, attname in enumerate(attnames):
            if attname.startswith("is_"):  # the booleans
                values[index] = bool(values[index])  # SQLite answers 0 / 1
        instances.append(model.from_db(connection.alias, attnames, values))
    user, membership, organisation = instances
    membership.user, membership.organisation = user, organisation
    user.act_as(membership)
    return user


def tokens_prune(*, older_than: timedelta = timedelta(days=1)) -> int:
    """Delete tokens that expired more than ``older_than`` ago (they can never be used again)."""
    deleted, _ = AccessToken.objects.filter(expires_at__lt=timezone.now() - older_than).delete()
    return deleted
