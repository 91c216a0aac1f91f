"""Opening financing cases (issue 11): which case a new coaching request, loan request or loan belongs to.

The rule (see ``FinancingCase``): the time before a loan request is one case, however many coaching
questions it holds; the first loan request joins that case (or opens one); every later request opens its
own; a loan from an accepted offer is in its request's case; a loan a bank reports without a portal
application opens its own case, or joins a case that holds coaching only.
"""

from django.db.models import Exists, OuterRef
from django.utils import timezone

from loans.models import FinancingCase, Loan, LoanRequest
from loans.services.references import CASE_SERIES, next_reference
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


def _open_case(*, enterprise_id: int, origin: str, actor) -> FinancingCase:
    case = FinancingCase.objects.create(
        reference=next_reference(series=CASE_SERIES, year=timezone.localdate().year),
        enterprise_id=enterprise_id,
        origin=origin,
        opened_by=actor,
    )
    audit_record(
        action="loans.case.open",
        actor=actor,
        object_type="loans.case",
        object_id=case.pk,
        details={"reference": case.reference, "enterprise": enterprise_id, "origin": origin},
    )
    return case


def case_for(*, enterprise_id: int, origin: str, actor) -> FinancingCase:
    """The case a new coaching request, loan request or bank-reported loan of the enterprise belongs to:
    its case that holds coaching only, or a new one. Call inside the transaction that saves the row."""
    case = _coaching_only(enterprise_id)
    if case is not None:
        return case
    return _open_case(enterprise_id=enterprise_id, origin=origin, actor=actor)
