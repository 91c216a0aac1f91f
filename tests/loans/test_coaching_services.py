import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.timezone import localdate

from loans.errors import LoanConflict, LoanNotAllowed, LoanValidationError
from loans.models import (
    COACHING_TRANSITIONS,
    ApplicationEvent,
    ApplicationStatus,
    CoachingRequest,
    CoachingSession,
    CoachingStatus,
    CoachingTopic,
    Loan,
    LoanApplication,
    LoanEvent,
    LoanRequest,
    LoanSource,
    LoanStatus,
    ProductStatus,
    SessionMode,
)
from loans.permissions import available_coaching_transitions
from loans.selectors import (
    coach_choices,
    coaching_get_for_user,
    coaching_list,
    coaching_scope,
    enterprise_timeline,
)
from loans.services.coaching import coaching_request_create, coaching_transition
from portal.accounts.models import Membership, Role
from portal.audit.models import AuditEvent
from portal.notifications.models import Notification
from tests.loans.coaching_factory import coaching_in, make_agency_officer, make_coaching, record_session
from tests.loans.products_factory import make_product

pytestmark = pytest.mark.django_db

ALL_PAIRS = [(source, to) for source in CoachingStatus.values for to in CoachingStatus.values]


@pytest.fixture
def agency_officer(make_user):
    return make_agency_officer(make_user)


def _state(coaching: CoachingRequest) -> tuple:
    coaching = CoachingRequest.objects.get(pk=coaching.pk)
    return (
        coaching.status,
        coaching.coach_id,
        coaching.assigned_at,
        coaching.closed_at,
        coaching.events.count(),
    )


# ---------------------------------------------------------------------------------------------------
# The transition table, every pair, every party


@pytest.mark.parametrize(("source", "to"), ALL_PAIRS)
def test_transition_table_decides_every_move_for_every_party(
    source,
    to,
    enterprise_user,
    enterprise_admin,
    outsider,
    promotion_officer,
    commissioner,
    agency_officer,
    bank_a_officer,
):
    # The role each persona holds *on a request coached by the commissioner*; None: no part in it.
    parties = {
        "enterprise_user": (enterprise_user, Role.ENTERPRISE_USER),
        "enterprise_admin": (enterprise_admin, Role.ORG_ADMIN),
        "other_enterprise": (outsider, None),
        "promotion": (promotion_officer, Role.PROMOTION_OFFICER),
        "assigned_coach": (commissioner, Role.COMMISSIONER),
        "coach_not_assigned": (agency_officer, None),
        "bank_officer": (bank_a_officer, None),
    }
    roles = COACHING_TRANSITIONS.get(source, {}).get(to)
    for label, (actor, role_on_request) in parties.items():
        coaching = coaching_in(source, asker=enterprise_user, promotion=promotion_officer, coach=commissioner)
        if source == CoachingStatus.REQUESTED and label == "assigned_coach":
            role_on_request = None  # nobody coaches it yet
        expected = roles is not None and role_on_request in roles
        assert (to in available_coaching_transitions(coaching, actor)) is expected, label
        # Assigning needs a coach; handing over needs another one.
        coach = agency_officer if to == CoachingStatus.ASSIGNED else None
        if expected:
            moved = coaching_transition(request=coaching, to=to, actor=actor, reason="checked", coach=coach)
            assert moved.status == to
            event = moved.events.order_by("-pk").first()
            assert (event.from_status, event.to_status, event.actor, event.reason) == (
                source,
                to,
                actor,
                "checked",
            )
            assert AuditEvent.objects.filter(
                action="loans.coaching.transition", object_id=str(coaching.pk), actor_id=actor.pk
            ).exists()
        else:
            before = _state(coaching)
            error_class = LoanConflict if roles is None else LoanNotAllowed
            with pytest.raises(error_class) as caught:
                coaching_transition(request=coaching, to=to, actor=actor, coach=coach)
            # A move the table lists but this party may not make is forbidden (403); an unlisted one a conflict.
            assert caught.value.http_status == (409 if roles is None else 403), label
            assert _state(coaching) == before, label


def test_assigning_sets_the_coach_and_records_who_it_was(enterprise_user, promotion_officer, commissioner):
    coaching = make_coaching(asker=enterprise_user)
    moved = coaching_transition(
        request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=commissioner, reason="近"
    )
    assert moved.coach == commissioner and moved.assigned_at is not None
    event = moved.events.order_by("-pk").first()
    assert event.details["coach"] == commissioner.pk
    assert event.details["coach_organisation"] == commissioner.organisation.name


def test_promotion_centre_hands_a_request_to_an_ip_agency_officer(
    enterprise_user, promotion_officer, commissioner, agency_officer
):
    coaching = coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    moved = coaching_transition(
        request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=agency_officer
    )
    assert moved.coach == agency_officer
    event = moved.events.order_by("-pk").first()
    assert (event.from_status, event.to_status, event.details["previous_coach"]) == (
        CoachingStatus.ASSIGNED,
        CoachingStatus.ASSIGNED,
        commissioner.pk,
    )


def test_assigning_without_a_coach_is_refused_and_changes_nothing(enterprise_user, promotion_officer):
    coaching = make_coaching(asker=enterprise_user)
    before = _state(coaching)
    with pytest.raises(LoanValidationError) as caught:
        coaching_transition(request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion_officer)
    assert caught.value.http_status == 400 and "coach" in caught.value.errors
    assert _state(coaching) == before


def test_a_guarantor_officer_or_a_bank_officer_cannot_be_made_a_coach(
    enterprise_user, promotion_officer, guarantor_officer, bank_a_officer, enterprise_admin
):
    coaching = make_coaching(asker=enterprise_user)
    for not_a_coach in (guarantor_officer, bank_a_officer, enterprise_admin, promotion_officer):
        with pytest.raises(LoanValidationError) as caught:
            coaching_transition(
                request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=not_a_coach
            )
        assert "coach" in caught.value.errors
    assert CoachingRequest.objects.get(pk=coaching.pk).status == CoachingStatus.REQUESTED


def test_an_inactive_commissioner_cannot_be_made_a_coach(enterprise_user, promotion_officer, commissioner):
    coaching = make_coaching(asker=enterprise_user)
    commissioner.is_active = False
    commissioner.save(update_fields=["is_active"])
    with pytest.raises(LoanValidationError):
        coaching_transition(
            request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=commissioner
        )
    assert CoachingRequest.objects.get(pk=coaching.pk).coach is None


def test_handing_over_to_the_same_coach_is_refused(enterprise_user, promotion_officer, commissioner):
    coaching = coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    before = _state(coaching)
    with pytest.raises(LoanValidationError):
        coaching_transition(
            request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=commissioner
        )
    assert _state(coaching) == before


def test_a_coach_given_for_a_close_is_refused(
    enterprise_user, promotion_officer, commissioner, agency_officer
):
    coaching = coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    with pytest.raises(LoanValidationError):
        coaching_transition(
            request=coaching, to=CoachingStatus.CLOSED, actor=commissioner, coach=agency_officer
        )
    assert CoachingRequest.objects.get(pk=coaching.pk).status == CoachingStatus.ASSIGNED


def test_closing_and_cancelling_set_the_end_time(enterprise_user, promotion_officer, commissioner):
    closed = coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    closed = coaching_transition(
        request=closed, to=CoachingStatus.CLOSED, actor=commissioner, reason="已解答"
    )
    cancelled = coaching_transition(
        request=make_coaching(asker=enterprise_user), to=CoachingStatus.CANCELLED, actor=enterprise_user
    )
    assert closed.closed_at is not None and cancelled.closed_at is not None


def test_a_commissioner_not_assigned_cannot_close(
    make_user, registration_office, enterprise_user, promotion_officer, commissioner
):
    colleague = make_user("commissioner2", registration_office, Role.COMMISSIONER)
    coaching = coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    with pytest.raises(LoanNotAllowed):
        coaching_transition(request=coaching, to=CoachingStatus.CLOSED, actor=colleague)
    assert CoachingRequest.objects.get(pk=coaching.pk).status == CoachingStatus.ASSIGNED


def test_a_reason_too_long_is_refused(enterprise_user):
    coaching = make_coaching(asker=enterprise_user)
    with pytest.raises(LoanValidationError) as caught:
        coaching_transition(
            request=coaching, to=CoachingStatus.CANCELLED, actor=enterprise_user, reason="x" * 2001
        )
    assert "reason" in caught.value.errors
    assert CoachingRequest.objects.get(pk=coaching.pk).status == CoachingStatus.REQUESTED


# ---------------------------------------------------------------------------------------------------
# Asking


def test_enterprise_user_asks_for_coaching(enterprise_user):
    coaching = make_coaching(asker=enterprise_user, topic=CoachingTopic.VALUATION, message="  怎么评估？ ")
    assert (coaching.status, coaching.topic, coaching.message, coaching.requested_by) == (
        CoachingStatus.REQUESTED,
        CoachingTopic.VALUATION,
        "怎么评估？",
        enterprise_user,
    )
    event = coaching.events.get()
    assert (event.from_status, event.to_status, event.actor) == (
        "",
        CoachingStatus.REQUESTED,
        enterprise_user,
    )
    assert AuditEvent.objects.filter(action="loans.coaching.request", object_id=str(coaching.pk)).exists()


def test_bank_officer_cannot_ask_for_coaching(bank_a_officer, enterprise):
    with pytest.raises(LoanNotAllowed) as caught:
        coaching_request_create(
            enterprise=enterprise,
            topic=CoachingTopic.OTHER,
            message="?",
            contact_phone="",
            actor=bank_a_officer,
        )
    assert caught.value.http_status == 403
    assert not CoachingRequest.objects.exists()


def test_enterprise_user_cannot_ask_for_another_enterprise(enterprise_user, other_enterprise):
    with pytest.raises(LoanNotAllowed):
        coaching_request_create(
            enterprise=other_enterprise, topic=CoachingTopic.OTHER, message="?", actor=enterprise_user
        )
    assert not CoachingRequest.objects.exists()


def test_bad_request_input_is_refused_with_field_errors(enterprise_user, enterprise):
    with pytest.raises(LoanValidationError) as caught:
        coaching_request_create(
            enterprise=enterprise,
            topic="loans",
            message="   ",
            contact_phone="call me",
            actor=enterprise_user,
        )
    assert set(caught.value.errors) == {"topic", "message", "contact_phone"}
    assert not CoachingRequest.objects.exists()


# ---------------------------------------------------------------------------------------------------
# Sessions


@pytest.fixture
def assigned(enterprise_user, promotion_officer, commissioner):
    return coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )


def test_assigned_coach_records_a_session(assigned, commissioner):
    session = record_session(assigned, actor=commissioner, held_on=localdate(), next_steps="准备评估报告")
    assert (session.request, session.mode, session.recorded_by) == (assigned, SessionMode.PHONE, commissioner)
    event = assigned.events.order_by("-pk").first()
    assert (event.action, event.details["session"], event.from_status, event.to_status) == (
        "session",
        session.pk,
        "",
        "",
    )
    assert AuditEvent.objects.filter(action="loans.coaching.session", object_id=str(assigned.pk)).exists()


def test_promotion_officer_may_record_a_session(assigned, promotion_officer):
    record_session(assigned, actor=promotion_officer, held_on=localdate(), mode=SessionMode.WINDOW)
    assert assigned.sessions.count() == 1


def test_a_coach_not_assigned_cannot_record_a_session(
    assigned, agency_officer, make_user, registration_office
):
    colleague = make_user("commissioner2", registration_office, Role.COMMISSIONER)
    for actor in (agency_officer, colleague):
        with pytest.raises(LoanNotAllowed) as caught:
            record_session(assigned, actor=actor, held_on=localdate())
        assert caught.value.http_status == 403
    assert not CoachingSession.objects.exists()
    assert not assigned.events.filter(action="session").exists()


def test_enterprise_and_bank_cannot_record_a_session(assigned, enterprise_user, bank_a_officer):
    for actor in (enterprise_user, bank_a_officer):
        with pytest.raises(LoanNotAllowed):
            record_session(assigned, actor=actor, held_on=localdate())
    assert not CoachingSession.objects.exists()


def test_the_previous_coach_cannot_record_after_a_handover(
    assigned, commissioner, promotion_officer, agency_officer
):
    coaching_transition(
        request=assigned, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=agency_officer
    )
    with pytest.raises(LoanNotAllowed):
        record_session(assigned, actor=commissioner, held_on=localdate())
    record_session(assigned, actor=agency_officer, held_on=localdate())
    assert assigned.sessions.get().recorded_by == agency_officer


@pytest.mark.parametrize(
    "status", [CoachingStatus.REQUESTED, CoachingStatus.CLOSED, CoachingStatus.CANCELLED]
)
def test_sessions_are_recorded_only_while_assigned(status, enterprise_user, promotion_officer, commissioner):
    coaching = coaching_in(status, asker=enterprise_user, promotion=promotion_officer, coach=commissioner)
    with pytest.raises(LoanConflict) as caught:
        record_session(coaching, actor=promotion_officer, held_on=localdate())
    assert caught.value.http_status == 409
    assert not CoachingSession.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"held_on": "tomorrow"}, "held_on"),
        ({"held_on": "before"}, "held_on"),
        ({"held_on": "2026-13-45"}, "held_on"),
        ({"advice": "  "}, "advice"),
        ({"mode": "letter"}, "mode"),
        ({"next_steps": "x" * 4001}, "next_steps"),
    ],
)
def test_bad_session_input_is_refused(changes, field, assigned, commissioner):
    today = localdate()
    values = {"held_on": today, "mode": SessionMode.VISIT, "advice": "先评估", "next_steps": ""}
    values.update(changes)
    values["held_on"] = {"tomorrow": today + timedelta(days=1), "before": today - timedelta(days=1)}.get(
        values["held_on"], values["held_on"]
    )
    with pytest.raises(LoanValidationError) as caught:
        record_session(assigned, actor=commissioner, **values)
    assert field in caught.value.errors
    assert not CoachingSession.objects.exists()


# ---------------------------------------------------------------------------------------------------
# Notices


def _notices(kind: str):
    return Notification.objects.filter(kind=f"loans.coaching.{kind}")


def _recipients(kind: str) -> list[int]:
    return sorted(_notices(kind).values_list("recipient_id", flat=True))


def test_a_new_request_tells_each_active_promotion_officer_once(
    make_user, ip_bureau, enterprise_user, promotion_officer, reviewer, commissioner
):
    second = make_user("promotion2", ip_bureau, Role.PROMOTION_OFFICER)
    gone = make_user("promotion3", ip_bureau, Role.PROMOTION_OFFICER)
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    coaching = make_coaching(asker=enterprise_user)
    assert _recipients("requested") == sorted([promotion_officer.pk, second.pk])
    assert set(_notices("requested").values_list("link", flat=True)) == {
        reverse("loans:coaching_detail", args=[coaching.pk])
    }


def test_assignment_tells_the_coach_and_the_enterprise_once_each(
    enterprise_user, enterprise_admin, promotion_officer, commissioner
):
    coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    assert _recipients("assigned") == [commissioner.pk]
    assert _recipients("coach_named") == sorted([enterprise_user.pk, enterprise_admin.pk])
    assert commissioner.organisation.name in _notices("coach_named").first().body


def test_handover_tells_the_new_and_the_previous_coach(
    assigned, enterprise_user, promotion_officer, commissioner, agency_officer
):
    coaching_transition(
        request=assigned, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=agency_officer
    )
    assert _recipients("assigned") == sorted([commissioner.pk, agency_officer.pk])
    assert _recipients("handed_over") == [commissioner.pk]
    assert _recipients("coach_named") == [enterprise_user.pk, enterprise_user.pk]


def test_each_session_and_the_closing_tell_the_enterprise_once(
    assigned, enterprise_user, enterprise_admin, commissioner
):
    record_session(assigned, actor=commissioner, held_on=localdate())
    record_session(assigned, actor=commissioner, held_on=localdate(), advice="再补充材料")
    coaching_transition(request=assigned, to=CoachingStatus.CLOSED, actor=commissioner)
    assert _recipients("session") == sorted([enterprise_user.pk, enterprise_admin.pk] * 2)
    assert _recipients("closed") == sorted([enterprise_user.pk, enterprise_admin.pk])
    assert commissioner.pk not in _recipients("session") + _recipients("closed")


def test_a_cancellation_tells_the_coach_and_the_colleagues_not_the_actor(
    assigned, enterprise_user, enterprise_admin, commissioner
):
    coaching_transition(request=assigned, to=CoachingStatus.CANCELLED, actor=enterprise_user, reason="已解决")
    assert _recipients("cancelled") == sorted([enterprise_admin.pk, commissioner.pk])


def test_mail_leaves_after_commit_once_per_recipient(
    enterprise_user, promotion_officer, commissioner, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        coaching = make_coaching(asker=enterprise_user)
        assert mailoutbox == []  # nothing before the commit
    assert [mail.to for mail in mailoutbox] == [[promotion_officer.email]]
    with django_capture_on_commit_callbacks(execute=True):
        coaching_transition(
            request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=commissioner
        )
    assert sorted(mail.to[0] for mail in mailoutbox[1:]) == sorted(
        [commissioner.email, enterprise_user.email]
    )


# ---------------------------------------------------------------------------------------------------
# Scope


def test_scope_follows_the_part_each_user_takes(
    enterprise_user,
    enterprise_admin,
    outsider,
    promotion_officer,
    commissioner,
    agency_officer,
    bank_a_officer,
    reviewer,
):
    ours = coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    theirs = make_coaching(asker=outsider)
    assert set(coaching_scope(user=enterprise_user)) == {ours}
    assert set(coaching_scope(user=enterprise_admin)) == {ours}
    assert set(coaching_scope(user=outsider)) == {theirs}
    assert set(coaching_scope(user=promotion_officer)) == {ours, theirs}
    assert set(coaching_scope(user=commissioner)) == {ours}
    for nobody in (agency_officer, bank_a_officer, reviewer):
        assert not coaching_scope(user=nobody).exists()


def test_another_enterprise_and_a_bank_get_a_404(enterprise_user, outsider, bank_a_officer, agency_officer):
    coaching = make_coaching(asker=enterprise_user)
    for stranger in (outsider, bank_a_officer, agency_officer):
        with pytest.raises(Http404):
            coaching_get_for_user(user=stranger, pk=coaching.pk)
    assert coaching_get_for_user(user=enterprise_user, pk=coaching.pk) == coaching


def test_a_previous_coach_no_longer_sees_the_request(
    assigned, commissioner, promotion_officer, agency_officer
):
    coaching_transition(
        request=assigned, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=agency_officer
    )
    with pytest.raises(Http404):
        coaching_get_for_user(user=commissioner, pk=assigned.pk)
    assert coaching_get_for_user(user=agency_officer, pk=assigned.pk).coach_organisation


def test_queue_puts_requests_waiting_for_a_coach_first_and_filters(
    enterprise_user, outsider, promotion_officer, commissioner
):
    assigned = coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    closed = coaching_in(
        CoachingStatus.CLOSED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    waiting = make_coaching(asker=outsider, topic=CoachingTopic.SUBSIDY)
    assert list(coaching_list(user=promotion_officer)) == [waiting, assigned, closed]
    assert list(coaching_list(user=promotion_officer, filters={"status": "assigned"})) == [assigned]
    assert list(coaching_list(user=promotion_officer, filters={"topic": "subsidy"})) == [waiting]
    assert list(
        coaching_list(user=promotion_officer, filters={"search": outsider.organisation.name[:4]})
    ) == [waiting]


def test_coach_choices_are_active_commissioners_and_ip_agency_officers(
    make_user, commissioner, agency_officer, guarantor_officer, registration_office, promotion_officer
):
    left = make_user("commissioner_left", registration_office, Role.COMMISSIONER)
    Membership.objects.filter(user=left).update(is_active=False)
    choices = {user.pk: user.coach_organisation for user in coach_choices()}
    assert choices == {
        commissioner.pk: registration_office.name,
        agency_officer.pk: agency_officer.organisation.name,
    }


# ---------------------------------------------------------------------------------------------------
# The enterprise's timeline


def _at(queryset, moment) -> None:
    queryset.update(at=moment)


@pytest.fixture
def history(enterprise_user, promotion_officer, commissioner, bank_a_officer, bank_a_manager, outsider):
    """Coaching, an application and a loan of the enterprise, stamped at known moments; plus another
    enterprise's request that must never show."""
    now = timezone.now()
    day = timedelta(days=1)
    coaching = make_coaching(asker=enterprise_user)
    _at(coaching.events.all(), now - 10 * day)
    coaching_transition(
        request=coaching, to=CoachingStatus.ASSIGNED, actor=promotion_officer, coach=commissioner
    )
    _at(coaching.events.filter(to_status=CoachingStatus.ASSIGNED), now - 9 * day)
    CoachingRequest.objects.filter(pk=coaching.pk).update(created_at=now - 10 * day)
    # Held 8 days ago, recorded today: sorts at the end of the day it was held.
    session = record_session(coaching, actor=commissioner, held_on=localdate() - 8 * day, advice="先评估专利")
    product = make_product(author=bank_a_officer, manager=bank_a_manager, status=ProductStatus.PUBLISHED)
    loan_request = LoanRequest.objects.create(
        reference="SQ-2026-900001",
        enterprise=enterprise_user.organisation,
        amount=Decimal("1000000.00"),
        term_months=12,
        purpose="研发",
        created_by=enterprise_user,
    )
    application = LoanApplication.objects.create(request=loan_request, product=product, bank=product.bank)
    submitted = ApplicationEvent.objects.create(
        application=application,
        actor=enterprise_user,
        to_status=ApplicationStatus.SUBMITTED,
        action="submitted",
    )
    _at(ApplicationEvent.objects.filter(pk=submitted.pk), now - 6 * day)
    reviewing = ApplicationEvent.objects.create(
        application=application,
        actor=bank_a_officer,
        from_status=ApplicationStatus.SUBMITTED,
        to_status=ApplicationStatus.UNDER_REVIEW,
    )
    _at(ApplicationEvent.objects.filter(pk=reviewing.pk), now - 5 * day)
    loan = Loan.objects.create(
        reference="DK-2026-9000001",
        bank=product.bank,
        enterprise=enterprise_user.organisation,
        application=application,
        source=LoanSource.PORTAL,
        principal=Decimal("1000000.00"),
        annual_rate_pct=Decimal("3.50"),
        term_months=12,
        status=LoanStatus.AWAITING_CONTRACT,
        created_by=enterprise_user,
    )
    born = LoanEvent.objects.create(loan=loan, actor=enterprise_user, to_status=LoanStatus.AWAITING_CONTRACT)
    _at(LoanEvent.objects.filter(pk=born.pk), now - 4 * day)
    closing = coaching_transition(
        request=coaching, to=CoachingStatus.CLOSED, actor=commissioner, reason="已解答"
    )
    _at(closing.events.filter(to_status=CoachingStatus.CLOSED), now - 3 * day)
    make_coaching(asker=outsider)
    return {"coaching": coaching, "session": session, "application": application, "loan": loan}


def _optional_link(name: str, pk: int) -> str:
    try:
        return reverse(name, args=[pk])
    except NoReverseMatch:
        return ""


def test_timeline_merges_the_four_histories_newest_first(
    history, enterprise_user, commissioner, bank_a_branch
):
    entries = enterprise_timeline(user=enterprise_user, enterprise=enterprise_user.organisation)[0:50]
    assert [entry.kind for entry in entries] == [
        "coaching",  # closed, 3 days ago
        "loan",  # 4 days ago
        "application",  # under review, 5 days ago
        "application",  # submitted, 6 days ago
        "session",  # held 8 days ago (recorded today)
        "coaching",  # assigned, 9 days ago
        "coaching",  # asked, 10 days ago
    ]
    closed, loan, reviewing, _submitted, session, assigned, _asked = entries
    assert closed.notes == ["已解答"]
    assert (closed.person, closed.organisation) == (str(commissioner), commissioner.organisation.name)
    assert session.when == history["session"].held_on and session.notes == ["先评估专利"]
    assert commissioner.full_name in assigned.what
    assert reviewing.organisation == bank_a_branch.name  # the officer acted for the lending branch
    assert "SQ-2026-900001" in reviewing.what and "DK-2026-9000001" in loan.what
    assert closed.link == reverse("loans:coaching_detail", args=[history["coaching"].pk])
    assert reviewing.link == _optional_link("loans:application_detail", history["application"].pk)
    assert loan.link == _optional_link("loans:loan_detail", history["loan"].pk)


def test_a_session_recorded_on_its_day_sorts_at_the_moment_it_was_recorded(
    assigned, enterprise_user, commissioner
):
    coaching_transition(request=assigned, to=CoachingStatus.CLOSED, actor=commissioner)
    CoachingSession.objects.create(
        request=assigned,
        held_on=localdate(),
        mode=SessionMode.VISIT,
        advice="当天记录",
        recorded_by=commissioner,
    )
    kinds = [
        entry.kind
        for entry in enterprise_timeline(user=enterprise_user, enterprise=enterprise_user.organisation)[0:10]
    ]
    assert kinds == ["session", "coaching", "coaching", "coaching"]


def test_timeline_scope(
    history, enterprise_user, outsider, promotion_officer, bank_a_officer, commissioner, reviewer
):
    enterprise = enterprise_user.organisation
    assert enterprise_timeline(user=promotion_officer, enterprise=enterprise.pk).count() == 7
    assert enterprise_timeline(user=enterprise_user, enterprise=enterprise).count() == 7
    assert enterprise_timeline(user=outsider, enterprise=outsider.organisation).count() == 1
    for stranger in (outsider, bank_a_officer, commissioner, reviewer):
        with pytest.raises(Http404):
            enterprise_timeline(user=stranger, enterprise=enterprise)
    with pytest.raises(Http404):  # a bank is not an enterprise
        enterprise_timeline(user=promotion_officer, enterprise=bank_a_officer.organisation.pk)


def test_timeline_pages_cost_the_same_few_queries(
    enterprise_user, promotion_officer, commissioner, django_assert_max_num_queries
):
    from django.core.paginator import Paginator

    for _ in range(20):
        coaching = coaching_in(
            CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
        )
        record_session(coaching, actor=commissioner, held_on=localdate())
    timeline = enterprise_timeline(user=enterprise_user, enterprise=enterprise_user.organisation)
    paginator = Paginator(timeline, 50)
    with django_assert_max_num_queries(9):  # 4 counts, 4 sources, 1 for the actors' organisations
        first = list(paginator.page(1))
    assert paginator.count == 60 and len(first) == 50
    with django_assert_max_num_queries(5):
        second = list(paginator.page(2))
    assert len(second) == 10
    assert [entry.at for entry in first + second] == sorted(
        (entry.at for entry in first + second), reverse=True
    )


# ---------------------------------------------------------------------------------------------------
# Two moves at once (row locks: PostgreSQL only)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_close_and_cancel_at_once_end_the_request_exactly_once(
    enterprise_user, promotion_officer, commissioner
):
    coaching = coaching_in(
        CoachingStatus.ASSIGNED, asker=enterprise_user, promotion=promotion_officer, coach=commissioner
    )
    start = threading.Barrier(2)
    outcomes: list[str] = []
    errors: list[BaseException] = []

    def move(to, actor):
        try:
            start.wait()
            coaching_transition(request=coaching, to=to, actor=actor)
            outcomes.append(to)
        except LoanConflict:
            outcomes.append("refused")
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=move, args=(CoachingStatus.CLOSED, commissioner)),
        threading.Thread(target=move, args=(CoachingStatus.CANCELLED, enterprise_user)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert sorted(outcomes, key=lambda outcome: outcome == "refused")[1] == "refused"
    final = CoachingRequest.objects.get(pk=coaching.pk)
    assert final.status in (CoachingStatus.CLOSED, CoachingStatus.CANCELLED)
    assert final.events.filter(to_status__in=[CoachingStatus.CLOSED, CoachingStatus.CANCELLED]).count() == 1
