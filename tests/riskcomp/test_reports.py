"""Risk compensation reports: claimed, approved, paid and clawed-back amounts by year, bank group,
institution kind and district; the IP-pledge loans' NPL ratio against the bank's reported overall ratio
(the 3-point tolerance of domain.md §2.10); the Excel export holds exactly the page's figures; the queries
do not grow with the claims; and the rules of the NPL-ratio service."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from loans.models import Classification, LoanStatus
from portal.accounts.models import Role
from portal.audit.models import AuditEvent
from riskcomp import claims, review
from riskcomp.errors import RiskcompInvalid, RiskcompNotAllowed
from riskcomp.models import BankNplRatio
from riskcomp.npl_ratios import is_quarter_end, npl_ratio_report
from riskcomp.reports import riskcomp_report
from tests.riskcomp.factories import approved, make_npl_loan, submitted

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def last_quarter_end(today: date | None = None) -> date:
    today = today or timezone.localdate()
    return date(today.year, ((today.month - 1) // 3) * 3 + 1, 1) - timedelta(days=1)


def healthy_loan(*, bank, enterprise, actor, amount: str):
    """An active, performing loan of ``amount`` outstanding."""
    loan = make_npl_loan(
        bank=bank, enterprise=enterprise, actor=actor, principal=D(amount), disbursed_amount=D(amount)
    )
    loan.status, loan.classification, loan.non_performing_on = (
        LoanStatus.REPAYING,
        Classification.NORMAL,
        None,
    )
    loan.save()
    return loan


@pytest.fixture
def bank_b_manager(make_user, bank_b):
    return make_user("bank_b_manager", bank_b, Role.BANK_MANAGER, full_name="周行长")


@pytest.fixture
def filled(
    funded,
    npl_loan,
    bank_a_branch,
    bank_a_officer,
    bank_a_manager,
    guarantor_officer,
    reviewer,
    second_reviewer,
    finance_officer,
    bank_b,
    bank_b_officer,
    bank_b_manager,
    enterprise,
    other_enterprise,
):
    """Bank A (Haidian borrower): E8 approved, paid 360,000.00 and 90,000.00 clawed back; a draft left out;
    loans: 2,000,000 non-performing of 10,000,000 (20.00 %) against an overall 1.50 %.
    Bank B (Changping borrower): a submitted claim of 600,000.00 (bank alone); loans: 2,000,000
    non-performing of 40,000,000 (5.00 %) against an overall 2.00 % (3 points: tolerated)."""
    today = timezone.localdate()
    paid = approved(npl_loan, bank_a_officer, reviewer, second_reviewer, confirmers=[guarantor_officer])
    paid = review.claim_mark_paid(claim=paid, actor=finance_officer, paid_on=today)
    recovery = review.recovery_report(
        claim=paid, actor=bank_a_officer, amount="500000.00", received_on=today, source="disposal"
    )
    review.clawback_confirm(share=recovery.shares.get(participant__kind="guarantor"), actor=guarantor_officer)
    review.clawback_settle(recovery=recovery, actor=finance_officer, settled_on=today)
    draft_loan = make_npl_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer)
    claims.claim_open(loan=draft_loan, actor=bank_a_officer)
    draft_loan.status = LoanStatus.SETTLED  # out of the active loans
    draft_loan.save()
    healthy_loan(bank=bank_a_branch, enterprise=enterprise, actor=bank_a_officer, amount="8000000.00")
    b_loan = make_npl_loan(bank=bank_b, enterprise=other_enterprise, actor=bank_b_officer)
    waiting = submitted(b_loan, bank_b_officer)
    healthy_loan(bank=bank_b, enterprise=other_enterprise, actor=bank_b_officer, amount="38000000.00")
    quarter = last_quarter_end()
    npl_ratio_report(bank=bank_a_branch.parent, period_end=quarter, ratio_pct="1.50", actor=bank_a_manager)
    npl_ratio_report(
        bank=bank_a_branch.parent,
        period_end=last_quarter_end(quarter),
        ratio_pct="19.00",
        actor=bank_a_manager,
    )
    npl_ratio_report(bank=bank_b, period_end=quarter, ratio_pct="2.00", actor=bank_b_manager)
    return paid, waiting


def rows(report, key):
    return next(section for section in report["sections"] if section["key"] == key)["rows"]


def keys(report):
    return [section["key"] for section in report["sections"]]


def test_the_report_adds_up_by_year_bank_kind_and_district(filled, joint_office_viewer, bank_a, bank_b):
    paid, waiting = filled
    assert waiting.total == D("600000.00")
    report = riskcomp_report(user=joint_office_viewer)
    assert keys(report) == ["year", "bank", "kind", "district", "npl", "fund"]
    total = ["Total", 2, D("960000.00"), D("360000.00"), D("360000.00"), D("90000.00")]
    assert rows(report, "year") == [
        [str(paid.year), 2, D("960000.00"), D("360000.00"), D("360000.00"), D("90000.00")],
        total,
    ]
    assert rows(report, "bank") == [
        [bank_a.name, 1, D("360000.00"), D("360000.00"), D("360000.00"), D("90000.00")],
        [bank_b.name, 1, D("600000.00"), D("0.00"), D("0.00"), D("0.00")],
        total,
    ]
    assert rows(report, "kind") == [
        ["Bank", 2, D("720000.00"), D("120000.00"), D("120000.00"), D("30000.00")],
        ["Guarantor", 1, D("240000.00"), D("240000.00"), D("240000.00"), D("60000.00")],
        ["Total", 3, D("960000.00"), D("360000.00"), D("360000.00"), D("90000.00")],
    ]
    assert rows(report, "district") == [
        ["Changping", 1, D("600000.00"), D("0.00"), D("0.00"), D("0.00")],
        ["Haidian", 1, D("360000.00"), D("360000.00"), D("360000.00"), D("90000.00")],
        total,
    ]
    assert rows(report, "fund") == [
        [str(paid.year), D("5000000.00"), D("360000.00"), D("360000.00"), D("90000.00"), D("4640000.00")]
    ]


def test_the_npl_ratio_is_set_against_the_latest_overall_ratio_with_the_3_point_tolerance(
    filled, reviewer, bank_a, bank_b
):
    quarter = last_quarter_end().isoformat()
    npl = {row[0]: row for row in rows(riskcomp_report(user=reviewer), "npl")}
    assert npl[bank_a.name] == [
        bank_a.name,
        2,  # the settled loan is not active
        D("10000000.00"),
        D("2000000.00"),
        D("20.00"),
        D("1.50"),  # the latest quarter, not the one before
        quarter,
        D("18.50"),
        "More than 3 points above",
    ]
    assert npl[bank_b.name] == [
        bank_b.name,
        2,
        D("40000000.00"),
        D("2000000.00"),
        D("5.00"),
        D("2.00"),
        quarter,
        D("3.00"),
        "Within the tolerance",  # exactly 3 points is tolerated
    ]


def test_a_bank_without_a_reported_ratio_is_not_flagged(
    npl_loan, reviewer, bank_a, bank_a_branch, bank_a_officer, enterprise
):
    npl = rows(riskcomp_report(user=reviewer), "npl")
    assert npl == [
        [
            bank_a.name,
            1,
            D("2000000.00"),
            D("2000000.00"),
            D("100.00"),
            None,
            None,
            None,
            "No overall ratio reported",
        ]
    ]


def test_a_bank_sees_only_its_own_groups_figures(
    client, filled, bank_b_officer, bank_a_officer, bank_a, bank_b
):
    report = riskcomp_report(user=bank_b_officer)
    assert "fund" not in keys(report) and report["scoped"]
    assert [row[0] for row in rows(report, "bank")] == [bank_b.name, "Total"]
    assert rows(report, "year")[-1] == ["Total", 1, D("600000.00"), D("0.00"), D("0.00"), D("0.00")]
    assert [row[0] for row in rows(report, "kind")] == ["Bank", "Total"]
    assert [row[0] for row in rows(report, "npl")] == [bank_b.name]
    # A branch officer sees its whole head-office group.
    report = riskcomp_report(user=bank_a_officer)
    assert [row[0] for row in rows(report, "bank")] == [bank_a.name, "Total"]
    client.force_login(bank_b_officer)
    body = client.get(reverse("riskcomp:report"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert bank_b.name in body and bank_a.name not in body and 'data-testid="report-scoped"' in body


def test_only_oversight_and_banks_open_the_reports(
    client, filled, enterprise_user, outsider, guarantor_officer, joint_office_viewer, finance_officer
):
    for user in (enterprise_user, outsider, guarantor_officer):
        client.force_login(user)
        assert client.get(reverse("riskcomp:report")).status_code == 403
        assert client.get(reverse("riskcomp:report-excel")).status_code == 403
    for user in (joint_office_viewer, finance_officer):
        client.force_login(user)
        assert client.get(reverse("riskcomp:report")).status_code == 200
    assert reverse("riskcomp:report") == "/riskcomp/reports/"
    assert reverse("riskcomp:report-excel") == "/riskcomp/reports/excel/"


def test_the_page_defines_the_ratio_and_flags_the_bank(client, filled, joint_office_viewer, bank_a):
    client.force_login(joint_office_viewer)
    body = client.get(reverse("riskcomp:report"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="npl-definition"' in body and "non-performing outstanding" in body
    assert body.count('data-flagged="true"') == 1 and 'data-testid="npl-flag"' in body
    assert "10,000,000.00" in body and "18.50" in body


def test_the_page_and_its_excel_export_show_the_same_figures(client, filled, joint_office_viewer):
    client.force_login(joint_office_viewer)
    page = client.get(reverse("riskcomp:report"), HTTP_ACCEPT_LANGUAGE="en")
    export = client.get(reverse("riskcomp:report-excel"), HTTP_ACCEPT_LANGUAGE="en")
    assert export.status_code == 200 and export["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = openpyxl.load_workbook(io.BytesIO(export.content))
    sections = page.context["report"]["sections"]
    assert [sheet.title for sheet in workbook.worksheets] == [
        str(section["title"])[:31] for section in sections
    ]
    body = page.content.decode()
    for sheet, section in zip(workbook.worksheets, sections, strict=True):
        written_rows = list(sheet.iter_rows(values_only=True))
        assert list(written_rows[0]) == [str(heading) for heading in section["headings"]]
        assert len(written_rows) - 1 == len(section["rows"]) > 0
        for written, shown in zip(written_rows[1:], section["rows"], strict=True):
            for cell, value in zip(written, shown, strict=True):
                if isinstance(value, Decimal):
                    assert D(str(cell)).quantize(D("0.01")) == value
                    assert (f"{value:,.2f}" if value >= 1000 else f"{value}") in body
                else:
                    assert cell == value
                    if value is not None:
                        assert str(value) in body
    assert AuditEvent.objects.filter(action="data.export", object_type="riskcomp.report").count() == 1


def test_the_queries_do_not_grow_with_the_claims(
    filled, joint_office_viewer, bank_a_branch, bank_a_officer, make_enterprise
):
    def fresh():
        return type(joint_office_viewer).objects.get(pk=joint_office_viewer.pk)

    with CaptureQueriesContext(connection) as before:
        riskcomp_report(user=fresh())
    for index in range(3):
        company = make_enterprise(f"北京测试企业{index}有限公司")
        loan = make_npl_loan(bank=bank_a_branch, enterprise=company, actor=bank_a_officer)
        submitted(loan, bank_a_officer)
    with CaptureQueriesContext(connection) as after:
        report = riskcomp_report(user=fresh())
    assert rows(report, "year")[-1][1] == 5
    assert len(after.captured_queries) == len(before.captured_queries)


# --- The NPL-ratio service ---------------------------------------------------------------------------------


def test_only_the_banks_head_office_manager_reports(
    bank_a, bank_b, bank_a_branch, bank_a_manager, bank_a_officer, make_user, reviewer, bank_b_manager
):
    branch_manager = make_user("branch_manager", bank_a_branch, Role.BANK_MANAGER)
    head_officer = make_user("head_officer", bank_a, Role.BANK_OFFICER)
    quarter = last_quarter_end()
    for actor, bank in (
        (branch_manager, bank_a_branch),
        (branch_manager, bank_a),
        (bank_a_officer, bank_a),
        (head_officer, bank_a),
        (reviewer, bank_a),
        (bank_b_manager, bank_a),
        (bank_a_manager, bank_b),
        (bank_a_manager, bank_a_branch),
    ):
        with pytest.raises(RiskcompNotAllowed):
            npl_ratio_report(bank=bank, period_end=quarter, ratio_pct="1.00", actor=actor)
    assert not BankNplRatio.objects.exists()
    row = npl_ratio_report(bank=bank_a, period_end=quarter, ratio_pct="1.00", actor=bank_a_manager)
    assert row.bank == bank_a and row.ratio_pct == D("1.00")


def test_only_quarter_ends_that_have_passed(bank_a, bank_a_manager):
    quarter = last_quarter_end()
    for day in (quarter - timedelta(days=1), quarter + timedelta(days=1), date(quarter.year, 2, 28)):
        with pytest.raises(RiskcompInvalid) as refused:
            npl_ratio_report(bank=bank_a, period_end=day, ratio_pct="1.00", actor=bank_a_manager)
        assert "period_end" in refused.value.errors
    future = quarter.replace(year=quarter.year + 1)  # a quarter end still to come
    with pytest.raises(RiskcompInvalid) as refused:
        npl_ratio_report(bank=bank_a, period_end=future, ratio_pct="1.00", actor=bank_a_manager)
    assert refused.value.errors["period_end"] == ["The quarter has not ended yet."]
    assert all(is_quarter_end(date(2025, m, d)) for m, d in ((3, 31), (6, 30), (9, 30), (12, 31)))
    assert not is_quarter_end(date(2024, 2, 29)) and not is_quarter_end("2025-03-31")


@pytest.mark.parametrize("value", ["-0.01", "100.01", "abc", "1.234", "NaN"])
def test_the_ratio_is_a_percentage_from_0_to_100(bank_a, bank_a_manager, value):
    with pytest.raises(RiskcompInvalid) as refused:
        npl_ratio_report(bank=bank_a, period_end=last_quarter_end(), ratio_pct=value, actor=bank_a_manager)
    assert "ratio_pct" in refused.value.errors


@pytest.mark.parametrize("value", ["0", "100", "3.5", D("12.25")])
def test_the_bounds_are_accepted(bank_a, bank_a_manager, value):
    row = npl_ratio_report(bank=bank_a, period_end=last_quarter_end(), ratio_pct=value, actor=bank_a_manager)
    assert row.ratio_pct == D(str(value)).quantize(D("0.01"))


def test_a_second_report_for_the_quarter_replaces_the_first_with_an_audit(bank_a, bank_a_manager):
    quarter = last_quarter_end()
    npl_ratio_report(bank=bank_a, period_end=quarter, ratio_pct="1.00", actor=bank_a_manager)
    npl_ratio_report(bank=bank_a, period_end=quarter, ratio_pct="1.25", actor=bank_a_manager)
    assert BankNplRatio.objects.get().ratio_pct == D("1.25")
    audits = list(AuditEvent.objects.filter(action="riskcomp.npl_ratio.report").order_by("pk"))
    assert [(a.details["before"], a.details["after"]) for a in audits] == [(None, "1.00"), ("1.00", "1.25")]
    assert (
        audits[-1].actor_id == bank_a_manager.pk and audits[-1].details["period_end"] == quarter.isoformat()
    )
