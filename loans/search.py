"""Global search over loans (issue 11): financing cases by number ("RZ-2026-0000123"), loan requests, each bank's application, and loans, found by their
numbers (a prefix of "SQ-2026-000123" / "DK-2026-0001234", or a bank's own loan reference exactly) or by
the borrowing enterprise's credit code or name, only inside the scopes their list pages use."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from loans.selectors import application_scope, case_scope, loan_scope, request_scope
from loans.services.references import CASE_SERIES
from portal.search import Group, Hit, Query, enterprise_match, group_from


def search(user, query: Query) -> list[Group]:
    requests = (
        request_scope(user=user)
        .filter(Q(reference__startswith=query.code) | enterprise_match("enterprise_id", query))
        .select_related("enterprise")
        .order_by("-pk")
    )
    applications = (
        application_scope(user=user)
        .filter(
            Q(request__reference__startswith=query.code) | enterprise_match("request__enterprise_id", query)
        )
        .select_related("request", "request__enterprise", "bank")
        .order_by("-pk")
    )
    loans = (
        loan_scope(user=user)
        .filter(
            Q(reference__startswith=query.code)
            | Q(bank_loan_ref=query.text)
            | enterprise_match("enterprise_id", query)
        )
        .select_related("enterprise", "bank")
        .order_by("-pk")
    )
    # Cases by their number only: an enterprise's name already finds its requests and loans, and each case
    # asks every app whether the user sees part of it (the dearest group to compute).
    groups = []
    if query.code.startswith(CASE_SERIES):
        groups = group_from(
            case_scope(user=user)
            .filter(reference__startswith=query.code)
            .select_related("enterprise")
            .order_by("-pk"),
            key="financing_cases",
            title=_("Financing cases"),
            rank=39,
            hit=lambda row: Hit(
                title=row.reference,
                detail=f"{row.enterprise.name} · {row.get_origin_display()}",
                url=reverse("loans:case_detail", args=[row.pk]),
            ),
        )
    return [
        *groups,
        *group_from(
            requests,
            key="loan_requests",
            title=_("Loan requests"),
            rank=40,
            hit=lambda row: Hit(
                title=row.reference,
                detail=row.enterprise.name,
                url=reverse("loans:request_detail", args=[row.pk]),
            ),
        ),
        *group_from(
            applications,
            key="loan_applications",
            title=_("Loan applications"),
            rank=41,
            hit=lambda row: Hit(
                title=f"{row.request.reference} · {row.bank.name}",
                detail=f"{row.request.enterprise.name} · {row.get_status_display()}",
                url=reverse("loans:application_detail", args=[row.pk]),
            ),
        ),
        *group_from(
            loans,
            key="loans",
            title=_("Loans"),
            rank=42,
            hit=lambda row: Hit(
                title=row.reference + (f" ({row.bank_loan_ref})" if row.bank_loan_ref else ""),
                detail=f"{row.enterprise.name} · {row.bank.name} · {row.get_status_display()}",
                url=reverse("loans:loan_detail", args=[row.pk]),
            ),
        ),
    ]
