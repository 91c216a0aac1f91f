"""The completion rule at its boundary (exact Decimal hours), the programme's own share, what closing does to
each enrolment, and the attendance register."""

from decimal import Decimal

import pytest

from tests.training.factories import attend, make_programme
from training import enrolments, programmes
from training.calculations import certificate_number, completes, mask_name
from training.errors import TrainingInvalid, TrainingNotAllowed
from training.models import Attendance, Certificate, EnrolmentEvent, EnrolmentStatus, ProgrammeStatus

D = Decimal


@pytest.mark.parametrize(
    ("attended", "total", "share", "expected"),
    [
        ("8.00", "10.00", "0.8000", True),
        ("7.99", "10.00", "0.8000", False),
        ("10.00", "10.00", "1.0000", True),
        ("9.99", "10.00", "1.0000", False),
        ("2.50", "5.00", "0.5000", True),
        ("0.00", "0.00", "0.8000", False),
    ],
)
def test_the_completion_rule_compares_exact_decimals(attended, total, share, expected):
    assert completes(attended=D(attended), total=D(total), share=D(share)) is expected


@pytest.mark.parametrize(
    ("name", "masked"),
    [("张三", "张*"), ("张小三", "张*三"), ("欧阳明月", "欧**月"), ("李", "李"), ("Ann", "A*n")],
)
def test_the_public_page_masks_all_but_the_first_and_last_character(name, masked):
    assert mask_name(name) == masked


def test_certificate_numbers_carry_the_year_and_six_digits():
    assert certificate_number(2026, 123) == "PX-2026-000123"


def _close_with_first_course_attended(organiser, person, hours, share="0.8000"):
    programme = make_programme(organiser, hours=hours, share=share)
    enrolment = enrolments.enrol(programme=programme, actor=person)
    attend(programme, organiser, {0: {enrolment}})
    programmes.programme_close(programme=programme, actor=organiser)
    enrolment.refresh_from_db()
    return enrolment


@pytest.mark.django_db
def test_exactly_eighty_percent_of_the_hours_completes(promotion_officer, bank_a_officer):
    enrolment = _close_with_first_course_attended(promotion_officer, bank_a_officer, ("8.00", "2.00"))
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.hours_attended == D("8.00")
    assert enrolment.certificate.hours == D("8.00")


@pytest.mark.django_db
def test_just_under_eighty_percent_fails_without_a_certificate(promotion_officer, bank_a_officer):
    enrolment = _close_with_first_course_attended(promotion_officer, bank_a_officer, ("7.99", "2.01"))
    assert enrolment.status == EnrolmentStatus.FAILED
    assert enrolment.hours_attended == D("7.99")
    assert not Certificate.objects.exists()
    assert EnrolmentEvent.objects.get(enrolment=enrolment, to_status="failed").reason == (
        "Attended 7.99 of 10.00 hours."
    )


@pytest.mark.django_db
def test_the_share_is_the_programmes_own(promotion_officer, bank_a_officer):
    enrolment = _close_with_first_course_attended(
        promotion_officer, bank_a_officer, ("5.00", "5.00"), share="0.5000"
    )
    assert enrolment.status == EnrolmentStatus.COMPLETED


@pytest.mark.django_db
def test_closing_completes_fails_and_leaves_the_withdrawn_alone(
    promotion_officer, bank_a_officer, bank_b_officer, enterprise_user, django_capture_on_commit_callbacks
):
    programme = make_programme(promotion_officer)
    done = enrolments.enrol(programme=programme, actor=bank_a_officer)
    short = enrolments.enrol(programme=programme, actor=bank_b_officer)
    gone = enrolments.enrol(programme=programme, actor=enterprise_user)
    enrolments.enrolment_withdraw(enrolment=gone, actor=enterprise_user)
    attend(programme, promotion_officer, {0: {done, short}, 1: {done}})
    with django_capture_on_commit_callbacks(execute=True):
        counts = programmes.programme_close(programme=programme, actor=promotion_officer)
    assert counts == {"completed": 1, "failed": 1}
    programme.refresh_from_db()
    assert (programme.status, programme.closed_on is not None) == (ProgrammeStatus.CLOSED, True)
    statuses = {e.user_id: e.status for e in programme.enrolments.all()}
    assert statuses == {
        bank_a_officer.pk: EnrolmentStatus.COMPLETED,
        bank_b_officer.pk: EnrolmentStatus.FAILED,
        enterprise_user.pk: EnrolmentStatus.WITHDRAWN,
    }
    certificate = Certificate.objects.get()
    assert certificate.enrolment_id == done.pk
    assert (certificate.holder_name, certificate.organisation_name, certificate.issuer_name) == (
        "李信贷",
        "中关村银行海淀支行",
        "北京市知识产权局",
    )
    assert bank_a_officer.notifications.filter(kind="training.certificate").count() == 1


@pytest.mark.django_db
def test_a_closed_programme_cannot_be_closed_again_or_changed(programme, promotion_officer):
    programmes.programme_close(programme=programme, actor=promotion_officer)
    with pytest.raises(TrainingInvalid):
        programmes.programme_close(programme=programme, actor=promotion_officer)
    with pytest.raises(TrainingInvalid, match="closed programme"):
        programmes.programme_update(programme=programme, actor=promotion_officer, values={"title": "新"})


@pytest.mark.django_db
def test_a_draft_without_courses_cannot_be_published(promotion_officer):
    programme = make_programme(promotion_officer, hours=(), publish=False)
    with pytest.raises(TrainingInvalid, match="at least one course"):
        programmes.programme_publish(programme=programme, actor=promotion_officer)


@pytest.mark.django_db
def test_the_register_is_saved_whole_each_time(programme, promotion_officer, bank_a_officer, bank_b_officer):
    first = enrolments.enrol(programme=programme, actor=bank_a_officer)
    second = enrolments.enrol(programme=programme, actor=bank_b_officer)
    course = programme.courses.first()
    enrolments.attendance_save(course=course, actor=promotion_officer, present={first.pk, second.pk})
    enrolments.attendance_save(course=course, actor=promotion_officer, present={second.pk})
    marks = dict(Attendance.objects.filter(course=course).values_list("enrolment_id", "present"))
    assert marks == {first.pk: False, second.pk: True}


@pytest.mark.django_db
def test_the_register_refuses_people_not_enrolled_and_other_organisers(
    programme, promotion_officer, park_admin, bank_a_officer, bank_b_officer
):
    enrolled = enrolments.enrol(programme=programme, actor=bank_a_officer)
    withdrawn = enrolments.enrol(programme=programme, actor=bank_b_officer)
    enrolments.enrolment_withdraw(enrolment=withdrawn, actor=bank_b_officer)
    course = programme.courses.first()
    with pytest.raises(TrainingInvalid, match="not enrolled"):
        enrolments.attendance_save(
            course=course, actor=promotion_officer, present={enrolled.pk, withdrawn.pk}
        )
    with pytest.raises(TrainingNotAllowed):
        enrolments.attendance_save(course=course, actor=park_admin, present={enrolled.pk})
    assert not Attendance.objects.exists()


@pytest.mark.django_db
def test_attendance_is_frozen_once_the_programme_is_closed(programme, promotion_officer, bank_a_officer):
    enrolment = enrolments.enrol(programme=programme, actor=bank_a_officer)
    programmes.programme_close(programme=programme, actor=promotion_officer)
    with pytest.raises(TrainingInvalid):
        enrolments.attendance_save(
            course=programme.courses.first(), actor=promotion_officer, present={enrolment.pk}
        )
