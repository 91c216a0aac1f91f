"""This app's part of a financing case (``portal.case_file``): the pledge registrations of the case's loans,
read through ``registration_scope``."""

from django.urls import reverse

from pledges.models import FINAL_STATUSES
from pledges.selectors import registration_scope
from portal.case_file import CaseItem


def case_links(user) -> list:
    return [(registration_scope(user=user), "loans__case")]


def case_items(case, user) -> list[CaseItem]:
    registrations = (
        registration_scope(user=user)
        .filter(loans__case=case)
        .distinct()
        .select_related("pledgee", "commissioner")
        .order_by("pk")
    )
    return [
        CaseItem(
            stage="registration",
            title=f"{registration.reference} · {registration.get_ip_kind_display()} · "
            f"{registration.get_channel_display()}",
            status=registration.get_status_display(),
            url=reverse("pledges:registration_detail", args=[registration.pk]),
            at=registration.submitted_at or registration.created_at,
            handler=str(registration.commissioner or ""),
            closed=registration.status in FINAL_STATUSES,
        )
        for registration in registrations
    ]
