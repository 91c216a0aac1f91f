"""The monthly report: last month's overview, city-wide, e-mailed with its workbook to the joint-meeting
office's members. One ``MonthlyReport`` row per month and recipient makes a second run send nothing."""

from datetime import date

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from portal.accounts.models import Membership, OrgKind, Role
from stats import presenters, rollup
from stats.dims import Filters, Period
from stats.exports import overview_workbook
from stats.figures import SnapshotSource, overview_for
from stats.models import MonthlyReport
from stats.permissions import Scope


def previous_month(today: date) -> Period:
    return Period("M", today.year - 1, 12) if today.month == 1 else Period("M", today.year, today.month - 1)


def recipients():
    memberships = Membership.objects.filter(
        is_active=True,
        role=Role.JOINT_OFFICE_VIEWER,
        organisation__kind=OrgKind.JOINT_OFFICE,
        organisation__is_active=True,
        user__is_active=True,
    ).exclude(user__email="")
    return [m.user for m in memberships.select_related("user").order_by("user_id")]


def send_monthly_report(period_text: str | None = None) -> int:
    """Refresh, then send; returns how many e-mails went out."""
    period = Period.parse(period_text) if period_text else previous_month(timezone.localdate())
    pending = [
        u for u in recipients() if not MonthlyReport.objects.filter(period=str(period), recipient=u).exists()
    ]
    if not pending:
        return 0
    try:
        snapshot = rollup.refresh(trigger="monthly report")
    except rollup.RefreshRunning:
        snapshot = rollup.current()
    if snapshot is None:
        return 0
    overview = overview_for(SnapshotSource(snapshot), Scope(), period, Filters())
    with translation.override(settings.LANGUAGE_CODE):
        body = overview_workbook(overview, presenters.sections(overview, Scope()))
        subject = _("Monthly IP pledge financing statistics, %(period)s") % {"period": period}
        lines = [
            f"{row[1]}: {row[2] if row[2] is not None else '-'} {row[3]}"
            for row in presenters.indicator_section(overview)["rows"]
        ]
        text = "\n".join(
            [
                _("The joint-meeting office's statistics for %(period)s (figures as of %(as_of)s):")
                % {"period": period, "as_of": timezone.localtime(snapshot.as_of).strftime("%Y-%m-%d %H:%M")},
                "",
                *lines,
                "",
                _(
                    "The workbook attached holds the same figures, with the trends, league tables and breakdowns."
                ),
            ]
        )
    sent = 0
    for user in pending:
        try:
            with transaction.atomic():
                MonthlyReport.objects.create(period=str(period), recipient=user)
                message = EmailMessage(
                    subject=subject, body=text, to=[user.email], headers={"Auto-Submitted": "auto-generated"}
                )
                message.attach(
                    f"statistics-{period}.xlsx",
                    body,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                message.send()  # a failure rolls the row back: the next run tries again
        except IntegrityError:
            continue  # another run sent it meanwhile
        sent += 1
    return sent
