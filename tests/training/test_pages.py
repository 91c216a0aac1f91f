"""The pages: public list and programme page, enrolment through the page, my training, the organisers' pages
(create and edit keeping input on errors, courses, publish, enrolments, register, close) with their role
(403) and scope (404) checks, and the home links."""

import pytest

from portal.accounts.models import Role
from tests.conftest import PASSWORD
from tests.training.factories import completed_with_certificate, make_programme
from training import enrolments
from training.apps import TrainingConfig
from training.models import Attendance, EnrolmentStatus, Programme, ProgrammeStatus

pytestmark = pytest.mark.django_db

PROGRAMME_POST = {
    "title": "专利质押融资实务",
    "audience": "bank_credit",
    "description": "面向信贷专员。",
    "year": "2026",
    "capacity": "40",
    "completion_hours_share": "0.8000",
}
COURSE_POST = {
    "title": "专利价值评估",
    "teacher": "陈评估师",
    "starts_at": "2026-04-01T09:00",
    "ends_at": "2026-04-01T12:00",
    "place": "中关村知识产权促进中心",
    "online_link": "",
    "hours": "3.50",
    "capacity": "",
}


def _login(client, user):
    """Signed in, reading the pages in English (the portal's default language is Chinese)."""
    client.login(username=user.username, password=PASSWORD)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


# --- Public pages ----------------------------------------------------------------------------------------


def test_anyone_browses_published_programmes_but_not_drafts(client, promotion_officer):
    published = make_programme(promotion_officer, title="公开课程")
    draft = make_programme(promotion_officer, title="草稿课程", publish=False)
    page = client.get("/training/").content.decode()
    assert "公开课程" in page and "草稿课程" not in page
    detail = client.get(f"/training/programmes/{published.pk}/")
    assert detail.status_code == 200 and 'data-testid="sign-in-to-enrol"' in detail.content.decode()
    assert client.get(f"/training/programmes/{draft.pk}/").status_code == 404


def test_the_list_filter_refuses_a_bad_year_with_a_400(client, programme):
    assert client.get("/training/", {"year": "abc"}).status_code == 400
    assert client.get("/training/", {"audience": "enterprises"}).status_code == 200


def test_enrolling_needs_a_sign_in(client, programme):
    response = client.post(f"/training/programmes/{programme.pk}/enrol/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_enrolling_through_the_page_and_a_second_try_is_a_400_with_a_message(
    client, programme, bank_a_officer
):
    _login(client, bank_a_officer)
    assert client.post(f"/training/programmes/{programme.pk}/enrol/").status_code == 302
    response = client.post(f"/training/programmes/{programme.pk}/enrol/")
    assert response.status_code == 400
    assert 'data-testid="enrol-error"' in response.content.decode()
    assert programme.enrolments.count() == 1


def test_a_full_programme_answers_400_on_the_page(client, promotion_officer, bank_a_officer, bank_b_officer):
    programme = make_programme(promotion_officer, capacity=1)
    enrolments.enrol(programme=programme, actor=bank_b_officer)
    response = _login(client, bank_a_officer).post(f"/training/programmes/{programme.pk}/enrol/")
    assert response.status_code == 400 and 'data-testid="enrol-error"' in response.content.decode()


def test_someone_outside_the_audience_is_refused_with_a_403(client, promotion_officer, enterprise_user):
    programme = make_programme(promotion_officer, audience="bank_credit")
    _login(client, enterprise_user)
    page = client.get(f"/training/programmes/{programme.pk}/").content.decode()
    assert 'data-testid="enrol-refusal"' in page and 'data-testid="enrol"' not in page
    assert client.post(f"/training/programmes/{programme.pk}/enrol/").status_code == 403


def test_withdrawing_through_the_page_and_only_ones_own(client, programme, bank_a_officer, bank_b_officer):
    enrolment = enrolments.enrol(programme=programme, actor=bank_a_officer)
    assert (
        _login(client, bank_b_officer).post(f"/training/enrolments/{enrolment.pk}/withdraw/").status_code
        == 404
    )
    assert (
        _login(client, bank_a_officer).post(f"/training/enrolments/{enrolment.pk}/withdraw/").status_code
        == 302
    )
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.WITHDRAWN


def test_my_training_shows_my_enrolments_hours_and_certificate_only(
    client, programme, promotion_officer, bank_a_officer, bank_b_officer
):
    enrolment = completed_with_certificate(programme, promotion_officer, bank_a_officer)
    other = make_programme(promotion_officer, title="别人的课程")
    enrolments.enrol(programme=other, actor=bank_b_officer)
    page = _login(client, bank_a_officer).get("/training/mine/").content.decode()
    assert enrolment.certificate.number in page and "10.00" in page and "别人的课程" not in page


def test_my_training_needs_a_sign_in(client, db):
    assert client.get("/training/mine/").status_code == 302


# --- Organiser pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["/training/manage/", "/training/manage/new/"],
)
@pytest.mark.parametrize("who", ["bank_a_officer", "reviewer", "enterprise_user"])
def test_organiser_pages_are_403_for_other_roles(request, client, path, who):
    assert _login(client, request.getfixturevalue(who)).get(path).status_code == 403


def test_another_organisers_programme_is_a_404(client, programme, park_admin):
    _login(client, park_admin)
    course = programme.courses.first()
    for path in (
        f"/training/manage/{programme.pk}/",
        f"/training/manage/{programme.pk}/edit/",
        f"/training/manage/{programme.pk}/courses/new/",
        f"/training/manage/{programme.pk}/courses/{course.pk}/edit/",
        f"/training/manage/{programme.pk}/courses/{course.pk}/register/",
    ):
        assert client.get(path).status_code == 404, path
    for path in (f"/training/manage/{programme.pk}/publish/", f"/training/manage/{programme.pk}/close/"):
        assert client.post(path).status_code == 404, path
    assert "知识产权质押融资实务培训班" not in client.get("/training/manage/").content.decode()


def test_an_organiser_creates_a_programme_adds_a_course_and_publishes(client, park_admin):
    _login(client, park_admin)
    response = client.post("/training/manage/new/", PROGRAMME_POST)
    programme = Programme.objects.get()
    assert response.status_code == 302 and programme.organiser == park_admin.organisation
    assert client.post(f"/training/manage/{programme.pk}/publish/").status_code == 400  # no course yet
    assert client.post(f"/training/manage/{programme.pk}/courses/new/", COURSE_POST).status_code == 302
    assert client.post(f"/training/manage/{programme.pk}/publish/").status_code == 302
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.PUBLISHED
    page = client.get(f"/training/manage/{programme.pk}/").content.decode()
    assert "专利价值评估" in page and "3.50" in page


def test_a_bad_programme_form_is_a_400_keeping_the_input(client, promotion_officer):
    _login(client, promotion_officer)
    response = client.post(
        "/training/manage/new/", {**PROGRAMME_POST, "completion_hours_share": "1.5", "capacity": "0"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="专利质押融资实务"' in page and 'value="1.5"' in page
    assert not Programme.objects.exists()


def test_a_bad_course_form_is_a_400_keeping_the_input(client, programme, promotion_officer):
    _login(client, promotion_officer)
    bad = {**COURSE_POST, "ends_at": "2026-04-01T08:00", "place": "", "hours": "3.50"}
    response = client.post(f"/training/manage/{programme.pk}/courses/new/", bad)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="专利价值评估"' in page and 'value="3.50"' in page
    assert programme.courses.count() == 2


def test_places_cannot_drop_below_those_enrolled(client, promotion_officer, bank_a_officer, bank_b_officer):
    programme = make_programme(promotion_officer)
    enrolments.enrol(programme=programme, actor=bank_a_officer)
    enrolments.enrol(programme=programme, actor=bank_b_officer)
    _login(client, promotion_officer)
    response = client.post(f"/training/manage/{programme.pk}/edit/", {**PROGRAMME_POST, "capacity": "1"})
    assert response.status_code == 400 and "2 people are already enrolled" in response.content.decode()


def test_the_register_marks_attendance_in_one_post(
    client, programme, promotion_officer, bank_a_officer, bank_b_officer
):
    first = enrolments.enrol(programme=programme, actor=bank_a_officer)
    enrolments.enrol(programme=programme, actor=bank_b_officer)
    course = programme.courses.first()
    _login(client, promotion_officer)
    path = f"/training/manage/{programme.pk}/courses/{course.pk}/register/"
    page = client.get(path).content.decode()
    assert page.count('type="checkbox" name="present"') == 2
    assert client.post(path, {"present": [str(first.pk)]}).status_code == 302
    assert dict(Attendance.objects.values_list("enrolment__user__username", "present")) == {
        "bank_a_officer": True,
        "bank_b_officer": False,
    }
    assert client.post(path, {"present": ["x"]}).status_code == 400
    assert client.post(path, {"present": ["999999"]}).status_code == 400


def test_enrolment_data_is_visible_only_to_the_organiser(
    client, programme, promotion_officer, bank_a_officer, bank_b_officer
):
    enrolments.enrol(programme=programme, actor=bank_a_officer)
    page = _login(client, promotion_officer).get(f"/training/manage/{programme.pk}/").content.decode()
    assert "李信贷" in page
    public = _login(client, bank_b_officer).get(f"/training/programmes/{programme.pk}/").content.decode()
    assert "李信贷" not in public


def test_closing_through_the_page(client, programme, promotion_officer, bank_a_officer):
    enrolments.enrol(programme=programme, actor=bank_a_officer)
    _login(client, promotion_officer)
    assert client.post(f"/training/manage/{programme.pk}/close/").status_code == 302
    assert client.post(f"/training/manage/{programme.pk}/close/").status_code == 400
    programme.refresh_from_db()
    assert programme.status == ProgrammeStatus.CLOSED
    assert programme.enrolments.get().status == EnrolmentStatus.FAILED


def test_organiser_lists_are_not_n_plus_one(
    client, promotion_officer, bank_a, make_user, django_assert_max_num_queries
):
    programme = make_programme(promotion_officer)
    for index in range(6):
        enrolments.enrol(programme=programme, actor=make_user(f"p{index}", bank_a, Role.BANK_OFFICER))
        make_programme(promotion_officer, title=f"课程{index}")
    _login(client, promotion_officer)
    client.get("/training/manage/")  # warm the session and membership lookups
    with django_assert_max_num_queries(12):
        client.get("/training/manage/")
    with django_assert_max_num_queries(16):
        client.get(f"/training/manage/{programme.pk}/")


# --- Home links ----------------------------------------------------------------------------------------------


def _labels(user) -> list[str]:
    sections = TrainingConfig.home_links(TrainingConfig.create("training"), user)
    return [str(label) for section in sections for label, _url in section["links"]]


def test_home_links_follow_the_role(promotion_officer, park_admin, bank_a_officer, make_user):
    assert "Commendations" in _labels(promotion_officer)
    assert "Manage training programmes" in _labels(promotion_officer)
    assert "Manage training programmes" in _labels(park_admin) and "Commendations" not in _labels(park_admin)
    bank = _labels(bank_a_officer)
    assert (
        "Training programmes" in bank and "My training" in bank and "Manage training programmes" not in bank
    )
    # The IP bureau's administrator is no organiser.
    admin = make_user("bureau_admin", promotion_officer.organisation, Role.ORG_ADMIN)
    assert "Manage training programmes" not in _labels(admin)
