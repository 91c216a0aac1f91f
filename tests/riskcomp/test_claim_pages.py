"""The banks' and participant institutions' risk compensation pages (issue 7): the list with the bank's
non-performing loans to claim for, opening a claim, the claim page with its sheet, evidence, recoveries and
history, every editing button (the state changes and an event row is written), submit and withdraw, the
participants' confirmations of their shares and clawback parts, the bank's recovery report, the scoped
evidence download, the oversight roles' read-only view, and the refusals (404 outside the scope, 403 for
the wrong role, 400 with the input kept)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from portal.accounts.models import OrgKind, Role
from portal.accounts.services import organisation_create
from portal.audit.models import AuditEvent
from riskcomp import claims, review
from riskcomp.models import (
    REQUIRED_EVIDENCE,
    Claim,
    ClaimEvent,
    ClaimStatus,
    ClawbackShare,
    Confirmation,
    Evidence,
    EvidenceItem,
)
from tests.conftest import make_uscc
from tests.riskcomp.factories import (
    approved,
    make_npl_loan,
    pdf,
    refreshed,
    submitted,
    upload_evidence,
)

pytestmark = pytest.mark.django_db
S = ClaimStatus
D = Decimal
EN = {"accept-language": "en"}


def url(name: str, *args) -> str:
    return reverse(f"riskcomp:{name}", args=args)


def actions(claim) -> list[str]:
    return list(claim.events.order_by("at", "pk").values_list("action", flat=True))


def moves(claim) -> list[str]:
    return list(claim.events.exclude(to_status="").order_by("at", "pk").values_list("to_status", flat=True))


@pytest.fixture
def draft(npl_loan, bank_a_officer):
    return claims.claim_open(loan=npl_loan, actor=bank_a_officer)


@pytest.fixture
def bank_client(client, bank_a_officer):
    client.force_login(bank_a_officer)
    return client


@pytest.fixture
def other_guarantor_officer(make_user):
    other = organisation_create(name="北京另一家融资担保有限公司", kind=OrgKind.GUARANTOR, uscc=make_uscc())
    return make_user("other_guarantor", other, Role.INSTITUTION_OFFICER)


def participants_post(claim, rows: list[dict], extra: int = 0) -> dict:
    """The participants formset as the browser sends it: ``rows`` are the initial rows' values (the
    claim's participants, in order), then ``extra`` empty rows."""
    initial = claim.participants.count()
    data = {
        "participants-TOTAL_FORMS": str(len(rows) + extra),
        "participants-INITIAL_FORMS": str(initial),
        "participants-MIN_NUM_FORMS": "0",
        "participants-MAX_NUM_FORMS": "20",
    }
    for index, row in enumerate(rows):
        for name, value in row.items():
            data[f"participants-{index}-{name}"] = "" if value is None else str(value)
    for index in range(len(rows), len(rows) + extra):
        data[f"participants-{index}-dispersed"] = "0"
    return data


def current_rows(claim) -> list[dict]:
    return [
        {
            "kind": p.kind,
            "organisation": p.organisation_id,
            "name": p.name,
            "share": p.share,
            "dispersed": p.dispersed,
        }
        for p in claim.participants.order_by("pk")
    ]


def paid(npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, finance_officer) -> Claim:
    claim = approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    return review.claim_mark_paid(claim=claim, actor=finance_officer, paid_on=timezone.localdate())


# ---------------------------------------------------------------------------------------------------
# The list and opening a claim


def test_the_bank_sees_its_non_performing_loan_and_opens_a_claim(bank_client, npl_loan, bank_a_officer):
    response = bank_client.get(url("claim-list"), headers=EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert npl_loan.reference in page and f'data-testid="open-{npl_loan.pk}"' in page
    response = bank_client.post(url("claim-open", npl_loan.pk))
    claim = Claim.objects.get(loan=npl_loan)
    assert response.status_code == 302 and response["Location"] == url("claim-detail", claim.pk)
    assert claim.status == S.DRAFT and actions(claim) == ["opened"]
    assert claim.created_by == bank_a_officer
    listed = bank_client.get(url("claim-list"), headers=EN).content.decode()
    assert claim.reference in listed and f'data-testid="open-{npl_loan.pk}"' not in listed


def test_opening_twice_shows_the_refusal_naming_the_live_claim(bank_client, draft, npl_loan):
    response = bank_client.post(url("claim-open", npl_loan.pk), headers=EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert "already has claim" in page and 'data-testid="open-error-link"' in page
    assert url("claim-detail", draft.pk) in page
    assert Claim.objects.count() == 1


def test_a_loan_that_is_not_non_performing_is_refused_with_the_reason(
    bank_client, bank_a_branch, enterprise, bank_a_officer
):
    loan = make_npl_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    loan.status = "repaying"
    loan.save()
    response = bank_client.post(url("claim-open", loan.pk), headers=EN)
    assert response.status_code == 400 and "not classified non-performing" in response.content.decode()
    assert not Claim.objects.exists()


def test_the_head_office_manager_opens_a_claim_for_its_branchs_loan(client, npl_loan, bank_a_manager):
    client.force_login(bank_a_manager)
    assert npl_loan.reference in client.get(url("claim-list")).content.decode()
    assert client.post(url("claim-open", npl_loan.pk)).status_code == 302
    assert Claim.objects.get(loan=npl_loan).bank == npl_loan.bank


def test_another_bank_cannot_open_or_see_a_claim_of_bank_a(client, npl_loan, draft, bank_b_officer):
    client.force_login(bank_b_officer)
    listed = client.get(url("claim-list")).content.decode()
    assert npl_loan.reference not in listed and draft.reference not in listed
    assert client.post(url("claim-open", npl_loan.pk)).status_code == 404
    assert client.get(url("claim-detail", draft.pk)).status_code == 404
    assert (
        client.post(url("claim-figures", draft.pk), {"npl_principal": "1", "recovered": "0"}).status_code
        == 404
    )
    assert client.post(url("claim-submit", draft.pk)).status_code == 404
    assert client.get(url("claim-withdraw", draft.pk)).status_code == 404


def test_wrong_roles_are_refused(
    client, npl_loan, draft, guarantor_officer, enterprise_user, outsider, reviewer
):
    for user in (enterprise_user, outsider):
        client.force_login(user)
        assert client.get(url("claim-list")).status_code == 403
        assert client.get(url("claim-detail", draft.pk)).status_code == 403
        assert client.get(url("confirmation-list")).status_code == 403
    for user in (guarantor_officer, reviewer):
        client.force_login(user)
        assert client.post(url("claim-open", npl_loan.pk)).status_code == 403
        assert (
            client.post(url("claim-figures", draft.pk), {"npl_principal": "1", "recovered": "0"}).status_code
            == 403
        )
        assert client.post(url("claim-submit", draft.pk)).status_code == 403
        assert client.post(url("claim-withdraw", draft.pk), {"reason": "x"}).status_code == 403
    client.force_login(reviewer)
    assert client.get(url("confirmation-list")).status_code == 403
    assert refreshed(draft).status == S.DRAFT


def test_the_pages_need_a_login(client, draft):
    for address in (url("claim-list"), url("claim-detail", draft.pk), url("confirmation-list")):
        response = client.get(address)
        assert response.status_code == 302 and "login" in response["Location"]


def test_a_participant_sees_the_claims_it_is_part_of_and_nobody_elses(
    client, draft, guarantor_officer, other_guarantor_officer
):
    client.force_login(guarantor_officer)
    assert draft.reference in client.get(url("claim-list")).content.decode()
    page = client.get(url("claim-detail", draft.pk), headers=EN).content.decode()
    assert 'data-testid="read-only"' in page and 'data-testid="figures-form"' not in page
    assert 'data-testid="submit"' not in page
    client.force_login(other_guarantor_officer)
    assert draft.reference not in client.get(url("claim-list")).content.decode()
    assert client.get(url("claim-detail", draft.pk)).status_code == 404


def test_oversight_sees_every_claim_filtered_by_year_and_status(
    client, draft, reviewer, finance_officer, joint_office_viewer, bank_a_branch, enterprise, bank_a_officer
):
    other_loan = make_npl_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    other = claims.claim_open(loan=other_loan, actor=bank_a_officer)
    claims.claim_withdraw(claim=other, actor=bank_a_officer, reason="重复")
    for user in (reviewer, finance_officer, joint_office_viewer):
        client.force_login(user)
        page = client.get(url("claim-list")).content.decode()
        assert draft.reference in page and other.reference in page
        assert 'data-testid="eligible-loans"' not in page
    filtered = client.get(url("claim-list"), {"status": S.WITHDRAWN, "year": other.year}).content.decode()
    assert other.reference in filtered and draft.reference not in filtered
    assert draft.reference not in client.get(url("claim-list"), {"year": other.year - 1}).content.decode()
    assert client.get(url("claim-list"), {"year": "abc"}).status_code == 400


def test_oversight_reads_the_claim_with_a_review_link_when_the_review_page_exists(client, draft, reviewer):
    client.force_login(reviewer)
    response = client.get(url("claim-detail", draft.pk), headers=EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="calculation-sheet"' in page and 'data-testid="figures-form"' not in page
    try:
        review_url = reverse("riskcomp:review-detail", args=[draft.pk])
    except NoReverseMatch:
        assert 'data-testid="review-link"' not in page
    else:
        assert review_url in page


# ---------------------------------------------------------------------------------------------------
# The claim page


def test_the_claim_page_shows_state_loan_sheet_evidence_and_history(bank_client, draft, npl_loan, guarantor):
    response = bank_client.get(url("claim-detail", draft.pk), headers=EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert npl_loan.reference in page and npl_loan.enterprise.name in page
    assert draft.registration_reference in page
    assert "360,000.00" in page and "120,000.00" in page and "240,000.00" in page
    assert 'data-testid="calculation-sheet"' in page and 'data-testid="claim-history"' in page
    assert "The claimant bank" in response.context["holder"]
    for item in REQUIRED_EVIDENCE:
        assert f'data-testid="required-{item}"' in page
    assert f'data-testid="required-{EvidenceItem.RECOVERY_ACTIONS}"' not in page
    assert 'data-testid="figures-form"' in page and 'data-testid="participants-form"' in page
    assert 'data-testid="submit"' in page and 'data-testid="withdraw-link"' in page
    assert 'data-testid="recovery-form"' not in page


def test_the_bank_saves_its_figures_and_the_sheet_is_recomputed(bank_client, draft):
    response = bank_client.post(
        url("claim-figures", draft.pk), {"npl_principal": "1000000.00", "recovered": "0"}
    )
    assert response.status_code == 302
    claim = refreshed(draft)
    assert claim.npl_principal == D("1000000.00") and claim.total == D("180000.00")
    assert actions(claim)[-1] == "edited"
    assert ClaimEvent.objects.get(claim=claim, action="edited").details["npl_principal"] == [
        "2000000.00",
        "1000000.00",
    ]


def test_bad_figures_are_a_400_with_the_input_kept(bank_client, draft):
    response = bank_client.post(
        url("claim-figures", draft.pk), {"npl_principal": "abc", "recovered": "123.45"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'value="abc"' in page and 'value="123.45"' in page
    response = bank_client.post(
        url("claim-figures", draft.pk), {"npl_principal": "1000.00", "recovered": "2000.00"}, headers=EN
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Recoveries cannot exceed the IP-secured principal." in page and 'value="2000.00"' in page
    assert refreshed(draft).npl_principal == D("2000000.00") and actions(draft) == ["opened"]


def test_the_bank_changes_the_participants(bank_client, draft):
    rows = current_rows(draft)
    rows[1]["dispersed"] = "0.40"
    response = bank_client.post(url("claim-participants", draft.pk), participants_post(draft, rows, extra=2))
    assert response.status_code == 302
    claim = refreshed(draft)
    assert claim.total == D("408000.00")  # 0.3 x (400,000 + 960,000)
    assert actions(claim)[-1] == "participants_set"
    guarantor_row = claim.participants.get(kind="guarantor")
    assert guarantor_row.dispersed == D("0.4000") and guarantor_row.confirmation == Confirmation.PENDING


def test_a_participant_row_is_added_and_one_removed(bank_client, draft, guarantor):
    rows = current_rows(draft)
    rows[1]["DELETE"] = "on"
    rows.append(
        {"kind": "insurer", "organisation": None, "name": "某保险公司", "share": "0.80", "dispersed": "0"}
    )
    data = participants_post(draft, rows)
    response = bank_client.post(url("claim-participants", draft.pk), data)
    assert response.status_code == 302
    claim = refreshed(draft)
    assert sorted(claim.participants.values_list("name", flat=True)) == sorted(
        [rows[0]["name"], "某保险公司"]
    )
    insurer = claim.participants.get(kind="insurer")
    assert insurer.organisation is None and insurer.confirmation == Confirmation.NOT_NEEDED


def test_shares_not_adding_up_to_one_are_a_400_with_the_input_kept(bank_client, draft):
    rows = current_rows(draft)
    rows[1]["share"] = "0.7000"
    response = bank_client.post(
        url("claim-participants", draft.pk), participants_post(draft, rows), headers=EN
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "The participants&#x27; shares must add up to 1." in page and 'value="0.7000"' in page
    assert refreshed(draft).participants.get(kind="guarantor").share == D("0.8000")
    rows[1]["share"] = "abc"
    response = bank_client.post(url("claim-participants", draft.pk), participants_post(draft, rows))
    assert response.status_code == 400 and 'value="abc"' in response.content.decode()


def test_only_active_participant_institutions_can_be_chosen(bank_client, draft, enterprise, bank_b):
    rows = current_rows(draft)
    rows[1]["organisation"] = enterprise.pk
    response = bank_client.post(url("claim-participants", draft.pk), participants_post(draft, rows))
    assert response.status_code == 400
    assert response.context["participants_formset"].forms[1].errors["organisation"]
    bank_b.is_active = False
    bank_b.save()
    rows[1]["organisation"] = bank_b.pk
    response = bank_client.post(url("claim-participants", draft.pk), participants_post(draft, rows))
    assert response.status_code == 400 and actions(draft) == ["opened"]


def test_a_participant_with_neither_institution_nor_name_is_refused_on_its_row(bank_client, draft):
    rows = current_rows(draft)
    rows[1].update({"organisation": None, "name": ""})
    response = bank_client.post(
        url("claim-participants", draft.pk), participants_post(draft, rows), headers=EN
    )
    assert response.status_code == 400
    formset = response.context["participants_formset"]
    assert formset.forms[1].errors["name"] == ["This field is required."]


def test_the_bank_uploads_evidence_and_downloads_it(bank_client, draft, bank_a_officer):
    response = bank_client.post(
        url("claim-evidence", draft.pk, EvidenceItem.LOAN_CONTRACT), {"file": pdf("借款合同.pdf")}
    )
    assert response.status_code == 302
    evidence = Evidence.objects.get(claim=draft)
    assert evidence.item == EvidenceItem.LOAN_CONTRACT and evidence.file_name == "借款合同.pdf"
    assert actions(draft)[-1] == "evidence_uploaded"
    page = bank_client.get(url("claim-detail", draft.pk)).content.decode()
    assert url("claim-file", evidence.pk) in page and "借款合同.pdf" in page


def test_a_bad_evidence_file_is_a_400_and_an_unknown_item_a_404(bank_client, draft):
    text = SimpleUploadedFile("note.pdf", b"just text, not a pdf", content_type="application/pdf")
    response = bank_client.post(
        url("claim-evidence", draft.pk, EvidenceItem.REGISTRATION), {"file": text}, headers=EN
    )
    assert response.status_code == 400
    assert "only PDF, JPEG and PNG files are accepted" in response.content.decode()
    response = bank_client.post(url("claim-evidence", draft.pk, EvidenceItem.REGISTRATION), {}, headers=EN)
    assert response.status_code == 400
    assert bank_client.post(url("claim-evidence", draft.pk, "passport"), {"file": pdf()}).status_code == 404
    assert not Evidence.objects.exists()


def test_submitting_without_the_evidence_shows_every_problem(bank_client, draft):
    response = bank_client.post(url("claim-submit", draft.pk), headers=EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="problem-evidence"' in page and "Pledge registration certificate" in page
    assert refreshed(draft).status == S.DRAFT


def test_an_ineligible_claim_cannot_be_submitted_and_says_why(
    bank_client, bank_a_branch, enterprise, bank_a_officer
):
    loan = make_npl_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    loan.registrations.update(registered_on=loan.non_performing_on + timedelta(days=1))
    claim = claims.claim_open(loan=loan, actor=bank_a_officer)
    upload_evidence(claim, bank_a_officer)
    response = bank_client.post(url("claim-submit", claim.pk), headers=EN)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="problem-eligibility"' in page and "after the loan became non-performing" in page
    assert 'data-testid="problem-evidence"' not in page


def test_the_bank_submits_and_the_guarantor_is_asked_to_confirm(bank_client, draft, bank_a_officer):
    upload_evidence(draft, bank_a_officer)
    response = bank_client.post(url("claim-submit", draft.pk))
    assert response.status_code == 302
    claim = refreshed(draft)
    assert claim.status == S.CONFIRMING and moves(claim)[-1] == S.CONFIRMING
    page = bank_client.get(url("claim-detail", claim.pk), headers=EN).content.decode()
    assert 'data-testid="figures-form"' not in page and 'data-testid="submit"' not in page
    assert claim.participants.get(kind="guarantor").name in page  # who holds it
    # The forms of a submitted claim are refused with the reason on top of the page.
    response = bank_client.post(
        url("claim-figures", claim.pk), {"npl_principal": "1000.00", "recovered": "0"}, headers=EN
    )
    assert response.status_code == 400 and 'data-testid="refusal"' in response.content.decode()
    response = bank_client.post(
        url("claim-participants", claim.pk), participants_post(claim, current_rows(claim)), headers=EN
    )
    assert response.status_code == 400 and "only as a draft" in response.content.decode()
    response = bank_client.post(
        url("claim-evidence", claim.pk, EvidenceItem.RISK_SHARING), {"file": pdf()}, headers=EN
    )
    assert response.status_code == 400 and 'data-testid="refusal"' in response.content.decode()
    assert refreshed(claim).npl_principal == D("2000000.00") and claim.evidence.count() == 3


def test_the_bank_withdraws_with_a_reason_after_a_confirm_step(bank_client, draft):
    page = bank_client.get(url("claim-withdraw", draft.pk)).content.decode()
    assert 'data-testid="withdraw-form"' in page
    response = bank_client.post(url("claim-withdraw", draft.pk), {"reason": ""})
    assert response.status_code == 400 and refreshed(draft).status == S.DRAFT
    response = bank_client.post(url("claim-withdraw", draft.pk), {"reason": "贷款已由担保代偿"})
    assert response.status_code == 302
    claim = refreshed(draft)
    assert claim.status == S.WITHDRAWN
    event = claim.events.get(to_status=S.WITHDRAWN)
    assert event.reason == "贷款已由担保代偿"


def test_a_claim_under_review_can_no_longer_be_withdrawn(
    bank_client, npl_loan, bank_a_officer, guarantor_officer, reviewer
):
    claim = submitted(npl_loan, bank_a_officer, [guarantor_officer])
    review.review_start(claim=claim, actor=reviewer)
    page = bank_client.get(url("claim-withdraw", claim.pk)).content.decode()
    assert 'data-testid="withdraw-not-allowed"' in page
    response = bank_client.post(url("claim-withdraw", claim.pk), {"reason": "x"})
    assert response.status_code == 400 and refreshed(claim).status == S.UNDER_REVIEW


def test_a_bank_taking_part_in_another_banks_claim_reads_it_but_cannot_change_it(
    client, bank_a_branch, enterprise, bank_a_officer, bank_b, bank_b_officer
):
    loan = make_npl_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        actor=bank_a_officer,
        participants=[
            ("bank", bank_a_branch, bank_a_branch.name, "0.50", "0"),
            ("bank", bank_b, bank_b.name, "0.50", "0"),
        ],
    )
    claim = claims.claim_open(loan=loan, actor=bank_a_officer)
    client.force_login(bank_b_officer)
    assert claim.reference in client.get(url("claim-list")).content.decode()
    page = client.get(url("claim-detail", claim.pk)).content.decode()
    assert 'data-testid="figures-form"' not in page
    response = client.post(url("claim-figures", claim.pk), {"npl_principal": "1.00", "recovered": "0"})
    assert response.status_code == 403 and refreshed(claim).npl_principal == D("2000000.00")


# ---------------------------------------------------------------------------------------------------
# The participants' confirmations


@pytest.fixture
def confirming(npl_loan, bank_a_officer):
    return submitted(npl_loan, bank_a_officer)


def test_the_guarantor_sees_its_share_and_confirms_it(client, confirming, guarantor_officer):
    share = confirming.participants.get(organisation=guarantor_officer.organisation)
    client.force_login(guarantor_officer)
    response = client.get(url("confirmation-list"), headers=EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert confirming.reference in page and f'data-testid="confirm-{share.pk}"' in page
    assert "240,000.00" in page and "2,000,000.00" in page
    detail = client.get(url("claim-detail", confirming.pk)).content.decode()
    assert 'data-testid="confirm-link"' in detail
    response = client.post(url("confirmation-decide", share.pk), {"decision": "confirm", "note": ""})
    assert response.status_code == 302
    share.refresh_from_db()
    assert share.confirmation == Confirmation.CONFIRMED and share.confirmed_by == guarantor_officer
    claim = refreshed(confirming)
    assert claim.status == S.SUBMITTED and "share_confirmed" in actions(claim)


def test_a_dispute_needs_a_note_and_returns_the_claim_to_the_bank(client, confirming, guarantor_officer):
    share = confirming.participants.get(organisation=guarantor_officer.organisation)
    client.force_login(guarantor_officer)
    response = client.post(
        url("confirmation-decide", share.pk), {"decision": "dispute", "note": ""}, headers=EN
    )
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert refreshed(confirming).status == S.CONFIRMING
    response = client.post(url("confirmation-decide", share.pk), {"decision": "maybe", "note": "x"})
    assert response.status_code == 400
    response = client.post(
        url("confirmation-decide", share.pk), {"decision": "dispute", "note": "再担保比例为40%"}
    )
    assert response.status_code == 302
    claim = refreshed(confirming)
    assert (
        claim.status == S.CORRECTION and claim.events.get(to_status=S.CORRECTION).reason == "再担保比例为40%"
    )
    share.refresh_from_db()
    assert share.confirmation == Confirmation.DISPUTED


def test_a_share_already_answered_is_refused(client, confirming, guarantor_officer):
    share = confirming.participants.get(organisation=guarantor_officer.organisation)
    claims.participant_confirm(participant=share, actor=guarantor_officer, confirmed=True)
    client.force_login(guarantor_officer)
    response = client.post(url("confirmation-decide", share.pk), {"decision": "confirm"}, headers=EN)
    assert response.status_code == 400 and "not waiting for your confirmation" in response.content.decode()


def test_nobody_else_answers_a_share(
    client, confirming, guarantor_officer, bank_b_officer, other_guarantor_officer
):
    share = confirming.participants.get(organisation=guarantor_officer.organisation)
    for user in (bank_b_officer, other_guarantor_officer):
        client.force_login(user)
        assert confirming.reference not in client.get(url("confirmation-list")).content.decode()
        assert client.post(url("confirmation-decide", share.pk), {"decision": "confirm"}).status_code == 404
    client.force_login(guarantor_officer)
    share.refresh_from_db()
    assert share.confirmation == Confirmation.PENDING


def test_the_bank_answers_the_corrected_claim_and_submits_again(
    client, confirming, guarantor_officer, bank_a_officer
):
    share = confirming.participants.get(organisation=guarantor_officer.organisation)
    claims.participant_confirm(participant=share, actor=guarantor_officer, confirmed=False, note_text="40%")
    client.force_login(bank_a_officer)
    page = client.get(url("claim-detail", confirming.pk), headers=EN).content.decode()
    assert 'data-testid="participants-form"' in page and "Submit the correction" in page
    rows = current_rows(refreshed(confirming))
    rows[1]["dispersed"] = "0.40"
    assert (
        client.post(url("claim-participants", confirming.pk), participants_post(confirming, rows)).status_code
        == 302
    )
    assert client.post(url("claim-submit", confirming.pk)).status_code == 302
    assert refreshed(confirming).status == S.CONFIRMING


# ---------------------------------------------------------------------------------------------------
# Recovery and clawback


@pytest.fixture
def paid_claim(
    npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, finance_officer, funded
):
    return paid(npl_loan, bank_a_officer, guarantor_officer, reviewer, second_reviewer, finance_officer)


def test_the_bank_reports_a_recovery_and_sees_the_fund_share_and_split(bank_client, paid_claim):
    page = bank_client.get(url("claim-detail", paid_claim.pk), headers=EN).content.decode()
    assert 'data-testid="recovery-form"' in page and 'data-testid="fund-fraction"' in page
    response = bank_client.post(
        url("claim-recovery", paid_claim.pk),
        {
            "amount": "500000.00",
            "received_on": timezone.localdate().isoformat(),
            "source": "disposal",
            "note": "拍卖",
        },
        headers=EN,
    )
    assert response.status_code == 302
    recovery = paid_claim.recoveries.get()
    assert recovery.fund_share == D("90000.00") and actions(paid_claim)[-1] == "recovery_reported"
    page = bank_client.get(url("claim-detail", paid_claim.pk), headers=EN).content.decode()
    assert "90,000.00" in page and "30,000.00" in page and "60,000.00" in page
    assert "At most 270,000.00 yuan more can be clawed back." in page


def test_a_bad_recovery_is_a_400_with_the_input_kept(bank_client, paid_claim):
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = bank_client.post(
        url("claim-recovery", paid_claim.pk),
        {"amount": "500000.00", "received_on": tomorrow, "source": "disposal"},
        headers=EN,
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "not in the future" in page and 'value="500000.00"' in page
    response = bank_client.post(url("claim-recovery", paid_claim.pk), {"amount": "-5", "source": "x"})
    assert response.status_code == 400
    assert not paid_claim.recoveries.exists()


def test_no_recovery_before_payment(bank_client, draft):
    page = bank_client.get(url("claim-detail", draft.pk)).content.decode()
    assert 'data-testid="recovery-form"' not in page
    response = bank_client.post(
        url("claim-recovery", draft.pk),
        {"amount": "1000.00", "received_on": timezone.localdate().isoformat(), "source": "other"},
        headers=EN,
    )
    assert response.status_code == 400 and "once the compensation has been paid" in response.content.decode()


def test_only_the_claimant_reports_recoveries(client, paid_claim, guarantor_officer, bank_b_officer):
    data = {"amount": "1000.00", "received_on": timezone.localdate().isoformat(), "source": "other"}
    client.force_login(guarantor_officer)
    assert client.post(url("claim-recovery", paid_claim.pk), data).status_code == 403
    client.force_login(bank_b_officer)
    assert client.post(url("claim-recovery", paid_claim.pk), data).status_code == 404
    assert not paid_claim.recoveries.exists()


def test_the_guarantor_confirms_its_clawback_part(
    client, paid_claim, bank_a_officer, guarantor_officer, bank_b_officer
):
    recovery = review.recovery_report(
        claim=paid_claim,
        actor=bank_a_officer,
        amount="500000.00",
        received_on=timezone.localdate(),
        source="disposal",
    )
    share = ClawbackShare.objects.get(
        recovery=recovery, participant__organisation=guarantor_officer.organisation
    )
    client.force_login(bank_b_officer)
    assert client.post(url("clawback-confirm", share.pk)).status_code == 404
    client.force_login(guarantor_officer)
    page = client.get(url("confirmation-list"), headers=EN).content.decode()
    assert f'data-testid="clawback-confirm-{share.pk}"' in page and "60,000.00" in page
    response = client.post(url("clawback-confirm", share.pk))
    assert response.status_code == 302
    share.refresh_from_db()
    recovery.refresh_from_db()
    assert share.confirmed_by == guarantor_officer and recovery.status == "confirmed"
    assert actions(paid_claim)[-1] == "clawback_confirmed"
    response = client.post(url("clawback-confirm", share.pk), headers=EN)
    assert response.status_code == 400 and "already confirmed" in response.content.decode()
    client.force_login(bank_a_officer)
    page = client.get(url("claim-detail", paid_claim.pk), headers=EN).content.decode()
    assert "Confirmed, waiting for repayment to the fund" in page


def test_clawback_confirm_is_for_participant_users_only(client, paid_claim, bank_a_officer, reviewer):
    recovery = review.recovery_report(
        claim=paid_claim,
        actor=bank_a_officer,
        amount="500000.00",
        received_on=timezone.localdate(),
        source="other",
    )
    share = recovery.shares.exclude(confirmed_at=None).first() or recovery.shares.first()
    client.force_login(reviewer)
    assert client.post(url("clawback-confirm", share.pk)).status_code == 403


# ---------------------------------------------------------------------------------------------------
# The evidence download


def test_the_evidence_downloads_within_the_claims_scope_only(
    client,
    draft,
    bank_a_officer,
    bank_a_manager,
    guarantor_officer,
    reviewer,
    bank_b_officer,
    other_guarantor_officer,
    outsider,
):
    evidence = claims.evidence_upload(
        claim=draft, actor=bank_a_officer, item=EvidenceItem.LOAN_CONTRACT, upload=pdf("合同.pdf")
    )
    for user in (bank_a_officer, bank_a_manager, guarantor_officer, reviewer):
        client.force_login(user)
        response = client.get(url("claim-file", evidence.pk))
        assert response.status_code == 200, user
        assert response["Content-Type"] == "application/pdf"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Cache-Control"] == "private, no-store"
        assert response["Content-Disposition"].startswith("attachment;")
        assert "filename*=UTF-8''%E5%90%88%E5%90%8C.pdf" in response["Content-Disposition"]
        assert b"".join(response.streaming_content).startswith(b"%PDF")
    audited = AuditEvent.objects.filter(action="riskcomp.file.download", object_id=str(evidence.pk))
    assert audited.count() == 4
    for user in (bank_b_officer, other_guarantor_officer, outsider):
        client.force_login(user)
        assert client.get(url("claim-file", evidence.pk)).status_code == 404
    assert client.get(url("claim-file", evidence.pk + 1000)).status_code == 404
