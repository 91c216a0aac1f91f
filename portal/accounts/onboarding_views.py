"""Onboarding pages: public registration and invitation links, the promotion centre's verification queue,
and the organisation administrator's members, invitations and branches. Each view parses, calls one
service from onboarding.py and renders."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portal.accounts import onboarding
from portal.accounts.models import VerificationStatus
from portal.accounts.onboarding_forms import (
    AcceptInvitationForm,
    BranchForm,
    InvitationForm,
    MemberRoleForm,
    RegisterForm,
    VerificationDecisionForm,
)
from portal.accounts.throttled import too_many_requests
from portal.net import client_ip
from portal.ratelimit import rate_limit_hit

PAGE_SIZE = 25


def _require(allowed_reason: tuple[bool, str]) -> None:
    allowed, reason = allowed_reason
    if not allowed:
        raise PermissionDenied(reason)


def _throttled(request, scope: str):
    retry_after = rate_limit_hit(
        scope=scope, ident=client_ip(request) or "unknown", rate=settings.REGISTRATION_THROTTLE
    )
    return too_many_requests(request, retry_after) if retry_after else None


def _errors_onto(form, error: onboarding.OnboardingError) -> None:
    # The services name fields as the forms do; anything else goes on top of the form.
    for name, field_errors in error.errors.items():
        form.add_error(name if name in form.fields else None, field_errors)
    if not error.errors:
        form.add_error(None, error.message)


def _refused(request, error: onboarding.OnboardingError, target: str):
    if error.http_status == 403:
        raise PermissionDenied(error.message)
    messages.error(request, error.message)
    return redirect(target)


# ---------------------------------------------------------------------------------------------------------
# Public: registration and the invitation link


@sensitive_post_parameters("password", "password_confirm")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def register(request):
    if request.user.is_authenticated:
        messages.info(request, _("You are signed in already; sign out to register another enterprise."))
        return redirect("home")
    form = RegisterForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if limited := _throttled(request, "register"):
            return limited
        if form.is_valid():
            data = form.cleaned_data
            try:
                organisation, _user = onboarding.enterprise_register(
                    uscc=data["uscc"],
                    name=data["name"],
                    district=data["district"],
                    park=data["park"],
                    contact_name=data["contact_name"],
                    contact_phone=data["contact_phone"],
                    contact_email=data["contact_email"],
                    username=data["username"],
                    password=data["password"],
                )
            except onboarding.OnboardingError as error:
                _errors_onto(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "%(name)s is registered and awaits verification by the promotion centre. Sign in to "
                        "invite colleagues and prepare your IP register; the decision is sent to you."
                    )
                    % {"name": organisation.name},
                )
                return redirect("login")
        status = 400
    return render(request, "accounts/onboarding/register.html", {"form": form}, status=status)


@sensitive_post_parameters("password", "password_confirm")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    invitation = onboarding.invitation_find(token)
    if invitation is None:
        raise Http404(_("This invitation link is not valid."))
    refusal = onboarding.invitation_refusal(invitation)
    if refusal:
        return render(
            request, "accounts/onboarding/invitation_invalid.html", {"message": refusal}, status=410
        )
    if request.user.is_authenticated:
        return render(
            request,
            "accounts/onboarding/invitation_invalid.html",
            {"message": _("Sign out first: an invitation creates a new account for the person invited.")},
            status=409,
        )
    form = AcceptInvitationForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if limited := _throttled(request, "invitation_accept"):
            return limited
        if form.is_valid():
            data = form.cleaned_data
            try:
                onboarding.invitation_accept(
                    token=token,
                    username=data["username"],
                    password=data["password"],
                    full_name=data["full_name"],
                )
            except onboarding.OnboardingInvalid as error:
                _errors_onto(form, error)
            except onboarding.OnboardingError as error:
                return render(
                    request,
                    "accounts/onboarding/invitation_invalid.html",
                    {"message": error.message},
                    status=error.http_status,
                )
            else:
                messages.success(
                    request,
                    _("Your account is ready: you are a member of %(org)s. Sign in to start.")
                    % {"org": invitation.organisation.name},
                )
                return redirect("login")
        status = 400
    return render(
        request,
        "accounts/onboarding/invitation_accept.html",
        {"form": form, "invitation": invitation},
        status=status,
    )


# ---------------------------------------------------------------------------------------------------------
# The promotion centre


@login_required
@require_GET
def verification_queue(request):
    _require(onboarding.can_verify_organisations(request.user))
    status = request.GET.get("status", VerificationStatus.PENDING)
    if status not in VerificationStatus.values:
        status = VerificationStatus.PENDING
    page = Paginator(onboarding.verification_list(user=request.user, status=status), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "accounts/onboarding/verification_queue.html",
        {"page": page, "status": status, "statuses": VerificationStatus.choices},
    )


@login_required
@require_http_methods(["GET", "POST"])
def verification_detail(request, pk: int):
    _require(onboarding.can_verify_organisations(request.user))
    organisation = onboarding.verification_get_for_user(user=request.user, pk=pk)
    form = VerificationDecisionForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                onboarding.verification_transition(
                    organisation=organisation,
                    to=form.cleaned_data["decision"],
                    reason=form.cleaned_data["reason"],
                    actor=request.user,
                )
            except onboarding.OnboardingInvalid as error:
                _errors_onto(form, error)
            except onboarding.OnboardingError as error:
                return _refused(request, error, request.path)
            else:
                messages.success(
                    request,
                    _("The decision on %(name)s is recorded and the enterprise is told.")
                    % {"name": organisation.name},
                )
                return redirect("onboarding:verification_queue")
        status = 400
    return render(
        request,
        "accounts/onboarding/verification_detail.html",
        {
            "organisation": organisation,
            "profile": getattr(organisation, "enterprise_profile", None),
            "events": organisation.events.select_related("actor"),
            "members": organisation.memberships.select_related("user").order_by("pk"),
            "form": form,
            "can_decide": bool(onboarding.available_verification_transitions(organisation, request.user)),
        },
        status=status,
    )


# ---------------------------------------------------------------------------------------------------------
# The organisation's administrator


def _members_page(request, *, invite_form=None, status=200):
    user = request.user
    organisations = onboarding.managed_organisations(user)
    memberships = list(onboarding.membership_list_for_admin(user=user))
    for membership in memberships:
        membership.role_form = MemberRoleForm(membership=membership, prefix=f"m{membership.pk}")
    return render(
        request,
        "accounts/onboarding/members.html",
        {
            "organisation": user.organisation,
            "memberships": memberships,
            "invitations": onboarding.invitation_list_for_admin(user=user, pending_only=True),
            "invite_form": invite_form or InvitationForm(organisations=organisations),
            "branches": organisations.exclude(pk=user.organisation.pk),
            "can_create_branch": onboarding.can_create_branch(user)[0],
            "valid_days": onboarding.INVITATION_VALID_DAYS,
        },
        status=status,
    )


@login_required
@require_GET
def members(request):
    _require(onboarding.can_administer_members(request.user))
    return _members_page(request)


@login_required
@require_POST
def invitation_create(request):
    _require(onboarding.can_administer_members(request.user))
    form = InvitationForm(request.POST, organisations=onboarding.managed_organisations(request.user))
    if form.is_valid():
        data = form.cleaned_data
        try:
            invitation = onboarding.invitation_create(
                organisation=data["organisation"], email=data["email"], role=data["role"], actor=request.user
            )
        except onboarding.OnboardingInvalid as error:
            _errors_onto(form, error)
        except onboarding.OnboardingError as error:
            return _refused(request, error, "onboarding:members")
        else:
            messages.success(
                request,
                _("An invitation was sent to %(email)s. The link works for %(days)d days.")
                % {"email": invitation.email, "days": onboarding.INVITATION_VALID_DAYS},
            )
            return redirect("onboarding:members")
    return _members_page(request, invite_form=form, status=400)


@login_required
@require_POST
def invitation_revoke(request, pk: int):
    _require(onboarding.can_administer_members(request.user))
    invitation = onboarding.invitation_get_for_admin(user=request.user, pk=pk)
    try:
        onboarding.invitation_revoke(invitation=invitation, actor=request.user)
    except onboarding.OnboardingError as error:
        return _refused(request, error, "onboarding:members")
    messages.success(request, _("The invitation to %(email)s is withdrawn.") % {"email": invitation.email})
    return redirect("onboarding:members")


@login_required
@require_POST
def member_update(request, pk: int):
    """Change a member's role (``action=role``) or deactivate them (``action=deactivate``)."""
    _require(onboarding.can_administer_members(request.user))
    membership = onboarding.membership_get_for_admin(user=request.user, pk=pk)
    action = request.POST.get("action")
    try:
        if action == "deactivate":
            onboarding.membership_deactivate(membership=membership, actor=request.user)
            messages.success(
                request, _("%(user)s is no longer an active member.") % {"user": membership.user}
            )
        elif action == "role":
            form = MemberRoleForm(request.POST, membership=membership, prefix=f"m{membership.pk}")
            if not form.is_valid():
                messages.error(request, _("Choose one of the roles offered."))
                return redirect("onboarding:members")
            onboarding.membership_change_role(
                membership=membership, role=form.cleaned_data["role"], actor=request.user
            )
            messages.success(request, _("The role of %(user)s is changed.") % {"user": membership.user})
        else:
            messages.error(request, _("Choose what to do with this member."))
    except onboarding.OnboardingError as error:
        if error.errors:
            error.message = " ".join(message for messages_ in error.errors.values() for message in messages_)
        return _refused(request, error, "onboarding:members")
    return redirect("onboarding:members")


@login_required
@require_http_methods(["GET", "POST"])
def branch_create(request):
    _require(onboarding.can_create_branch(request.user))
    form = BranchForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                branch = onboarding.branch_create(
                    name=data["name"], district=data["district"], uscc=data["uscc"], actor=request.user
                )
            except onboarding.OnboardingInvalid as error:
                _errors_onto(form, error)
            except onboarding.OnboardingError as error:
                return _refused(request, error, "onboarding:members")
            else:
                messages.success(
                    request,
                    _("Branch %(name)s is open. Invite its officers below.") % {"name": branch.name},
                )
                return redirect("onboarding:members")
        status = 400
    return render(request, "accounts/onboarding/branch_form.html", {"form": form}, status=status)
