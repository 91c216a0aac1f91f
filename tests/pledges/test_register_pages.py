"""Register pages: My IP list and detail (scoped), adding an asset, the staff feed import page."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pledges.models import IpAsset, LegalStatus, LegalStatusEvent
from pledges.register_forms import MAX_FEED_BYTES
from tests.pledges import factories_register
from tests.pledges.factories_register import pledge_over

pytestmark = pytest.mark.django_db

other_patent = factories_register.other_patent
patent = factories_register.patent
trademark = factories_register.trademark

HEADER = "kind,number,status,occurred_on,note,annual_fee_paid_through\n"


def test_enterprise_sees_its_assets_with_term_fee_and_pledge_state(
    client, enterprise_user, patent, trademark, other_patent, bank_a_branch
):
    pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user)
    client.force_login(enterprise_user)
    response = client.get(reverse("pledges:asset_list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert patent.number in page and trademark.number in page
    assert other_patent.number not in page
    assert "2033-12-17" in page  # the invention's term end (filed 2013-12-18)
    assert bank_a_branch.name in page
    assert reverse("pledges:asset_create") in page


def test_asset_list_filters_by_kind_and_search(client, enterprise_user, patent, trademark):
    client.force_login(enterprise_user)
    page = client.get(reverse("pledges:asset_list"), {"kind": "trademark"}).content.decode()
    assert trademark.number in page and patent.number not in page
    page = client.get(reverse("pledges:asset_list"), {"search": "散热", "page": "x"}).content.decode()
    assert patent.number in page and trademark.number not in page


def test_asset_detail_shows_history_holders_and_fee_dates(client, enterprise_user, patent, bank_a_branch):
    pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user)
    LegalStatusEvent.objects.create(
        asset=patent,
        status=LegalStatus.IN_FORCE,
        occurred_on=date(2025, 12, 1),
        source="feed.csv:2",
        note="年费已缴",
    )
    client.force_login(enterprise_user)
    response = client.get(reverse("pledges:asset_detail", args=[patent.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "清华大学" in page and "年费已缴" in page
    assert "2026-10-18" in page  # T-60 for the fee due 2026-12-17
    assert "2027-06-17" in page  # the end of the grace period


def test_another_enterprises_asset_is_404(client, outsider, patent):
    client.force_login(outsider)
    assert client.get(reverse("pledges:asset_detail", args=[patent.pk])).status_code == 404


def test_bank_sees_only_assets_of_its_cases(
    client, bank_a_officer, bank_b_officer, enterprise_user, patent, trademark, bank_a_branch
):
    pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user)
    client.force_login(bank_a_officer)
    assert client.get(reverse("pledges:asset_detail", args=[patent.pk])).status_code == 200
    assert client.get(reverse("pledges:asset_detail", args=[trademark.pk])).status_code == 404
    client.force_login(bank_b_officer)
    assert client.get(reverse("pledges:asset_detail", args=[patent.pk])).status_code == 404
    assert patent.number not in client.get(reverse("pledges:asset_list")).content.decode()


def test_anonymous_user_is_sent_to_login(client, patent):
    response = client.get(reverse("pledges:asset_list"))
    assert response.status_code == 302 and "login" in response.url


def test_enterprise_adds_a_patent(client, enterprise_user, enterprise):
    client.force_login(enterprise_user)
    form = client.get(reverse("pledges:asset_create"))
    assert form.status_code == 200
    assert 'data-identifier="patent"' in form.content.decode()
    response = client.post(
        reverse("pledges:asset_create") + "?kind=patent",
        {
            "number": "ZL 2013 1 0699744.2",
            "title": "一种芯片散热装置",
            "filing_date": "2013-12-18",
            "grant_date": "2016-05-04",
            "annual_fee_paid_through": "2026-12-17",
            "holders": "清华大学\n\n清华大学\n",
        },
    )
    asset = IpAsset.objects.get()
    assert response.status_code == 302 and response.url == reverse("pledges:asset_detail", args=[asset.pk])
    assert (asset.owner, asset.number, asset.patent_type) == (enterprise, "201310699744.2", "invention")
    assert asset.holders.count() == 2


def test_enterprise_adds_a_trademark(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(
        reverse("pledges:asset_create") + "?kind=trademark",
        {"number": "G1234567", "nice_class": "42", "title": "ZHIXIN", "valid_until": "2030-01-01"},
    )
    assert response.status_code == 302
    assert IpAsset.objects.get().nice_class == 42


def test_bad_asset_input_is_400_with_field_errors(client, enterprise_user, patent):
    client.force_login(enterprise_user)
    url = reverse("pledges:asset_create") + "?kind=patent"
    response = client.post(url, {"number": "ZL201310699744.3", "title": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "should be 2" in response.content.decode()
    # A valid number already in the register is refused by the service, shown on the field.
    response = client.post(url, {"number": "ZL201310699744.2", "title": "x"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert "already in the register" in response.content.decode()
    assert IpAsset.objects.count() == 1


@pytest.mark.parametrize("kind", ["patent", "trademark", "copyright", "data_ip", "unknown"])
def test_add_asset_form_renders_for_every_kind(client, enterprise_user, kind):
    client.force_login(enterprise_user)
    response = client.get(reverse("pledges:asset_create"), {"kind": kind})
    assert response.status_code == 200
    assert "number" in response.context["form"].fields


def test_empty_asset_form_is_400_with_required_fields(client, enterprise_user):
    client.force_login(enterprise_user)
    response = client.post(reverse("pledges:asset_create") + "?kind=trademark", {})
    assert response.status_code == 400
    assert {"number", "title", "nice_class"} <= set(response.context["form"].errors)


def test_bank_and_office_pages_render_owner_and_fee_sections(
    client, bank_a_officer, commissioner, enterprise_user, patent, trademark, bank_a_branch
):
    pledge_over(patent, pledgee=bank_a_branch, created_by=enterprise_user)
    pledge_over(trademark, pledgee=bank_a_branch, created_by=enterprise_user)
    for user in (bank_a_officer, commissioner):
        client.force_login(user)
        page = client.get(reverse("pledges:asset_list")).content.decode()
        assert patent.owner.name in page and trademark.number in page
        assert client.get(reverse("pledges:asset_detail", args=[trademark.pk])).status_code == 200
        assert (
            'data-testid="annual-fee"'
            in client.get(reverse("pledges:asset_detail", args=[patent.pk])).content.decode()
        )


def test_bank_cannot_add_assets(client, bank_a_officer):
    client.force_login(bank_a_officer)
    assert client.get(reverse("pledges:asset_create")).status_code == 403
    assert client.post(reverse("pledges:asset_create"), {"number": "1", "title": "x"}).status_code == 403


def _upload(content: bytes, name: str = "feed.csv") -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def test_registration_office_imports_a_feed(client, commissioner, patent):
    client.force_login(commissioner)
    assert client.get(reverse("pledges:legal_status_import")).status_code == 200
    content = (HEADER + "patent,201310699744.2,fee_grace,2026-01-05,,\n").encode()
    response = client.post(reverse("pledges:legal_status_import"), _upload(content))
    assert response.status_code == 200
    assert 'data-testid="import-result"' in response.content.decode()
    patent.refresh_from_db()
    assert patent.legal_status == LegalStatus.FEE_GRACE
    assert patent.status_events.get().recorded_by == commissioner


def test_staff_sees_the_error_table_and_nothing_is_applied(client, staff_admin, patent):
    client.force_login(staff_admin)
    content = (
        HEADER + "patent,201310699744.2,fee_grace,2026-01-05,,\npatent,201310699744.2,lost,2026-01-06,,\n"
    ).encode()
    response = client.post(
        reverse("pledges:legal_status_import"), _upload(content), HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'data-testid="import-errors"' in page
    assert '<td class="num">3</td>' in page and "Unknown status lost" in page
    assert not LegalStatusEvent.objects.exists()


def test_import_page_refuses_big_or_foreign_files(client, staff_admin):
    client.force_login(staff_admin)
    url = reverse("pledges:legal_status_import")
    response = client.post(url, _upload(b"x" * (MAX_FEED_BYTES + 1)), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "5 MB" in response.content.decode()
    response = client.post(url, _upload(b"kind", name="feed.xlsx"), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and ".csv" in response.content.decode()
    response = client.post(url, {})
    assert response.status_code == 400 and response.context["form"].errors["file"]


@pytest.mark.parametrize("persona", ["enterprise_user", "bank_a_officer", "reviewer", "outsider"])
def test_others_cannot_import_legal_status(client, request, persona):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(reverse("pledges:legal_status_import")).status_code == 403
    assert client.post(reverse("pledges:legal_status_import"), _upload(HEADER.encode())).status_code == 403
