"""Monitoring alerts on running loans (issue 4, domain.md §2.1.5 and §2.3): a pledged asset's legal status
changed, a pledged patent's annual fee is unpaid, the loan is overdue, the loan is non-performing.

Each alert is raised once per fact: ``LoanAlert`` is unique on ``(loan, kind, key)`` and the key names the
fact (the asset, its status and since when; the fee date paid through; the date the loan fell overdue or
non-performing), so the hourly sweep, a check queued after each reported fact and a redelivered task
all raise it once. Only rows actually created are notified, each with its own dedupe key.
"""

from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from loans.models import ACTIVE_LOAN_STATUSES, LENDER_ROLES, AlertKind, Loan, LoanAlert
from pledges.models import IpAsset, LegalStatus, Status
from pledges.services.register import ENDED_STATUSES
from portal.accounts.models import Membership, Role, User
from portal.notifications.services import notify
from portal.policy.models import IpKind

# A registration in one of these no longer pledges its assets (or never will): nothing to watch there.
_DEAD_REGISTRATIONS = frozenset({Status.REFUSED, Status.WITHDRAWN, Status.CANCELLED})
_KEY_MAX = LoanAlert._meta.get_field("key").max_length


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    message: str


def _watched_assets(loan: Loan) -> list[IpAsset]:
    """The assets of the loan's linked pledge registrations still standing."""
    standing = loan.registrations.exclude(status__in=_DEAD_REGISTRATIONS)
    return list(
        IpAsset.objects.filter(registration_links__registration__in=standing).distinct().order_by("pk")
    )


def _asset_label(asset: IpAsset) -> str:
    return f"{IpKind(asset.kind).label} {asset.number} ({asset.title})"


def loan_findings(loan: Loan, *, today: date) -> list[Finding]:
    """What is wrong with the loan today, each with the key that makes its alert unique. Messages are in
    the active language (the caller picks the portal's)."""
    findings: list[Finding] = []
    for asset in _watched_assets(loan):
        if asset.legal_status != LegalStatus.IN_FORCE:
            since = asset.legal_status_since.isoformat() if asset.legal_status_since else ""
            values = {
                "asset": _asset_label(asset),
                "status": LegalStatus(asset.legal_status).label,
                "date": since,
            }
            message = (
                _("The legal status of pledged %(asset)s is “%(status)s” since %(date)s.") % values
                if since
                else _("The legal status of pledged %(asset)s is “%(status)s”.") % values
            )
            findings.append(
                Finding(
                    AlertKind.LEGAL_STATUS, f"{asset.pk}:{asset.legal_status}:{since}"[:_KEY_MAX], message
                )
            )
        paid_through = asset.annual_fee_paid_through
        # An ended patent owes no more fees: its legal-status alert already says what matters.
        if (
            asset.kind == IpKind.PATENT
            and paid_through is not None
            and paid_through < today
            and asset.legal_status not in ENDED_STATUSES
        ):
            findings.append(
                Finding(
                    AlertKind.ANNUAL_FEE,
                    f"{asset.pk}:{paid_through.isoformat()}",
                    _("The annual fee of pledged %(asset)s is unpaid: fees are paid only through %(date)s.")
                    % {"asset": _asset_label(asset), "date": paid_through.isoformat()},
                )
            )
    if loan.overdue_since is not None:
        findings.append(
            Finding(
                AlertKind.OVERDUE,
                loan.overdue_since.isoformat(),
                _("Loan %(loan)s is overdue since %(date)s (%(days)d days when last reported).")
                % {"loan": loan.reference, "date": loan.overdue_since.isoformat(), "days": loan.overdue_days},
            )
        )
    if loan.non_performing_on is not None and loan.is_non_performing:
        findings.append(
            Finding(
                AlertKind.NON_PERFORMING,
                loan.non_performing_on.isoformat(),
                _("Loan %(loan)s is non-performing since %(date)s (classified “%(category)s”).")
                % {
                    "loan": loan.reference,
                    "date": loan.non_performing_on.isoformat(),
                    "category": loan.get_classification_display(),
                },
            )
        )
    return findings


def alert_recipients(loan: Loan) -> list[User]:
    """The lending bank's officers and managers (for a branch also its head office's managers, who answer
    for the branch's book) and the promotion centre's officers."""
    bank = loan.bank
    memberships = Q(organisation=bank, role__in=LENDER_ROLES) | Q(role=Role.PROMOTION_OFFICER)
    if bank.parent_id:
        memberships |= Q(organisation_id=bank.parent_id, role=Role.BANK_MANAGER)
    user_ids = Membership.objects.filter(memberships, is_active=True, organisation__is_active=True).values(
        "user_id"
    )
    return list(User.objects.filter(pk__in=user_ids, is_active=True).order_by("pk"))


def _notify(alert: LoanAlert, loan: Loan, recipients: list[User]) -> None:
    notify(
        recipients=recipients,
        kind=f"loans.alert.{alert.kind}",
        template="loans_alert",
        context={
            "loan": loan,
            "alert": alert,
            "kind_label": AlertKind(alert.kind).label,
            "bank": loan.bank.name,
            "enterprise": loan.enterprise.name,
        },
        link=reverse("loans:loan_detail", args=[loan.pk]),
        dedupe_key=f"loan-alert:{alert.pk}",
    )


def loan_alerts_check(*, loan_id: int, today: date | None = None) -> int:
    """Raise the alerts the loan's facts call for today and notify the new ones. Safe to run twice or
    concurrently (the unique key). Loans not running (not yet disbursed, settled, written off,
    cancelled) are not watched. Returns how many alerts were new."""
    today = today or localdate()
    loan = (
        Loan.objects.select_related("bank", "enterprise")
        .filter(pk=loan_id, status__in=ACTIVE_LOAN_STATUSES)
        .first()
    )
    if loan is None:
        return 0
    # Stored messages and mails speak the portal's language, whatever language queued the check.
    with translation.override(settings.LANGUAGE_CODE):
        findings = loan_findings(loan, today=today)
    if not findings:
        return 0
    known = set(loan.alerts.values_list("kind", "key"))
    new = [finding for finding in findings if (finding.kind, finding.key) not in known]
    if not new:
        return 0
    recipients = alert_recipients(loan)
    created = 0
    for finding in new:
        # One transaction per alert: a failed notice rolls its alert back, so the next sweep retries it.
        with transaction.atomic():
            alert, was_created = LoanAlert.objects.get_or_create(
                loan=loan,
                kind=finding.kind,
                key=finding.key,
                defaults={"message": finding.message, "raised_on": today},
            )
            if was_created:
                created += 1
                _notify(alert, loan, recipients)
    return created


def loan_alerts_sweep(*, today: date | None = None, batch_size: int = 500) -> int:
    """Check every running loan, in batches of ``batch_size`` ids walked upwards (no offset, no count), so
    a sweep over many loans holds no long transaction and sees loans added while it runs. Returns how
    many alerts were new."""
    today = today or localdate()
    created = 0
    last_id = 0
    while True:
        ids = list(
            Loan.objects.filter(status__in=ACTIVE_LOAN_STATUSES, pk__gt=last_id)
            .order_by("pk")
            .values_list("pk", flat=True)[:batch_size]
        )
        if not ids:
            return created
        for loan_id in ids:
            created += loan_alerts_check(loan_id=loan_id, today=today)
        last_id = ids[-1]
