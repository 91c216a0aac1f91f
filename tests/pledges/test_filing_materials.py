import hashlib
import re

import pytest
from django.urls import reverse

from pledges.models import Material, Status
from pledges.services.filing import (
    FilingInvalid,
    FilingNotAllowed,
    material_tick,
    material_upload,
)
from pledges.views import content_disposition
from tests.conftest import PASSWORD
from tests.pledges import factories_filing
from tests.pledges.factories_filing import HTML, JPEG, PDF, PNG, ZIP, upload

_filing_media = factories_filing._filing_media
make_draft = factories_filing.make_draft
make_patent = factories_filing.make_patent
walk = factories_filing.walk

pytestmark = pytest.mark.django_db


def _upload(registration, actor, **kwargs):
    return material_upload(
        registration=registration, item="request_form", uploaded_file=upload(**kwargs), actor=actor
    )


def test_pdf_is_stored_under_a_generated_name_with_its_digest(make_draft, enterprise_user):
    registration = make_draft()
    material = _upload(registration, enterprise_user, name="../../质押合同.pdf")
    stored = material.file.name.rsplit("/", 1)[-1]
    assert re.fullmatch(r"[0-9a-f]{32}\.pdf", stored)
    assert material.original_name == "质押合同.pdf"
    assert material.content_type == "application/pdf"
    assert material.size == len(PDF)
    assert material.sha256 == hashlib.sha256(PDF).hexdigest()
    with material.file.open("rb") as handle:
        assert handle.read() == PDF


@pytest.mark.parametrize(
    ("content", "extension", "content_type"),
    [(PNG, ".png", "image/png"), (JPEG, ".jpg", "image/jpeg")],
)
def test_the_content_decides_the_type_not_the_name(
    make_draft, enterprise_user, content, extension, content_type
):
    material = _upload(make_draft(), enterprise_user, name="scan.pdf", content=content)
    assert material.file.name.endswith(extension)
    assert material.content_type == content_type


@pytest.mark.parametrize("content", [HTML, ZIP, b"MZ\x90\x00 executable"])
def test_a_pdf_that_is_really_something_else_is_refused(make_draft, enterprise_user, content, english):
    registration = make_draft()
    with pytest.raises(FilingInvalid) as caught:
        _upload(registration, enterprise_user, name="contract.pdf", content=content)
    assert "Only PDF, JPEG and PNG" in caught.value.message
    assert not Material.objects.exists()


def test_an_oversize_file_is_refused(make_draft, enterprise_user, settings, english):
    settings.UPLOAD_MAX_BYTES = len(PDF) - 1
    with pytest.raises(FilingInvalid) as caught:
        _upload(make_draft(), enterprise_user)
    assert "limit" in caught.value.message
    assert not Material.objects.exists()


def test_an_empty_file_is_refused(make_draft, enterprise_user):
    with pytest.raises(FilingInvalid):
        _upload(make_draft(), enterprise_user, content=b"")


def test_an_item_outside_the_checklist_is_refused(make_draft, enterprise_user):
    with pytest.raises(FilingInvalid) as caught:
        material_upload(
            registration=make_draft(), item="selfie", uploaded_file=upload(), actor=enterprise_user
        )
    assert "item" in caught.value.errors


def test_outsider_and_other_bank_cannot_upload(make_draft, outsider, bank_b_officer):
    registration = make_draft()
    for actor in (outsider, bank_b_officer):
        with pytest.raises(FilingNotAllowed):
            _upload(registration, actor)


def test_pledgee_may_upload_to_the_joint_filing(make_draft, bank_a_officer):
    assert _upload(make_draft(), bank_a_officer).uploaded_by == bank_a_officer


def test_parties_cannot_upload_once_the_office_works_the_case(
    make_draft, enterprise_user, walk, commissioner
):
    registration = walk(make_draft(), Status.PRECHECK)
    with pytest.raises(FilingNotAllowed):
        _upload(registration, enterprise_user)
    assert _upload(registration, commissioner).uploaded_by == commissioner


def test_commissioner_ticks_and_a_rejection_needs_a_comment(make_draft, enterprise_user, walk, commissioner):
    registration = make_draft()
    material = _upload(registration, enterprise_user)
    registration = walk(registration, Status.PRECHECK)
    with pytest.raises(FilingInvalid):
        material_tick(material=material, accepted=False, comment=" ", actor=commissioner)
    material = material_tick(material=material, accepted=False, comment="未盖章", actor=commissioner)
    assert material.accepted is False and material.checked_by == commissioner and material.checked_at
    assert material_tick(material=material, accepted=True, actor=commissioner).accepted is True


def test_parties_cannot_tick_documents(make_draft, enterprise_user, walk):
    registration = make_draft()
    material = _upload(registration, enterprise_user)
    walk(registration, Status.PRECHECK)
    with pytest.raises(FilingNotAllowed):
        material_tick(material=material, accepted=True, actor=enterprise_user)


# ---------------------------------------------------------------------------------------------------
# Pages


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_upload_page_refuses_a_lying_extension_with_a_message(client, make_draft, enterprise_user):
    registration = make_draft()
    _login(client, enterprise_user)
    response = client.post(
        reverse("pledges:material_upload", args=[registration.pk]),
        {"item": "request_form", "file": upload(name="contract.pdf", content=HTML)},
        follow=True,
    )
    assert response.status_code == 200
    assert not Material.objects.exists()
    assert any(message.level_tag == "error" for message in response.context["messages"])


def test_upload_page_stores_a_pdf(client, make_draft, enterprise_user):
    registration = make_draft()
    _login(client, enterprise_user)
    response = client.post(
        reverse("pledges:material_upload", args=[registration.pk]),
        {"item": "request_form", "file": upload()},
    )
    assert response.status_code == 302
    assert Material.objects.filter(registration=registration, item="request_form").exists()


def test_upload_page_without_a_file_is_an_error_not_a_crash(client, make_draft, enterprise_user):
    registration = make_draft()
    _login(client, enterprise_user)
    response = client.post(reverse("pledges:material_upload", args=[registration.pk]), {"item": "nope"})
    assert response.status_code == 302
    assert not Material.objects.exists()


def test_outsider_gets_404_on_upload(client, make_draft, outsider):
    registration = make_draft()
    _login(client, outsider)
    response = client.post(
        reverse("pledges:material_upload", args=[registration.pk]), {"item": "request_form", "file": upload()}
    )
    assert response.status_code == 404


@pytest.fixture
def stored(make_draft, enterprise_user):
    return _upload(make_draft(), enterprise_user, name='质押"合同\r\n.pdf')


@pytest.mark.parametrize("persona", ["enterprise_user", "bank_a_officer", "bank_a_manager", "commissioner"])
def test_parties_and_office_download_as_attachment(client, stored, persona, request):
    _login(client, request.getfixturevalue(persona))
    response = client.get(reverse("pledges:material_download", args=[stored.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; ")
    assert "filename*=UTF-8''" in disposition
    assert "\r" not in disposition and "\n" not in disposition


@pytest.mark.parametrize("persona", ["outsider", "bank_b_officer"])
def test_outsider_and_bank_b_get_404_on_download(client, stored, persona, request):
    _login(client, request.getfixturevalue(persona))
    assert client.get(reverse("pledges:material_download", args=[stored.pk])).status_code == 404


def test_joint_office_follows_the_case_but_cannot_open_its_documents(client, stored, joint_office_viewer):
    _login(client, joint_office_viewer)
    assert (
        client.get(reverse("pledges:registration_detail", args=[stored.registration_id])).status_code == 200
    )
    assert client.get(reverse("pledges:material_download", args=[stored.pk])).status_code == 403


def test_download_of_unknown_material_is_404(client, enterprise_user):
    _login(client, enterprise_user)
    assert client.get(reverse("pledges:material_download", args=[999999])).status_code == 404


def test_content_disposition_is_sanitised():
    header = content_disposition('..\\../a"b;\n<c>.pdf')
    assert header.startswith('attachment; filename="')
    assert "\n" not in header and "/" not in header.split("filename*")[0]
    assert "filename*=UTF-8''" in header
    assert content_disposition("合同.pdf").endswith("filename*=UTF-8''%E5%90%88%E5%90%8C.pdf")
