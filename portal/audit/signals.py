"""Authentication events into the audit log (ASVS 16.3.1; GB/T 22239-2019 8.1.4.3 a)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from portal.audit.models import AuditAction
from portal.audit.services import audit_login_failure, audit_record


@receiver(user_logged_in, dispatch_uid="audit_login_success")
def record_login_success(sender, request, user, **kwargs):
    audit_record(action=AuditAction.LOGIN_SUCCESS, request=request, actor=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failure")
def record_login_failure(sender, credentials, request=None, **kwargs):
    # Django has already masked the password in ``credentials``; only the attempted name is read.
    username_field = get_user_model().USERNAME_FIELD
    username = credentials.get(username_field) or credentials.get("username") or ""
    audit_login_failure(username=username, request=request)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def record_logout(sender, request, user, **kwargs):
    # ``user`` is None when a visitor who was not signed in posts to the logout URL: nothing to record.
    if user is not None:
        audit_record(action=AuditAction.LOGOUT, request=request, actor=user)
