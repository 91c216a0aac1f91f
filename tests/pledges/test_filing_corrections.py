import pytest

from pledges.checklists import Condition, applicable_items, checklist
from pledges.models import ContactLog, RegistrationKind, Status
from pledges.services.filing import (
    FilingInvalid,
    FilingNotAllowed,
    contact_log_add,
    correction_cure,
    correction_request,
    failing_items,
    material_tick,
    material_upload,
)
from portal.notifications.models import Notification
from portal.policy.models import IpKind
from tests.pledges import factories_filing
from tests.pledges.factories_filing import upload

_filing_media = factories_filing._filing_media
make_draft = factories_filing.make_draft
make_patent = factories_filing.make_patent
walk = factories_filing.walk

pytestmark = pytest.mark.django_db


def test_every_kind_and_ip_kind_pair_has_a_checklist_with_unique_codes():
    for kind in RegistrationKind.values:
        for ip_kind in IpKind.values:
            items = checklist(kind, ip_kind)
            if kind == RegistrationKind.EXTENSION and ip_kind != IpKind.TRADEMARK:
                assert items == ()
                continue
            codes = [item.code for item in items]
            assert codes and len(codes) == len(set(codes))
            assert any(item.required for item in items)


def test_conditional_items_follow_the_case_facts():
    facts = {Condition.VALUED: False, Condition.VIA_AGENT: False, Condition.CO_OWNED: False}
    codes = {item.code for item in applicable_items("pledge", IpKind.PATENT, facts)}
    assert "valuation_report" not in codes and "power_of_attorney" not in codes
    facts = {Condition.VALUED: True, Condition.VIA_AGENT: True, Condition.CO_OWNED: False}
    codes = {item.code for item in applicable_items("pledge", IpKind.PATENT, facts)}
    assert {"valuation_report", "power_of_attorney", "agent_identity"} <= codes
    copyright_codes = {
        item.code for item in applicable_items("pledge", IpKind.COPYRIGHT, {Condition.CO_OWNED: True})
    }
    assert "co_owner_consent" in copyright_codes


@pytest.fixture
def in_precheck(make_draft, enterprise_user, walk):
    """A valued patent case in precheck with the request form and contract uploaded."""
    registration = make_draft(valued=True)
    for item in ("request_form", "pledge_contract"):
        material_upload(registration=registration, item=item, uploaded_file=upload(), actor=enterprise_user)
    return walk(registration, Status.PRECHECK)


def test_correction_lists_only_rejected_and_missing_required_items(in_precheck, commissioner, english):
    registration = in_precheck
    request_form = registration.materials.get(item="request_form")
    contract = registration.materials.get(item="pledge_contract")
    material_tick(material=request_form, accepted=False, comment="缺少质权人签章", actor=commissioner)
    material_tick(material=contract, accepted=True, actor=commissioner)

    failing = {item.code: item.problem for item in failing_items(registration)}
    # Identity proof and the valuation report (the case says it was valued) are missing; the power of
    # attorney is not asked for (no agent) and "other materials" is optional.
    assert failing == {
        "request_form": "rejected",
        "identity_or_commitment": "missing",
        "valuation_report": "missing",
    }

    registration = correction_request(registration=registration, actor=commissioner, note="请三日内补正")
    assert registration.status == Status.NEEDS_CORRECTION
    event = registration.events.filter(to_status=Status.NEEDS_CORRECTION).get()
    assert [item["code"] for item in event.details["items"]] == [
        "request_form",
        "identity_or_commitment",
        "valuation_report",
    ]
    assert "缺少质权人签章" in event.reason and "请三日内补正" in event.reason
    assert "contract" not in event.reason.lower()

    notice = Notification.objects.filter(
        recipient__username="ent_user", kind__endswith="needs_correction"
    ).get()
    assert "缺少质权人签章" in notice.body


def test_correction_is_refused_when_nothing_fails(make_draft, enterprise_user, walk, commissioner):
    registration = make_draft()
    for item in applicable_items(registration.kind, registration.ip_kind, {}):
        if item.required:
            material_upload(
                registration=registration, item=item.code, uploaded_file=upload(), actor=enterprise_user
            )
    registration = walk(registration, Status.PRECHECK)
    for material in registration.materials.all():
        material_tick(material=material, accepted=True, actor=commissioner)
    with pytest.raises(FilingInvalid):
        correction_request(registration=registration, actor=commissioner)


def test_parties_cannot_request_corrections(in_precheck, enterprise_user):
    with pytest.raises(FilingNotAllowed):
        correction_request(registration=in_precheck, actor=enterprise_user)


def test_cure_is_refused_until_every_failing_item_is_replaced(in_precheck, commissioner, enterprise_user):
    registration = in_precheck
    material_tick(
        material=registration.materials.get(item="request_form"),
        accepted=False,
        comment="缺章",
        actor=commissioner,
    )
    registration = correction_request(registration=registration, actor=commissioner)
    with pytest.raises(FilingInvalid):
        correction_cure(registration=registration, actor=enterprise_user)
    for item in ("request_form", "identity_or_commitment", "valuation_report"):
        material_upload(registration=registration, item=item, uploaded_file=upload(), actor=enterprise_user)
    assert correction_cure(registration=registration, actor=enterprise_user).status == Status.CORRECTED


def test_commissioner_keeps_the_contact_log(in_precheck, commissioner):
    entry = contact_log_add(
        registration=in_precheck, kind="call", note="已电话告知补正事项", actor=commissioner
    )
    assert ContactLog.objects.get() == entry and entry.by == commissioner


def test_contact_log_refuses_bad_input_and_other_roles(in_precheck, commissioner, enterprise_user):
    with pytest.raises(FilingInvalid):
        contact_log_add(registration=in_precheck, kind="fax", note="x", actor=commissioner)
    with pytest.raises(FilingInvalid):
        contact_log_add(registration=in_precheck, kind="call", note="  ", actor=commissioner)
    with pytest.raises(FilingNotAllowed):
        contact_log_add(registration=in_precheck, kind="call", note="x", actor=enterprise_user)


def test_the_office_cannot_accept_an_incomplete_file(
    make_draft, walk, commissioner, enterprise_user, english
):
    from pledges.services.filing import registration_office_move
    from tests.pledges.factories_filing import upload_required

    registration = walk(make_draft(), Status.PRECHECK)
    with pytest.raises(FilingInvalid) as refused:
        registration_office_move(registration=registration, to=Status.ACCEPTED, actor=commissioner)
    assert "Patent pledge contract" in refused.value.message
    registration.refresh_from_db()
    assert registration.status == Status.PRECHECK and registration.due_date is None

    correction_request(registration=registration, actor=commissioner, note="请补齐材料")
    registration.refresh_from_db()
    upload_required(registration, enterprise_user)
    correction_cure(registration=registration, actor=enterprise_user)
    registration.refresh_from_db()
    accepted = registration_office_move(registration=registration, to=Status.ACCEPTED, actor=commissioner)
    assert accepted.status == Status.ACCEPTED and accepted.due_date is not None
