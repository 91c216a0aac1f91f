"""Helpers for the ratings tests (no tests here); the fixtures built on them are in conftest.py."""

from datetime import date
from decimal import Decimal

from pledges.models import PledgeRegistration, RegistrationKind, Status
from pledges.services.workflow import next_reference
from portal.policy.models import Channel, IpKind
from ratings import services
from ratings.models import Invitation, SubjectKind


def beijing(day: str, hour: int = 10) -> str:
    """A frozen instant given as Beijing wall time (freezegun takes UTC)."""
    return f"{day} {hour - 8:02d}:00:00"


def registered_case(*, pledgor, pledgee, commissioner, actor, status=Status.REGISTERED) -> PledgeRegistration:
    """A registration recorded as closed (no history), as the register holds it."""
    return PledgeRegistration.objects.create(
        reference=next_reference(year=2026),
        kind=RegistrationKind.PLEDGE,
        ip_kind=IpKind.PATENT,
        channel=Channel.WINDOW,
        status=status,
        pledgor=pledgor,
        pledgee=pledgee,
        debt_amount=Decimal("5000000.00"),
        debt_start=date(2026, 1, 5),
        debt_end=date(2027, 1, 4),
        commissioner=commissioner,
        completed_on=date(2026, 9, 1),
        registered_on=date(2026, 9, 1),
        created_by=actor,
    )


def invite(case) -> Invitation:
    return services.invitation_open(kind=SubjectKind.REGISTRATION, subject_id=case.pk)


def answers(score: int, comment: str = "", **others) -> dict:
    values = {"score": score, "timeliness": score, "helpfulness": score, "clarity": score, "comment": comment}
    values.update(others)
    return values


def rate(invitation, user, score: int, comment: str = "", **others):
    if score <= 2 and not comment:
        comment = "材料要求前后不一致"
    return services.rating_submit(invitation=invitation, actor=user, values=answers(score, comment, **others))


def refreshed(invitation) -> Invitation:
    return Invitation.objects.get(pk=invitation.pk)
