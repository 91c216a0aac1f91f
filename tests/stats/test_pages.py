"""The statistics pages: who sees what, the figures on screen and in Excel, drill-down, exports, refresh and
the monthly report."""

import io
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse

from portal.accounts.models import District, OrgKind, Role
from portal.accounts.services import organisation_create
from stats import rollup
from stats.models import Export, ExportStatus, MonthlyReport, Snapshot, SnapshotStatus
from stats.reports import send_monthly_report
from stats.tasks import refresh_statistics
from tests.stats.page_world import disbursed_loan

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(bank_a, bank_a_branch, bank_b, enterprise, other_enterprise, bank_a_officer):
    """Bank A (its branch) lends 1,000,000.00 and 500,000.00 in Haidian in 2026; bank B lends 300,000.00 in
    Changping; one 2025 loan at bank A (200,000.00)."""
    disbursed_loan(
        bank=bank_a_branch,
        enterprise=enterprise,
        amount="1000000.00",
        on=date(2026, 3, 31),
        actor=bank_a_officer,
    )
    disbursed_loan(
        bank=bank_a, enterprise=enterprise, amount="500000.00", on=date(2026, 4, 1), actor=bank_a_officer
    )
    disbursed_loan(
        bank=bank_b,
        enterprise=other_enterprise,
        amount="300000.00",
        on=date(2026, 5, 6),
        actor=bank_a_officer,
    )
    disbursed_loan(
        bank=bank_a,
        enterprise=other_enterprise,
        amount="200000.00",
        on=date(2025, 7, 1),
        actor=bank_a_officer,
    )
    return rollup.refresh(trigger="test")


def _page(client, user, **params):
    client.force_login(user)
    return client.get(reverse("stats:overview"), {"period": "2026", **params}, HTTP_ACCEPT_LANGUAGE="en")


def _figure(html: str, slug: str) -> str:
    start = html.index(f'data-testid="figure-{slug}"')
    dd = html.index("<dd>", start)
    return html[dd : html.index("</dd>", dd)]


def test_joint_office_sees_the_city(client, world, joint_office_viewer):
    response = _page(client, joint_office_viewer)
    html = response.content.decode()
    assert response.status_code == 200
    assert ">3<" in _figure(html, "loans_disbursed")
    assert "1,800,000.00" in _figure(html, "amount_disbursed")
    assert 'href="/stats/definitions/#amount_disbursed"' in html
    assert 'data-testid="as-of"' in html and "Figures as of" in html
    assert "中关村银行" in html and "北京银行" in html  # the bank league names every bank


def test_quarter_and_cut(client, world, joint_office_viewer, bank_a):
    # The loan of 31 March counts in Q1, the one of 1 April in Q2.
    html = _page(client, joint_office_viewer, period="2026-Q1").content.decode()
    assert "1,000,000.00" in _figure(html, "amount_disbursed")
    html = _page(client, joint_office_viewer, period="2026-Q2", bank=bank_a.pk).content.decode()
    assert "500,000.00" in _figure(html, "amount_disbursed")


def test_three_cuts_are_refused_with_a_reason(client, world, joint_office_viewer, bank_a):
    response = _page(client, joint_office_viewer, district=District.HAIDIAN, bank=bank_a.pk, ip_kind="patent")
    assert response.status_code == 400
    assert "bank and IP kind, bank and industry" in response.content.decode()


def test_no_snapshot_yet(client, db, joint_office_viewer):
    html = _page(client, joint_office_viewer).content.decode()
    assert 'data-testid="no-snapshot"' in html


@pytest.mark.parametrize("fixture", ["enterprise_user", "bank_a_officer", "commissioner", "park_admin"])
def test_others_are_refused(client, world, request, fixture):
    client.force_login(request.getfixturevalue(fixture))
    for name in ("stats:overview", "stats:overview-excel", "stats:cases"):
        response = client.get(reverse(name), {"period": "2026", "indicator": "loans_disbursed"})
        assert response.status_code == 403


def test_bank_manager_sees_peers_only_anonymously(client, world, bank_a_manager, bank_b):
    # Asking for another bank still shows the manager's own.
    response = _page(client, bank_a_manager, bank=bank_b.pk)
    html = response.content.decode()
    assert "1,500,000.00" in _figure(html, "amount_disbursed")
    assert "Your bank" in html and "Peer bank 1" in html
    assert "北京银行" not in html
    client.force_login(bank_a_manager)
    excel = client.get(reverse("stats:overview-excel"), {"period": "2026"}, HTTP_ACCEPT_LANGUAGE="en")
    workbook = openpyxl.load_workbook(io.BytesIO(excel.content))
    texts = {str(c.value) for sheet in workbook for row in sheet.iter_rows() for c in row if c.value}
    assert "北京银行" not in texts
    assert {"Your bank", "Peer bank 1"} <= texts
    cases = client.get(reverse("stats:cases"), {"period": "2026", "indicator": "loans_disbursed"})
    assert cases.content.decode().count('data-testid="case-row"') == 2  # its own two loans only


def test_district_scope_for_a_district_administration(client, world, make_user):
    office = organisation_create(
        name="昌平区知识产权局", kind=OrgKind.PARK_ADMIN, district=District.CHANGPING
    )
    user = make_user("changping", office, Role.PARK_ADMIN)
    html = _page(client, user).content.decode()
    assert "300,000.00" in _figure(html, "amount_disbursed")
    assert 'data-testid="scope-note"' in html


def test_excel_holds_the_figures_on_screen(client, world, joint_office_viewer):
    client.force_login(joint_office_viewer)
    response = client.get(reverse("stats:overview-excel"), {"period": "2026"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.content))
    indicators = {row[1]: row[2] for row in workbook["Indicators"].iter_rows(min_row=2, values_only=True)}
    assert indicators["Loans disbursed"] == 3
    assert Decimal(str(indicators["Amount disbursed"])) == Decimal("1800000.00")
    trend = list(workbook["Month by month"].iter_rows(min_row=2, values_only=True))
    assert trend[-1][0] == "2026-12" and [
        r[1] for r in trend if r[0] in ("2026-03", "2026-04", "2026-05")
    ] == [1, 1, 1]
    banks = {row[0]: Decimal(str(row[2])) for row in workbook["Banks"].iter_rows(min_row=2, values_only=True)}
    assert banks == {"中关村银行": Decimal("1500000"), "北京银行": Decimal("300000")}


def test_drill_down_and_background_export(
    client, world, joint_office_viewer, bank_b_officer, django_capture_on_commit_callbacks
):
    client.force_login(joint_office_viewer)
    page = client.get(reverse("stats:cases"), {"period": "2026", "indicator": "loans_disbursed"})
    assert page.content.decode().count('data-testid="case-row"') == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("stats:cases-export"),
            {"period": "2026", "indicator": "loans_disbursed"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    export = Export.objects.get()
    assert response["Location"] == reverse("stats:export", args=[export.pk])
    assert export.status == ExportStatus.DONE and (export.total, export.done) == (3, 3)
    progress = client.get(response["Location"]).content.decode()
    assert 'data-testid="export-download"' in progress
    download = client.get(reverse("stats:export-download", args=[export.pk]))
    rows = list(openpyxl.load_workbook(io.BytesIO(b"".join(download.streaming_content))).active.values)
    assert len(rows) == 1 + 3
    assert rows[0][0] == "Reference"  # in the requester's language, though a worker wrote it
    client.force_login(bank_b_officer)
    assert client.get(reverse("stats:export-download", args=[export.pk])).status_code == 404


def test_monthly_report_is_sent_once(db, world, joint_office_viewer):
    assert send_monthly_report("2026-04") == 1
    assert send_monthly_report("2026-04") == 0
    [message] = mail.outbox
    assert message.to == [joint_office_viewer.email]
    name, content, _type = message.attachments[0]
    assert name == "statistics-2026-04.xlsx"
    # The second sheet lists the indicators in their fixed order: loans disbursed, then the amount.
    rows = list(
        openpyxl.load_workbook(io.BytesIO(content)).worksheets[1].iter_rows(min_row=2, values_only=True)
    )
    assert rows[0][2] == 1 and Decimal(str(rows[1][2])) == Decimal("500000")
    assert MonthlyReport.objects.filter(period="2026-04").count() == 1


def test_refresh_on_request_and_only_one_at_a_time(
    client, world, joint_office_viewer, bank_a_manager, django_capture_on_commit_callbacks
):
    client.force_login(joint_office_viewer)
    before = world.pk
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("stats:refresh"))
    current = rollup.current()
    assert current.pk != before and Snapshot.objects.get(pk=before).status == SnapshotStatus.SUPERSEDED
    Snapshot.objects.create(trigger="elsewhere")  # a refresh already running
    with pytest.raises(rollup.RefreshRunning):
        rollup.refresh(trigger="test")
    assert refresh_statistics(trigger="test") is None
    client.force_login(bank_a_manager)
    assert client.post(reverse("stats:refresh")).status_code == 403


@override_settings(STATS_REFRESH_AFTER_IMPORT_ROWS=10)
def test_a_big_upload_refreshes(world, bank_a, django_capture_on_commit_callbacks):
    from loans.models import LoanImport
    from loans.signals import import_applied

    # The refresh goes through the outbox: it is published (eagerly run here) when the writes commit.
    with django_capture_on_commit_callbacks(execute=True):
        import_applied.send(sender=LoanImport, rows=9, bank=bank_a)
    assert rollup.current().pk == world.pk
    with django_capture_on_commit_callbacks(execute=True):
        import_applied.send(sender=LoanImport, rows=10, bank=bank_a)
    assert rollup.current().pk != world.pk


def test_definitions_page(client, db):
    html = client.get(reverse("stats:definitions"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for slug in ("loans_disbursed", "balance", "registrations_on_time", "whitelist_conversion", "npl_ratio"):
        assert f'id="{slug}"' in html
    assert "Which date decides the period" in html


def test_the_figures_are_rendered_once_per_snapshot(
    client, world, joint_office_viewer, enterprise, bank_a, bank_a_officer
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    assert "1,800,000.00" in _figure(_page(client, joint_office_viewer).content.decode(), "amount_disbursed")
    with CaptureQueriesContext(connection) as queries:
        again = _page(client, joint_office_viewer)
    assert "1,800,000.00" in _figure(again.content.decode(), "amount_disbursed")
    assert not [q for q in queries.captured_queries if "stats_cell" in q["sql"]]
    # A new snapshot is a new page.
    disbursed_loan(
        bank=bank_a, enterprise=enterprise, amount="200000.00", on=date(2026, 6, 1), actor=bank_a_officer
    )
    assert "1,800,000.00" in _figure(_page(client, joint_office_viewer).content.decode(), "amount_disbursed")
    rollup.refresh(trigger="test")
    assert "2,000,000.00" in _figure(_page(client, joint_office_viewer).content.decode(), "amount_disbursed")
