"""The eligibility rules on plain facts: no database, fixed dates."""

from datetime import date
from decimal import Decimal

import pytest

from loans.eligibility import (
    Answers,
    AssetFacts,
    AssetState,
    EnterpriseFacts,
    Outcome,
    assess_asset,
    decide,
    is_beijing_registered,
    loan_end_date,
    longest_term_months,
)
from pledges.models import LegalStatus
from portal.identifiers.patent import PatentType
from portal.policy.models import IpKind
from tests.conftest import make_uscc

TODAY = date(2026, 3, 16)
BEIJING = EnterpriseFacts(district="110108", uscc=make_uscc("110108"), categories=("high-tech enterprise",))


def answers(**overrides) -> Answers:
    values = {
        "for_beijing_operations": True,
        "amount": Decimal("3000000.00"),
        "term_months": 12,
        "guarantor_available": True,
        "combination_acceptable": False,
    }
    values.update(overrides)
    return Answers(**values)


def patent(**overrides) -> AssetFacts:
    values = {
        "pk": 1,
        "kind": IpKind.PATENT,
        "number": "ZL202010000001.5",
        "title": "一种芯片散热装置",
        "legal_status": LegalStatus.IN_FORCE,
        "patent_type": PatentType.INVENTION,
        "filing_date": date(2020, 3, 2),
        "annual_fee_paid_through": date(2026, 9, 1),
    }
    values.update(overrides)
    return AssetFacts(**values)


def trademark(valid_until: date, **overrides) -> AssetFacts:
    values = {
        "pk": 2,
        "kind": IpKind.TRADEMARK,
        "number": "12345678",
        "title": "智芯",
        "legal_status": LegalStatus.IN_FORCE,
        "valid_until": valid_until,
    }
    values.update(overrides)
    return AssetFacts(**values)


def codes(assessment) -> list[str]:
    return [reason.code for reason in assessment.reasons]


def test_a_loan_of_twelve_months_ends_the_day_before_the_anniversary():
    assert loan_end_date(today=date(2026, 1, 5), term_months=12) == date(2027, 1, 4)
    assert loan_end_date(today=date(2026, 1, 31), term_months=1) == date(2026, 2, 27)


def test_longest_term_fits_inside_the_asset_term():
    assert longest_term_months(today=TODAY, term_end=date(2026, 9, 15)) == 6
    assert longest_term_months(today=TODAY, term_end=date(2026, 9, 14)) == 5
    assert longest_term_months(today=TODAY, term_end=date(2026, 4, 1)) == 0


@pytest.mark.parametrize(
    ("district", "area", "expected"),
    [
        ("110108", "110108", True),
        ("", "110105", True),  # no district recorded: a Beijing credit code suffices
        ("110108", "130100", True),  # moved to Beijing: keeps its Hebei credit code
        ("", "130100", False),
        ("", "310115", False),
    ],
)
def test_beijing_registration_from_district_or_credit_code(district, area, expected):
    assert is_beijing_registered(district=district, uscc=make_uscc(area)) is expected


def test_a_granted_patent_in_force_with_fees_paid_is_pledgeable():
    assessment = assess_asset(patent(), today=TODAY, loan_end=loan_end_date(today=TODAY, term_months=12))
    assert assessment.state == AssetState.PLEDGEABLE
    assert assessment.term_end == date(2040, 3, 1)
    assert codes(assessment) == []


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (patent(legal_status=LegalStatus.PENDING, annual_fee_paid_through=None), "not_yet_granted"),
        (patent(annual_fee_paid_through=date(2026, 1, 31)), "annual_fee_grace"),
        (patent(legal_status=LegalStatus.FEE_GRACE, annual_fee_paid_through=None), "annual_fee_grace"),
        (patent(pledged=True), "already_pledged"),
        (patent(legal_status=LegalStatus.INVALIDATION_REQUESTED), "invalidation_requested"),
        (patent(legal_status=LegalStatus.PRESERVED), "preserved"),
        (trademark(date(2026, 10, 1)), "trademark_renewal_due"),  # renewal window open
        (trademark(date(2026, 1, 31)), "trademark_renewal_due"),  # ended, still in the 6-month grace
    ],
)
def test_fixable_assets_name_the_fix(facts, code):
    assessment = assess_asset(facts, today=TODAY, loan_end=loan_end_date(today=TODAY, term_months=12))
    assert assessment.state == AssetState.FIXABLE
    assert code in codes(assessment)


@pytest.mark.parametrize(
    ("facts", "code"),
    [
        (patent(legal_status=LegalStatus.TERMINATED), "asset_not_in_force"),
        (patent(legal_status=LegalStatus.INVALIDATED), "asset_not_in_force"),
        (patent(annual_fee_paid_through=date(2025, 6, 1)), "annual_fee_lapsed"),
        # A utility model filed in 2015 ended its 10-year term in 2025.
        (patent(patent_type=PatentType.UTILITY_MODEL, filing_date=date(2015, 3, 2)), "term_ended"),
        (trademark(date(2025, 6, 30)), "term_ended"),  # past the renewal grace
        (patent(filing_date=date(2006, 4, 1)), "term_ends_before_loan"),  # ends in days: no loan fits
    ],
)
def test_unusable_assets_say_why(facts, code):
    assessment = assess_asset(facts, today=TODAY, loan_end=loan_end_date(today=TODAY, term_months=12))
    assert assessment.state == AssetState.UNUSABLE
    assert code in codes(assessment)


def test_patent_ending_inside_the_term_sought_suggests_a_shorter_term():
    # An invention filed 2006-09-20 ends on 2026-09-19: a 6-month loan fits, a 12-month one does not.
    facts = patent(filing_date=date(2006, 9, 20))
    long = assess_asset(facts, today=TODAY, loan_end=loan_end_date(today=TODAY, term_months=12))
    assert long.state == AssetState.FIXABLE
    assert codes(long) == ["term_ends_before_loan"]
    assert "6" in long.reasons[0].message
    short = assess_asset(facts, today=TODAY, loan_end=loan_end_date(today=TODAY, term_months=6))
    assert short.state == AssetState.PLEDGEABLE


def test_a_trademark_far_from_renewal_but_ending_within_a_long_loan_suggests_a_shorter_term():
    facts = trademark(date(2028, 1, 31))
    assessment = assess_asset(facts, today=TODAY, loan_end=loan_end_date(today=TODAY, term_months=36))
    assert codes(assessment) == ["term_ends_before_loan"]


def test_co_ownership_and_unrecorded_fees_are_notes_not_blockers():
    assessment = assess_asset(
        patent(holder_count=2, annual_fee_paid_through=None),
        today=TODAY,
        loan_end=loan_end_date(today=TODAY, term_months=12),
    )
    assert assessment.state == AssetState.PLEDGEABLE
    assert codes(assessment) == ["co_owned", "annual_fee_not_recorded"]


def test_yes_when_one_asset_is_pledgeable_even_if_others_need_a_fix():
    verdict = decide(
        enterprise=BEIJING,
        assets=[patent(), patent(pk=3, pledged=True)],
        answers=answers(),
        today=TODAY,
    )
    assert verdict.outcome == Outcome.YES
    assert "ready" in verdict.reason_codes
    assert [item.asset.pk for item in verdict.pledgeable] == [1]


def test_not_yet_when_every_asset_is_already_pledged():
    verdict = decide(
        enterprise=BEIJING,
        assets=[patent(pledged=True), patent(pk=3, number="ZL202010000002.X", pledged=True)],
        answers=answers(),
        today=TODAY,
    )
    assert verdict.outcome == Outcome.NOT_YET
    reason = next(r for r in verdict.reasons if r.code == "already_pledged")
    assert "ZL202010000001.5" in reason.message and "ZL202010000002.X" in reason.message


def test_not_yet_for_fee_in_grace_links_the_asset_page():
    verdict = decide(
        enterprise=BEIJING,
        assets=[patent(annual_fee_paid_through=date(2026, 1, 31))],
        answers=answers(),
        today=TODAY,
    )
    assert verdict.outcome == Outcome.NOT_YET
    assert ("pledges:asset_detail", (1,)) in [(s.url_name, s.url_args) for s in verdict.next_steps]


def test_no_for_an_enterprise_registered_outside_beijing():
    outside = EnterpriseFacts(district="", uscc=make_uscc("310115"))
    verdict = decide(enterprise=outside, assets=[patent()], answers=answers(), today=TODAY)
    assert verdict.outcome == Outcome.NO
    assert "not_beijing_enterprise" in verdict.reason_codes


def test_no_when_the_loan_is_not_for_operations_in_beijing():
    verdict = decide(
        enterprise=BEIJING, assets=[patent()], answers=answers(for_beijing_operations=False), today=TODAY
    )
    assert verdict.outcome == Outcome.NO
    assert "loan_outside_beijing" in verdict.reason_codes


def test_no_with_an_empty_register_points_to_the_register():
    verdict = decide(enterprise=BEIJING, assets=[], answers=answers(), today=TODAY)
    assert verdict.outcome == Outcome.NO
    assert "no_ip_in_register" in verdict.reason_codes
    assert [s.url_name for s in verdict.next_steps] == ["pledges:asset_list"]


def test_no_when_nothing_is_pledgeable_and_nothing_can_be_fixed():
    verdict = decide(
        enterprise=BEIJING,
        assets=[patent(legal_status=LegalStatus.TERMINATED)],
        answers=answers(),
        today=TODAY,
    )
    assert verdict.outcome == Outcome.NO
    assert "no_valid_ip" in verdict.reason_codes


def test_answers_add_advice_without_changing_the_verdict():
    ip_only = decide(
        enterprise=EnterpriseFacts(district="110108", uscc=make_uscc("110108")),
        assets=[patent()],
        answers=answers(guarantor_available=False, combination_acceptable=False),
        today=TODAY,
    )
    assert ip_only.outcome == Outcome.YES
    assert {"ip_only", "no_category"} <= set(ip_only.reason_codes)
    combination = decide(
        enterprise=BEIJING,
        assets=[patent()],
        answers=answers(combination_acceptable=True),
        today=TODAY,
        min_ip_share=Decimal("0.5000"),
    )
    share = next(r for r in combination.reasons if r.code == "combination_ip_share")
    assert "50%" in share.message
    assert "categories" in combination.reason_codes
