"""asset_create: numbers checked and stored normalised, type from the number, holders, refusals."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils.timezone import localdate

from pledges.models import LegalStatus
from pledges.selectors import asset_pledge_state
from pledges.services.register import asset_create
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from tests.pledges import factories_register
from tests.pledges.factories_register import PATENT_C, pledge_over

pytestmark = pytest.mark.django_db

patent = factories_register.patent
trademark = factories_register.trademark


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


def test_patent_number_is_stored_normalised_with_type_and_holders(patent, enterprise):
    assert patent.number == "201310699744.2"
    assert patent.patent_type == PatentType.INVENTION
    assert patent.legal_status == LegalStatus.IN_FORCE
    holders = list(patent.holders.values_list("name", "is_primary"))
    assert holders == [(enterprise.name, True), ("清华大学", False)]


def test_utility_model_type_comes_from_the_number(enterprise, enterprise_user):
    asset = asset_create(
        owner=enterprise,
        kind=IpKind.PATENT,
        number="zl 2008 2 0132792.8",
        title="实用新型",
        filing_date=date(2008, 7, 1),
        grant_date=date(2009, 6, 3),
        actor=enterprise_user,
    )
    assert asset.number == PATENT_C.removeprefix("ZL")
    assert asset.patent_type == PatentType.UTILITY_MODEL
    # Filed 2008 with a 10-year term: the term ended in 2018.
    assert asset.legal_status == LegalStatus.EXPIRED


def test_patent_without_grant_is_an_application(enterprise, enterprise_user):
    asset = asset_create(
        owner=enterprise, kind=IpKind.PATENT, number="202410000001.X", title="申请中", actor=enterprise_user
    )
    assert asset.legal_status == LegalStatus.PENDING
    assert asset.legal_status_since is None


def test_bad_patent_check_character_is_refused(enterprise, enterprise_user, english):
    with pytest.raises(ValidationError) as excinfo:
        asset_create(
            owner=enterprise, kind=IpKind.PATENT, number="ZL201310699744.3", title="x", actor=enterprise_user
        )
    assert "should be 2" in _errors(excinfo)["number"][0]


def test_filing_date_must_match_the_year_in_the_number(enterprise, enterprise_user):
    with pytest.raises(ValidationError) as excinfo:
        asset_create(
            owner=enterprise,
            kind=IpKind.PATENT,
            number="ZL201310699744.2",
            title="x",
            filing_date=date(2014, 1, 2),
            actor=enterprise_user,
        )
    assert "filing_date" in _errors(excinfo)


def test_duplicate_number_is_refused(patent, enterprise, enterprise_user):
    with pytest.raises(ValidationError) as excinfo:
        asset_create(
            owner=enterprise,
            kind=IpKind.PATENT,
            number="CN201310699744.2",
            title="again",
            actor=enterprise_user,
        )
    assert list(_errors(excinfo)) == ["number"]


def test_trademark_needs_a_nice_class(enterprise, enterprise_user):
    with pytest.raises(ValidationError) as excinfo:
        asset_create(
            owner=enterprise, kind=IpKind.TRADEMARK, number="12345678", title="智芯", actor=enterprise_user
        )
    assert "nice_class" in _errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        asset_create(
            owner=enterprise,
            kind=IpKind.TRADEMARK,
            number="12345678",
            title="智芯",
            nice_class=46,
            actor=enterprise_user,
        )
    assert "nice_class" in _errors(excinfo)


def test_trademark_and_copyright_numbers_are_checked(trademark, enterprise, enterprise_user):
    assert (trademark.number, trademark.nice_class) == ("12345678", 9)
    with pytest.raises(ValidationError) as excinfo:
        asset_create(
            owner=enterprise,
            kind=IpKind.TRADEMARK,
            number="TM-1",
            title="x",
            nice_class=9,
            actor=enterprise_user,
        )
    assert "number" in _errors(excinfo)
    software = asset_create(
        owner=enterprise,
        kind=IpKind.COPYRIGHT,
        number="2021sr0123456",
        title="芯片设计软件",
        actor=enterprise_user,
    )
    assert software.number == "2021SR0123456"
    with pytest.raises(ValidationError):
        asset_create(
            owner=enterprise,
            kind=IpKind.COPYRIGHT,
            number="国作登字-21-L-1",
            title="x",
            actor=enterprise_user,
        )


def test_data_ip_takes_any_non_empty_certificate_number(enterprise, enterprise_user):
    asset = asset_create(
        owner=enterprise,
        kind=IpKind.DATA_IP,
        number="  京数知登字  2025-000123 ",
        title="工业数据集",
        valid_until=date(2028, 12, 31),
        actor=enterprise_user,
    )
    assert asset.number == "京数知登字 2025-000123"
    with pytest.raises(ValidationError) as excinfo:
        asset_create(owner=enterprise, kind=IpKind.DATA_IP, number="   ", title="x", actor=enterprise_user)
    assert "number" in _errors(excinfo)


def test_fields_of_another_kind_and_future_dates_are_refused(enterprise, enterprise_user):
    tomorrow = localdate() + timedelta(days=1)
    with pytest.raises(ValidationError) as excinfo:
        asset_create(
            owner=enterprise,
            kind=IpKind.COPYRIGHT,
            number="2021SR0123456",
            title="x",
            nice_class=9,
            annual_fee_paid_through=date(2027, 1, 1),
            grant_date=tomorrow,
            actor=enterprise_user,
        )
    assert {"nice_class", "annual_fee_paid_through", "grant_date"} <= set(_errors(excinfo))


def test_only_an_enterprise_owns_assets(bank_a, bank_a_officer):
    with pytest.raises(ValidationError) as excinfo:
        asset_create(
            owner=bank_a, kind=IpKind.TRADEMARK, number="1", title="x", nice_class=36, actor=bank_a_officer
        )
    assert "__all__" in _errors(excinfo)


def test_pledge_state_is_derived_from_registrations(patent, bank_a_branch, enterprise_user):
    assert asset_pledge_state(patent) == {
        "pledged": False,
        "pledgee": None,
        "since": None,
        "registration": None,
    }
    registration = pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user)
    state = asset_pledge_state(patent)
    assert state["pledged"] is True
    assert state["pledgee"] == bank_a_branch
    assert state["since"] == date(2025, 1, 10)
    assert state["registration"] == registration


def test_open_case_or_cancelled_pledge_is_not_a_pledge(patent, bank_a_branch, enterprise_user):
    from pledges.models import Status

    pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user, status=Status.UNDER_REVIEW)
    pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user, status=Status.CANCELLED)
    assert asset_pledge_state(patent)["pledged"] is False
