"""Enrolment: the audience rule, one enrolment per person and programme, the programme's places (also under
concurrency on PostgreSQL), withdrawal and enrolling again."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction

from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from portal.notifications.models import Notification
from tests.conftest import make_uscc
from tests.training.factories import make_programme
from training import enrolments
from training.errors import TrainingInvalid, TrainingNotAllowed
from training.models import Audience, Enrolment, EnrolmentEvent, EnrolmentStatus, ProgrammeStatus

pytestmark = pytest.mark.django_db


def test_a_person_of_the_audience_enrols_once_with_an_event_and_a_notice(
    programme, bank_a_officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        enrolment = enrolments.enrol(programme=programme, actor=bank_a_officer)
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert enrolment.organisation == bank_a_officer.organisation
    event = EnrolmentEvent.objects.get(enrolment=enrolment)
    assert (event.from_status, event.to_status, event.actor) == ("", EnrolmentStatus.ENROLLED, bank_a_officer)
    assert Notification.objects.filter(recipient=bank_a_officer, kind="training.enrolment").count() == 1


def test_a_second_enrolment_is_refused_clearly(programme, bank_a_officer):
    enrolments.enrol(programme=programme, actor=bank_a_officer)
    with pytest.raises(TrainingInvalid, match="already enrolled"):
        enrolments.enrol(programme=programme, actor=bank_a_officer)
    assert Enrolment.objects.count() == 1


def test_the_database_refuses_a_second_enrolment_row(programme, bank_a_officer):
    enrolments.enrol(programme=programme, actor=bank_a_officer)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            programme=programme, user=bank_a_officer, organisation=bank_a_officer.organisation
        )


def test_a_full_programme_refuses_the_next_person(
    promotion_officer, bank_a_officer, bank_b_officer, enterprise_user
):
    programme = make_programme(promotion_officer, capacity=2)
    enrolments.enrol(programme=programme, actor=bank_a_officer)
    enrolments.enrol(programme=programme, actor=bank_b_officer)
    with pytest.raises(TrainingInvalid, match="full: all 2 places are taken"):
        enrolments.enrol(programme=programme, actor=enterprise_user)
    assert programme.enrolments.count() == 2


def test_a_withdrawn_place_frees_up_and_the_person_may_enrol_again(
    promotion_officer, bank_a_officer, bank_b_officer
):
    programme = make_programme(promotion_officer, capacity=1)
    first = enrolments.enrol(programme=programme, actor=bank_a_officer)
    enrolments.enrolment_withdraw(enrolment=first, actor=bank_a_officer)
    taken = enrolments.enrol(programme=programme, actor=bank_b_officer)
    enrolments.enrolment_withdraw(enrolment=taken, actor=bank_b_officer)
    again = enrolments.enrol(programme=programme, actor=bank_a_officer)
    assert again.pk == first.pk and again.status == EnrolmentStatus.ENROLLED
    assert list(EnrolmentEvent.objects.filter(enrolment=first).values_list("to_status", flat=True)) == [
        "enrolled",
        "withdrawn",
        "enrolled",
    ]


def test_nobody_withdraws_someone_elses_enrolment(programme, bank_a_officer, bank_b_officer):
    enrolment = enrolments.enrol(programme=programme, actor=bank_a_officer)
    with pytest.raises(TrainingNotAllowed):
        enrolments.enrolment_withdraw(enrolment=enrolment, actor=bank_b_officer)


@pytest.mark.parametrize(
    ("audience", "admitted", "refused"),
    [
        (Audience.BANK_CREDIT, ["bank_a_officer", "bank_a_manager"], ["enterprise_user", "ip_agent"]),
        (Audience.IP_PROFESSIONALS, ["ip_agent"], ["bank_a_officer", "enterprise_user"]),
        (Audience.ENTERPRISES, ["enterprise_user"], ["bank_a_officer", "ip_agent"]),
        (Audience.ALL, ["enterprise_user", "bank_a_officer", "ip_agent"], []),
    ],
)
def test_only_the_audience_enrols(request, make_user, promotion_officer, audience, admitted, refused):
    agency = organisation_create(
        name="北京集佳知识产权代理有限公司", kind=OrgKind.IP_AGENCY, uscc=make_uscc()
    )
    people = {"ip_agent": make_user("ip_agent", agency, Role.INSTITUTION_OFFICER)}
    programme = make_programme(promotion_officer, audience=audience)
    for name in admitted:
        person = people.get(name) or request.getfixturevalue(name)
        enrolments.enrol(programme=programme, actor=person)
    for name in refused:
        person = people.get(name) or request.getfixturevalue(name)
        with pytest.raises(TrainingNotAllowed, match=r"for .* only"):
            enrolments.enrol(programme=programme, actor=person)
    assert programme.enrolments.count() == len(admitted)


@pytest.mark.parametrize("status", [ProgrammeStatus.DRAFT, ProgrammeStatus.CLOSED])
def test_enrolment_is_open_only_while_published(programme, bank_a_officer, status):
    programme.status = status
    programme.save(update_fields=["status"])
    with pytest.raises(TrainingInvalid, match="not open for enrolment"):
        enrolments.enrol(programme=programme, actor=bank_a_officer)


@pytest.mark.postgres
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL and concurrent connections")
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_enrolments_never_overfill_the_programme(make_user, promotion_officer, bank_a):
    people = [make_user(f"officer{index}", bank_a, Role.BANK_OFFICER) for index in range(8)]
    programme = make_programme(promotion_officer, capacity=3)
    start = threading.Barrier(len(people))
    enrolled, full, errors = [], [], []

    def take_a_place(person):
        try:
            start.wait()
            enrolments.enrol(programme=programme, actor=person)
            enrolled.append(person.pk)
        except TrainingInvalid:
            full.append(person.pk)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=take_a_place, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert (len(enrolled), len(full)) == (3, 5)
    assert programme.enrolments.filter(status=EnrolmentStatus.ENROLLED).count() == 3
