"""The batch report: applications and calculated / approved / paid amounts against the budget, by
status, district, park and lending bank, in grouped queries; the Excel export holds exactly the figures
the page shows."""

import io
from datetime import timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from subsidies import applications as apps
from subsidies import payments, review
from subsidies.reports import batch_report
from tests.subsidies.factories import (
    make_settled_loan,
    proposed_application,
    refreshed,
    submitted_application,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def filled(
    batch,
    settled_loan,
    enterprise_user,
    reviewer,
    second_reviewer,
    finance_officer,
    outsider,
    other_enterprise,
    bank_b,
    bank_b_officer,
):
    """Two filed applications: the enterprise's (Haidian, bank A, paid 87,500.00) and the other
    enterprise's (Changping, bank B, submitted, 50,000.00), and a draft left out."""
    paid = proposed_application(batch, enterprise_user, settled_loan, reviewer)
    review.review_decide(application=paid, actor=second_reviewer, approve=True)
    publicity = payments.publicity_start(batch=batch, actor=reviewer)
    payments.publicity_close_due(publicity.ends_on + timedelta(days=1))
    payment = payments.payment_list_create(batch=batch, actor=finance_officer)
    payments.payment_list_mark_paid(payment=payment, actor=finance_officer, paid_on=timezone.localdate())
    loan = make_settled_loan(
        bank=bank_b,
        enterprise=other_enterprise,
        actor=bank_b_officer,
        contract="BJ-2025-9",
        interest_paid=D("100000.00"),
    )
    waiting = submitted_application(batch, outsider, loan)
    return refreshed(paid), refreshed(waiting)


def _rows(report, key):
    return next(section for section in report["sections"] if section["key"] == key)["rows"]


def test_the_report_adds_up_by_status_district_park_and_bank(
    filled, batch, enterprise, other_enterprise, english
):
    paid, waiting = filled
    report = batch_report(batch)
    summary = dict(_rows(report, "summary"))
    assert summary["Budget (yuan)"] == D("1000000.00")
    assert summary["Reserved by approvals (yuan)"] == D("87500.00") == summary["Paid (yuan)"]
    assert summary["Remaining (yuan)"] == D("912500.00")
    assert summary["Applications filed"] == 2
    assert summary["Calculated (yuan)"] == D("137500.00")
    assert summary["Approved (yuan)"] == D("87500.00") == summary["Paid to enterprises (yuan)"]

    assert _rows(report, "status") == [
        ["Paid", 1, D("87500.00"), D("87500.00"), D("87500.00")],
        ["Submitted, waiting for review", 1, D("50000.00"), D("0.00"), D("0.00")],
        ["Total", 2, D("137500.00"), D("87500.00"), D("87500.00")],
    ]
    districts = {row[0]: row[1:] for row in _rows(report, "district")}
    assert districts[enterprise.get_district_display()] == [1, D("87500.00"), D("87500.00"), D("87500.00")]
    assert districts[other_enterprise.get_district_display()] == [1, D("50000.00"), D("0.00"), D("0.00")]
    parks = {row[0]: row[1:] for row in _rows(report, "park")}
    park = enterprise.enterprise_profile.park
    assert parks[park.name if park else "No park"][1] >= D("87500.00")
    assert sum(row[1] for row in _rows(report, "park")[:-1]) == 2
    banks = {row[0]: row[1:] for row in _rows(report, "bank")}
    assert banks[paid.loan_lines.get().bank.name] == [1, D("87500.00")]
    assert banks[waiting.loan_lines.get().bank.name] == [1, D("50000.00")]
    assert _rows(report, "bank")[-1] == ["Total", 2, D("137500.00")]


def test_drafts_and_withdrawn_applications_are_left_out(batch, settled_loan, enterprise_user, english):
    application = apps.application_open(batch=batch, actor=enterprise_user)
    apps.loan_line_add_from_portal(application=application, loan=settled_loan, actor=enterprise_user)
    report = batch_report(batch)
    summary = dict(_rows(report, "summary"))
    assert summary["Applications filed"] == 0 and summary["Applications still in draft"] == 1
    assert _rows(report, "bank") == [["Total", 0, D("0.00")]]


def test_the_report_is_a_fixed_number_of_queries(filled, batch, make_enterprise, make_user, bank_a_branch):
    with CaptureQueriesContext(connection) as before:
        batch_report(batch)
    # More applications, the same queries.
    from portal.accounts.models import Role
    from tests.subsidies.factories import make_settled_loan as loan_for

    for index in range(3):
        company = make_enterprise(f"北京测试企业{index}有限公司")
        user = make_user(f"ent_extra_{index}", company, Role.ENTERPRISE_USER)
        loan = loan_for(bank=bank_a_branch, enterprise=company, actor=user, contract=f"HT-X-{index}")
        submitted_application(batch, user, loan)
    with CaptureQueriesContext(connection) as after:
        batch_report(batch)
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_page_and_its_excel_export_show_the_same_figures(client, filled, batch, joint_office_viewer):
    client.force_login(joint_office_viewer)
    with override("en"):
        page = client.get(reverse("subsidies:batch-report", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en")
        export = client.get(
            reverse("subsidies:batch-report-excel", args=[batch.pk]), HTTP_ACCEPT_LANGUAGE="en"
        )
    assert page.status_code == 200 and export.status_code == 200
    assert "137,500.00" in page.content.decode() and "912,500.00" in page.content.decode()
    assert export["Content-Disposition"].startswith("attachment")
    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    sections = page.context["report"]["sections"]
    assert [sheet.title for sheet in workbook.worksheets] == [
        str(section["title"])[:31] for section in sections
    ]
    for sheet, section in zip(workbook.worksheets, sections, strict=True):
        rows = list(sheet.iter_rows(values_only=True))
        assert list(rows[0]) == [str(heading) for heading in section["headings"]]
        assert len(rows) - 1 == len(section["rows"])
        for written, shown in zip(rows[1:], section["rows"], strict=True):
            for cell, value in zip(written, shown, strict=True):
                if isinstance(value, Decimal):
                    assert D(str(cell)).quantize(D("0.01")) == value
                else:
                    assert cell == value
        for row in sheet.iter_rows(min_row=2):
            for cell, value in zip(row, section["rows"][row[0].row - 2], strict=True):
                if isinstance(value, Decimal):
                    assert cell.number_format == "#,##0.00"


def test_only_oversight_roles_see_the_report(
    client, batch, finance_officer, promotion_officer, enterprise_user, bank_a_officer
):
    for user in (finance_officer, promotion_officer):
        client.force_login(user)
        assert client.get(reverse("subsidies:batch-report", args=[batch.pk])).status_code == 200
    for user in (enterprise_user, bank_a_officer):
        client.force_login(user)
        assert client.get(reverse("subsidies:batch-report", args=[batch.pk])).status_code == 403
        assert client.get(reverse("subsidies:batch-report-excel", args=[batch.pk])).status_code == 403
    client.force_login(finance_officer)
    assert client.get(reverse("subsidies:batch-report", args=[999999])).status_code == 404
