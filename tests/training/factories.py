"""Programmes made through the services, as their organisers would make them."""

from datetime import datetime, timedelta
from decimal import Decimal

from django.utils import timezone

from training import enrolments, programmes
from training.models import Audience, Programme

START = timezone.make_aware(datetime(2026, 3, 2, 9, 0))


def make_programme(
    organiser,
    *,
    hours=("4.00", "6.00"),
    audience=Audience.ALL,
    capacity=30,
    share="0.8000",
    publish=True,
    title="知识产权质押融资实务培训班",
) -> Programme:
    programme = programmes.programme_create(
        actor=organiser,
        values={
            "title": title,
            "audience": audience,
            "description": "面向银行信贷专员的培训。",
            "year": 2026,
            "capacity": capacity,
            "completion_hours_share": Decimal(share),
        },
    )
    for index, course_hours in enumerate(hours):
        starts = START + timedelta(days=7 * index)
        programmes.course_save(
            programme=programme,
            actor=organiser,
            values={
                "title": f"第{index + 1}讲",
                "teacher": "刘教授",
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=3),
                "place": "北京市知识产权局培训教室",
                "online_link": "",
                "hours": Decimal(course_hours),
                "capacity": None,
            },
        )
    if publish:
        programmes.programme_publish(programme=programme, actor=organiser)
    programme.refresh_from_db()
    return programme


def attend(programme, organiser, present_by_course: dict[int, set]) -> None:
    """``present_by_course``: course index -> the enrolments present."""
    for index, course in enumerate(programme.courses.order_by("starts_at", "pk")):
        enrolments.attendance_save(
            course=course,
            actor=organiser,
            present={enrolment.pk for enrolment in present_by_course.get(index, set())},
        )


def completed_with_certificate(programme, organiser, person):
    """``person`` enrols, attends every course, and the programme closes: their enrolment, completed."""
    enrolment = enrolments.enrol(programme=programme, actor=person)
    attend(programme, organiser, {index: {enrolment} for index in range(programme.courses.count())})
    programmes.programme_close(programme=programme, actor=organiser)
    enrolment.refresh_from_db()
    return enrolment
