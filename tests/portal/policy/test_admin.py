"""Staff edit the numbers in the admin; every save goes through the services and lands in the change log."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from portal.policy.models import LprRate, ParameterChange, ParameterSetStatus, PolicyParameterSet, ServiceTime

pytestmark = pytest.mark.django_db


def _value(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _form_data(response) -> dict:
    """The POST body the admin page would send back unchanged: main form, inlines, management forms."""
    data = {}

    def add(form):
        for name, field in form.fields.items():
            value = form.initial.get(name, field.initial)
            if callable(value):
                value = value()
            key = form.add_prefix(name)
            if isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif hasattr(value, "pk"):
                data[key] = str(value.pk)
            else:
                data[key] = _value(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        management = formset.management_form
        for name in management.fields:
            data[management.add_prefix(name)] = management.initial.get(name, management[name].value())
        for form in formset.initial_forms:
            add(form)
    return data


def _change_url(parameter_set):
    return reverse("admin:policy_policyparameterset_change", args=[parameter_set.pk])


def test_admin_change_form_records_history_with_the_staff_user(staff_client, staff_admin, set_2026):
    url = _change_url(set_2026)
    page = staff_client.get(url)
    assert page.status_code == 200
    data = _form_data(page)
    data.update(
        {
            "interest_ratio": "0.4500",
            "source_interest_ratio": "2026 notice, item 3",
            "reason": "New notice",
        }
    )
    response = staff_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    rows = list(ParameterChange.objects.filter(actor=staff_admin).order_by("field"))
    assert [(r.field, r.old_value, r.new_value, r.reason) for r in rows] == [
        ("interest_ratio", "0.5000", "0.4500", "New notice"),
        ("sources.interest_ratio", rows[1].old_value, "2026 notice, item 3", "New notice"),
    ]
    assert rows[1].old_value.startswith("[V-1]")
    set_2026.refresh_from_db()
    assert set_2026.interest_ratio == Decimal("0.4500")


def test_admin_unchanged_save_writes_no_history(staff_client, staff_admin, set_2026):
    url = _change_url(set_2026)
    response = staff_client.post(url, _form_data(staff_client.get(url)))
    assert response.status_code == 302
    assert not ParameterChange.objects.filter(actor=staff_admin).exists()


def test_admin_service_time_inline_edit_is_logged(staff_client, staff_admin, set_2026):
    url = _change_url(set_2026)
    page = staff_client.get(url)
    data = _form_data(page)
    formset = page.context["inline_admin_formsets"][0].formset
    index = next(
        i
        for i, form in enumerate(formset.initial_forms)
        if (form.instance.ip_kind, form.instance.channel, form.instance.target)
        == ("patent", "window", "service_target")
    )
    data[f"{formset.prefix}-{index}-days"] = "2"
    response = staff_client.post(url, data)
    assert response.status_code == 302
    change = ParameterChange.objects.get(actor=staff_admin)
    assert (change.field, change.old_value, change.new_value) == (
        "service_time:patent/window/service_target",
        "3 working",
        "2 working",
    )
    assert set_2026.service_times.get(ip_kind="patent", channel="window", target="service_target").days == 2


def test_admin_refuses_an_invalid_ratio_and_writes_nothing(staff_client, staff_admin, set_2026):
    url = _change_url(set_2026)
    data = _form_data(staff_client.get(url))
    data["fee_ratio"] = "1.5"
    response = staff_client.post(url, data)
    assert response.status_code == 200
    assert "fee_ratio" in response.context["adminform"].form.errors
    assert not ParameterChange.objects.filter(actor=staff_admin).exists()
    set_2026.refresh_from_db()
    assert set_2026.fee_ratio == Decimal("0.5000")


def test_admin_add_prefills_from_the_latest_year_and_logs_creation(staff_client, staff_admin):
    url = reverse("admin:policy_policyparameterset_add")
    page = staff_client.get(url)
    assert page.status_code == 200
    data = _form_data(page)
    assert data["year"] == "2027"
    assert data["interest_ratio"] == "0.5000"
    data.update({"title": "2027 draft", "status": ParameterSetStatus.DRAFT})
    response = staff_client.post(url, data)
    assert response.status_code == 302
    created = PolicyParameterSet.objects.get(year=2027)
    assert (created.settlement_window_start, created.settlement_window_end) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    assert created.source_for("interest_ratio").startswith("[V-1]")
    change = ParameterChange.objects.get(actor=staff_admin)
    assert (change.parameter_set, change.field) == (created, ParameterChange.CREATED)


def test_admin_clone_action_creates_next_year_draft(staff_client, staff_admin, set_2026):
    response = staff_client.post(
        reverse("admin:policy_policyparameterset_changelist"),
        {"action": "clone_to_next_year", "_selected_action": [set_2026.pk]},
    )
    assert response.status_code == 302
    clone = PolicyParameterSet.objects.get(year=2027)
    assert clone.status == ParameterSetStatus.DRAFT
    assert ServiceTime.objects.filter(parameter_set=clone).count() == 14


def test_admin_cannot_delete_a_parameter_set(staff_client, set_2026):
    response = staff_client.post(
        reverse("admin:policy_policyparameterset_delete", args=[set_2026.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    assert PolicyParameterSet.objects.filter(pk=set_2026.pk).exists()


def test_parameter_change_rows_cannot_be_edited_added_or_deleted_in_admin(staff_client):
    change = ParameterChange.objects.filter(parameter_set__year=2026).first()
    change_url = reverse("admin:policy_parameterchange_change", args=[change.pk])
    # Staff may read the row...
    assert staff_client.get(change_url).status_code == 200
    assert staff_client.get(reverse("admin:policy_parameterchange_changelist")).status_code == 200
    # ...but not change, add or delete one.
    response = staff_client.post(
        change_url, {"field": "interest_ratio", "old_value": "x", "new_value": "tampered", "reason": ""}
    )
    assert response.status_code == 403
    assert staff_client.get(reverse("admin:policy_parameterchange_add")).status_code == 403
    delete = staff_client.post(
        reverse("admin:policy_parameterchange_delete", args=[change.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    change.refresh_from_db()
    assert change.new_value != "tampered"


def test_admin_change_page_lists_the_history(staff_client, set_2026):
    page = staff_client.get(_change_url(set_2026)).content.decode()
    assert "(created)" in page
    assert f"parameter_set__id__exact={set_2026.pk}" in page


def test_admin_lpr_add_and_edit_are_logged(staff_client, staff_admin):
    response = staff_client.post(
        reverse("admin:policy_lprrate_add"),
        {
            "effective_date": "2026-03-20",
            "one_year_pct": "3.00",
            "five_year_pct": "3.50",
            "source": "https://example.org/lpr",
            "note": "",
        },
    )
    assert response.status_code == 302
    rate = LprRate.objects.get(effective_date=date(2026, 3, 20))
    response = staff_client.post(
        reverse("admin:policy_lprrate_change", args=[rate.pk]),
        {
            "effective_date": "2026-03-20",
            "one_year_pct": "2.90",
            "five_year_pct": "3.50",
            "source": "https://example.org/lpr",
            "note": "",
        },
    )
    assert response.status_code == 302
    fields = list(
        ParameterChange.objects.filter(actor=staff_admin)
        .order_by("id")
        .values_list("field", "old_value", "new_value")
    )
    assert fields == [
        ("lpr:2026-03-20.one_year_pct", "", "3.00"),
        ("lpr:2026-03-20.five_year_pct", "", "3.50"),
        ("lpr:2026-03-20.source", "", "https://example.org/lpr"),
        ("lpr:2026-03-20.one_year_pct", "3.00", "2.90"),
    ]


def test_non_staff_persona_cannot_reach_the_policy_admin(client, reviewer, set_2026):
    client.force_login(reviewer)
    response = client.get(_change_url(set_2026))
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]
