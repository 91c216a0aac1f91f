"""Writes for users and organisations. Keyword-only arguments; the acting user comes last."""

from django.db import transaction

from portal.accounts.models import (
    EnterpriseProfile,
    Membership,
    Organisation,
    OrgKind,
    User,
    VerificationStatus,
)


@transaction.atomic
def organisation_create(
    *,
    name: str,
    kind: str,
    uscc: str | None = None,
    parent: Organisation | None = None,
    district: str = "",
    verification_status: str = VerificationStatus.VERIFIED,
    actor: User | None = None,
) -> Organisation:
    # Verified by default: staff and the demo create organisations they know. Only an enterprise registering
    # itself (portal.accounts.onboarding.enterprise_register) starts pending.
    organisation = Organisation(
        name=name,
        kind=kind,
        uscc=(uscc or "").strip().upper() or None,
        parent=parent,
        district=district,
        verification_status=verification_status,
    )
    organisation.full_clean()
    organisation.save()
    return organisation


@transaction.atomic
def enterprise_create(
    *,
    name: str,
    uscc: str,
    district: str,
    contact_name: str,
    park=None,
    industry: str = "other",
    flags: dict[str, bool] | None = None,
    contact_phone: str = "",
    contact_email: str = "",
    verification_status: str = VerificationStatus.VERIFIED,
    actor: User | None = None,
) -> Organisation:
    organisation = organisation_create(
        name=name,
        kind=OrgKind.ENTERPRISE,
        uscc=uscc,
        district=district,
        verification_status=verification_status,
        actor=actor,
    )
    profile = EnterpriseProfile(
        organisation=organisation,
        park=park,
        industry=industry,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_email=contact_email,
        **(flags or {}),
    )
    profile.full_clean()
    profile.save()
    return organisation


@transaction.atomic
def membership_grant(
    *, user: User, organisation: Organisation, role: str, actor: User | None = None
) -> Membership:
    membership, _ = Membership.objects.get_or_create(user=user, organisation=organisation, role=role)
    membership.full_clean()
    if not membership.is_active:
        membership.is_active = True
        membership.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def user_create(
    *,
    username: str,
    password: str | None,
    full_name: str = "",
    email: str = "",
    organisation: Organisation | None = None,
    role: str | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    actor: User | None = None,
) -> User:
    user = User(
        username=username,
        full_name=full_name,
        email=email,
        is_staff=is_staff,
        is_superuser=is_superuser,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    if organisation is not None and role is not None:
        membership_grant(user=user, organisation=organisation, role=role, actor=actor)
    return user
