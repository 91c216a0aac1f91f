"""Onboarding: enterprises register themselves, the promotion centre verifies them, and an organisation's
administrator invites colleagues, changes their roles and (at a bank) opens branches.

Reads scoped to the user, role checks and writes for these, in the house style of ``services.py``:
keyword-only arguments, the acting user last, never a ``request``. Errors are ``OnboardingError``s carrying
a message in the active language and the HTTP status a view answers with.
"""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F, QuerySet
from django.template import Context, engines
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from portal.accounts.models import (
    ROLES_BY_KIND,
    VERIFICATION_TRANSITIONS,
    Invitation,
    Membership,
    Organisation,
    OrganisationEvent,
    OrgKind,
    Role,
    User,
    VerificationStatus,
)
from portal.accounts.permissions import has_role
from portal.accounts.selectors import active_members
from portal.accounts.services import enterprise_create, organisation_create, user_create
from portal.audit.scope import get_in_scope
from portal.audit.services import audit_record
from portal.identifiers.uscc import check_uscc
from portal.notifications.services import notify
from portal.outbox import enqueue

# An invitation link works for a week (issue 11); after that the administrator sends a new one.
INVITATION_VALID_DAYS = 7
_TOKEN_SALT = "portal.accounts.onboarding.invitation"  # noqa: S105  # nosec B105 (an HMAC key salt, not a secret)


# ---------------------------------------------------------------------------------------------------------
# Errors


class OnboardingError(Exception):
    http_status = 409

    def __init__(
        self, message: str, *, errors: dict[str, list[str]] | None = None, status: int | None = None
    ):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}
        if status is not None:
            self.http_status = status


class OnboardingInvalid(OnboardingError):
    """Bad input (400); ``errors`` maps a field name to its messages, nothing was saved."""

    http_status = 400


class OnboardingNotAllowed(OnboardingError):
    """A move the table does not list (409) or one this user may not make (403)."""


def _invalid(errors: dict[str, list[str]]) -> OnboardingInvalid:
    return OnboardingInvalid(_("Some of the input is not valid; see the fields marked."), errors=errors)


def _from_validation(error: ValidationError) -> OnboardingInvalid:
    errors = error.message_dict if hasattr(error, "error_dict") else {"__all__": error.messages}
    return _invalid({field: list(messages) for field, messages in errors.items()})


# ---------------------------------------------------------------------------------------------------------
# Role checks: (allowed, reason)


def can_verify_organisations(user: User) -> tuple[bool, str]:
    if has_role(user, Role.PROMOTION_OFFICER):
        return True, ""
    return False, _("Only the promotion centre verifies enterprises.")


def can_administer_members(user: User) -> tuple[bool, str]:
    organisation = user.organisation if user.is_authenticated else None
    if has_role(user, Role.ORG_ADMIN) and organisation is not None and organisation.is_active:
        return True, ""
    return False, _("Only an organisation's administrator may manage its members.")


def can_create_branch(user: User) -> tuple[bool, str]:
    allowed, reason = can_administer_members(user)
    if not allowed:
        return False, reason
    organisation = user.organisation
    if organisation.kind != OrgKind.BANK or organisation.parent_id:
        return False, _("Only a bank's head office opens branches.")
    return True, ""


# ---------------------------------------------------------------------------------------------------------
# Scoping: the one function that decides which organisations an administrator manages


def managed_organisations(user: User) -> QuerySet[Organisation]:
    """The organisations whose members this user administers: their own organisation and, for the
    administrator of a bank's head office, its branches. Nothing for anyone else. Every member and
    invitation lookup of the administration pages starts here, so another organisation's id is a 404."""
    if not can_administer_members(user)[0]:
        return Organisation.objects.none()
    organisation = user.organisation
    ids = [organisation.pk]
    if organisation.kind == OrgKind.BANK and not organisation.parent_id:
        ids += list(organisation.branches.values_list("pk", flat=True))
    return Organisation.objects.filter(pk__in=ids, is_active=True).order_by(
        F("parent_id").asc(nulls_first=True), "name"
    )


def membership_list_for_admin(*, user: User) -> QuerySet[Membership]:
    # Partner systems' service users (portal.apiauth) are managed with their API client, not here.
    return (
        Membership.objects.filter(organisation__in=managed_organisations(user), api_client__isnull=True)
        .select_related("user", "organisation")
        .order_by(
            F("organisation__parent_id").asc(nulls_first=True),
            "organisation__name",
            "-is_active",
            "user__username",
        )
    )


def membership_get_for_admin(*, user: User, pk) -> Membership:
    return get_in_scope(membership_list_for_admin(user=user), pk)


def invitation_list_for_admin(*, user: User, pending_only: bool = False) -> QuerySet[Invitation]:
    queryset = Invitation.objects.filter(organisation__in=managed_organisations(user)).select_related(
        "organisation", "invited_by"
    )
    if pending_only:
        queryset = queryset.filter(accepted_at=None, revoked_at=None, expires_at__gt=timezone.now())
    return queryset.order_by("-created_at", "-pk")


def invitation_get_for_admin(*, user: User, pk) -> Invitation:
    return get_in_scope(invitation_list_for_admin(user=user), pk)


def verification_list(*, user: User, status: str = VerificationStatus.PENDING) -> QuerySet[Organisation]:
    """Enterprises by verification status, oldest first (the queue); only the promotion centre sees it."""
    if not can_verify_organisations(user)[0]:
        return Organisation.objects.none()
    queryset = Organisation.objects.filter(kind=OrgKind.ENTERPRISE).select_related(
        "enterprise_profile", "enterprise_profile__park"
    )
    if status:
        queryset = queryset.filter(verification_status=status)
    return queryset.order_by("created_at", "pk")


def verification_get_for_user(*, user: User, pk) -> Organisation:
    return get_in_scope(verification_list(user=user, status=""), pk)


# ---------------------------------------------------------------------------------------------------------
# Registration


def _promotion_officers() -> list[User]:
    organisation_ids = (
        Membership.objects.filter(role=Role.PROMOTION_OFFICER, is_active=True)
        .values_list("organisation_id", flat=True)
        .distinct()
    )
    return active_members(list(organisation_ids), roles=[Role.PROMOTION_OFFICER])


def _check_new_account(username: str, password: str, *, email: str, full_name: str, errors: dict) -> None:
    if not username:
        errors.setdefault("username", []).append(_("Choose a username."))
    elif User.objects.filter(username__iexact=username).exists():
        errors.setdefault("username", []).append(_("This username is taken; choose another."))
    try:
        validate_password(password, user=User(username=username, email=email, full_name=full_name))
    except ValidationError as error:
        errors.setdefault("password", []).extend(error.messages)


@transaction.atomic
def enterprise_register(
    *,
    uscc: str,
    name: str,
    district: str,
    park=None,
    contact_name: str,
    contact_phone: str,
    contact_email: str,
    username: str,
    password: str,
) -> tuple[Organisation, User]:
    """A new enterprise with its profile and its first user as administrator, pending verification by the
    promotion centre, who are told. All or nothing: a taken credit code or username creates nothing."""
    errors: dict[str, list[str]] = {}
    checked = check_uscc(uscc or "")
    if not checked.valid:
        errors["uscc"] = [str(checked.message)]
    elif Organisation.objects.filter(uscc=checked.normalized).exists():
        errors["uscc"] = [
            _(
                "An organisation with this credit code is already registered. If it is yours, ask its "
                "administrator to invite you."
            )
        ]
    if park is not None and park.district and district and park.district != district:
        errors["park"] = [_("This park is not in the district you chose.")]
    username = (username or "").strip()
    _check_new_account(username, password, email=contact_email, full_name=contact_name, errors=errors)
    if errors:
        raise _invalid(errors)
    try:
        organisation = enterprise_create(
            name=name.strip(),
            uscc=checked.normalized,
            district=district,
            park=park,
            contact_name=contact_name.strip(),
            contact_phone=contact_phone.strip(),
            contact_email=contact_email.strip(),
            verification_status=VerificationStatus.PENDING,
        )
        user = user_create(
            username=username,
            password=password,
            full_name=contact_name.strip(),
            email=contact_email.strip(),
            organisation=organisation,
            role=Role.ORG_ADMIN,
        )
    except ValidationError as error:
        raise _from_validation(error) from error
    except IntegrityError as error:
        # Two registrations of one code at the same moment: the unique constraint decides, the loser is told.
        raise _invalid(
            {"uscc": [_("An organisation with this credit code is already registered.")]}
        ) from error
    OrganisationEvent.objects.create(
        organisation=organisation, actor=user, from_status="", to_status=VerificationStatus.PENDING
    )
    audit_record(
        action="accounts.enterprise.register",
        actor=user,
        object_type="accounts.organisation",
        object_id=organisation.pk,
        details={"uscc": organisation.uscc, "name": organisation.name, "district": district},
    )
    notify(
        recipients=_promotion_officers(),
        kind="accounts.registered",
        template="accounts_registered",
        context={"organisation": organisation},
        link=reverse("onboarding:verification_detail", args=[organisation.pk]),
        dedupe_key=f"accounts.registered:{organisation.pk}",
    )
    return organisation, user


# ---------------------------------------------------------------------------------------------------------
# Verification


def _status_label(value: str) -> str:
    return str(VerificationStatus(value).label) if value in VerificationStatus.values else value


def available_verification_transitions(organisation: Organisation, user: User) -> list[str]:
    """The moves to draw as buttons for this user."""
    allowed = VERIFICATION_TRANSITIONS.get(organisation.verification_status, {})
    return [to for to, roles in allowed.items() if user.is_authenticated and user.role in roles]


@transaction.atomic
def verification_transition(
    *, organisation: Organisation, to: str, actor: User, reason: str = ""
) -> Organisation:
    """Verify or reject an enterprise through VERIFICATION_TRANSITIONS; a rejection needs its reason. Writes
    the event and audit rows and tells the enterprise's members (after commit)."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    from_status = organisation.verification_status
    allowed = VERIFICATION_TRANSITIONS.get(from_status, {})
    if to not in allowed:
        raise OnboardingNotAllowed(
            _("An organisation that is %(status)s cannot become %(to)s.")
            % {"status": _status_label(from_status), "to": _status_label(to)}
        )
    if not actor.is_authenticated or actor.role not in allowed[to]:
        raise OnboardingNotAllowed(_("Only the promotion centre verifies enterprises."), status=403)
    reason = (reason or "").strip()
    if to == VerificationStatus.REJECTED and not reason:
        raise _invalid({"reason": [_("Give the reason for the rejection; the enterprise will read it.")]})
    organisation.verification_status = to
    organisation.save(update_fields=["verification_status"])
    OrganisationEvent.objects.create(
        organisation=organisation, actor=actor, from_status=from_status, to_status=to, reason=reason
    )
    audit_record(
        action="accounts.organisation.verification",
        actor=actor,
        object_type="accounts.organisation",
        object_id=organisation.pk,
        details={"from": from_status, "to": to, "reason": reason},
    )
    notify(
        recipients=active_members([organisation.pk]),
        kind="accounts.verification",
        template="accounts_verification",
        context={
            "organisation": organisation,
            "verified": to == VerificationStatus.VERIFIED,
            "reason": reason,
        },
        link=reverse("home"),
    )
    return organisation


def verification_refusal(organisation: Organisation | None) -> str:
    """Why this organisation may not apply for a loan yet, or "" when it may (verified)."""
    if organisation is None or organisation.verification_status == VerificationStatus.VERIFIED:
        return ""
    if organisation.verification_status == VerificationStatus.REJECTED:
        event = (
            organisation.events.filter(to_status=VerificationStatus.REJECTED).order_by("-at", "-pk").first()
        )
        return _(
            "The promotion centre rejected your enterprise's registration: %(reason)s. Contact the promotion "
            "centre to have it reconsidered."
        ) % {"reason": event.reason if event else "-"}
    return _(
        "Your enterprise is awaiting verification by the promotion centre. You can apply for a loan once it "
        "is verified."
    )


# ---------------------------------------------------------------------------------------------------------
# Invitations


def _token_for(invitation: Invitation) -> str:
    return salted_hmac(_TOKEN_SALT, invitation.nonce, algorithm="sha256").hexdigest()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_url(invitation: Invitation) -> str:
    path = reverse("onboarding:invitation_accept", args=[_token_for(invitation)])
    return settings.PORTAL_BASE_URL.rstrip("/") + path


def _managed_or_refuse(organisation: Organisation, actor: User) -> None:
    if not managed_organisations(actor).filter(pk=organisation.pk).exists():
        raise OnboardingNotAllowed(
            _("You may manage only your own organisation's members and invitations."), status=403
        )


def _check_role(organisation: Organisation, role: str, errors: dict) -> None:
    if role not in ROLES_BY_KIND.get(organisation.kind, ()):
        errors.setdefault("role", []).append(
            _("An organisation of this kind cannot give the role %(role)s.")
            % {"role": Role(role).label if role in Role.values else role}
        )


@transaction.atomic
def invitation_create(*, organisation: Organisation, email: str, role: str, actor: User) -> Invitation:
    """A single-use link for ``email`` to join ``organisation`` as ``role``, mailed after commit."""
    _managed_or_refuse(organisation, actor)
    errors: dict[str, list[str]] = {}
    email = User.objects.normalize_email((email or "").strip())
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    _check_role(organisation, role, errors)
    if not errors:
        pending = Invitation.objects.filter(
            organisation=organisation,
            email__iexact=email,
            accepted_at=None,
            revoked_at=None,
            expires_at__gt=timezone.now(),
        )
        if pending.exists():
            errors["email"] = [
                _("This address already has a pending invitation; revoke it to send a new one.")
            ]
        elif Membership.objects.filter(
            organisation=organisation, user__email__iexact=email, is_active=True
        ).exists():
            errors["email"] = [_("Someone with this address is already a member of this organisation.")]
    if errors:
        raise _invalid(errors)
    now = timezone.now()
    invitation = Invitation(
        organisation=organisation,
        email=email,
        role=role,
        nonce=secrets.token_urlsafe(32),
        invited_by=actor,
        created_at=now,
        expires_at=now + timedelta(days=INVITATION_VALID_DAYS),
    )
    invitation.token_hash = _digest(_token_for(invitation))
    invitation.save()
    audit_record(
        action="accounts.invitation.create",
        actor=actor,
        object_type="accounts.invitation",
        object_id=invitation.pk,
        details={"organisation": organisation.pk, "email": email, "role": role},
    )
    from portal.accounts.tasks import send_invitation_email  # the task module imports this one

    enqueue(send_invitation_email, invitation.pk, dedupe_key=f"accounts.invitation:{invitation.pk}")
    return invitation


def _render_text(template_name: str, context: dict) -> str:
    # Plain-text mail must not be HTML-escaped ("R&D" stays "R&D").
    template = engines["django"].engine.get_template(template_name)
    return template.render(Context(context, autoescape=False))


def invitation_send_email(*, invitation_id: int) -> bool:
    """Mail the invitation at most once; returns whether this call sent it.

    Claimed with a conditional UPDATE before sending, so a task delivered twice sends one mail. If sending
    fails the claim is released and the error re-raised, for the task's retry.
    """
    invitation = (
        Invitation.objects.select_related("organisation", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_pending:
        return False
    claimed_at = timezone.now()
    if not Invitation.objects.filter(pk=invitation_id, emailed_at=None).update(emailed_at=claimed_at):
        return False
    context = {
        "invitation": invitation,
        "organisation": invitation.organisation,
        "role": invitation.get_role_display(),
        "inviter": invitation.invited_by,
        "url": invitation_url(invitation),
        "expires_at": timezone.localtime(invitation.expires_at),
    }
    try:
        # The invitee has no account and so no language yet: the portal's own (Chinese first).
        with translation.override(settings.LANGUAGE_CODE):
            subject = " ".join(_render_text("emails/accounts_invitation.subject.txt", context).split())
            body = _render_text("emails/accounts_invitation.body.txt", context).strip()
        send_mail(subject, body, None, [invitation.email])
    except Exception:
        Invitation.objects.filter(pk=invitation_id, emailed_at=claimed_at).update(emailed_at=None)
        raise
    return True


def invitation_find(token: str) -> Invitation | None:
    if not token or len(token) > 128:
        return None
    return Invitation.objects.select_related("organisation").filter(token_hash=_digest(token)).first()


def invitation_refusal(invitation: Invitation) -> str:
    """Why this invitation can no longer be accepted, or "" while it can."""
    if invitation.accepted_at is not None:
        return _("This invitation has already been used. Sign in with the account you created.")
    if invitation.revoked_at is not None:
        return _("This invitation was withdrawn by the organisation's administrator.")
    if invitation.is_expired:
        return _("This invitation has expired. Ask the organisation's administrator for a new one.")
    if not invitation.organisation.is_active:
        return _("This organisation no longer uses the portal.")
    return ""


@transaction.atomic
def invitation_accept(*, token: str, username: str, password: str, full_name: str = "") -> User:
    """A new account with the invited membership; the link is spent (two tabs racing: the row lock decides)."""
    found = invitation_find(token)
    if found is None:
        raise OnboardingNotAllowed(_("This invitation link is not valid."), status=404)
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=found.pk)
    refusal = invitation_refusal(invitation)
    if refusal:
        raise OnboardingNotAllowed(refusal, status=410)
    errors: dict[str, list[str]] = {}
    username = (username or "").strip()
    _check_new_account(username, password, email=invitation.email, full_name=full_name, errors=errors)
    _check_role(invitation.organisation, invitation.role, errors)
    if errors:
        raise _invalid(errors)
    try:
        user = user_create(
            username=username,
            password=password,
            full_name=(full_name or "").strip(),
            email=invitation.email,
            organisation=invitation.organisation,
            role=invitation.role,
        )
    except ValidationError as error:
        raise _from_validation(error) from error
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(
        action="accounts.invitation.accept",
        actor=user,
        object_type="accounts.invitation",
        object_id=invitation.pk,
        details={"organisation": invitation.organisation_id, "role": invitation.role},
    )
    return user


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().select_related("organisation").get(pk=invitation.pk)
    _managed_or_refuse(invitation.organisation, actor)
    if not invitation.is_pending:
        raise OnboardingNotAllowed(_("Only a pending invitation can be withdrawn."))
    invitation.revoked_at = timezone.now()
    invitation.revoked_by = actor
    invitation.save(update_fields=["revoked_at", "revoked_by"])
    audit_record(
        action="accounts.invitation.revoke",
        actor=actor,
        object_type="accounts.invitation",
        object_id=invitation.pk,
        details={"organisation": invitation.organisation_id, "email": invitation.email},
    )
    return invitation


# ---------------------------------------------------------------------------------------------------------
# Members and branches


def _lock_member(membership: Membership, actor: User) -> Membership:
    membership = (
        Membership.objects.select_for_update().select_related("organisation", "user").get(pk=membership.pk)
    )
    _managed_or_refuse(membership.organisation, actor)
    if membership.user_id == actor.pk:
        # An administrator demoting or deactivating themselves could leave the organisation with nobody to
        # manage it; another administrator does it.
        raise OnboardingNotAllowed(_("You cannot change your own membership; ask another administrator."))
    return membership


@transaction.atomic
def membership_change_role(*, membership: Membership, role: str, actor: User) -> Membership:
    membership = _lock_member(membership, actor)
    errors: dict[str, list[str]] = {}
    _check_role(membership.organisation, role, errors)
    if errors:
        raise _invalid(errors)
    if role == membership.role:
        return membership
    if (
        Membership.objects.filter(user=membership.user, organisation=membership.organisation, role=role)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise _invalid({"role": [_("This member already holds that role here.")]})
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        action="role.grant",
        actor=actor,
        object_type="accounts.membership",
        object_id=membership.pk,
        details={
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "before": before,
            "after": role,
        },
    )
    return membership


@transaction.atomic
def membership_deactivate(*, membership: Membership, actor: User) -> Membership:
    membership = _lock_member(membership, actor)
    if not membership.is_active:
        return membership
    membership.is_active = False
    membership.save(update_fields=["is_active"])
    audit_record(
        action="accounts.membership.deactivate",
        actor=actor,
        object_type="accounts.membership",
        object_id=membership.pk,
        details={
            "user": membership.user_id,
            "organisation": membership.organisation_id,
            "role": membership.role,
        },
    )
    return membership


@transaction.atomic
def branch_create(*, name: str, district: str = "", uscc: str = "", actor: User) -> Organisation:
    """A branch (a bank under the administrator's head office), verified from the start: the bank vouches."""
    allowed, reason = can_create_branch(actor)
    if not allowed:
        raise OnboardingNotAllowed(reason, status=403)
    head = actor.organisation
    name = (name or "").strip()
    errors: dict[str, list[str]] = {}
    if not name:
        errors["name"] = [_("Give the branch's name.")]
    elif Organisation.objects.filter(name=name, parent=head).exists():
        errors["name"] = [_("Your bank already has a branch with this name.")]
    uscc = (uscc or "").strip()
    if uscc:
        checked = check_uscc(uscc)
        if not checked.valid:
            errors["uscc"] = [str(checked.message)]
        elif Organisation.objects.filter(uscc=checked.normalized).exists():
            errors["uscc"] = [_("An organisation with this credit code is already registered.")]
        else:
            uscc = checked.normalized
    if errors:
        raise _invalid(errors)
    try:
        branch = organisation_create(
            name=name, kind=OrgKind.BANK, uscc=uscc or None, parent=head, district=district, actor=actor
        )
    except ValidationError as error:
        raise _from_validation(error) from error
    audit_record(
        action="accounts.branch.create",
        actor=actor,
        object_type="accounts.organisation",
        object_id=branch.pk,
        details={"name": name, "head_office": head.pk, "district": district},
    )
    return branch
