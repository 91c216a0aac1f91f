"""The satisfaction report's numbers on a small known set."""

from datetime import date
from decimal import Decimal

from freezegun import freeze_time

from portal.accounts.models import Role
from ratings import services
from ratings.reports import satisfaction_report
from tests.ratings.factories import beijing, invite, rate, refreshed, registered_case


def test_report_per_commissioner_counts_the_latest_attempt(
    make_user,
    registration_office,
    enterprise,
    other_enterprise,
    bank_a_branch,
    commissioner,
    promotion_officer,
):
    second = make_user("commissioner2", registration_office, Role.COMMISSIONER, full_name="黄专员")
    raters = [
        make_user(f"rater{i}", org, Role.ENTERPRISE_USER)
        for i, org in enumerate([enterprise, other_enterprise])
    ]

    def case(who, rater_index=0):
        org = [enterprise, other_enterprise][rater_index]
        return invite(
            registered_case(pledgor=org, pledgee=bank_a_branch, commissioner=who, actor=who)
        ), raters[rater_index]

    with freeze_time(beijing("2026-09-30")):
        # 陈专员: 5, 4, and a 1 re-rated 4 after a rectification done late (callback on time).
        for score in (5, 4):
            invitation, rater = case(commissioner)
            rate(invitation, rater, score)
        bad, rater = case(commissioner, 1)
        rate(bad, rater, 1)
        callback, rectification = bad.follow_ups.order_by("pk")
        services.follow_up_complete(follow_up=callback, actor=commissioner, note="已回访")
        # 黄专员: 3 and 2 (the 2 left with its follow-ups open).
        invitation, rater = case(second)
        rate(invitation, rater, 3)
        open_bad, rater = case(second)
        rate(open_bad, rater, 2)
    with freeze_time(beijing("2026-10-20")):
        services.follow_up_complete(follow_up=rectification, actor=commissioner, note="已整改")
        rate(refreshed(bad), raters[1], 4)
        report = satisfaction_report(
            user=promotion_officer, cut="commissioner", date_from=date(2026, 9, 1), date_to=date(2026, 10, 31)
        )
    rows = {row.name: row for row in report.rows}
    chen, huang = rows["陈专员"], rows["黄专员"]
    assert (chen.responses, chen.satisfied, chen.bad) == (3, 3, 1)
    assert chen.average == Decimal("4.33")
    assert chen.satisfaction == Decimal("100.0")
    assert (chen.follow_ups_due, chen.follow_ups_on_time) == (2, 1)  # the rectification was late
    assert (huang.responses, huang.satisfied, huang.bad) == (2, 0, 1)
    assert huang.satisfaction == Decimal("0.0")
    assert huang.average == Decimal("2.50")
    assert huang.follow_ups_overdue == 2
    assert report.total.responses == 5
    assert report.total.satisfaction == Decimal("60.0")


def test_a_period_without_ratings_is_empty_and_a_bank_manager_sees_only_their_bank(
    registered, enterprise_user, bank_a_manager
):
    rate(invite(registered), enterprise_user, 5)
    assert (
        satisfaction_report(
            user=bank_a_manager, cut="bank", date_from=date(2020, 1, 1), date_to=date(2030, 12, 31)
        ).rows
        == []
    )  # the registration answers to the registration office, not to the bank
