"""Staff maintain the calendar in the admin; every edit reaches the next computation."""

from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from portal.workdays.models import CalendarStatus, CalendarYear, DayKind, SpecialDay
from portal.workdays.services import add_working_days, is_workday

pytestmark = pytest.mark.django_db


def _value(value):
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return getattr(value, "pk", value)


def change_form_data(response) -> dict:
    """The POST body a browser would send back unchanged from an admin change page."""
    data = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        data[name] = _value(form.initial.get(name, field.initial))
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for inline_form in formset.forms:
            for name, field in inline_form.fields.items():
                data[inline_form.add_prefix(name)] = _value(inline_form.initial.get(name, field.initial))
    return {key: value for key, value in data.items() if value is not None}


def test_staff_enter_a_new_year_with_its_days_and_mark_it_official(client, staff_admin):
    client.force_login(staff_admin)
    response = client.post(
        reverse("admin:workdays_calendaryear_add"),
        {
            "year": "2027",
            "status": CalendarStatus.PROVISIONAL,
            "notice_reference": "国办发明电〔2026〕9号",
            "notice_date": "2026-11-10",
            "source_url": "https://www.gov.cn/",
            "special_days-TOTAL_FORMS": "2",
            "special_days-INITIAL_FORMS": "0",
            "special_days-MIN_NUM_FORMS": "0",
            "special_days-MAX_NUM_FORMS": "1000",
            "special_days-0-date": "2027-02-08",
            "special_days-0-kind": DayKind.HOLIDAY,
            "special_days-0-name_zh": "春节",
            "special_days-0-name_en": "Spring Festival",
            "special_days-0-source": "国办发明电〔2026〕9号",
            "special_days-1-date": "2027-02-20",
            "special_days-1-kind": DayKind.MAKEUP_WORKDAY,
            "special_days-1-name_zh": "春节",
            "special_days-1-name_en": "Spring Festival",
            "special_days-1-source": "国办发明电〔2026〕9号",
        },
    )
    assert response.status_code == 302, response.context["errors"] if response.context else response
    calendar = CalendarYear.objects.get(year=2027)
    assert calendar.updated_by == staff_admin
    assert calendar.special_days.count() == 2
    # Entered but not yet official: still the provisional rule.
    assert is_workday(date(2027, 2, 8)) is True

    response = client.post(
        reverse("admin:workdays_calendaryear_changelist"),
        {"action": "mark_official", "_selected_action": [calendar.pk]},
    )
    assert response.status_code == 302
    calendar.refresh_from_db()
    assert calendar.status == CalendarStatus.OFFICIAL
    assert is_workday(date(2027, 2, 8)) is False
    assert is_workday(date(2027, 2, 20)) is True
    assert add_working_days(date(2026, 12, 30), 3).provisional is False


def test_admin_inline_edit_making_2026_11_30_a_holiday_changes_the_due_date(client, staff_admin):
    before = add_working_days(date(2026, 11, 27), 1)
    assert before.due_date == date(2026, 11, 30)

    client.force_login(staff_admin)
    calendar = CalendarYear.objects.get(year=2026)
    url = reverse("admin:workdays_calendaryear_change", args=[calendar.pk])
    data = change_form_data(client.get(url))
    new = data["special_days-INITIAL_FORMS"]  # the first blank inline form
    data.update(
        {
            f"special_days-{new}-date": "2026-11-30",
            f"special_days-{new}-kind": DayKind.HOLIDAY,
            f"special_days-{new}-name_zh": "临时假日",
            f"special_days-{new}-name_en": "Extra holiday",
            f"special_days-{new}-source": "test",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["inline_admin_formsets"][0].formset.errors

    with translation.override("en"):
        after = add_working_days(date(2026, 11, 27), 1)
    assert after.due_date == date(2026, 12, 1)
    assert after.skipped[-1] == (date(2026, 11, 30), "Extra holiday")


def test_a_day_outside_the_calendar_year_is_refused_and_nothing_is_saved(client, staff_admin):
    client.force_login(staff_admin)
    calendar = CalendarYear.objects.get(year=2026)
    response = client.post(
        reverse("admin:workdays_specialday_add"),
        {
            "calendar": calendar.pk,
            "date": "2027-03-01",
            "kind": DayKind.HOLIDAY,
            "name_zh": "错年",
            "name_en": "Wrong year",
        },
    )
    assert response.status_code == 200
    assert "date" in response.context["adminform"].form.errors
    assert not SpecialDay.objects.filter(date=date(2027, 3, 1)).exists()


def test_a_makeup_day_on_a_weekday_is_refused(client, staff_admin):
    client.force_login(staff_admin)
    response = client.post(
        reverse("admin:workdays_specialday_add"),
        {
            "calendar": CalendarYear.objects.get(year=2026).pk,
            "date": "2026-11-30",
            "kind": DayKind.MAKEUP_WORKDAY,
            "name_zh": "调休",
            "name_en": "Makeup",
        },
    )
    assert response.status_code == 200
    assert "kind" in response.context["adminform"].form.errors
    assert is_workday(date(2026, 11, 30)) is True


def test_marking_official_without_a_notice_reference_is_refused(client, staff_admin):
    calendar = CalendarYear.objects.create(year=2027)
    client.force_login(staff_admin)
    response = client.post(
        reverse("admin:workdays_calendaryear_changelist"),
        {"action": "mark_official", "_selected_action": [calendar.pk]},
        follow=True,
    )
    calendar.refresh_from_db()
    assert calendar.status == CalendarStatus.PROVISIONAL
    assert any("2027" in str(message) for message in response.context["messages"])


def test_changelist_shows_the_counts_of_days_off_and_makeup_days(client, staff_admin):
    client.force_login(staff_admin)
    response = client.get(reverse("admin:workdays_calendaryear_changelist"))
    assert response.status_code == 200
    row = next(obj for obj in response.context["cl"].result_list if obj.year == 2026)
    assert (row.holidays, row.makeups) == (33, 6)


@pytest.mark.parametrize("persona", ["commissioner", "reviewer", "outsider"])
def test_non_staff_cannot_open_the_calendar_admin(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:workdays_calendaryear_changelist"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
