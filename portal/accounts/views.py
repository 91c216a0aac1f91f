"""Sign-in (password, then the second factor), the account's security page, and the acting organisation.

Until the second step is passed nobody is signed in: the password step keeps only the pending user's id in
the session, for MFA_PENDING_SECONDS, and ``login()`` runs after the code (security.md check 15).
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from portal.accounts import lockout, mfa
from portal.accounts.forms import MfaDisableForm, OtpConfirmForm, OtpForm
from portal.accounts.middleware import ACTING_SESSION_KEY
from portal.accounts.models import User
from portal.accounts.passwords import password_expired
from portal.accounts.selectors import membership_list_for_user
from portal.accounts.sessions import session_register
from portal.accounts.throttled import too_many_requests
from portal.audit.models import AuditAction
from portal.audit.services import audit_login_failure, audit_record
from portal.net import client_ip
from portal.ratelimit import rate_limit_hit

PENDING_KEY = "_mfa_pending"  # {"user": id, "backend": path, "at": epoch seconds, "next": url}


def _safe_next(request, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _throttled(request, scope: str, rate: str, ident: str | None = None):
    """A 429 response when this request is over the limit, else None."""
    retry_after = rate_limit_hit(scope=scope, ident=ident or client_ip(request) or "unknown", rate=rate)
    return too_many_requests(request, retry_after) if retry_after else None


@sensitive_post_parameters("password")
@csrf_protect
@never_cache
def login_view(request):
    """Step one: the password. The same message for an unknown name and a wrong password (check 10)."""
    next_url = request.POST.get("next") or request.GET.get("next", "")
    if request.user.is_authenticated:
        return redirect(_safe_next(request, next_url))
    form = AuthenticationForm(request, data=request.POST if request.method == "POST" else None)
    locked_message = ""
    if request.method == "POST":
        limited = _throttled(request, "login", settings.SIGNIN_THROTTLE)
        if limited:
            return limited
        username = request.POST.get("username", "")
        ip = client_ip(request)
        until = lockout.locked_until(username=username, ip=ip)
        if until is not None:
            # The password is not even checked while locked, so guessing on gains nothing.
            audit_login_failure(username=username, request=request)
            minutes = max(1, int((until.timestamp() - time.time() + 59) // 60))
            form = AuthenticationForm(request, initial={"username": username})
            locked_message = _("Too many failed sign-ins. Try again in %(minutes)d minutes.") % {
                "minutes": minutes
            }
        elif form.is_valid():
            user = form.get_user()
            lockout.record_success(username=username)
            return _after_password(request, user, _safe_next(request, next_url))
        elif username:  # an empty form is a typo, not a guess
            lockout.record_failure(username=username, ip=ip, request=request)
    return render(
        request, "accounts/login.html", {"form": form, "next": next_url, "locked_message": locked_message}
    )


def _after_password(request, user, next_url: str):
    """Sign in now, or park the user for the second step (enrolment first when required and missing)."""
    has_device = mfa.confirmed_device(user) is not None
    if not has_device and not mfa.mfa_required_for(user):
        login(request, user)
        return redirect(next_url)
    request.session.cycle_key()  # the pending step gets a fresh id as well
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "at": time.time(),
        "next": next_url,
    }
    return redirect("mfa_verify" if has_device else "mfa_enrol")


def _pending_user(request) -> tuple[User | None, dict]:
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending.get("at", 0) > settings.MFA_PENDING_SECONDS:
        request.session.pop(PENDING_KEY, None)
        return None, {}
    return User.objects.filter(pk=pending["user"], is_active=True).first(), pending


def _finish_sign_in(request, user, pending: dict) -> None:
    request.session.pop(PENDING_KEY, None)
    user.backend = pending["backend"]
    login(request, user)


def _pending_expired(request):
    messages.error(request, _("Your sign-in took too long. Please sign in again."))
    return redirect("login")


def _second_step_limited(request, user):
    """The 429 page when the second step is tried too often from this address or for this account."""
    return _throttled(request, "otp", settings.OTP_THROTTLE) or _throttled(
        request, "otp_account", settings.OTP_ACCOUNT_THROTTLE, ident=str(user.pk)
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def mfa_verify(request):
    """Step two: a code from the authenticator app, or a recovery code."""
    user, pending = _pending_user(request)
    if user is None:
        return _pending_expired(request)
    if mfa.confirmed_device(user) is None:
        return redirect("mfa_enrol")
    form = OtpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if limited := _second_step_limited(request, user):
            return limited
        if form.is_valid():  # an empty or malformed code shows the form's own error
            if mfa.verify(user=user, code=form.cleaned_data["code"], request=request):
                _finish_sign_in(request, user, pending)
                return redirect(pending["next"])
            form.add_error("code", _("The code is not valid. Codes can be used only once."))
    return render(request, "accounts/mfa_verify.html", {"form": form})


def _enrol_page(request, user, form, *, signing_in: bool):
    device = mfa.device_start(user=user)
    return render(
        request,
        "accounts/mfa_setup.html",
        {"form": form, "qr_svg": mfa.qr_svg(device), "secret": device.secret, "signing_in": signing_in},
    )


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
def mfa_enrol(request):
    """Required enrolment during sign-in: a staff user without a device gets a session only after it."""
    user, pending = _pending_user(request)
    if user is None:
        return _pending_expired(request)
    if mfa.confirmed_device(user) is not None:
        return redirect("mfa_verify")
    form = OtpConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if limited := _second_step_limited(request, user):
            return limited
        if form.is_valid():  # an empty or malformed code shows the form's own error
            codes = mfa.device_confirm(user=user, code=form.cleaned_data["code"], request=request)
            if codes:
                _finish_sign_in(request, user, pending)
                return render(
                    request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": pending["next"]}
                )
            form.add_error("code", _("The code is not valid. Check the time on your phone and try again."))
    return _enrol_page(request, user, form, signing_in=True)


@login_required
@never_cache
def security(request):
    """The account's sign-in security page: second factor on or off, recovery codes."""
    user = request.user
    return render(
        request,
        "accounts/security.html",
        {
            "device": mfa.confirmed_device(user),
            "required": mfa.mfa_required_for(user),
            "remaining_codes": user.recovery_codes.filter(used_at__isnull=True).count(),
            "disable_form": MfaDisableForm(user=user),
            "code_form": OtpForm(),
            "password_expired": password_expired(user),
        },
    )


@login_required
@sensitive_post_parameters("code")
@never_cache
def mfa_setup(request):
    """Optional enrolment from the security page (enterprises), or a staff user's own set-up."""
    if mfa.confirmed_device(request.user) is not None:
        return redirect("account_security")
    form = OtpConfirmForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        limited = _throttled(
            request, "otp_account", settings.OTP_ACCOUNT_THROTTLE, ident=str(request.user.pk)
        )
        if limited:
            return limited
        if form.is_valid():  # an empty or malformed code shows the form's own error
            codes = mfa.device_confirm(user=request.user, code=form.cleaned_data["code"], request=request)
            if codes:
                return render(
                    request,
                    "accounts/mfa_recovery_codes.html",
                    {"codes": codes, "next": resolve_url("account_security")},
                )
            form.add_error("code", _("The code is not valid. Check the time on your phone and try again."))
    return _enrol_page(request, request.user, form, signing_in=False)


@login_required
@require_POST
@sensitive_post_parameters("password", "code")
def mfa_disable(request):
    """Turn the second factor off: password and a current code. Refused when the role requires it."""
    user = request.user
    if mfa.mfa_required_for(user):
        messages.error(request, _("Your role requires a second factor; it cannot be turned off."))
        return redirect("account_security")
    limited = _throttled(request, "otp_account", settings.OTP_ACCOUNT_THROTTLE, ident=str(user.pk))
    if limited:
        return limited
    form = MfaDisableForm(request.POST, user=user)
    if form.is_valid() and mfa.verify(user=user, code=form.cleaned_data["code"], request=request):
        mfa.device_remove(user=user, actor=user, request=request)
        messages.success(request, _("The second factor is turned off."))
    else:
        messages.error(request, _("The password or the code is not correct; nothing was changed."))
    return redirect("account_security")


@login_required
@require_POST
@sensitive_post_parameters("code")
def mfa_recovery_regenerate(request):
    """New recovery codes (the old ones stop working), after a current code."""
    user = request.user
    limited = _throttled(request, "otp_account", settings.OTP_ACCOUNT_THROTTLE, ident=str(user.pk))
    if limited:
        return limited
    form = OtpForm(request.POST)
    if (
        mfa.confirmed_device(user)
        and form.is_valid()
        and mfa.verify(user=user, code=form.cleaned_data["code"], request=request)
    ):
        codes = mfa.recovery_codes_regenerate(user=user, request=request)
        return render(
            request,
            "accounts/mfa_recovery_codes.html",
            {"codes": codes, "next": resolve_url("account_security")},
        )
    messages.error(request, _("The code is not valid. Codes can be used only once."))
    return redirect("account_security")


class PortalPasswordChangeView(auth_views.PasswordChangeView):
    """Django's change page; the other sessions end (sessions.py), this one stays signed in."""

    template_name = "accounts/password_change.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["password_expired"] = password_expired(self.request.user)
        context["max_age_days"] = settings.PASSWORD_MAX_AGE_DAYS
        return context

    def form_valid(self, form):
        response = super().form_valid(form)  # saves (ending every session) and moves this one to a new key
        session_register(request=self.request, user=form.user)
        audit_record(
            action=AuditAction.PASSWORD_CHANGE,
            request=self.request,
            actor=form.user,
            object_type="accounts.user",
            object_id=form.user.pk,
        )
        return response


@login_required
@require_POST
def switch_acting_membership(request):
    """Act for another of the user's organisations (or roles) from now on in this session."""
    membership = membership_list_for_user(user=request.user).filter(pk=request.POST.get("membership")).first()
    if membership is None:
        messages.error(request, _("You have no such role."))
    else:
        request.session[ACTING_SESSION_KEY] = membership.pk
        messages.success(request, _("You now act for %(org)s.") % {"org": membership.organisation})
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "home"
    return redirect(target)


def admin_login(request, extra_context=None):
    """Replaces the admin's sign-in form: the portal's sign-in, then back to the admin."""
    if request.user.is_authenticated:
        # Signed in but not staff: the admin has nothing for this user.
        return redirect(settings.LOGIN_REDIRECT_URL)
    return redirect_to_login(request.GET.get("next") or resolve_url("admin:index"))
