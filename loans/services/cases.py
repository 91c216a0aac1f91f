"""Opening financing cases (issue 11): which case a new coaching request, loan request or loan belongs to.

The rule (see ``FinancingCase``): the time before a loan request is one case, however many coaching
questions it holds; the first loan request joins that case (or opens one); every later request opens its
own; a loan from an accepted offer is in its request's case; a loan a bank reports without a portal
application opens its own case, or joins a case that holds coaching only.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from loans.models import CaseOrigin, FinancingCase, Loan, LoanRequest
from loans.services.references import CASE_SERIES, next_references
from portal.audit.services import audit_record


def _coaching_only(enterprise_id: int) -> FinancingCase | None:
    """The enterprise's newest case that holds neither a loan request nor a loan, locked: two requests
    made at once must not both take it."""
    return (
        FinancingCase.objects.select_for_update()
        .filter(enterprise_id=enterprise_id)
        .exclude(Exists(LoanRequest.objects.filter(case=OuterRef("pk"))))
        .exclude(Exists(Loan.objects.filter(case=OuterRef("pk"))))
        .order_by("-pk")
        .first()
    )


def open_cases(*, enterprise_ids: list[int], origin: str, actor) -> list[FinancingCase]:
    """New cases, one per entry of ``enterprise_ids`` (in that order), numbered in one draw."""
    references = next_references(
        series=CASE_SERIES, year=timezone.localdate().year, count=len(enterprise_ids)
    )
    cases = FinancingCase.objects.bulk_create(
        FinancingCase(reference=reference, enterprise_id=enterprise_id, origin=origin, opened_by=actor)
        for reference, enterprise_id in zip(references, enterprise_ids, strict=True)
    )
    for case in cases:
        audit_record(
            action="loans.case.open",
            actor=actor,
            object_type="loans.case",
            object_id=case.pk,
            details={"reference": case.reference, "enterprise": case.enterprise_id, "origin": origin},
        )
    return cases


def case_for(*, enterprise_id: int, origin: str, actor) -> FinancingCase:
    """The case a new coaching request, loan request or bank-reported loan of the enterprise belongs to:
    its case that holds coaching only, or a new one. Call inside the transaction that saves the row."""
    case = _coaching_only(enterprise_id)
    if case is not None:
        return case
    return open_cases(enterprise_ids=[enterprise_id], origin=origin, actor=actor)[0]


__all__ = ["CaseOrigin", "case_for", "open_cases"]
