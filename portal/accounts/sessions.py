"""Sessions with a sliding idle timeout that costs no write per request.

``SESSION_SAVE_EVERY_REQUEST`` slides the expiry by saving the session on every request: an UPDATE and a
commit (a WAL flush) for every page and API call, measured at 2.4 ms of a signed-in loan list page's
17 ms on this kind of machine. Here a session is saved, and its expiry and cookie pushed forward, only when it
changed or when its last refresh is ``SESSION_REFRESH_SECONDS`` old. A session therefore ends between
``SESSION_COOKIE_AGE - SESSION_REFRESH_SECONDS`` and ``SESSION_COOKIE_AGE`` seconds after its last request.
"""

import time
from importlib import import_module

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.contrib.sessions.middleware import SessionMiddleware
from django.contrib.sessions.models import Session
from django.db.models.signals import post_save, pre_save
from django.dispatch import Signal, receiver
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import User, UserSession
from portal.accounts.passwords import password_expired
from portal.audit.models import AuditAction
from portal.audit.services import audit_record

REFRESHED_KEY = "_refreshed_at"  # epoch seconds of the session's last save


class SlidingSessionMiddleware(SessionMiddleware):
    def process_response(self, request, response):
        session = getattr(request, "session", None)
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            if session.modified or now - session.get(REFRESHED_KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[REFRESHED_KEY] = now  # marks it modified: Django saves it and resends the cookie
        return super().process_response(request, response)


@receiver(user_logged_in, dispatch_uid="session_refreshed_at_login")
def _stamp_at_login(sender, request, user, **kwargs):
    """Signing in saves the new session anyway: stamp it then, so the next request writes nothing."""
    session = getattr(request, "session", None)
    if session is not None:
        session[REFRESHED_KEY] = int(time.time())


# --- Absolute lifetime and revocation (security.md checks 13 and 14) ---------------------------------------

LOGIN_AT_KEY = "_login_at"  # epoch seconds of the sign-in that created this session

# Sent when a user's sessions are ended for a password change or a deactivation; portal.apiauth revokes the
# tokens of the API clients this user is the service user of (it sits above accounts, so it listens).
credentials_revoked = Signal()


@receiver(user_logged_in, dispatch_uid="session_login_at_and_register")
def _register_at_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is None:
        return
    session[LOGIN_AT_KEY] = int(time.time())
    session_register(request=request, user=user)
    _forget_ended_sessions(user)


def _forget_ended_sessions(user) -> None:
    """Drop the user's rows for sessions that ended by timing out (logout removes its own row), so the list
    stays as long as the user's live sessions. Only with the database session store, which can be joined."""
    if settings.SESSION_ENGINE != "django.contrib.sessions.backends.db":
        return
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    UserSession.objects.filter(user=user).exclude(session_key__in=live).delete()


@receiver(user_logged_out, dispatch_uid="session_unregister_at_logout")
def _unregister_at_logout(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        UserSession.objects.filter(session_key=session.session_key).delete()


def session_register(*, request, user) -> None:
    """Keep the session (after a key change such as a password change) on the user's list."""
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(session_key=request.session.session_key, defaults={"user": user})


def sessions_revoke(
    *, user, reason: str, keep_session_key: str | None = None, actor=None, request=None
) -> int:
    """End every session of ``user`` except ``keep_session_key``, revoke the API tokens acting as the user,
    and audit it. Returns the number of sessions ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    ended = 0
    for row in UserSession.objects.filter(user=user).exclude(session_key=keep_session_key or ""):
        store(session_key=row.session_key).delete()
        row.delete()
        ended += 1
    responses = credentials_revoked.send(sender=User, user=user, reason=reason)
    tokens = sum(result or 0 for _receiver, result in responses)
    audit_record(
        action=AuditAction.SESSIONS_REVOKED,
        request=request,
        actor=actor,
        object_type="accounts.user",
        object_id=user.pk,
        # Key names without "session" or "token": the audit log redacts values under such keys.
        details={"reason": reason, "signins_ended": ended, "api_grants_revoked": tokens},
    )
    return ended


@receiver(pre_save, sender=User, dispatch_uid="user_credentials_change_watch")
def _watch_credentials(sender, instance, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None:
        return
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return
    before = User.objects.filter(pk=instance.pk).values("password", "is_active").first()
    if before is None:
        return
    if before["password"] != instance.password:
        instance._revoke_reason = "password_change"
    elif before["is_active"] and not instance.is_active:
        instance._revoke_reason = "deactivated"


@receiver(post_save, sender=User, dispatch_uid="user_credentials_change_revoke")
def _revoke_on_change(sender, instance, raw=False, **kwargs):
    reason = instance.__dict__.pop("_revoke_reason", None)
    if reason and not raw:
        # Every session, the current one included: a self-service change re-registers the session it keeps
        # (PortalPasswordChangeView), which Django has moved to a new key by then.
        sessions_revoke(user=instance, reason=reason)


class SessionPolicyMiddleware:
    """Ends a session SESSION_ABSOLUTE_SECONDS after its sign-in however active it was (ASVS 7.3.2), and
    sends a user whose password is older than PASSWORD_MAX_AGE_DAYS to the change page (check 11).

    Sits after AuthenticationMiddleware; the idle timeout stays with SlidingSessionMiddleware.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = request.session
        if SESSION_KEY in session:
            now = int(time.time())
            login_at = session.get(LOGIN_AT_KEY)
            if login_at is None:
                session[LOGIN_AT_KEY] = now  # a session from before this rule: its clock starts now
            elif now - login_at > settings.SESSION_ABSOLUTE_SECONDS:
                audit_record(
                    action=AuditAction.SESSION_EXPIRED,
                    request=request,
                    actor=request.user,
                    details={"signed_in_seconds_ago": now - login_at},
                )
                UserSession.objects.filter(session_key=session.session_key).delete()
                session.flush()
                request.user = AnonymousUser()
            elif request.user.is_authenticated and password_expired(request.user) and not _exempt(request):
                if request.path.startswith("/api/"):
                    return JsonResponse(
                        {"message": str(_("Your password has expired: change it first.")), "errors": {}},
                        status=403,
                    )
                return redirect("password_change")
        return self.get_response(request)


def _exempt(request) -> bool:
    """The pages a user with an expired password can still reach: the change page, logout, language."""
    path = request.path
    allowed = (reverse("password_change"), reverse("password_change_done"), reverse("logout"), "/i18n/")
    return path.startswith(allowed) or path.startswith("/" + settings.STATIC_URL.lstrip("/"))
