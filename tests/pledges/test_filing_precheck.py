from datetime import date, timedelta

import pytest
from django.utils import timezone

from pledges.models import LegalStatus, RefusalReason, Status, Waiver
from pledges.services.filing import (
    FilingInvalid,
    FilingNotAllowed,
    precheck,
    registration_confirm,
    registration_submit,
    waiver_confirm,
)
from pledges.services.workflow import registration_transition
from portal.identifiers.patent import PatentType
from tests.pledges import factories_filing

_filing_media = factories_filing._filing_media
make_draft = factories_filing.make_draft
make_patent = factories_filing.make_patent
walk = factories_filing.walk

pytestmark = pytest.mark.django_db


def _codes(registration) -> set[str]:
    return {finding.reason_code for finding in precheck(registration)}


def _draft_over(make_draft, make_patent, enterprise, **asset_fields):
    holders = asset_fields.pop("holders", None)
    return make_draft(assets=[make_patent(enterprise, holders=holders, **asset_fields)])


def test_a_clean_case_has_no_findings(make_draft):
    assert precheck(make_draft()) == []


def test_pledgor_not_among_the_holders(make_draft, make_patent, enterprise):
    registration = _draft_over(make_draft, make_patent, enterprise, holders=["另一家公司"])
    assert _codes(registration) == {RefusalReason.PLEDGOR_NOT_REGISTERED_OWNER}


@pytest.mark.parametrize("status", [LegalStatus.TERMINATED, LegalStatus.INVALIDATED])
def test_terminated_or_invalidated(make_draft, make_patent, enterprise, status):
    registration = _draft_over(make_draft, make_patent, enterprise, legal_status=status)
    assert RefusalReason.PATENT_TERMINATED_OR_INVALIDATED in _codes(registration)


def test_expired_by_status_or_by_term(make_draft, make_patent, enterprise):
    by_status = _draft_over(make_draft, make_patent, enterprise, legal_status=LegalStatus.EXPIRED)
    assert RefusalReason.EXPIRED in _codes(by_status)
    # A utility model filed in 2010 ran out on 2020-01-31 whatever the register's status says.
    by_term = _draft_over(
        make_draft,
        make_patent,
        enterprise,
        patent_type=PatentType.UTILITY_MODEL,
        filing_date=date(2010, 2, 1),
        grant_date=date(2011, 1, 1),
    )
    assert RefusalReason.EXPIRED in _codes(by_term)


def test_preserved_by_a_court(make_draft, make_patent, enterprise):
    registration = _draft_over(make_draft, make_patent, enterprise, legal_status=LegalStatus.PRESERVED)
    assert _codes(registration) == {RefusalReason.SUSPENDED_OR_PRESERVED}


def test_not_yet_granted_by_status_or_missing_grant_date(make_draft, make_patent, enterprise):
    pending = _draft_over(make_draft, make_patent, enterprise, legal_status=LegalStatus.PENDING)
    assert RefusalReason.NOT_YET_GRANTED in _codes(pending)
    no_grant = _draft_over(make_draft, make_patent, enterprise, grant_date=None)
    assert _codes(no_grant) == {RefusalReason.NOT_YET_GRANTED}


def test_annual_fee_unpaid_or_in_grace(make_draft, make_patent, enterprise):
    yesterday = timezone.localdate() - timedelta(days=1)
    unpaid = _draft_over(make_draft, make_patent, enterprise, annual_fee_paid_through=yesterday)
    assert _codes(unpaid) == {RefusalReason.ANNUAL_FEE_UNPAID}
    grace = _draft_over(make_draft, make_patent, enterprise, legal_status=LegalStatus.FEE_GRACE)
    assert _codes(grace) == {RefusalReason.ANNUAL_FEE_UNPAID}


@pytest.mark.parametrize("first_status", [Status.AWAITING_PLEDGEE, Status.SUBMITTED, Status.REGISTERED])
def test_already_pledged_or_in_another_filing(make_draft, make_patent, enterprise, walk, first_status):
    asset = make_patent(enterprise)
    walk(make_draft(assets=[asset]), first_status)
    assert _codes(make_draft(assets=[asset])) == {RefusalReason.ALREADY_PLEDGED}


def test_a_withdrawn_draft_does_not_block_the_asset(make_draft, make_patent, enterprise, enterprise_user):
    asset = make_patent(enterprise)
    first = make_draft(assets=[asset])
    registration_transition(registration=first, to=Status.WITHDRAWN, actor=enterprise_user)
    assert precheck(make_draft(assets=[asset])) == []


def test_debt_running_past_the_patent_term(make_draft, make_patent, enterprise):
    # An invention filed 2020-03-02 is protected until 2040-03-01.
    asset = make_patent(enterprise)
    assert precheck(make_draft(assets=[asset], debt_end=date(2040, 3, 1))) == []
    other = make_patent(enterprise)
    assert _codes(make_draft(assets=[other], debt_end=date(2040, 3, 2))) == {
        RefusalReason.DEBT_TERM_EXCEEDS_PATENT_TERM
    }


def test_co_owner_consent_missing_unless_ticked(make_draft, make_patent, enterprise):
    shared = make_patent(enterprise, holders=[enterprise.name, "北京大学"])
    assert _codes(make_draft(assets=[shared])) == {RefusalReason.CO_OWNER_CONSENT_MISSING}
    other = make_patent(enterprise, holders=[enterprise.name, "北京大学"])
    assert precheck(make_draft(assets=[other], co_owner_consent={other.pk: True})) == []


def test_same_day_utility_model_and_invention_is_waivable(make_draft, make_patent, enterprise):
    invention = make_patent(enterprise, title="同日申请装置")
    make_patent(enterprise, title="同日申请装置", patent_type=PatentType.UTILITY_MODEL)
    findings = precheck(make_draft(assets=[invention]))
    assert [(f.reason_code, f.waivable) for f in findings] == [
        (RefusalReason.SAME_DAY_UM_AND_INVENTION, True)
    ]


@pytest.fixture
def invalidation_case(make_draft, make_patent, enterprise):
    return make_draft(assets=[make_patent(enterprise, legal_status=LegalStatus.INVALIDATION_REQUESTED)])


def test_invalidation_requested_is_waivable_by_both_parties(
    invalidation_case, enterprise_user, bank_a_officer, english
):
    registration = invalidation_case
    [finding] = precheck(registration)
    assert finding.reason_code == RefusalReason.INVALIDATION_PROCEEDING_STARTED and finding.waivable

    with pytest.raises(FilingInvalid) as caught:
        registration_submit(registration=registration, actor=enterprise_user)
    assert "invalidation request" in caught.value.message

    waiver_confirm(registration=registration, reason=finding.reason_code, actor=enterprise_user)
    assert len(precheck(registration)) == 1, "one party's confirmation waives nothing"
    # Confirming twice is harmless.
    waiver_confirm(registration=registration, reason=finding.reason_code, actor=enterprise_user)
    waiver_confirm(registration=registration, reason=finding.reason_code, actor=bank_a_officer)
    assert precheck(registration) == []
    assert len(precheck(registration, include_waived=True)) == 1
    assert set(Waiver.objects.values_list("party_id", flat=True)) == {
        registration.pledgor_id,
        registration.pledgee_id,
    }
    assert (
        registration_submit(registration=registration, actor=enterprise_user).status
        == Status.AWAITING_PLEDGEE
    )
    assert registration.events.filter(action="waiver_confirmed").count() == 2


def test_a_blocking_ground_cannot_be_waived(make_draft, make_patent, enterprise, enterprise_user):
    registration = make_draft(assets=[make_patent(enterprise, legal_status=LegalStatus.TERMINATED)])
    with pytest.raises(FilingInvalid):
        waiver_confirm(
            registration=registration,
            reason=RefusalReason.PATENT_TERMINATED_OR_INVALIDATED,
            actor=enterprise_user,
        )


def test_a_waiver_for_a_ground_the_case_does_not_show_is_refused(make_draft, enterprise_user):
    with pytest.raises(FilingInvalid):
        waiver_confirm(
            registration=make_draft(),
            reason=RefusalReason.INVALIDATION_PROCEEDING_STARTED,
            actor=enterprise_user,
        )


@pytest.mark.parametrize("persona", ["outsider", "bank_b_officer", "commissioner"])
def test_only_the_parties_confirm_waivers(invalidation_case, persona, request):
    with pytest.raises(FilingNotAllowed):
        waiver_confirm(
            registration=invalidation_case,
            reason=RefusalReason.INVALIDATION_PROCEEDING_STARTED,
            actor=request.getfixturevalue(persona),
        )


def test_submission_is_refused_while_a_blocking_ground_stands(
    make_draft, make_patent, enterprise, enterprise_user
):
    registration = make_draft(assets=[make_patent(enterprise, grant_date=None)])
    with pytest.raises(FilingInvalid) as caught:
        registration_submit(registration=registration, actor=enterprise_user)
    assert caught.value.errors["precheck"]
    registration.refresh_from_db()
    assert registration.status == Status.DRAFT


def test_pledgee_confirmation_reruns_the_precheck(make_draft, enterprise_user, bank_a_officer):
    registration = make_draft()
    registration_submit(registration=registration, actor=enterprise_user)
    asset = registration.assets.get()
    asset.legal_status = LegalStatus.TERMINATED
    asset.save()
    with pytest.raises(FilingInvalid):
        registration_confirm(registration=registration, actor=bank_a_officer)
