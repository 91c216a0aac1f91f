"""This app's part of a financing case (``portal.case_file``): the disposals of the IP pledged for the case's
loans, read through ``case_scope``."""

from django.urls import reverse

from disposal.models import CaseStatus
from disposal.selectors import case_scope
from portal.case_file import CaseItem

_CLOSED = (CaseStatus.CLOSED, CaseStatus.WITHDRAWN)


def case_links(user) -> list:
    return [(case_scope(user), "loan__case")]


def case_items(case, user) -> list[CaseItem]:
    disposals = case_scope(user).filter(loan__case=case).select_related("pledgee").order_by("pk")
    return [
        CaseItem(
            stage="disposal",
            title=f"{disposal.reference} · {disposal.get_method_display()}",
            status=disposal.get_status_display(),
            url=reverse("disposal:case-detail", args=[disposal.pk]),
            at=disposal.created_at,
            handler=disposal.pledgee.name,
            closed=disposal.status in _CLOSED,
        )
        for disposal in disposals
    ]
