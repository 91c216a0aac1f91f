"""The 'Check before you start' page: verdicts from the register, who may use it, and bad input."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from pledges.models import LegalStatus
from portal.accounts.models import Organisation
from portal.audit.models import AuditEvent
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from tests.conftest import PASSWORD, make_uscc
from tests.pledges import factories_filing
from tests.pledges.factories_register import pledge_over

make_patent = factories_filing.make_patent  # a fixture: bound here so pytest finds it

URL = reverse("loans:eligibility_check")
EN = {"accept-language": "en"}
ANSWERS = {
    "for_beijing_operations": "yes",
    "amount": "3000000",
    "term_months": "12",
    "guarantor_available": "no",
    "combination_acceptable": "yes",
}


def check(client, user, **overrides):
    client.login(username=user.username, password=PASSWORD)
    return client.get(URL, {**ANSWERS, **overrides}, headers=EN)


def states(response) -> dict[str, str]:
    return {row.asset.number: row.state for row in response.context["asset_rows"]}


@pytest.mark.django_db
def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.django_db
def test_bank_officer_gets_403(client, bank_a_officer):
    assert check(client, bank_a_officer).status_code == 403


@pytest.mark.django_db
def test_commissioner_gets_403(client, commissioner):
    assert check(client, commissioner).status_code == 403


@pytest.mark.django_db
def test_empty_form_asks_the_questions_without_a_verdict(client, enterprise_user):
    client.login(username=enterprise_user.username, password=PASSWORD)
    response = client.get(URL, headers=EN)
    assert response.status_code == 200
    assert response.context["verdict"] is None
    assert b"Is the loan for the enterprise&#x27;s operations in Beijing?" in response.content
    assert not AuditEvent.objects.filter(action="loans.eligibility_check").exists()


@pytest.mark.django_db
def test_yes_with_a_granted_patent_lists_it_and_links_the_catalogue(
    client, enterprise, enterprise_user, make_patent
):
    asset = make_patent(enterprise)
    response = check(client, enterprise_user)
    assert response.status_code == 200
    verdict = response.context["verdict"]
    assert verdict.outcome == "yes"
    assert states(response) == {asset.number: "pledgeable"}
    assert b"Ready to apply" in response.content
    assert b"2040-03-01" in response.content  # the invention's term end (filed 2020-03-02)
    assert reverse("loans:product_catalogue").encode() in response.content


@pytest.mark.django_db
def test_check_writes_one_audit_row_with_the_verdict_and_records_nothing_else(
    client,
    enterprise,
    enterprise_user,
    make_patent,
):
    make_patent(enterprise)
    check(client, enterprise_user)
    event = AuditEvent.objects.get(action="loans.eligibility_check")
    assert event.details["verdict"] == "yes"
    assert event.details["pledgeable_assets"] == 1
    assert "amount" not in event.details
    assert event.object_id == str(enterprise.pk)


@pytest.mark.django_db
def test_no_with_an_empty_register_links_the_register(client, enterprise_user):
    response = check(client, enterprise_user)
    assert response.context["verdict"].outcome == "no"
    assert "no_ip_in_register" in response.context["verdict"].reason_codes
    assert reverse("pledges:asset_list").encode() in response.content


@pytest.mark.django_db
def test_not_yet_when_the_only_patent_is_still_an_application(
    client, enterprise, enterprise_user, make_patent
):
    make_patent(enterprise, legal_status=LegalStatus.PENDING, grant_date=None, annual_fee_paid_through=None)
    response = check(client, enterprise_user)
    assert response.context["verdict"].outcome == "not_yet"
    assert "not_yet_granted" in response.context["verdict"].reason_codes


@pytest.mark.django_db
def test_not_yet_when_the_annual_fee_is_in_grace(client, enterprise, enterprise_user, make_patent):
    asset = make_patent(enterprise, annual_fee_paid_through=timezone.localdate() - timedelta(days=20))
    response = check(client, enterprise_user)
    assert response.context["verdict"].outcome == "not_yet"
    assert "annual_fee_grace" in response.context["verdict"].reason_codes
    assert reverse("pledges:asset_detail", args=[asset.pk]).encode() in response.content


@pytest.mark.django_db
def test_pledged_assets_are_excluded_so_all_pledged_is_not_yet(
    client,
    enterprise,
    enterprise_user,
    bank_a_branch,
    make_patent,
):
    asset = make_patent(enterprise)
    pledge_over(asset, pledgee=bank_a_branch, created_by=enterprise_user)
    response = check(client, enterprise_user)
    assert response.context["verdict"].outcome == "not_yet"
    assert "already_pledged" in response.context["verdict"].reason_codes
    assert states(response) == {asset.number: "fixable"}


@pytest.mark.django_db
def test_a_free_asset_next_to_a_pledged_one_is_yes(
    client, enterprise, enterprise_user, bank_a_branch, make_patent
):
    pledged = make_patent(enterprise)
    free = make_patent(enterprise)
    pledge_over(pledged, pledgee=bank_a_branch, created_by=enterprise_user)
    response = check(client, enterprise_user)
    assert response.context["verdict"].outcome == "yes"
    assert states(response) == {pledged.number: "fixable", free.number: "pledgeable"}


@pytest.mark.django_db
def test_term_sought_past_the_patent_term_is_not_yet_and_a_shorter_term_is_yes(
    client,
    enterprise,
    enterprise_user,
    make_patent,
):
    # A utility model whose 10-year term ends in about 200 days.
    term_end = timezone.localdate() + timedelta(days=200)
    filing = date(term_end.year - 10, term_end.month, term_end.day) + timedelta(days=1)
    make_patent(enterprise, patent_type=PatentType.UTILITY_MODEL, filing_date=filing)
    long = check(client, enterprise_user, term_months="12")
    assert long.context["verdict"].outcome == "not_yet"
    assert "term_ends_before_loan" in long.context["verdict"].reason_codes
    assert check(client, enterprise_user, term_months="3").context["verdict"].outcome == "yes"


@pytest.mark.django_db
def test_trademark_about_to_expire_is_not_yet(client, enterprise, enterprise_user):
    from pledges.models import IpAsset

    IpAsset.objects.create(
        owner=enterprise,
        kind=IpKind.TRADEMARK,
        number="12345678",
        title="智芯",
        nice_class=9,
        grant_date=date(2016, 6, 1),
        valid_until=timezone.localdate() + timedelta(days=90),
    )
    response = check(client, enterprise_user)
    assert response.context["verdict"].outcome == "not_yet"
    assert "trademark_renewal_due" in response.context["verdict"].reason_codes


@pytest.mark.django_db
def test_no_for_an_enterprise_outside_beijing(client, enterprise, enterprise_user, make_patent):
    Organisation.objects.filter(pk=enterprise.pk).update(district="", uscc=make_uscc("310115"))
    make_patent(enterprise)
    response = check(client, enterprise_user)
    assert response.context["verdict"].outcome == "no"
    assert "not_beijing_enterprise" in response.context["verdict"].reason_codes


@pytest.mark.django_db
def test_no_when_the_loan_is_not_for_beijing_operations(client, enterprise, enterprise_user, make_patent):
    make_patent(enterprise)
    response = check(client, enterprise_user, for_beijing_operations="no")
    assert response.context["verdict"].outcome == "no"
    assert "loan_outside_beijing" in response.context["verdict"].reason_codes


@pytest.mark.django_db
def test_no_when_every_asset_has_lapsed(client, enterprise, enterprise_user, make_patent):
    make_patent(enterprise, legal_status=LegalStatus.TERMINATED)
    response = check(client, enterprise_user)
    assert response.context["verdict"].outcome == "no"
    assert "no_valid_ip" in response.context["verdict"].reason_codes


@pytest.mark.django_db
def test_outsider_sees_only_its_own_register(client, enterprise, outsider, make_patent):
    make_patent(enterprise)
    response = check(client, outsider)
    assert response.status_code == 200
    assert response.context["asset_rows"] == []
    assert response.context["verdict"].outcome == "no"
    assert enterprise.name.encode() not in response.content


@pytest.mark.django_db
def test_categories_from_the_profile_are_shown(client, enterprise_user):
    response = check(client, enterprise_user)
    assert "categories" in response.context["verdict"].reason_codes
    assert b"high-tech enterprise" in response.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("amount", "0"),
        ("term_months", "0"),
        ("amount", "lots"),
        ("term_months", "twelve"),
        ("term_months", "121"),
    ],
)
def test_bad_input_shows_field_errors(client, enterprise_user, field, value):
    response = check(client, enterprise_user, **{field: value})
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert response.context["verdict"] is None
    assert b'class="error"' in response.content
    assert not AuditEvent.objects.filter(action="loans.eligibility_check").exists()


@pytest.mark.django_db
def test_missing_answer_is_a_field_error(client, enterprise_user):
    response = check(client, enterprise_user, guarantor_available="")
    assert response.status_code == 400
    assert "guarantor_available" in response.context["form"].errors


@pytest.mark.django_db
def test_home_page_links_the_check_for_enterprises(client, enterprise_user):
    client.login(username=enterprise_user.username, password=PASSWORD)
    response = client.get(reverse("home"))
    assert URL.encode() in response.content


@pytest.mark.django_db
def test_page_renders_in_the_default_chinese(client, enterprise, enterprise_user, make_patent):
    make_patent(enterprise)
    client.login(username=enterprise_user.username, password=PASSWORD)
    response = client.get(URL, ANSWERS)
    assert response.status_code == 200
    assert response.context["verdict"].outcome == "yes"
