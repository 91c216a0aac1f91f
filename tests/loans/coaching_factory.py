"""Coaching requests for the coaching tests, made and moved through the services."""

from loans.models import CoachingStatus, CoachingTopic, SessionMode
from loans.services.coaching import coaching_request_create, coaching_session_record, coaching_transition
from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from tests.conftest import make_uscc


def make_agency_officer(make_user, username: str = "agency_officer", full_name: str = "林代理"):
    """An officer of an IP agency: the other kind of coach (besides a service commissioner)."""
    agency = organisation_create(
        name=f"{full_name}知识产权代理有限公司", kind=OrgKind.IP_AGENCY, uscc=make_uscc()
    )
    return make_user(username, agency, Role.INSTITUTION_OFFICER, full_name=full_name)


def make_coaching(*, asker, topic=CoachingTopic.ELIGIBILITY, message="我们的发明专利能贷多少？", **extra):
    return coaching_request_create(
        enterprise=asker.organisation,
        topic=topic,
        message=message,
        contact_phone=extra.pop("contact_phone", "010-62345678"),
        actor=asker,
    )


def coaching_in(status: str, *, asker, promotion, coach):
    """A request of ``asker``'s enterprise walked to ``status``; assigned, closed and cancelled ones have
    ``coach`` as their (last) coach."""
    coaching = make_coaching(asker=asker)
    if status == CoachingStatus.REQUESTED:
        return coaching
    coaching = coaching_transition(request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion, coach=coach)
    if status in (CoachingStatus.CLOSED, CoachingStatus.CANCELLED):
        coaching = coaching_transition(request=coaching, to=status, actor=promotion)
    return coaching


def record_session(
    coaching, *, actor, held_on, advice="先做专利价值评估。", mode=SessionMode.PHONE, next_steps=""
):
    return coaching_session_record(
        request=coaching, held_on=held_on, mode=mode, advice=advice, next_steps=next_steps, actor=actor
    )
