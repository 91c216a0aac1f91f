from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from portal.policy.models import (
    PARAMETER_FIELDS,
    LprRate,
    ParameterChange,
    ParameterSetStatus,
    PolicyParameterSet,
    ServiceTime,
)
from portal.policy.services import (
    lpr_rate_add,
    lpr_rate_update,
    parameter_set_clone,
    parameter_set_create,
    parameter_set_update,
    service_time_add,
    service_time_delete,
    service_time_update,
)

pytestmark = pytest.mark.django_db


def _changes_by(user):
    return ParameterChange.objects.filter(actor=user).order_by("id")


def test_update_writes_one_change_per_changed_field_with_old_new_and_actor(set_2026, editor):
    updated = parameter_set_update(
        parameter_set=set_2026,
        changes={
            "interest_ratio": Decimal("0.45"),
            "interest_cap_per_enterprise": "250000",
            "riskcomp_fund_annual_budget": Decimal("50000000.00"),
        },
        actor=editor,
        reason="2026 notice",
    )
    rows = {row.field: row for row in _changes_by(editor)}
    assert set(rows) == {"interest_ratio", "interest_cap_per_enterprise", "riskcomp_fund_annual_budget"}
    assert (rows["interest_ratio"].old_value, rows["interest_ratio"].new_value) == ("0.5000", "0.4500")
    assert (rows["interest_cap_per_enterprise"].old_value, rows["interest_cap_per_enterprise"].new_value) == (
        "300000.00",
        "250000.00",
    )
    assert (rows["riskcomp_fund_annual_budget"].old_value, rows["riskcomp_fund_annual_budget"].new_value) == (
        "",
        "50000000.00",
    )
    assert all(row.reason == "2026 notice" and row.parameter_set == set_2026 for row in rows.values())
    set_2026.refresh_from_db()
    assert set_2026.interest_ratio == Decimal("0.4500")
    assert set_2026.interest_cap_per_enterprise == Decimal("250000.00")
    assert updated.interest_ratio == set_2026.interest_ratio


def test_unchanged_values_write_nothing(set_2026, editor):
    before = set_2026.updated_at
    parameter_set_update(
        parameter_set=set_2026,
        changes={"interest_ratio": Decimal("0.5"), "lpr_markup": "0.40", "title": set_2026.title},
        actor=editor,
    )
    assert not _changes_by(editor).exists()
    set_2026.refresh_from_db()
    assert set_2026.updated_at == before


def test_only_the_changed_field_among_several_is_logged(set_2026, editor):
    parameter_set_update(
        parameter_set=set_2026,
        changes={"interest_ratio": Decimal("0.5000"), "fee_cap_per_enterprise": Decimal("30000")},
        actor=editor,
    )
    assert list(_changes_by(editor).values_list("field", flat=True)) == ["fee_cap_per_enterprise"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"interest_ratio": Decimal("1.5")}, "interest_ratio"),
        ({"riskcomp_rate": Decimal("-0.1")}, "riskcomp_rate"),
        ({"fee_cap_per_enterprise": Decimal("-1")}, "fee_cap_per_enterprise"),
        ({"lpr_markup": "abc"}, "lpr_markup"),
        ({"interest_ratio": Decimal("0.12345")}, "interest_ratio"),
        ({"whitelist_feedback_working_days": 0}, "whitelist_feedback_working_days"),
        ({"status": "archived"}, "status"),
        ({"year": 2030}, "year"),
        ({"no_such_field": 1}, "no_such_field"),
    ],
)
def test_invalid_value_is_refused_and_nothing_is_written(set_2026, editor, changes, field):
    with pytest.raises(ValidationError) as raised:
        parameter_set_update(
            parameter_set=set_2026,
            changes={"fee_ratio": Decimal("0.4"), **changes},
            actor=editor,
        )
    assert field in raised.value.message_dict
    assert not _changes_by(editor).exists()
    set_2026.refresh_from_db()
    assert set_2026.fee_ratio == Decimal("0.5000")
    assert set_2026.year == 2026


def test_settlement_window_ending_before_it_starts_is_refused(set_2026, editor):
    with pytest.raises(ValidationError):
        parameter_set_update(
            parameter_set=set_2026,
            changes={"settlement_window_start": date(2025, 6, 1), "settlement_window_end": date(2025, 5, 31)},
            actor=editor,
        )
    assert not _changes_by(editor).exists()


def test_source_notes_change_per_parameter_and_empty_removes(set_2026, editor):
    parameter_set_update(
        parameter_set=set_2026,
        changes={"sources": {"riskcomp_rate": "2026 notice, art. 5", "riskcomp_fund_annual_budget": ""}},
        actor=editor,
    )
    rows = {row.field: row for row in _changes_by(editor)}
    assert set(rows) == {"sources.riskcomp_rate", "sources.riskcomp_fund_annual_budget"}
    assert rows["sources.riskcomp_rate"].new_value == "2026 notice, art. 5"
    assert rows["sources.riskcomp_fund_annual_budget"].new_value == ""
    set_2026.refresh_from_db()
    assert set_2026.source_for("riskcomp_rate") == "2026 notice, art. 5"
    assert "riskcomp_fund_annual_budget" not in set_2026.sources
    assert set_2026.source_for("interest_ratio").startswith("[V-1]")


@pytest.mark.parametrize("sources", [{"bogus": "x"}, {"interest_ratio": 5}, "not a mapping"])
def test_malformed_source_notes_are_refused(set_2026, editor, sources):
    with pytest.raises(ValidationError) as raised:
        parameter_set_update(parameter_set=set_2026, changes={"sources": sources}, actor=editor)
    assert "sources" in raised.value.message_dict
    assert not ParameterChange.objects.filter(actor=editor).exists()


def test_clone_copies_values_and_service_times_as_a_draft_with_the_window_shifted(set_2026, editor):
    clone = parameter_set_clone(source=set_2026, year=2027, actor=editor)
    assert clone.status == ParameterSetStatus.DRAFT
    assert clone.title == "2027年度知识产权质押融资政策参数"
    assert (clone.settlement_window_start, clone.settlement_window_end) == (
        date(2026, 1, 1),
        date(2026, 12, 31),
    )
    for name in PARAMETER_FIELDS:
        if not name.startswith("settlement_window"):
            assert getattr(clone, name) == getattr(set_2026, name), name
    assert clone.sources == set_2026.sources
    assert clone.notes == set_2026.notes

    def times(parameter_set):
        return sorted(
            parameter_set.service_times.values_list(
                "ip_kind", "channel", "target", "days", "day_basis", "source"
            )
        )

    assert times(clone) == times(set_2026)
    created = ParameterChange.objects.get(parameter_set=clone)
    assert (created.field, created.new_value, created.actor) == (ParameterChange.CREATED, "2027", editor)
    # The source is untouched.
    set_2026.refresh_from_db()
    assert set_2026.status == ParameterSetStatus.IN_FORCE


def test_clone_shifts_a_custom_window_and_a_leap_day(set_2026, editor):
    parameter_set_update(
        parameter_set=set_2026,
        changes={"settlement_window_start": date(2024, 2, 29), "settlement_window_end": date(2025, 12, 31)},
        actor=editor,
    )
    clone = parameter_set_clone(source=set_2026, year=2027, actor=editor, title="Draft 2027")
    assert clone.title == "Draft 2027"
    assert clone.settlement_window_start == date(2025, 2, 28)
    assert clone.settlement_window_end == date(2026, 12, 31)


def test_clone_to_an_existing_year_is_refused(set_2026, editor):
    with pytest.raises(ValidationError):
        parameter_set_clone(source=set_2026, year=2025, actor=editor)
    assert PolicyParameterSet.objects.filter(year=2025).count() == 1
    assert not ParameterChange.objects.filter(actor=editor).exists()


def test_create_needs_every_parameter_and_fills_the_default_window(set_2026, editor):
    values = {
        name: getattr(set_2026, name) for name in PARAMETER_FIELDS if not name.startswith("settlement_window")
    }
    with pytest.raises(ValidationError) as raised:
        parameter_set_create(
            year=2028,
            title="2028",
            values={k: v for k, v in values.items() if k != "fee_ratio"},
            actor=editor,
        )
    assert "fee_ratio" in raised.value.message_dict
    created = parameter_set_create(year=2028, title="2028", values=values, actor=editor)
    assert (created.settlement_window_start, created.settlement_window_end) == (
        date(2027, 1, 1),
        date(2027, 12, 31),
    )
    assert created.status == ParameterSetStatus.DRAFT


def test_service_time_changes_are_logged(set_2026, editor):
    row = set_2026.service_times.get(ip_kind="patent", channel="window", target="service_target")
    service_time_update(service_time=row, changes={"days": 2}, actor=editor, reason="faster window")
    change = ParameterChange.objects.get(actor=editor)
    assert (change.field, change.old_value, change.new_value, change.reason) == (
        "service_time:patent/window/service_target",
        "3 working",
        "2 working",
        "faster window",
    )
    added = service_time_add(
        parameter_set=set_2026,
        ip_kind="data_ip",
        channel="window",
        target="statutory_limit",
        days=5,
        day_basis="working",
        source="[A] test",
        actor=editor,
    )
    service_time_delete(service_time=added, actor=editor)
    fields = list(_changes_by(editor).values_list("field", "old_value", "new_value"))
    assert fields[1:] == [
        ("service_time:data_ip/window/statutory_limit", "", "5 working"),
        ("service_time:data_ip/window/statutory_limit.source", "", "[A] test"),
        ("service_time:data_ip/window/statutory_limit", "5 working", ""),
    ]
    assert not ServiceTime.objects.filter(pk=added.pk).exists()


def test_service_time_moved_to_another_channel_logs_removal_and_addition(set_2026, editor):
    row = set_2026.service_times.get(ip_kind="data_ip", channel="online", target="service_target")
    service_time_update(
        service_time=row, changes={"target": "statutory_limit", "day_basis": "calendar"}, actor=editor
    )
    assert list(_changes_by(editor).values_list("field", "old_value", "new_value")) == [
        ("service_time:data_ip/online/service_target", "1 working", ""),
        ("service_time:data_ip/online/statutory_limit", "", "1 calendar"),
    ]


def test_duplicate_or_invalid_service_time_is_refused(set_2026, editor):
    with pytest.raises(ValidationError):
        service_time_add(
            parameter_set=set_2026,
            ip_kind="patent",
            channel="window",
            target="service_target",
            days=3,
            day_basis="working",
            actor=editor,
        )
    row = set_2026.service_times.get(ip_kind="patent", channel="online", target="service_target")
    with pytest.raises(ValidationError):
        service_time_update(service_time=row, changes={"days": 0}, actor=editor)
    assert not ParameterChange.objects.filter(actor=editor).exists()


def test_lpr_rate_add_and_correct_are_logged(editor):
    rate = lpr_rate_add(
        effective_date=date(2026, 3, 20),
        one_year_pct=Decimal("2.9"),
        five_year_pct=Decimal("3.40"),
        source="https://example.org/lpr-2026-03",
        actor=editor,
    )
    assert str(rate.one_year_pct) == "2.90"
    assert list(_changes_by(editor).values_list("field", "new_value")) == [
        ("lpr:2026-03-20.one_year_pct", "2.90"),
        ("lpr:2026-03-20.five_year_pct", "3.40"),
        ("lpr:2026-03-20.source", "https://example.org/lpr-2026-03"),
    ]
    lpr_rate_update(lpr_rate=rate, changes={"one_year_pct": Decimal("3.00")}, actor=editor, reason="typo")
    last = _changes_by(editor).last()
    assert (last.field, last.old_value, last.new_value, last.reason) == (
        "lpr:2026-03-20.one_year_pct",
        "2.90",
        "3.00",
        "typo",
    )


def test_lpr_rate_with_a_duplicate_date_or_bad_rate_is_refused(editor):
    with pytest.raises(ValidationError):
        lpr_rate_add(
            effective_date=date(2025, 5, 20),
            one_year_pct=Decimal("3.00"),
            five_year_pct=Decimal("3.50"),
            source="https://example.org/",
            actor=editor,
        )
    with pytest.raises(ValidationError):
        lpr_rate_add(
            effective_date=date(2026, 3, 20),
            one_year_pct=Decimal("-1"),
            five_year_pct=Decimal("3.50"),
            source="https://example.org/",
            actor=editor,
        )
    assert not LprRate.objects.filter(effective_date=date(2026, 3, 20)).exists()
    assert not ParameterChange.objects.filter(actor=editor).exists()
