"""The satisfaction report: per commissioner, per registration office, per bank (and per responsible
organisation of any kind), for a period.

Per row: responses (current ratings submitted in the period: when a case was rated twice, only the second
counts), the average overall score, the satisfaction rate (share of 4s and 5s among those), the bad
ratings received in the period (every attempt scoring 1 or 2), and the follow-up tasks due in the period
with how many were done by their due date."""

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.accounts.models import Organisation, OrgKind, User
from ratings.calculations import average, on_time_rate, satisfaction_rate
from ratings.models import BAD_SCORE_MAX, SATISFIED_SCORE_MIN, FollowUp, FollowUpStatus, Rating, SubjectKind
from ratings.permissions import is_bank_manager, is_office_supervisor, is_oversight
from ratings.selectors import report_scope

# cut -> (label, which invitations it covers, the invitation field it groups by)
CUTS: dict[str, tuple] = {
    "commissioner": (
        _("Per service commissioner"),
        Q(subject_kind=SubjectKind.REGISTRATION, responsible_user__isnull=False),
        "responsible_user",
    ),
    "office": (
        _("Per registration office"),
        Q(responsible_org__kind=OrgKind.REGISTRATION_OFFICE),
        "responsible_org",
    ),
    "bank": (_("Per bank"), Q(responsible_org__kind=OrgKind.BANK), "responsible_org"),
    "organisation": (_("Per responsible organisation"), Q(), "responsible_org"),
}


def cuts_for(user: User) -> list[str]:
    if is_oversight(user):
        return ["commissioner", "office", "bank", "organisation"]
    if is_office_supervisor(user):
        return ["commissioner", "office"]
    if is_bank_manager(user):
        return ["bank"]
    return []


@dataclass
class Row:
    key: int
    name: str
    responses: int = 0
    score_total: int = 0
    satisfied: int = 0
    bad: int = 0
    follow_ups_due: int = 0
    follow_ups_on_time: int = 0
    follow_ups_overdue: int = 0

    @property
    def average(self) -> Decimal | None:
        return average(self.score_total, self.responses)

    @property
    def satisfaction(self) -> Decimal | None:
        return satisfaction_rate(self.satisfied, self.responses)

    @property
    def on_time(self) -> Decimal | None:
        return on_time_rate(self.follow_ups_on_time, self.follow_ups_due)


@dataclass
class Report:
    cut: str
    date_from: date
    date_to: date
    rows: list[Row] = field(default_factory=list)
    total: Row | None = None


def _moment(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _names(cut: str, keys) -> dict[int, str]:
    if cut == "commissioner":
        return {user.pk: str(user) for user in User.objects.filter(pk__in=keys)}
    return dict(Organisation.objects.filter(pk__in=keys).values_list("pk", "name"))


def satisfaction_report(*, user: User, cut: str, date_from: date, date_to: date) -> Report:
    _label, covers, group_field = CUTS[cut]
    invitations: QuerySet = report_scope(user=user).filter(covers)
    key = F(f"invitation__{group_field}")
    rows: dict[int, dict] = {}

    ratings = Rating.objects.filter(
        invitation__in=invitations,
        submitted_at__gte=_moment(date_from),
        submitted_at__lt=_moment(date_to + timedelta(days=1)),
    ).annotate(group=key)
    for values in (
        ratings.filter(is_current=True)
        .values("group")
        .annotate(
            responses=Count("pk"),
            score_total=Sum("score"),
            satisfied=Count("pk", filter=Q(score__gte=SATISFIED_SCORE_MIN)),
        )
    ):
        rows.setdefault(values.pop("group"), {}).update(values)
    for values in ratings.filter(score__lte=BAD_SCORE_MAX).values("group").annotate(bad=Count("pk")):
        rows.setdefault(values.pop("group"), {}).update(values)

    today = timezone.localdate()
    follow_ups = (
        FollowUp.objects.filter(invitation__in=invitations, due_on__gte=date_from, due_on__lte=date_to)
        .annotate(group=key)
        .values("group")
        .annotate(
            follow_ups_due=Count("pk"),
            follow_ups_on_time=Count(
                "pk", filter=Q(status=FollowUpStatus.DONE, done_at__date__lte=F("due_on"))
            ),
            follow_ups_overdue=Count("pk", filter=Q(status=FollowUpStatus.OPEN, due_on__lt=today)),
        )
    )
    for values in follow_ups:
        rows.setdefault(values.pop("group"), {}).update(values)

    names = _names(cut, rows.keys())
    report = Report(cut=cut, date_from=date_from, date_to=date_to)
    report.rows = sorted(
        (Row(key=pk, name=names.get(pk, "—"), **values) for pk, values in rows.items()),
        key=lambda row: (-row.responses, row.name),
    )
    total = Row(key=0, name=str(_("Total")))
    for row in report.rows:
        for name in (
            "responses",
            "score_total",
            "satisfied",
            "bad",
            "follow_ups_due",
            "follow_ups_on_time",
            "follow_ups_overdue",
        ):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    report.total = total
    return report
