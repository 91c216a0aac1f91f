"""Second factor: authenticator-app codes (TOTP, RFC 6238) and single-use recovery codes (check 15).

Staff (``MFA_STAFF_ROLES``, and Django staff) must use it when MFA_REQUIRED is on; enterprise users may.
A code is accepted once: the device remembers the last time step it accepted, and an older or equal step
is refused even within its 30 seconds (ASVS 6.5.1). The QR code is drawn here as inline SVG: nothing
leaves the portal (no CDN, no chart service).
"""

import hashlib
import hmac
import secrets

import pyotp
import segno
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from portal.accounts.models import MFA_STAFF_ROLES, RecoveryCode, TotpDevice, User
from portal.audit.models import AuditAction, Outcome
from portal.audit.services import audit_record

RECOVERY_CODE_COUNT = 10
ISSUER = "IPFin Beijing"
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def is_staff_user(user) -> bool:
    if user.is_staff or user.is_superuser:
        return True
    return user.memberships.filter(is_active=True, role__in=MFA_STAFF_ROLES).exists()


def confirmed_device(user) -> TotpDevice | None:
    return TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()


def mfa_required_for(user) -> bool:
    return bool(settings.MFA_REQUIRED) and is_staff_user(user)


def provisioning_uri(device: TotpDevice) -> str:
    return pyotp.TOTP(device.secret).provisioning_uri(name=device.user.get_username(), issuer_name=ISSUER)


def qr_svg(device: TotpDevice) -> str:
    return segno.make(provisioning_uri(device), error="m").svg_inline(scale=4, border=2)


def device_start(*, user: User) -> TotpDevice:
    """The device to enrol: a new secret the first time, then the same unconfirmed one (the QR code the user
    scanned stays valid across reloads); a confirmed device is returned as it is."""
    device = TotpDevice.objects.filter(user=user).first()
    if device is not None and device.confirmed_at is not None:
        return device
    if device is None:
        return TotpDevice.objects.create(user=user, secret=pyotp.random_base32())
    return device


def _matching_step(device: TotpDevice, code: str) -> int | None:
    """The time step (now ±1, for clock drift) whose code this is, if later than the last one used."""
    code = "".join((code or "").split())
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(device.secret)
    current = totp.timecode(timezone.now())
    for step in (current - 1, current, current + 1):
        if step > device.last_step and hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _use_code(device: TotpDevice, code: str) -> bool:
    step = _matching_step(device, code)
    if step is None:
        return False
    # Conditional update: two requests racing with the same code cannot both win.
    return TotpDevice.objects.filter(pk=device.pk, last_step__lt=step).update(last_step=step) == 1


def _digest(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").strip().lower().encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    RecoveryCode.objects.filter(user=user).delete()
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    RecoveryCode.objects.bulk_create([RecoveryCode(user=user, digest=_digest(code)) for code in codes])
    return codes


def _audit(action: str, user: User, request, **extra) -> None:
    """An audit row about ``user``'s second factor, acted by the user."""
    audit_record(
        action=action, request=request, actor=user, object_type="accounts.user", object_id=user.pk, **extra
    )


@transaction.atomic
def device_confirm(*, user: User, code: str, request=None) -> list[str] | None:
    """Confirm the pending device with a code from it; returns the new recovery codes (shown once), or None
    when the code is wrong."""
    device = TotpDevice.objects.select_for_update().filter(user=user, confirmed_at__isnull=True).first()
    if device is None or not _use_code(device, code):
        return None
    TotpDevice.objects.filter(pk=device.pk).update(confirmed_at=timezone.now())
    codes = _new_recovery_codes(user)
    _audit(AuditAction.MFA_ENROLLED, user, request)
    return codes


def verify(*, user: User, code: str, request=None) -> bool:
    """The second step of sign-in: a current code from the device, or an unused recovery code. Audited."""
    device = confirmed_device(user)
    if device is not None and _use_code(device, code):
        _audit(AuditAction.MFA_VERIFIED, user, request)
        return True
    used = RecoveryCode.objects.filter(user=user, digest=_digest(code or ""), used_at__isnull=True)
    if code and used.update(used_at=timezone.now()) == 1:
        remaining = RecoveryCode.objects.filter(user=user, used_at__isnull=True).count()
        _audit(AuditAction.MFA_RECOVERY_USED, user, request, details={"remaining": remaining})
        return True
    _audit(AuditAction.MFA_FAILED, user, request, outcome=Outcome.FAILURE)
    return False


@transaction.atomic
def recovery_codes_regenerate(*, user: User, request=None) -> list[str]:
    codes = _new_recovery_codes(user)
    _audit(AuditAction.MFA_RECOVERY_REGENERATED, user, request)
    return codes


@transaction.atomic
def device_remove(*, user: User, actor: User, request=None) -> bool:
    """Remove the device and recovery codes: by the user (disable) or by staff (reset). Audited."""
    deleted, _ = TotpDevice.objects.filter(user=user).delete()
    RecoveryCode.objects.filter(user=user).delete()
    action = AuditAction.MFA_DISABLED if actor.pk == user.pk else AuditAction.MFA_RESET
    audit_record(action=action, request=request, actor=actor, object_type="accounts.user", object_id=user.pk)
    return bool(deleted)
