"""On-time statistics per commissioner, channel, IP kind, month and office."""

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from pledges.models import Status
from pledges.services.sla import on_time_rate, on_time_stats
from portal.policy.models import Channel, IpKind
from tests.pledges import factories_workflow

# The shared fixtures of this area, bound here so pytest finds them.
make_registration = factories_workflow.make_registration
second_commissioner = factories_workflow.second_commissioner

pytestmark = pytest.mark.usefixtures("frozen_today")

PATENT, TRADEMARK, COPYRIGHT = IpKind.PATENT, IpKind.TRADEMARK, IpKind.COPYRIGHT
WINDOW, ONLINE = Channel.WINDOW, Channel.ONLINE


@pytest.fixture
def frozen_today():
    with freeze_time("2026-03-20 02:00:00"):  # 10:00 in Beijing
        yield


@pytest.fixture
def cases(make_registration, commissioner, second_commissioner):
    def done(who, ip_kind, channel, status, completed_on, breached):
        return make_registration(
            commissioner=who,
            ip_kind=ip_kind,
            channel=channel,
            status=status,
            completed_on=completed_on,
            breached=breached,
            due_date=completed_on,
        )

    def running(who, status, due_date, ip_kind=PATENT, channel=WINDOW):
        return make_registration(
            commissioner=who, ip_kind=ip_kind, channel=channel, status=status, due_date=due_date
        )

    a, b = commissioner, second_commissioner
    done(a, PATENT, WINDOW, Status.REGISTERED, date(2026, 2, 10), False)
    done(a, PATENT, ONLINE, Status.REGISTERED, date(2026, 2, 20), True)
    done(a, TRADEMARK, WINDOW, Status.REFUSED, date(2026, 3, 5), False)
    running(a, Status.ACCEPTED, date(2026, 3, 18))  # overdue today
    done(b, COPYRIGHT, ONLINE, Status.REGISTERED, date(2026, 3, 10), False)
    running(b, Status.UNDER_REVIEW, date(2026, 3, 25))  # not due yet
    running(b, Status.NEEDS_CORRECTION, date(2026, 3, 1))  # clock stopped: not overdue
    # Refused at pre-check (no clock) and a draft: neither is measured.
    make_registration(commissioner=a, status=Status.REFUSED, completed_on=date(2026, 3, 2), breached=None)
    make_registration(status=Status.DRAFT)
    return a, b


def _figures(rows, key):
    return {
        row[key]: (row["completed"], row["on_time"], row["late"], row["on_time_rate"], row["open_overdue"])
        for row in rows
    }


def test_per_commissioner(cases):
    a, b = cases
    rows = on_time_stats(group_by="commissioner")
    assert _figures(rows, "commissioner") == {
        a.pk: (3, 2, 1, Decimal("0.6667"), 1),
        b.pk: (1, 1, 0, Decimal("1.0000"), 0),
    }
    assert {row["label"] for row in rows} == {str(a), str(b)}


def test_per_channel(cases):
    assert _figures(on_time_stats(group_by="channel"), "channel") == {
        WINDOW: (2, 2, 0, Decimal("1.0000"), 1),
        ONLINE: (2, 1, 1, Decimal("0.5000"), 0),
    }


def test_per_ip_kind(cases):
    assert _figures(on_time_stats(group_by="ip_kind"), "ip_kind") == {
        PATENT: (2, 1, 1, Decimal("0.5000"), 1),
        TRADEMARK: (1, 1, 0, Decimal("1.0000"), 0),
        COPYRIGHT: (1, 1, 0, Decimal("1.0000"), 0),
    }


def test_per_month_counts_completions_by_month_and_overdue_cases_by_due_month(cases):
    rows = on_time_stats(group_by="month")
    assert _figures(rows, "month") == {
        date(2026, 2, 1): (2, 1, 1, Decimal("0.5000"), 0),
        date(2026, 3, 1): (2, 2, 0, Decimal("1.0000"), 1),
    }
    assert [row["label"] for row in rows] == ["2026-02", "2026-03"]


def test_per_office(cases, registration_office):
    rows = on_time_stats(group_by="office")
    assert _figures(rows, "office") == {registration_office.pk: (4, 3, 1, Decimal("0.7500"), 1)}
    assert rows[0]["label"] == registration_office.name


def test_filters_narrow_the_completions_counted(cases):
    a, b = cases
    rows = on_time_stats(group_by="commissioner", filters={"date_from": date(2026, 3, 1)})
    assert _figures(rows, "commissioner") == {
        a.pk: (1, 1, 0, Decimal("1.0000"), 1),
        b.pk: (1, 1, 0, Decimal("1.0000"), 0),
    }
    rows = on_time_stats(group_by="channel", filters={"ip_kind": PATENT, "date_to": date(2026, 2, 15)})
    assert _figures(rows, "channel") == {WINDOW: (1, 1, 0, Decimal("1.0000"), 1)}


def test_the_statistics_are_counted_in_the_database_in_one_query_per_label_set(
    cases, django_assert_max_num_queries
):
    with django_assert_max_num_queries(2):
        on_time_stats(group_by="commissioner")


def test_with_a_user_only_visible_cases_count(cases, bank_b_officer, joint_office_viewer):
    assert on_time_stats(group_by="channel", user=bank_b_officer) == []
    assert len(on_time_stats(group_by="channel", user=joint_office_viewer)) == 2


def test_an_unknown_grouping_is_refused(db):
    with pytest.raises(ValueError, match="group_by"):
        on_time_stats(group_by="colour")


def test_the_rate_is_a_four_place_fraction_and_none_without_completions():
    assert on_time_rate(2, 3) == Decimal("0.6667")
    assert on_time_rate(1, 8) == Decimal("0.1250")
    assert on_time_rate(0, 0) is None
