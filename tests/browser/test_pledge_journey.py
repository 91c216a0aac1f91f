"""In Chromium: an enterprise files a patent pledge online, its bank confirms, the commissioner prechecks,
accepts and registers it, and the enterprise sees the notice number, registered by the due date."""

from datetime import date, timedelta

import pytest
from django.utils import timezone, translation

from pledges.models import AssetHolder, IpAsset, LegalStatus, PledgeRegistration, Status
from portal.identifiers.patent import PatentType
from tests.browser.conftest import sign_in
from tests.browser.journey_steps import upload_pledge_materials
from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_enterprise_files_bank_confirms_commissioner_registers(
    browse, settings, tmp_path, enterprise, enterprise_user, bank_a_officer, bank_a_branch, commissioner
):
    settings.MEDIA_ROOT = tmp_path / "media"
    asset = IpAsset.objects.create(
        owner=enterprise,
        kind="patent",
        number="201310699744.2",
        title="一种芯片散热装置",
        patent_type=PatentType.INVENTION,
        filing_date=date(2013, 12, 18),
        grant_date=date(2016, 3, 2),
        annual_fee_paid_through=timezone.localdate() + timedelta(days=200),
        legal_status=LegalStatus.IN_FORCE,
    )
    AssetHolder.objects.create(asset=asset, name=enterprise.name, organisation=enterprise, is_primary=True)

    def enterprise_files(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.click("[data-testid=home-pledges] a[href='/pledges/filings/new/']")
        page.select_option("#id_ip_kind", "patent")
        page.select_option("#id_pledgee", str(bank_a_branch.pk))
        page.select_option("#id_channel", "online")
        page.check(f"input[name=assets][value='{asset.pk}']")
        page.fill("#id_debt_amount", "3000000")
        page.fill("#id_debt_start", "2026-01-05")
        page.fill("#id_debt_end", "2027-01-04")
        page.click("[data-testid=filing-form] button[type=submit]")
        page.wait_for_selector("[data-testid=checklist]")
        upload_pledge_materials(page)
        page.click("[data-testid=submit]")
        page.wait_for_selector(".msg-success")
        return page.url

    case_url = browse(enterprise_files)
    registration = PledgeRegistration.objects.get()
    assert registration.status == Status.AWAITING_PLEDGEE

    def bank_confirms(page):
        sign_in(page, bank_a_officer.username, PASSWORD)
        page.goto("/pledges/to-confirm/")
        page.click(f"[data-testid=to-confirm] a:text('{registration.reference}')")
        page.click("[data-testid=confirm]")
        page.wait_for_selector(".msg-success")

    browse(bank_confirms)
    registration.refresh_from_db()
    assert registration.status == Status.SUBMITTED and registration.commissioner == commissioner

    def commissioner_registers(page):
        sign_in(page, commissioner.username, PASSWORD)
        page.goto("/pledges/workbench/")
        page.click(f"[data-testid=workbench-row][data-reference='{registration.reference}'] a")
        page.click("[data-testid=move-precheck] button")
        page.wait_for_selector("[data-testid=move-accepted]")
        page.select_option("[data-testid=tick-request_form] select[name=accepted]", "1")
        page.click("[data-testid=tick-request_form] button")
        page.wait_for_selector("[data-testid=tick-request_form] .tag-ok")
        page.click("[data-testid=move-accepted] button")
        page.wait_for_selector("[data-testid=due-date]")
        page.click("[data-testid=move-under_review] button")
        page.wait_for_selector("[data-testid=move-registered]")
        page.fill("#notice-number", "ZL2026-ZY-000123")
        page.click("[data-testid=move-registered] button")
        page.wait_for_selector("[data-testid=notice-number]")

    browse(commissioner_registers)

    def enterprise_sees_the_notice(page):
        sign_in(page, enterprise_user.username, PASSWORD)
        page.goto("/pledges/filings/")
        status = page.inner_text("[data-testid=filing-status]")
        page.goto(case_url)
        return (
            status,
            page.inner_text("[data-testid=notice-number]"),
            page.inner_text("[data-testid=registered-on]"),
            page.inner_text("[data-testid=due-date]").split()[0],
        )

    status, notice, registered_on, due = browse(enterprise_sees_the_notice)
    with translation.override("zh-hans"):
        assert status == str(Status.REGISTERED.label)
    assert notice == "ZL2026-ZY-000123"
    assert date.fromisoformat(registered_on) <= date.fromisoformat(due)
