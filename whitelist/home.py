"""The whitelist on the home page: the feedback a bank owes on the enterprises delivered to it, read
through ``awaiting_feedback`` (scoped to the user's own bank group by ``reporting_bank``)."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.work import NEAREST, Case, WorkItem
from whitelist.feedback import awaiting_feedback
from whitelist.permissions import can_report_feedback, reporting_bank


def home_work(user) -> list[WorkItem]:
    if not can_report_feedback(user)[0]:
        return []
    entries = awaiting_feedback(bank=reporting_bank(user))
    today = timezone.localdate()
    figures = entries.aggregate(
        count=Count("pk"), overdue=Count("pk", filter=Q(batch__feedback_due_on__lt=today))
    )
    nearest = list(entries[:NEAREST])
    return [
        WorkItem(
            title=_("Whitelist feedback due"),
            count=figures["count"],
            overdue=figures["overdue"],
            url=reverse("whitelist:feedback_overdue"),
            testid="work-whitelist-feedback",
            due=nearest[0].batch.feedback_due_on if nearest else None,
            date_label=_("Nearest due date:"),
            nearest=[
                Case(
                    f"{entry.enterprise.name} · {entry.batch}",
                    reverse("whitelist:feedback_entry", args=[entry.pk]),
                    entry.batch.feedback_due_on,
                )
                for entry in nearest
            ],
        )
    ]
