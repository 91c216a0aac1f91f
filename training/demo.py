"""Demo talent training for `manage.py seed_demo`, made through the services by the people who would do it.

The promotion centre (demo_promotion, 北京市知识产权局) runs two programmes: last season's closed programme for
bank credit staff, which 李信贷 (demo_bank_officer) completed with a certificate and 周信贷
(demo_bank_b_officer) did not (too few hours); and this season's published programme for everyone, open for
enrolment. The centre has also published the 2025 commendation list.

Idempotent: nothing is added once the closed demo programme exists, and commendations are added by name.
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from portal.accounts.models import User
from training import commendations, enrolments, programmes
from training.models import Audience, Commendation, CommendationKind, Programme

CLOSED_TITLE = "银行信贷人员知识产权质押融资实务培训班（第一期）"
OPEN_TITLE = "知识产权质押融资政策与实务公开课"

CLOSED_COURSES = [
    ("知识产权质押融资政策解读", "刘教授", 3, "4.00"),
    ("专利价值评估方法与案例", "陈评估师", 4, "4.00"),
    ("质押登记办理与风险补偿申请", "陈专员", 5, "2.00"),
]
OPEN_COURSES = [
    ("北京市知识产权质押融资支持政策", "郭促进", 14, "3.00", "中关村知识产权促进中心一层报告厅", ""),
    ("企业知识产权融资需求对接", "何园区", 21, "3.00", "", "https://meeting.example.cn/ipfin-2"),
]
COMMENDED_2025 = [
    (
        CommendationKind.PERSON,
        "李信贷",
        "北京银行中关村分行",
        "全年办理知识产权质押贷款32笔，首贷户占比过半。",
    ),
    (
        CommendationKind.PERSON,
        "陈专员",
        "北京知识产权质押登记窗口",
        "推行质押登记服务专员制度，线上登记全部1个工作日办结。",
    ),
    (
        CommendationKind.TEAM,
        "中关村银行科创金融团队",
        "中关村银行",
        "创新知识产权组合质押产品，服务专精特新企业60余家。",
    ),
]


def _at(day, hour: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def _add_courses(programme, actor, courses, start_day) -> list:
    made = []
    for index, course in enumerate(courses):
        title, teacher, offset, hours, *where = course
        place, link = where if where else ("北京市知识产权局培训教室", "")
        day = start_day + timedelta(days=offset)
        made.append(
            programmes.course_save(
                programme=programme,
                actor=actor,
                values={
                    "title": title,
                    "teacher": teacher,
                    "starts_at": _at(day, 9 + index % 2 * 5),
                    "ends_at": _at(day, 12 + index % 2 * 5),
                    "place": place,
                    "online_link": link,
                    "hours": Decimal(hours),
                    "capacity": 60,
                },
            )
        )
    return made


def _closed_programme(promotion: User, bank_officer: User, bank_b_officer: User | None) -> None:
    today = timezone.localdate()
    programme = programmes.programme_create(
        actor=promotion,
        values={
            "title": CLOSED_TITLE,
            "audience": Audience.BANK_CREDIT,
            "description": "面向银行信贷专员的知识产权质押融资业务培训，结业颁发证书。",
            "year": today.year,
            "capacity": 40,
            "completion_hours_share": Decimal("0.8000"),
        },
    )
    courses = _add_courses(programme, promotion, CLOSED_COURSES, today - timedelta(days=40))
    programmes.programme_publish(programme=programme, actor=promotion)
    completer = enrolments.enrol(programme=programme, actor=bank_officer)
    attended = {course.pk: {completer.pk} for course in courses}
    if bank_b_officer is not None:
        # Attends only the first course (4 of 10 hours): does not complete.
        partial = enrolments.enrol(programme=programme, actor=bank_b_officer)
        attended[courses[0].pk].add(partial.pk)
    for course in courses:
        enrolments.attendance_save(course=course, actor=promotion, present=attended[course.pk])
    programmes.programme_close(programme=programme, actor=promotion)


def _open_programme(promotion: User) -> None:
    today = timezone.localdate()
    programme = programmes.programme_create(
        actor=promotion,
        values={
            "title": OPEN_TITLE,
            "audience": Audience.ALL,
            "description": "面向银行、知识产权服务机构和企业的公开课，欢迎报名。",
            "year": today.year,
            "capacity": 100,
            "completion_hours_share": Decimal("0.8000"),
        },
    )
    _add_courses(programme, promotion, OPEN_COURSES, today)
    programmes.programme_publish(programme=programme, actor=promotion)


def _commendations(promotion: User) -> None:
    for kind, name, organisation_name, citation in COMMENDED_2025:
        if Commendation.objects.filter(year=2025, name=name, organisation=promotion.organisation).exists():
            continue
        entry = commendations.commendation_save(
            actor=promotion,
            values={
                "year": 2025,
                "kind": kind,
                "name": name,
                "organisation_name": organisation_name,
                "citation": citation,
            },
        )
        commendations.commendation_transition(commendation=entry, action="publish", actor=promotion)


def seed_demo() -> int:
    users = {user.username: user for user in User.objects.filter(username__startswith="demo_")}
    promotion = users.get("demo_promotion")
    bank_officer = users.get("demo_bank_officer")
    if promotion is None or bank_officer is None:
        return 0
    with transaction.atomic():
        if not Programme.objects.filter(title=CLOSED_TITLE, organiser=promotion.organisation).exists():
            _closed_programme(promotion, bank_officer, users.get("demo_bank_b_officer"))
        if not Programme.objects.filter(title=OPEN_TITLE, organiser=promotion.organisation).exists():
            _open_programme(promotion)
        _commendations(promotion)
    return Programme.objects.filter(organiser=promotion.organisation).count()
