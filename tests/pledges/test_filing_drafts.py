from datetime import date
from decimal import Decimal

import pytest

from pledges.models import RegistrationEvent, RegistrationKind, Status, Waiver
from pledges.services.filing import (
    FilingInvalid,
    FilingNotAllowed,
    registration_draft_create,
    registration_draft_update,
)
from pledges.services.workflow import registration_transition
from portal.policy.models import Channel, IpKind
from tests.pledges import factories_filing

_filing_media = factories_filing._filing_media
make_draft = factories_filing.make_draft
make_patent = factories_filing.make_patent
walk = factories_filing.walk

pytestmark = pytest.mark.django_db


def test_enterprise_creates_draft_with_case_number_assets_and_an_event(make_draft, enterprise):
    registration = make_draft()
    assert registration.status == Status.DRAFT
    assert registration.reference.startswith("ZY-")
    assert registration.asset_links.count() == 1
    assert registration.debt_amount == Decimal("3000000.00")
    event = RegistrationEvent.objects.get(registration=registration)
    assert event.action == "created"


def test_co_owner_consent_is_recorded_per_asset(make_draft, make_patent, enterprise):
    shared = make_patent(enterprise, holders=[enterprise.name, "清华大学"])
    alone = make_patent(enterprise)
    registration = make_draft(assets=[shared, alone], co_owner_consent={shared.pk: True})
    consent = dict(registration.asset_links.values_list("asset_id", "co_owner_consent"))
    assert consent == {shared.pk: True, alone.pk: False}


def test_draft_refuses_an_asset_of_another_enterprise(make_draft, make_patent, other_enterprise, english):
    with pytest.raises(FilingInvalid) as caught:
        make_draft(assets=[make_patent(other_enterprise)])
    assert "not in the pledgor's register" in caught.value.errors["assets"][0]


def test_draft_refuses_an_asset_of_another_ip_kind(make_draft, make_patent, enterprise, english):
    trademark = make_patent(enterprise, kind=IpKind.TRADEMARK, number="12345678", patent_type="")
    with pytest.raises(FilingInvalid) as caught:
        make_draft(assets=[trademark])
    assert "assets" in caught.value.errors


def test_draft_needs_at_least_one_asset(make_draft):
    with pytest.raises(FilingInvalid) as caught:
        make_draft(assets=[])
    assert "assets" in caught.value.errors


def test_pledgee_must_be_a_bank_or_guarantor(make_draft, other_enterprise):
    with pytest.raises(FilingInvalid) as caught:
        make_draft(pledgee=other_enterprise)
    assert "pledgee" in caught.value.errors


def test_head_office_and_guarantor_are_accepted_as_pledgee(make_draft, bank_a, guarantor_officer):
    assert make_draft(pledgee=bank_a).pledgee == bank_a
    guarantor = guarantor_officer.organisation
    assert make_draft(pledgee=guarantor).pledgee == guarantor


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-1"), "abc", Decimal("1e20")])
def test_debt_amount_must_be_positive_yuan(make_draft, amount):
    with pytest.raises(FilingInvalid) as caught:
        make_draft(debt_amount=amount)
    assert "debt_amount" in caught.value.errors


def test_debt_term_cannot_end_before_it_starts(make_draft):
    with pytest.raises(FilingInvalid) as caught:
        make_draft(debt_start=date(2026, 5, 1), debt_end=date(2026, 4, 30))
    assert "debt_end" in caught.value.errors


def test_extension_is_for_trademarks_only(make_draft):
    with pytest.raises(FilingInvalid) as caught:
        make_draft(kind=RegistrationKind.EXTENSION)
    assert "kind" in caught.value.errors


def test_change_needs_a_registered_original(make_draft, walk, enterprise_user):
    draft = make_draft()
    with pytest.raises(FilingInvalid) as caught:
        make_draft(kind=RegistrationKind.CHANGE, assets=[draft.assets.get()])
    assert "original" in caught.value.errors
    with pytest.raises(FilingInvalid):
        make_draft(kind=RegistrationKind.CHANGE, original=draft, assets=[draft.assets.get()])
    registered = walk(draft, Status.REGISTERED)
    change = make_draft(kind=RegistrationKind.CHANGE, original=registered, assets=[registered.assets.get()])
    assert change.original == registered


def test_outsider_cannot_file_for_an_enterprise(make_draft, outsider):
    with pytest.raises(FilingNotAllowed):
        make_draft(actor=outsider)


def test_pledgee_bank_may_start_a_draft_naming_itself(make_draft, bank_a_officer, bank_a_branch):
    assert make_draft(actor=bank_a_officer, pledgee=bank_a_branch).pledgee == bank_a_branch


def test_bank_b_cannot_start_a_draft_naming_bank_a(make_draft, bank_b_officer):
    with pytest.raises(FilingNotAllowed):
        make_draft(actor=bank_b_officer)


def test_commissioner_files_window_cases_only(make_draft, commissioner):
    assert make_draft(actor=commissioner, channel=Channel.WINDOW).channel == Channel.WINDOW
    with pytest.raises(FilingNotAllowed):
        make_draft(actor=commissioner, channel=Channel.ONLINE)


def test_draft_update_replaces_terms_and_drops_waivers(
    make_draft, make_patent, enterprise, enterprise_user, bank_a
):
    registration = make_draft()
    Waiver.objects.create(
        registration=registration,
        reason="invalidation_proceeding_started",
        party=enterprise,
        confirmed_by=enterprise_user,
    )
    new_asset = make_patent(enterprise)
    registration_draft_update(
        registration=registration,
        pledgee=bank_a,
        channel=Channel.ONLINE,
        assets=[new_asset],
        debt_amount=Decimal("100.5"),
        debt_start=date(2026, 2, 1),
        debt_end=date(2026, 12, 31),
        valued=True,
        actor=enterprise_user,
    )
    registration.refresh_from_db()
    assert list(registration.assets.all()) == [new_asset]
    assert registration.debt_amount == Decimal("100.50")
    assert registration.pledgee == bank_a and registration.valued
    assert not registration.waivers.exists()


def test_draft_update_is_refused_once_submitted(make_draft, enterprise_user, bank_a_branch):
    registration = make_draft()
    registration_transition(registration=registration, to=Status.AWAITING_PLEDGEE, actor=enterprise_user)
    with pytest.raises(FilingNotAllowed):
        registration_draft_update(
            registration=registration,
            pledgee=bank_a_branch,
            channel=Channel.ONLINE,
            assets=list(registration.assets.all()),
            debt_amount=Decimal("1"),
            debt_start=date(2026, 1, 1),
            debt_end=date(2026, 2, 1),
            actor=enterprise_user,
        )


def test_pledgee_cannot_edit_the_pledgors_draft(make_draft, bank_a_officer, bank_a_branch):
    registration = make_draft()
    with pytest.raises(FilingNotAllowed):
        registration_draft_update(
            registration=registration,
            pledgee=bank_a_branch,
            channel=Channel.ONLINE,
            assets=list(registration.assets.all()),
            debt_amount=Decimal("1"),
            debt_start=date(2026, 1, 1),
            debt_end=date(2026, 2, 1),
            actor=bank_a_officer,
        )


def test_each_draft_gets_its_own_case_number(make_draft):
    assert make_draft().reference != make_draft().reference


def test_create_signature_accepts_the_documented_keywords(
    enterprise, bank_a_branch, make_patent, enterprise_user
):
    registration = registration_draft_create(
        pledgor=enterprise,
        pledgee=bank_a_branch,
        kind=RegistrationKind.PLEDGE,
        ip_kind=IpKind.PATENT,
        channel=Channel.ONLINE,
        assets=[make_patent(enterprise)],
        debt_amount=Decimal("1.00"),
        debt_start=date(2026, 1, 1),
        debt_end=date(2026, 1, 1),
        original=None,
        actor=enterprise_user,
    )
    assert registration.pk
