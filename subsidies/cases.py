"""This app's part of a financing case (``portal.case_file``): the subsidy applications that claim for the
case's loans, read through ``application_scope``."""

from django.urls import reverse

from portal.case_file import CaseItem
from subsidies.models import ApplicationStatus
from subsidies.permissions import application_scope

_CLOSED = (ApplicationStatus.PAID, ApplicationStatus.REJECTED, ApplicationStatus.WITHDRAWN)


def case_links(user) -> list:
    return [(application_scope(user), "loan_lines__loan__case")]


def case_items(case, user) -> list[CaseItem]:
    applications = (
        application_scope(user)
        .filter(loan_lines__loan__case=case)
        .distinct()
        .select_related("batch")
        .order_by("pk")
    )
    return [
        CaseItem(
            stage="subsidy",
            title=f"{application.reference} · {application.batch}",
            status=application.get_status_display(),
            url=reverse("subsidies:application-detail", args=[application.pk]),
            at=application.submitted_at or application.created_at,
            closed=application.status in _CLOSED,
        )
        for application in applications
    ]
