"""This app's part of a financing case (``portal.case_file``): the compensation claims on the case's loans,
read through ``claim_scope``."""

from django.urls import reverse

from portal.case_file import CaseItem
from riskcomp.models import ClaimStatus
from riskcomp.permissions import claim_scope

_CLOSED = (ClaimStatus.PAID, ClaimStatus.REJECTED, ClaimStatus.WITHDRAWN)


def case_links(user) -> list:
    return [(claim_scope(user), "loan__case")]


def case_items(case, user) -> list[CaseItem]:
    claims = claim_scope(user).filter(loan__case=case).select_related("bank").order_by("pk")
    return [
        CaseItem(
            stage="compensation",
            title=f"{claim.reference} · {claim.bank.name}",
            status=claim.get_status_display(),
            url=reverse("riskcomp:claim-detail", args=[claim.pk]),
            at=claim.submitted_at or claim.created_at,
            handler=claim.bank.name,
            closed=claim.status in _CLOSED,
        )
        for claim in claims
    ]
