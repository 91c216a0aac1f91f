"""The statistics dashboard on the joint-meeting office's home page: where it is and how fresh its
figures are (the office works no queue; its work is reading the dashboard)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from portal.accounts.models import OrgKind
from portal.work import WorkItem
from stats import rollup
from stats.permissions import stats_scope


def home_work(user) -> list[WorkItem]:
    organisation = user.organisation
    if organisation is None or organisation.kind != OrgKind.JOINT_OFFICE or stats_scope(user) is None:
        return []
    snapshot = rollup.current()
    if snapshot is None or snapshot.as_of is None:
        summary = _("No statistics have been computed yet: the dashboard shows them after the first refresh.")
    else:
        summary = _("Figures as of %(moment)s: loans, registrations on time, subsidies and compensation.") % {
            "moment": timezone.localtime(snapshot.as_of).strftime("%Y-%m-%d %H:%M")
        }
    return [
        WorkItem(
            title=_("Statistics dashboard"),
            count=None,
            url=reverse("stats:overview"),
            testid="work-stats-dashboard",
            summary=summary,
        )
    ]
