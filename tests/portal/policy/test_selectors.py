from datetime import date
from decimal import Decimal

import pytest

from portal.policy.errors import LprMissing, PolicyError, PolicyYearMissing, ServiceTimeMissing
from portal.policy.models import ParameterSetStatus, PolicyParameterSet
from portal.policy.selectors import lpr_on, parameter_set_for_year, parameter_set_list, service_time
from portal.policy.services import parameter_set_clone, parameter_set_update

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "one_year", "effective"),
    [
        (date(2023, 8, 21), "3.45", date(2023, 8, 21)),
        (date(2024, 2, 19), "3.45", date(2023, 8, 21)),
        (date(2024, 2, 20), "3.45", date(2024, 2, 20)),
        (date(2024, 7, 21), "3.45", date(2024, 2, 20)),
        (date(2024, 7, 22), "3.35", date(2024, 7, 22)),
        (date(2024, 10, 20), "3.35", date(2024, 7, 22)),
        (date(2024, 10, 21), "3.10", date(2024, 10, 21)),
        (date(2025, 1, 15), "3.10", date(2024, 10, 21)),
        (date(2025, 5, 19), "3.10", date(2024, 10, 21)),
        (date(2025, 5, 20), "3.00", date(2025, 5, 20)),
        (date(2025, 6, 10), "3.00", date(2025, 5, 20)),
        (date(2026, 2, 23), "3.00", date(2026, 1, 20)),
        (date(2026, 2, 24), "3.00", date(2026, 2, 24)),
        (date(2030, 1, 1), "3.00", date(2026, 2, 24)),
    ],
)
def test_lpr_on_is_the_latest_rate_effective_on_or_before_the_day(day, one_year, effective):
    rate = lpr_on(day)
    assert rate.one_year_pct == Decimal(one_year)
    assert rate.effective_date == effective


def test_lpr_before_the_first_row_is_missing():
    with pytest.raises(LprMissing) as raised:
        lpr_on(date(2023, 8, 20))
    assert isinstance(raised.value, PolicyError)
    assert "2023-08-20" in raised.value.message


def test_parameter_set_for_a_year_without_one_is_missing():
    with pytest.raises(PolicyYearMissing) as raised:
        parameter_set_for_year(2030)
    assert raised.value.year == 2030
    assert isinstance(raised.value, PolicyError)


def test_parameter_set_for_year_returns_the_set_in_force():
    assert parameter_set_for_year(2025).year == 2025


def test_draft_set_is_invisible_to_calculations_unless_asked(set_2026, editor):
    draft = parameter_set_clone(source=set_2026, year=2027, actor=editor)
    with pytest.raises(PolicyYearMissing):
        parameter_set_for_year(2027)
    assert parameter_set_for_year(2027, include_drafts=True) == draft
    parameter_set_update(parameter_set=draft, changes={"status": ParameterSetStatus.IN_FORCE}, actor=editor)
    assert parameter_set_for_year(2027) == draft


def test_service_time_looks_up_by_year_kind_and_channel():
    assert service_time(year=2026, ip_kind="patent", channel="window").days == 3
    assert service_time(year=2026, ip_kind="patent", channel="online").days == 1
    statutory = service_time(year=2026, ip_kind="patent", channel="window", target="statutory_limit")
    assert statutory.days == 5
    copyright_row = service_time(year=2025, ip_kind="copyright", channel="window", target="statutory_limit")
    assert (copyright_row.days, copyright_row.day_basis) == (10, "calendar")


def test_service_time_missing_row_or_year_raises_a_policy_error():
    with pytest.raises(ServiceTimeMissing):
        service_time(year=2026, ip_kind="data_ip", channel="online", target="statutory_limit")
    with pytest.raises(PolicyYearMissing):
        service_time(year=2031, ip_kind="patent", channel="window")


def test_only_staff_see_draft_sets_in_the_list(set_2026, editor, enterprise_user):
    parameter_set_clone(source=set_2026, year=2027, actor=editor)
    assert [ps.year for ps in parameter_set_list(user=editor)] == [2024, 2025, 2026, 2027]
    assert [ps.year for ps in parameter_set_list(user=enterprise_user)] == [2024, 2025, 2026]
    assert PolicyParameterSet.objects.count() == 4
