"""Disposal on the enterprise's home page. Disposal cases are the pledgee's (``case_scope`` gives the
enterprise none); what the enterprise may see of them is the public listing (``listing_scope``), here
limited to the cases over its own loans."""

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from disposal.models import CaseStatus
from disposal.selectors import listing_scope
from portal.accounts.models import OrgKind
from portal.timeline import LIMIT, Entry, NextStep

# Still running: the enterprise's pledged IP is on offer or at auction.
_RUNNING = frozenset({CaseStatus.LISTED, CaseStatus.AUCTIONING})


def timeline(organisation, user) -> list:
    if organisation.kind != OrgKind.ENTERPRISE:
        return []
    cases = (
        listing_scope(with_rounds=False)
        .filter(loan__enterprise=organisation)
        .select_related("pledgee")
        .annotate(loan_reference=F("loan__reference"))  # the loan's number, not its forty columns
        .order_by("-updated_at", "-pk")[:LIMIT]
    )
    rows: list = []
    for case in cases:
        url = reverse("disposal:listing-detail", args=[case.pk])
        values = {"ref": case.reference, "loan": case.loan_reference, "status": case.get_status_display()}
        rows.append(
            Entry(
                at=case.updated_at,
                what=_("Disposal %(ref)s of the IP pledged for loan %(loan)s: %(status)s") % values,
                url=url,
                source="disposal",
            )
        )
        if case.status in _RUNNING:
            rows.append(
                NextStep(
                    _("%(pledgee)s is disposing of the IP pledged for loan %(loan)s.")
                    % {"pledgee": case.pledgee.name, "loan": case.loan_reference},
                    who=case.pledgee.name,
                    url=url,
                    source="disposal",
                )
            )
    return rows
