"""The rules of domain.md §2.6 and issue 7 through the claim services and the public quote, beyond the worked
examples of test_quote.py: combination loans, recoveries before the claim, the per-loan cap over three and
more participants, the pledge date, the claim window's last day, the minimum IP share, the registration on
record, the claimant in Beijing, clawback over several recoveries, the per-institution cap, and the quote
API's bad inputs test_quote.py does not try. Expected amounts are worked out by hand in the comments."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from loans.services.facts import add_months
from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from portal.policy.models import PolicyParameterSet
from riskcomp import claims, review
from riskcomp.calculations import Participant, Rules, clawback, quote
from riskcomp.errors import BudgetExceeded, RiskcompInvalid
from riskcomp.models import ClaimStatus, ClawbackStatus, FundYear, InstitutionYear
from tests.conftest import make_uscc
from tests.riskcomp.factories import (
    approved,
    fund,
    make_npl_loan,
    proposed,
    refreshed,
    submitted,
    upload_evidence,
)

D = Decimal
S = ClaimStatus
RULES = Rules(rate=D("0.30"), per_loan_cap=D("1000000.00"), min_ip_share=D("0.50"))


def _open(loan, officer):
    return claims.claim_open(loan=loan, actor=officer)


def _rows(*participants):
    """participants_set rows from (kind, name, share, dispersed)."""
    return [
        {"kind": kind, "organisation": None, "name": name, "share": share, "dispersed": dispersed}
        for kind, name, share, dispersed in participants
    ]


@pytest.fixture
def bank_loan(bank_a_branch, enterprise, bank_a_officer):
    """A loan of bank A's branch alone (no participants: the claim gets the bank with the whole share)."""
    return make_npl_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)


# --- Combination loans and recoveries ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_combination_loan_counts_only_its_ip_part(bank_a_branch, enterprise, bank_a_officer, guarantor):
    # 2,000,000 outstanding, IP share 0.65: loss 1,300,000; bank 0.4 -> 520,000; guarantor 0.6 with a
    # quarter reinsured -> 585,000; 0.3 x 1,105,000 = 331,500 split 156,000 / 175,500.
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        is_combination=True,
        ip_share=D("0.6500"),
        participants=[
            ("bank", bank_a_branch, bank_a_branch.name, "0.40", "0"),
            ("guarantor", guarantor, guarantor.name, "0.60", "0.25"),
        ],
    )
    claim = _open(loan, bank_a_officer)
    assert claim.ip_share == D("0.6500") and claim.loss == D("1300000.00")
    rows = list(claim.participants.order_by("pk"))
    assert [(p.base, p.payout) for p in rows] == [
        (D("520000.00"), D("156000.00")),
        (D("585000.00"), D("175500.00")),
    ]
    assert claim.total == D("331500.00") and claim.eligible


@pytest.mark.django_db
def test_recoveries_before_the_claim_reduce_the_loss_and_cannot_exceed_the_ip_part(
    bank_a_branch, enterprise, bank_a_officer
):
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        is_combination=True,
        ip_share=D("0.7"),
    )
    claim = _open(loan, bank_a_officer)  # 2,000,000 x 0.7 = 1,400,000
    claim = claims.claim_update(
        claim=claim, actor=bank_a_officer, values={"npl_principal": "2,000,000.00", "recovered": "250000.55"}
    )
    # 1,400,000 - 250,000.55 = 1,149,999.45; 0.3 x that = 344,999.835, half up to the fen.
    assert claim.loss == D("1149999.45") and claim.total == D("344999.84")
    with pytest.raises(RiskcompInvalid) as refused:
        claims.claim_update(
            claim=claim,
            actor=bank_a_officer,
            values={"npl_principal": "2000000.00", "recovered": "1400000.01"},
        )
    assert "recovered" in refused.value.errors
    assert refreshed(claim).recovered == D("250000.55")  # nothing saved
    # Recovered all of the IP part: nothing is lost, nothing is paid.
    claim = claims.claim_update(
        claim=claim, actor=bank_a_officer, values={"npl_principal": "2000000.00", "recovered": "1400000.00"}
    )
    assert claim.loss == D("0.00") and claim.total == D("0.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "values, field",
    [
        ({"npl_principal": "0", "recovered": "0"}, "npl_principal"),
        ({"npl_principal": "-5", "recovered": "0"}, "npl_principal"),
        ({"npl_principal": "abc", "recovered": "0"}, "npl_principal"),
        ({"npl_principal": "NaN", "recovered": "0"}, "npl_principal"),
        ({"npl_principal": "1000", "recovered": "-0.01"}, "recovered"),
        ({"npl_principal": "1000", "recovered": None}, "recovered"),
    ],
)
def test_the_banks_figures_are_checked(bank_loan, bank_a_officer, values, field):
    claim = _open(bank_loan, bank_a_officer)
    with pytest.raises(RiskcompInvalid) as refused:
        claims.claim_update(claim=claim, actor=bank_a_officer, values=values)
    assert field in refused.value.errors
    assert refreshed(claim).npl_principal == D("2000000.00")


# --- The per-loan cap over three and more participants -------------------------------------------------


@pytest.mark.django_db
def test_the_cap_over_four_participants_goes_to_the_largest_remainder_then_the_first(
    bank_loan, bank_a_officer
):
    # 10,000,000 lost, four quarters: bases 2,500,000 / 1,250,000 (half reinsured) / 2,000,000 (a fifth
    # re-guaranteed) / 2,500,000 = 8,250,000; 0.3 x that = 2,475,000 > the cap of 1,000,000. Exact shares
    # 303,030.303..., 151,515.151..., 242,424.242..., 303,030.303...: the floors leave one fen, the first
    # and the last tie for it and the first listed gets it.
    claim = _open(bank_loan, bank_a_officer)
    claims.claim_update(
        claim=claim, actor=bank_a_officer, values={"npl_principal": "10000000", "recovered": "0"}
    )
    claim = claims.participants_set(
        claim=refreshed(claim),
        actor=bank_a_officer,
        rows=_rows(
            ("bank", "银行", "0.25", "0"),
            ("guarantor", "担保", "0.25", "0.5"),
            ("insurer", "保险", "0.25", "0.2"),
            ("ip_agency", "代理", "0.25", "0"),
        ),
    )
    rows = list(claim.participants.order_by("pk"))
    assert [p.base for p in rows] == [D("2500000.00"), D("1250000.00"), D("2000000.00"), D("2500000.00")]
    assert claim.raw_total == D("2475000.00") and claim.cap_applied and claim.total == D("1000000.00")
    assert [p.payout for p in rows] == [D("303030.31"), D("151515.15"), D("242424.24"), D("303030.30")]
    assert sum(p.payout for p in rows) == claim.total


@pytest.mark.django_db
def test_the_cap_over_five_participants_gives_the_three_fen_left_in_order(bank_loan, bank_a_officer):
    # 10,000,000 lost, a fifth each; four passed half of theirs on: bases 1,000,000 x 4 and 2,000,000
    # (6,000,000; 0.3 x that = 1,800,000 > the cap). Exact shares 166,666.666... x 4 and 333,333.333...:
    # the floors sum to 999,999.97; the three fen go to the largest remainders, the four tied at .666 of a
    # fen before the fifth's .333, in the order listed.
    claim = _open(bank_loan, bank_a_officer)
    claims.claim_update(
        claim=claim, actor=bank_a_officer, values={"npl_principal": "10000000", "recovered": "0"}
    )
    claim = claims.participants_set(
        claim=refreshed(claim),
        actor=bank_a_officer,
        rows=_rows(
            ("bank", "银行", "0.2", "0.5"),
            ("guarantor", "担保一", "0.2", "0.5"),
            ("guarantor", "担保二", "0.2", "0.5"),
            ("insurer", "保险", "0.2", "0.5"),
            ("evaluator", "评估", "0.2", "0"),
        ),
    )
    assert claim.raw_total == D("1800000.00") and claim.cap_applied
    payouts = list(claim.participants.order_by("pk").values_list("payout", flat=True))
    assert payouts == [D("166666.67"), D("166666.67"), D("166666.67"), D("166666.66"), D("333333.33")]
    assert sum(payouts) == claim.total == D("1000000.00")


@pytest.mark.parametrize("count", [3, 6, 7, 11, 13])
def test_any_number_of_participants_sums_to_the_capped_total_exactly(count):
    # Shares that do not divide evenly: all but the last 1/count rounded down to 4 places, the last the rest.
    share = (D(1) / count).quantize(D("0.0001"), rounding="ROUND_DOWN")
    shares = [share] * (count - 1) + [D(1) - share * (count - 1)]
    participants = [
        Participant(f"p{index}", value, D("0.1") * (index % 3)) for index, value in enumerate(shares)
    ]
    result = quote(
        RULES,
        npl_principal=D("9876543.21"),
        ip_share=D("0.9"),
        recovered=D("12345.67"),
        npl_on=date(2026, 6, 1),
        pledge_registered_on=date(2026, 6, 1),
        participants=participants,
    )
    assert result.cap_applied and result.total == RULES.per_loan_cap
    payouts = [payout.payout for payout in result.payouts]
    assert sum(payouts) == result.total
    base_sum = sum(payout.base for payout in result.payouts)
    for payout in result.payouts:  # each within a fen of its exact proportional share
        exact = result.total * payout.base / base_sum
        assert abs(payout.payout - exact) < D("0.01")


def test_below_the_cap_the_payouts_are_rate_times_base_and_sum_exactly():
    # 999,999.99 x 0.3333 = 333,299.996667 -> 333,300.00 (twice), x 0.3334 -> 333,400.00: the bases round
    # to 1,000,000.00, so 0.3 x that = 300,000.00 below the cap, shared 99,990 / 99,990 / 100,020.
    result = quote(
        RULES,
        npl_principal=D("999999.99"),
        ip_share=D("1"),
        recovered=D("0"),
        npl_on=date(2026, 6, 1),
        pledge_registered_on=date(2026, 5, 1),
        participants=[
            Participant("a", D("0.3333")),
            Participant("b", D("0.3333")),
            Participant("c", D("0.3334")),
        ],
    )
    assert [p.base for p in result.payouts] == [D("333300.00"), D("333300.00"), D("333400.00")]
    assert result.raw_total == result.total == D("300000.00") and not result.cap_applied
    assert [p.payout for p in result.payouts] == [D("99990.00"), D("99990.00"), D("100020.00")]


# --- The pledge date, the window, the IP share, the registration, the claimant --------------------------


@pytest.mark.django_db
def test_a_pledge_registered_on_the_non_performing_day_is_eligible(bank_a_branch, enterprise, bank_a_officer):
    npl_on = timezone.localdate() - timedelta(days=20)
    loan = make_npl_loan(
        bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, npl_on=npl_on, registered_on=npl_on
    )
    claim = _open(loan, bank_a_officer)
    assert claim.pledge_registered_on == claim.npl_on and claim.eligible and claim.reasons == []
    upload_evidence(claim, bank_a_officer)
    assert claims.claim_submit(claim=claim, actor=bank_a_officer).status == S.SUBMITTED


@pytest.mark.django_db
def test_a_pledge_registered_the_day_after_is_not_and_says_so(bank_a_branch, enterprise, bank_a_officer):
    npl_on = timezone.localdate() - timedelta(days=20)
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        npl_on=npl_on,
        registered_on=npl_on + timedelta(days=1),
    )
    claim = _open(loan, bank_a_officer)
    assert claim.reasons == ["pledge_after_npl"] and claim.total == D("0.00")
    assert all(p.payout == D("0.00") for p in claim.participants.all())
    messages = [reason.message for reason in claims.eligibility(claim)]
    assert messages == [
        f"The pledge was registered on {npl_on + timedelta(days=1)}, after the loan became non-performing on "
        f"{npl_on}."
    ]


@pytest.mark.django_db
def test_the_claim_windows_last_day_is_in_and_the_next_day_is_out(bank_loan, bank_a_officer):
    claim = _open(bank_loan, bank_a_officer)
    months = claim.parameters["riskcomp_claim_window_months"]
    assert months == 12
    last = add_months(claim.npl_on, months)
    assert claims.eligibility(claim, today=last) == []
    assert claims.eligibility(claim, today=claim.npl_on) == []  # the window opens on the day itself
    late = claims.eligibility(claim, today=last + timedelta(days=1))
    assert [reason.code for reason in late] == ["outside_claim_window"]
    assert str(last) in late[0].message
    assert [r.code for r in claims.eligibility(claim, today=claim.npl_on - timedelta(days=1))] == [
        "outside_claim_window"
    ]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "today, in_time",
    [(date(2026, 6, 30), True), (date(2026, 7, 1), False)],
)
def test_submitting_on_the_windows_last_day_or_the_day_after(
    bank_a_branch, enterprise, bank_a_officer, today, in_time
):
    # Non-performing since 30 June 2025: twelve months end on 30 June 2026.
    with freeze_time(f"{today.isoformat()} 10:00:00"):
        loan = make_npl_loan(
            bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, npl_on=date(2025, 6, 30)
        )
        claim = _open(loan, bank_a_officer)
        upload_evidence(claim, bank_a_officer)
        if in_time:
            claim = claims.claim_submit(claim=claim, actor=bank_a_officer)
            assert claim.status == S.SUBMITTED and claim.eligible
        else:
            assert claim.reasons == ["outside_claim_window"]
            with pytest.raises(RiskcompInvalid) as refused:
                claims.claim_submit(claim=claim, actor=bank_a_officer)
            assert "2026-06-30" in " ".join(refused.value.errors["eligibility"])
            assert refreshed(claim).status == S.DRAFT
    if in_time:
        # Once submitted in time, the claim stays in time however long the review takes.
        assert claims.eligibility(refreshed(claim), today=date(2027, 1, 1)) == []


@pytest.mark.django_db
def test_a_window_ending_in_a_shorter_month_ends_on_its_last_day(bank_a_branch, enterprise, bank_a_officer):
    # Non-performing since 29 February 2024: twelve months later there is no 29 February; the window
    # closes on 28 February 2025.
    with freeze_time("2025-01-15 09:00:00"):
        loan = make_npl_loan(
            bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, npl_on=date(2024, 2, 29)
        )
        claim = _open(loan, bank_a_officer)
        assert claim.year == 2025 and claim.eligible
    assert claims.eligibility(claim, today=date(2025, 2, 28)) == []
    assert [r.code for r in claims.eligibility(claim, today=date(2025, 3, 1))] == ["outside_claim_window"]


@pytest.mark.django_db
def test_an_ip_share_exactly_at_the_minimum_is_eligible_a_ten_thousandth_below_is_not(
    bank_a_branch, enterprise, bank_a_officer
):
    minimum = PolicyParameterSet.objects.get(year=timezone.localdate().year).riskcomp_min_ip_share
    at = make_npl_loan(
        bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, is_combination=True, ip_share=minimum
    )
    claim = _open(at, bank_a_officer)
    assert claim.eligible and claim.loss == D("2000000.00") * minimum
    below = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        is_combination=True,
        ip_share=minimum - D("0.0001"),
    )
    claim = _open(below, bank_a_officer)
    assert claim.reasons == ["ip_share_too_low"] and claim.total == D("0.00")


@pytest.mark.django_db
def test_no_registration_on_record_is_registration_missing(bank_loan, bank_a_officer):
    bank_loan.registrations.clear()
    claim = _open(bank_loan, bank_a_officer)
    assert claim.pledge_registered_on is None and claim.registration_reference == ""
    assert claim.reasons == ["registration_missing"] and not claim.eligible and claim.total == D("0.00")
    upload_evidence(claim, bank_a_officer)
    with pytest.raises(RiskcompInvalid) as refused:
        claims.claim_submit(claim=claim, actor=bank_a_officer)
    assert refused.value.errors["eligibility"] == ["No registered pledge of this loan is on record."]


@pytest.mark.django_db
def test_a_registration_not_yet_registered_does_not_count(bank_loan, bank_a_officer):
    from pledges.models import Status

    bank_loan.registrations.update(status=Status.ACCEPTED)
    assert _open(bank_loan, bank_a_officer).reasons == ["registration_missing"]


@pytest.mark.django_db
def test_the_latest_registered_pledge_is_the_one_on_record(bank_loan, bank_a_officer):
    first = bank_loan.registrations.get()
    later = bank_loan.registrations.model.objects.get(pk=first.pk)
    later.pk, later.reference = None, "R-LATER-1"
    later.registered_on = bank_loan.non_performing_on - timedelta(days=2)
    later.save()
    bank_loan.registrations.add(later)
    claim = _open(bank_loan, bank_a_officer)
    assert (claim.registration_reference, claim.pledge_registered_on) == ("R-LATER-1", later.registered_on)


@pytest.fixture
def shenzhen_bank_officer(make_user, bank_a):
    """A bank set up outside Beijing: credit code of Shenzhen (4403xx), no Beijing district."""
    bank = organisation_create(name="深圳某商业银行", kind=OrgKind.BANK, uscc=make_uscc("440300"))
    return make_user("shenzhen_officer", bank, Role.BANK_OFFICER)


@pytest.mark.django_db
def test_a_claimant_bank_not_in_beijing_is_refused(shenzhen_bank_officer, enterprise):
    bank = shenzhen_bank_officer.organisation
    assert bank.district == "" and bank.uscc[2:4] == "44"
    loan = make_npl_loan(bank=bank, enterprise=enterprise, actor=shenzhen_bank_officer)
    claim = _open(loan, shenzhen_bank_officer)
    assert claim.reasons == ["claimant_not_beijing"] and claim.total == D("0.00")
    assert [r.message for r in claims.eligibility(claim)] == [
        "The claimant must be a financial institution set up in Beijing."
    ]


@pytest.mark.django_db
def test_a_bank_with_a_beijing_district_or_a_beijing_credit_code_is_in_beijing(make_user, enterprise):
    from riskcomp.claims import is_beijing_institution

    by_district = organisation_create(
        name="外地总行北京分行", kind=OrgKind.BANK, uscc=make_uscc("440300"), district="110108"
    )
    by_code = organisation_create(name="北京某村镇银行", kind=OrgKind.BANK, uscc=make_uscc("110112"))
    elsewhere = organisation_create(name="天津某银行", kind=OrgKind.BANK, uscc=make_uscc("120101"))
    guarantor = organisation_create(name="北京某担保", kind=OrgKind.GUARANTOR, uscc=make_uscc("110108"))
    assert is_beijing_institution(by_district) and is_beijing_institution(by_code)
    assert not is_beijing_institution(elsewhere)
    assert not is_beijing_institution(guarantor)  # the claimant is a bank: a guarantor does not file
    officer = make_user("district_officer", by_district, Role.BANK_OFFICER)
    loan = make_npl_loan(bank=by_district, enterprise=enterprise, actor=officer)
    assert _open(loan, officer).eligible


@pytest.mark.django_db
def test_every_failed_rule_is_listed_at_once(shenzhen_bank_officer, enterprise):
    loan = make_npl_loan(
        bank=shenzhen_bank_officer.organisation,
        enterprise=enterprise,
        actor=shenzhen_bank_officer,
        is_combination=True,
        ip_share=D("0.3"),
    )
    loan.registrations.update(registered_on=loan.non_performing_on + timedelta(days=3))
    claim = _open(loan, shenzhen_bank_officer)
    assert sorted(claim.reasons) == ["claimant_not_beijing", "ip_share_too_low", "pledge_after_npl"]


@pytest.mark.django_db
def test_the_parameters_are_frozen_on_the_claim(bank_loan, bank_a_officer):
    claim = _open(bank_loan, bank_a_officer)
    PolicyParameterSet.objects.filter(year=claim.year).update(riskcomp_rate=D("0.5000"))
    claim = claims.claim_update(
        claim=claim, actor=bank_a_officer, values={"npl_principal": "2000000", "recovered": "0"}
    )
    assert claim.parameters["riskcomp_rate"] == "0.3000" and claim.total == D("600000.00")


# --- Clawback ---------------------------------------------------------------------------------------------


@pytest.fixture
def paid_claim(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, finance_officer, funded
):
    claim = approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    return review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())


def _recover(claim, officer, amount):
    return review.recovery_report(
        claim=claim, actor=officer, amount=amount, received_on=timezone.localdate(), source="disposal"
    )


@pytest.mark.django_db
def test_clawback_never_exceeds_what_was_paid_over_several_unsettled_recoveries(paid_claim, bank_a_officer):
    # Paid 360,000 of a 2,000,000 loss (18 %): 1,000,000 -> 180,000; 800,000 -> 144,000; 500,000 would be
    # 90,000 but only 36,000 remain to recover; then nothing. None settled in between: what is pending
    # counts too.
    dues = [
        _recover(paid_claim, bank_a_officer, amount).fund_share for amount in ("1000000", "800000", "500000")
    ]
    assert dues == [D("180000.00"), D("144000.00"), D("36000.00")]
    last = _recover(paid_claim, bank_a_officer, "100000")
    assert last.fund_share == D("0.00") and last.status == ClawbackStatus.SETTLED
    recoveries = list(paid_claim.recoveries.order_by("pk"))
    assert sum(r.fund_share for r in recoveries) == paid_claim.approved_total
    by_participant: dict[int, Decimal] = {}
    for recovery in recoveries:
        shares = list(recovery.shares.all())
        assert sum(share.amount for share in shares) == recovery.fund_share
        for share in shares:
            by_participant[share.participant_id] = (
                by_participant.get(share.participant_id, D("0")) + share.amount
            )
    # Each participant gives back at most what it was paid: here all of it (120,000 and 240,000).
    payouts = dict(paid_claim.participants.values_list("pk", "approved_payout"))
    assert by_participant == payouts


@pytest.mark.django_db
def test_clawback_rounds_to_the_fen_and_shares_by_payout(paid_claim, bank_a_officer, guarantor_officer):
    # 333,333.33 x 360,000 / 2,000,000 = 59,999.9994 -> 60,000.00; shared 1:2 -> 20,000 / 40,000.
    recovery = _recover(paid_claim, bank_a_officer, "333333.33")
    assert recovery.fund_share == D("60000.00")
    shares = {s.participant.kind: s for s in recovery.shares.select_related("participant")}
    assert (shares["bank"].amount, shares["guarantor"].amount) == (D("20000.00"), D("40000.00"))
    # The claimant's own part needs no confirmation; the guarantor's does.
    assert shares["bank"].confirmed_at is not None and shares["guarantor"].confirmed_at is None
    with pytest.raises(RiskcompInvalid):
        review.clawback_confirm(share=shares["bank"], actor=bank_a_officer)  # already confirmed


def test_clawback_over_three_payouts_sums_exactly():
    # E9: paid 1,000,000 of a 5,000,000 loss (20 %); 123,456.78 recovered -> 24,691.356 -> 24,691.36.
    due, shares = clawback(
        recovery=D("123456.78"),
        paid=D("1000000.00"),
        loss=D("5000000.00"),
        clawed_so_far=D("0"),
        payouts=[D("333333.33"), D("444444.45"), D("222222.22")],
    )
    assert due == D("24691.36") and sum(shares) == due
    # Exact parts 8,230.45325..., 10,973.93791..., 5,486.96883...: the floors leave 0.02 for the two largest
    # remainders (the third's and the second's).
    assert shares == [D("8230.45"), D("10973.94"), D("5486.97")]


def test_nothing_is_clawed_back_once_all_was_recovered():
    due, shares = clawback(
        recovery=D("1.00"),
        paid=D("360000.00"),
        loss=D("2000000.00"),
        clawed_so_far=D("360000.00"),
        payouts=[D("120000.00"), D("240000.00")],
    )
    assert due == D("0.00") and shares == [D("0.00"), D("0.00")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "amount, received, source, field",
    [
        ("0", 0, "disposal", "amount"),
        ("-1", 0, "disposal", "amount"),
        ("lots", 0, "disposal", "amount"),
        ("1000", 1, "disposal", "received_on"),
        ("1000", 0, "lottery", "source"),
    ],
)
def test_a_bad_recovery_report_is_refused_whole(paid_claim, bank_a_officer, amount, received, source, field):
    with pytest.raises(RiskcompInvalid) as refused:
        review.recovery_report(
            claim=paid_claim,
            actor=bank_a_officer,
            amount=amount,
            received_on=timezone.localdate() + timedelta(days=received),
            source=source,
        )
    assert field in refused.value.errors
    assert not paid_claim.recoveries.exists()


@pytest.mark.django_db
def test_recoveries_only_on_a_paid_claim_and_only_by_its_bank(
    npl_loan, bank_a_officer, bank_b_officer, guarantor_officer, reviewer, second_reviewer, funded
):
    from riskcomp.errors import RiskcompNotAllowed

    claim = approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    with pytest.raises(RiskcompInvalid):
        _recover(claim, bank_a_officer, "1000")
    with pytest.raises(RiskcompNotAllowed):
        _recover(claim, bank_b_officer, "1000")
    with pytest.raises(RiskcompNotAllowed):
        _recover(claim, guarantor_officer, "1000")


# --- The per-institution annual cap ----------------------------------------------------------------------


def _e8_loan(bank_a_branch, enterprise, bank_a_officer, guarantor):
    return make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[
            ("bank", bank_a_branch, bank_a_branch.name, "0.20", "0"),
            ("guarantor", guarantor, guarantor.name, "0.80", "0.50"),
        ],
    )


@pytest.mark.django_db
def test_the_institution_cap_adds_up_over_claims_and_the_last_fen_fits(
    bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer, second_reviewer
):
    guarantor = guarantor_officer.organisation
    fund(budget="5000000.00", institution_cap="600000.00")
    # Two E8 claims: the guarantor gets 240,000 each -> 480,000 of its 600,000.
    for _ in range(2):
        loan = _e8_loan(bank_a_branch, enterprise, bank_a_officer, guarantor)
        approved(loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    row = InstitutionYear.objects.get(organisation=guarantor)
    assert (row.cap, row.reserved) == (D("600000.00"), D("480000.00"))
    # A third at the full 240,000 does not fit: 120,000 remain; the fund and the bank keep their figures.
    third = proposed(
        _e8_loan(bank_a_branch, enterprise, bank_a_officer, guarantor),
        bank_a_officer,
        reviewer,
        confirmers=[guarantor_officer],
    )
    with pytest.raises(BudgetExceeded) as refused:
        review.review_decide(claim=third, actor=second_reviewer, approve=True)
    assert refused.value.remaining == D("120000.00")
    assert FundYear.objects.get(year=third.year).reserved == D("720000.00")
    assert InstitutionYear.objects.get(organisation=bank_a_branch).reserved == D("240000.00")
    # Returned, re-proposed with the guarantor's payout lowered to exactly what remains: it fits to the fen.
    third = review.review_decide(claim=third, actor=second_reviewer, approve=False, reason="超出年度上限")
    guarantor_row = third.participants.get(organisation=guarantor)
    third = review.review_propose(
        claim=third,
        actor=reviewer,
        outcome=review.APPROVE,
        payouts={guarantor_row.pk: "120000.00"},
        reason="担保机构年度补偿额度仅余12万元",
    )
    third = review.review_decide(claim=third, actor=second_reviewer, approve=True)
    assert third.approved_total == D("240000.00")  # 120,000 to the bank + 120,000 to the guarantor
    assert InstitutionYear.objects.get(organisation=guarantor).reserved == D("600000.00")
    assert FundYear.objects.get(year=third.year).reserved == D("960000.00")


@pytest.mark.django_db
def test_a_participant_without_an_organisation_is_under_no_institution_cap(
    bank_a_branch, enterprise, bank_a_officer, reviewer, second_reviewer
):
    fund(budget="5000000.00", institution_cap="100000.00")
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[
            ("bank", bank_a_branch, bank_a_branch.name, "0.10", "0"),
            ("insurer", None, "某保险公司（未注册）", "0.90", "0"),
        ],
    )
    claim = approved(loan, bank_a_officer, reviewer, second_reviewer)
    assert claim.approved_total == D("600000.00")  # 60,000 to the bank, 540,000 to the insurer
    assert list(InstitutionYear.objects.values_list("organisation_id", "reserved")) == [
        (bank_a_branch.pk, D("60000.00"))
    ]


@pytest.mark.django_db
def test_a_cap_raised_in_the_parameters_applies_to_the_next_approval(
    bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer, second_reviewer
):
    guarantor = guarantor_officer.organisation
    fund(budget="5000000.00", institution_cap="300000.00")
    approved(
        _e8_loan(bank_a_branch, enterprise, bank_a_officer, guarantor),
        bank_a_officer,
        reviewer,
        second_reviewer,
        confirmers=[guarantor_officer],
    )
    second = proposed(
        _e8_loan(bank_a_branch, enterprise, bank_a_officer, guarantor),
        bank_a_officer,
        reviewer,
        confirmers=[guarantor_officer],
    )
    with pytest.raises(BudgetExceeded):
        review.review_decide(claim=second, actor=second_reviewer, approve=True)
    fund(budget="5000000.00", institution_cap="480000.00")
    review.review_decide(claim=second, actor=second_reviewer, approve=True)
    row = InstitutionYear.objects.get(organisation=guarantor)
    assert (row.cap, row.reserved) == (D("480000.00"), D("480000.00"))


@pytest.mark.django_db
def test_a_cap_lowered_below_what_is_reserved_refuses_every_further_payout(
    bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer, second_reviewer
):
    guarantor = guarantor_officer.organisation

    def loan():  # the bank's part without an organisation: only the guarantor is under a cap here
        return make_npl_loan(
            bank=bank_a_branch,
            enterprise=enterprise,
            actor=bank_a_officer,
            participants=[
                ("bank", None, bank_a_branch.name, "0.20", "0"),
                ("guarantor", guarantor, guarantor.name, "0.80", "0.50"),
            ],
        )

    fund(budget="5000000.00", institution_cap="600000.00")
    approved(loan(), bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    fund(budget="5000000.00", institution_cap="200000.00")  # now below the 240,000 already reserved
    second = proposed(loan(), bank_a_officer, reviewer, confirmers=[guarantor_officer])
    with pytest.raises(BudgetExceeded):
        review.review_decide(claim=second, actor=second_reviewer, approve=True)


@pytest.mark.django_db
def test_a_budget_lowered_below_what_is_reserved_refuses_every_further_approval(
    bank_a_branch, enterprise, bank_a_officer, guarantor_officer, reviewer, second_reviewer
):
    guarantor = guarantor_officer.organisation
    fund(budget="1000000.00")
    approved(
        _e8_loan(bank_a_branch, enterprise, bank_a_officer, guarantor),
        bank_a_officer,
        reviewer,
        second_reviewer,
        confirmers=[guarantor_officer],
    )
    fund(budget="300000.00")  # below the 360,000 already reserved
    second = proposed(
        _e8_loan(bank_a_branch, enterprise, bank_a_officer, guarantor),
        bank_a_officer,
        reviewer,
        confirmers=[guarantor_officer],
    )
    with pytest.raises(BudgetExceeded):
        review.review_decide(claim=second, actor=second_reviewer, approve=True)


@pytest.mark.django_db
def test_an_unconfirmed_share_keeps_the_claim_from_review(npl_loan, bank_a_officer, reviewer):
    claim = submitted(npl_loan, bank_a_officer)  # the guarantor has not confirmed
    assert claim.status == S.CONFIRMING
    with pytest.raises(RiskcompInvalid):
        review.review_start(claim=claim, actor=reviewer)


# --- The public quote's bad inputs not tried in test_quote.py ---------------------------------------------

URL = "/api/v1/public/riskcomp/quote/"
EN = {"accept-language": "en"}


def body(**overrides):
    data = {
        "year": 2026,
        "npl_principal": "2000000.00",
        "ip_share": "1",
        "recovered": "0.00",
        "npl_on": "2026-06-01",
        "pledge_registered_on": "2025-12-01",
        "participants": [
            {"ref": "bank", "kind": "bank", "share": "0.20", "dispersed": "0"},
            {"ref": "g1", "kind": "guarantor", "share": "0.80", "dispersed": "0.50"},
        ],
    }
    data.update(overrides)
    return data


def _one(ref="bank", kind="bank", share="1", dispersed="0", **extra):
    return {"ref": ref, "kind": kind, "share": share, "dispersed": dispersed, **extra}


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"participants": [_one(ref="a", share="0.5"), _one(ref="a", share="0.5")]}, "participants"),
        ({"participants": [_one(share="0")]}, "participants"),
        ({"participants": [_one(share=1)]}, "participants"),  # a JSON number, not a decimal string
        ({"participants": [_one(dispersed="-0.1")]}, "participants"),
        ({"participants": [_one(dispersed="1.5")]}, "participants"),
        ({"participants": [_one(share="0.33333")]}, "participants"),  # more than four places
        ({"participants": [{"ref": "bank", "share": "1", "dispersed": "0"}]}, "participants"),  # no kind
        ({"participants": [_one(ref="x" * 65)]}, "participants"),
        ({"participants": [_one(ref=f"p{i}", share="0.0196") for i in range(51)]}, "participants"),
        ({"participants": "bank"}, "participants"),
        ({"participants": None}, "participants"),
        ({"ip_share": "0"}, "ip_share"),
        ({"ip_share": 0.5}, "ip_share"),
        ({"recovered": "-0.01"}, "recovered"),
        (
            {"recovered": "1000000.01", "ip_share": "0.5"},
            "recovered",
        ),  # beyond the IP part, not the principal
        ({"npl_principal": "1000.001"}, "npl_principal"),
        ({"npl_principal": "abc"}, "npl_principal"),
        ({"npl_principal": "NaN"}, "npl_principal"),
        ({"npl_principal": "Infinity"}, "npl_principal"),
        ({"npl_principal": "0.00"}, "npl_principal"),
        ({"npl_principal": "1e20"}, "npl_principal"),
        ({"npl_on": "2026/06/01"}, "npl_on"),
        ({"npl_on": None}, "npl_on"),
        ({"pledge_registered_on": "yesterday"}, "pledge_registered_on"),
        ({"year": "abc"}, "year"),
        ({"year": None}, "year"),
    ],
)
def test_more_bad_input_is_a_400_naming_the_field(client, overrides, field):
    response = client.post(URL, body(**overrides), content_type="application/json", headers=EN)
    assert response.status_code == 400, response.content
    data = response.json()
    assert data["message"] and any(key.split(".")[0] == field for key in data["errors"]), data


@pytest.mark.django_db
@pytest.mark.parametrize(
    "missing",
    ["year", "npl_principal", "ip_share", "recovered", "npl_on", "pledge_registered_on", "participants"],
)
def test_a_missing_field_is_a_400_naming_it(client, missing):
    data = body()
    del data[missing]
    response = client.post(URL, data, content_type="application/json", headers=EN)
    assert response.status_code == 400 and missing in response.json()["errors"]


@pytest.mark.django_db
def test_a_year_whose_parameters_are_only_a_draft_is_a_400(client):
    from portal.policy.models import ParameterSetStatus

    PolicyParameterSet.objects.filter(year=2025).update(status=ParameterSetStatus.DRAFT)
    response = client.post(URL, body(year=2025), content_type="application/json", headers=EN)
    assert response.status_code == 400 and "year" in response.json()["errors"]


@pytest.mark.django_db
@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_a_body_that_is_not_a_json_object_is_a_400(client, raw):
    response = client.post(URL, raw, content_type="application/json", headers=EN)
    assert response.status_code == 400
    assert "message" in response.json()


@pytest.mark.django_db
def test_only_post_is_answered(client):
    assert client.get(URL, headers=EN).status_code == 405


@pytest.mark.django_db
def test_recoveries_equal_to_the_ip_part_are_a_200_with_nothing_to_pay(client):
    response = client.post(
        URL, body(ip_share="0.5", recovered="1000000.00"), content_type="application/json", headers=EN
    )
    data = response.json()
    assert response.status_code == 200 and data["loss"] == "0.00" and data["total"] == "0.00"
    assert [p["payout"] for p in data["payouts"]] == ["0.00", "0.00"]


@pytest.mark.django_db
def test_a_combination_loan_with_many_participants_through_the_api(client):
    # The four-participant case above, through the contract: 10,000,000 x IP share 1, capped.
    participants = [
        _one(ref="bank", kind="bank", share="0.25"),
        _one(ref="g", kind="guarantor", share="0.25", dispersed="0.5"),
        _one(ref="i", kind="insurer", share="0.25", dispersed="0.2"),
        _one(ref="a", kind="ip_agency", share="0.25"),
    ]
    data = client.post(
        URL,
        body(npl_principal="10000000.00", participants=participants),
        content_type="application/json",
        headers=EN,
    ).json()
    assert data["cap_applied"] is True and data["total"] == "1000000.00"
    assert [p["payout"] for p in data["payouts"]] == ["303030.31", "151515.15", "242424.24", "303030.30"]
