"""This app's part of a financing case (``portal.case_file``): coaching, the banks' applications and the
loans, each read through its own scoping function."""

from django.urls import reverse

from loans.models import OPEN_APPLICATION_STATUSES, CoachingStatus, LoanStatus
from loans.selectors import application_scope, coaching_scope, loan_scope
from portal.case_file import CaseItem

_COACHING_OPEN = (CoachingStatus.REQUESTED, CoachingStatus.ASSIGNED)
_LOAN_CLOSED = (LoanStatus.SETTLED, LoanStatus.WRITTEN_OFF, LoanStatus.CANCELLED)


def case_links(user) -> list:
    return [
        (coaching_scope(user=user), "case"),
        (application_scope(user=user), "request__case"),
        (loan_scope(user=user), "case"),
    ]


def case_items(case, user) -> list[CaseItem]:
    items = [
        CaseItem(
            stage="coaching",
            title=coaching.get_topic_display(),
            status=coaching.get_status_display(),
            url=reverse("loans:coaching_detail", args=[coaching.pk]),
            at=coaching.created_at,
            handler=str(coaching.coach) if coaching.coach_id else "",
            closed=coaching.status not in _COACHING_OPEN,
        )
        for coaching in coaching_scope(user=user).filter(case=case).select_related("coach")
    ]
    items.extend(
        CaseItem(
            stage="application",
            title=f"{application.request.reference} · {application.bank.name}",
            status=application.get_status_display(),
            url=reverse("loans:application_detail", args=[application.pk]),
            at=application.created_at,
            handler=" · ".join(filter(None, [application.bank.name, str(application.officer or "")])),
            closed=application.status not in OPEN_APPLICATION_STATUSES,
        )
        for application in application_scope(user=user)
        .filter(request__case=case)
        .select_related("request", "bank", "officer")
    )
    items.extend(
        CaseItem(
            stage="loan",
            title=loan.reference + (f" ({loan.bank_loan_ref})" if loan.bank_loan_ref else ""),
            status=loan.get_status_display(),
            url=reverse("loans:loan_detail", args=[loan.pk]),
            at=loan.disbursed_on or loan.created_at,
            handler=loan.bank.name,
            closed=loan.status in _LOAN_CLOSED,
        )
        for loan in loan_scope(user=user).filter(case=case).select_related("bank")
    )
    return items
