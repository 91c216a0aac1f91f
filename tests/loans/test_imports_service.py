"""Batch upload of loan facts (services.imports): file types and encodings, every row checked, all or
nothing, duplicate references, scoping to the uploading bank, safe to run twice."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from django.test import override_settings
from django.utils import translation

from loans import tasks
from loans.errors import LoanNotAllowed, LoanValidationError
from loans.import_format import sample_rows
from loans.models import (
    AlertKind,
    Classification,
    FactKind,
    ImportStatus,
    Loan,
    LoanAlert,
    LoanEvent,
    LoanFact,
    LoanImport,
    LoanSource,
    LoanStatus,
)
from loans.services import imports
from loans.services.facts import loan_create, loan_fact_record
from loans.services.imports import error_report_rows, loan_import_create, loan_import_run
from portal.audit.models import AuditEvent
from tests.loans.imports_factory import (
    HEADER_ZH,
    csv_bytes,
    day,
    loan_life,
    row,
    upload_file,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def borrower(make_enterprise):
    return make_enterprise("北京芯算科技有限公司")


def _import(user, content: bytes, name: str = "facts.csv", *, capture, language="en") -> LoanImport:
    """Upload as ``user`` and run the queued task (eager) when the upload commits."""
    from django.utils import translation

    with translation.override(language), capture(execute=True):
        loan_import = loan_import_create(
            bank=user.organisation, uploaded_file=upload_file(content, name), actor=user
        )
    loan_import.refresh_from_db()
    return loan_import


def _counts() -> tuple[int, int, int]:
    return Loan.objects.count(), LoanFact.objects.count(), LoanEvent.objects.count()


def _fields(loan_import) -> set[tuple]:
    return {(error["row"], error["field"]) for error in loan_import.errors}


# --- Good files in every accepted form ---------------------------------------------------------------


def test_good_utf8_csv_creates_loans_and_records_facts_in_order(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = loan_life("A-1", borrower.uscc) + loan_life("A-2", borrower.uscc, start=10)
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)

    assert loan_import.status == ImportStatus.APPLIED, loan_import.errors
    assert (loan_import.total_rows, loan_import.processed_rows) == (10, 10)
    assert (loan_import.loans_created, loan_import.facts_recorded) == (2, 8)
    assert loan_import.encoding == "utf-8"
    loan = Loan.objects.get(bank_loan_ref="A-1")
    assert loan.bank == bank_a_officer.organisation
    assert loan.enterprise == borrower
    assert loan.source == LoanSource.IMPORT
    assert loan.reference.startswith("DK-")
    assert loan.status == LoanStatus.REPAYING
    assert loan.principal == D("1000000.00")
    assert loan.annual_rate_pct == D("3.45")
    assert (loan.disbursed_amount, loan.interest_paid, loan.principal_repaid) == (
        D("1000000.00"),
        D("5750.00"),
        D("400000.00"),
    )
    assert loan.contract_signed_on == date.fromisoformat(day(0))
    assert loan.maturity_date is not None
    facts = list(loan.facts.order_by("pk"))
    assert [fact.kind for fact in facts] == ["disbursement", "interest", "interest", "repayment"]
    assert {fact.source for fact in facts} == {LoanSource.IMPORT}
    moves = list(loan.events.order_by("pk").values_list("from_status", "to_status", "fact_id"))
    assert moves == [
        ("", LoanStatus.CONTRACTED, None),
        (LoanStatus.CONTRACTED, LoanStatus.DISBURSED, facts[0].pk),
        (LoanStatus.DISBURSED, LoanStatus.REPAYING, facts[3].pk),
    ]
    assert AuditEvent.objects.filter(action="loans.import.run", object_id=str(loan_import.pk)).count() == 1


def test_utf8_with_bom_and_chinese_headers_and_values(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [
        row("Z-1", "合同", day(0), "500,000.00", borrower.uscc, "HT-Z1", "3.80", "24", "0.6", "中关村担保"),
        row("Z-1", "放款", day(3).replace("-", "/"), "500000"),
        row("Z-1", "逾期", day(40), overdue_days="12"),
        row("Z-1", "五级分类", day(50), classification="次级", note="关注名单"),
    ]
    content = csv_bytes(rows, header=HEADER_ZH, bom=True)
    loan_import = _import(bank_a_officer, content, capture=django_capture_on_commit_callbacks)

    assert loan_import.status == ImportStatus.APPLIED, loan_import.errors
    assert loan_import.encoding == "utf-8-sig"
    loan = Loan.objects.get(bank_loan_ref="Z-1")
    assert loan.is_combination and loan.ip_share == D("0.6000")
    assert loan.ip_share_certified_by == "中关村担保"
    assert loan.status == LoanStatus.NON_PERFORMING
    assert loan.classification == Classification.SUBSTANDARD
    assert loan.overdue_days == 12
    assert loan.facts.get(kind=FactKind.CLASSIFICATION).note == "关注名单"


def test_gbk_csv_from_chinese_excel(bank_a_officer, borrower, django_capture_on_commit_callbacks):
    rows = [
        row("G-1", "合同", day(0), "800000", borrower.uscc, "合同-甲", "4", "12"),
        row("G-1", "放款", day(1), "800000"),
        row("G-1", "结清", day(100), "800000", note="提前结清"),
    ]
    content = csv_bytes(rows, header=HEADER_ZH, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really not UTF-8
    loan_import = _import(bank_a_officer, content, capture=django_capture_on_commit_callbacks)

    assert loan_import.status == ImportStatus.APPLIED, loan_import.errors
    assert loan_import.encoding == "gb18030"
    loan = Loan.objects.get(bank_loan_ref="G-1")
    assert loan.contract_number == "合同-甲"
    assert loan.status == LoanStatus.SETTLED
    assert loan.settled_on == date.fromisoformat(day(100))


def test_xlsx_with_date_cells_and_numbers(bank_a_officer, borrower, django_capture_on_commit_callbacks):
    signed = datetime.fromisoformat(day(0))
    rows = [
        row("X-1", "contract", signed, 1200000, borrower.uscc, 20260001, 3.45, 12.0),
        row("X-1", "disbursement", datetime.fromisoformat(day(2)), 1200000.0),
        row("X-1", "interest", day(30), 3450.5),
    ]
    loan_import = _import(
        bank_a_officer, xlsx_bytes(rows), "facts.xlsx", capture=django_capture_on_commit_callbacks
    )

    assert loan_import.status == ImportStatus.APPLIED, loan_import.errors
    assert loan_import.encoding == "xlsx"
    loan = Loan.objects.get(bank_loan_ref="X-1")
    assert loan.contract_number == "20260001"
    assert loan.contract_signed_on == signed.date()
    assert loan.term_months == 12
    assert loan.interest_paid == D("3450.50")


def test_the_stored_file_name_is_generated(bank_a_officer, borrower, django_capture_on_commit_callbacks):
    content = csv_bytes(loan_life("N-1", borrower.uscc))
    loan_import = _import(
        bank_a_officer, content, "../../etc/我的 文件.csv", capture=django_capture_on_commit_callbacks
    )
    assert loan_import.original_name == "我的 文件.csv"
    assert "etc" not in loan_import.file.name and loan_import.file.name.endswith(".csv")


def test_facts_apply_to_the_banks_existing_loan(bank_a_officer, borrower, django_capture_on_commit_callbacks):
    loan = loan_create(
        bank=bank_a_officer.organisation,
        enterprise=borrower,
        bank_loan_ref="OLD-1",
        contract_number="HT-OLD",
        contract_signed_on=date.fromisoformat(day(0)),
        principal=D("300000.00"),
        annual_rate_pct=D("3.50"),
        term_months=12,
        actor=bank_a_officer,
    )
    rows = [row("OLD-1", "disbursement", day(2), "300000"), row("OLD-1", "settlement", day(60), "300000")]
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)

    assert loan_import.status == ImportStatus.APPLIED, loan_import.errors
    assert (loan_import.loans_created, loan_import.facts_recorded) == (0, 2)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SETTLED
    assert loan.principal_repaid == D("300000.00")
    assert list(loan.events.order_by("pk").values_list("to_status", flat=True)) == [
        LoanStatus.CONTRACTED,
        LoanStatus.DISBURSED,
        LoanStatus.SETTLED,
    ]


# --- Bad rows: every error named, nothing applied ----------------------------------------------------


def test_bad_rows_are_all_reported_by_row_and_field_and_nothing_is_applied(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [
        *loan_life("OK-1", borrower.uscc),  # rows 2-6, fine
        row("B-1", "contract", day(0), "abc", borrower.uscc, "HT-B1", "3.45", "12"),  # row 7: amount
        row("B-2", "contract", "2026-02-30", "100000", borrower.uscc, "HT-B2", "3.45", "1.5"),  # row 8
        row("OK-1", "repayment", day(120), "700000"),  # row 9: more than the 600,000 outstanding
        row("OK-1", "holiday", day(121), "1"),  # row 10: unknown fact
        row("B-3", "contract", day(0), "100000", "91110000XXXXXXXXXX", "HT-B3", "3.45", "12"),  # row 11
        row("OK-1", "overdue", day(122), overdue_days="-3"),  # row 12
        row("OK-1", "classification", day(123), classification="great"),  # row 13
        row("OK-1", "interest", "31/12/2025", "10"),  # row 14
        row("B-4", "contract", day(0), "100000", borrower.uscc, "HT-B4", "3.45", "12", "0.5"),  # row 15
    ]
    before = _counts()
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)

    assert loan_import.status == ImportStatus.REJECTED
    assert _counts() == before
    assert not Loan.objects.filter(bank_loan_ref="OK-1").exists()
    assert _fields(loan_import) == {
        (7, "amount"),
        (8, "date"),
        (8, "term_months"),
        (9, "amount"),
        (10, "fact"),
        (11, "enterprise_uscc"),
        (12, "overdue_days"),
        (13, "classification"),
        (14, "date"),
        (15, "ip_share_certified_by"),
    }
    assert loan_import.error_count == 10
    by_place = {(error["row"], error["field"]): error for error in loan_import.errors}
    assert by_place[(7, "amount")]["value"] == "abc"
    assert "600000.00" in by_place[(9, "amount")]["message"]
    assert loan_import.processed_rows == loan_import.total_rows == 14


def test_errors_name_the_columns_as_the_file_wrote_them(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [row("Z-9", "合同", day(0), "-5", borrower.uscc, "HT", "3", "12")]
    loan_import = _import(
        bank_a_officer, csv_bytes(rows, header=HEADER_ZH), capture=django_capture_on_commit_callbacks
    )
    assert _fields(loan_import) == {(2, "金额")}


def test_row_numbers_are_excels_even_with_blank_rows(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [*loan_life("R-1", borrower.uscc), [""] * 13, row("R-1", "interest", day(200), "0")]
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert _fields(loan_import) == {(8, "amount")}  # header 1, five rows, a blank row 7


def test_rows_after_a_loans_bad_row_do_not_repeat_its_error(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = loan_life("C-1", borrower.uscc)
    rows[1] = row("C-1", "disbursement", day(5), "2000000")  # beyond the principal
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert _fields(loan_import) == {(3, "amount")}


def test_a_fact_before_its_contract_row_says_where_the_contract_is(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [row("L-1", "disbursement", day(5), "1000"), *loan_life("L-1", borrower.uscc)[:1]]
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert _fields(loan_import) == {(2, "bank_loan_ref")}
    assert "row 3" in loan_import.errors[0]["message"]


def test_error_messages_are_written_in_the_uploaders_language(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [row("Q-1", "disbursement", day(5), "1000")]
    english = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert english.errors[0]["message"].startswith("Your bank has no loan Q-1")


def test_stored_errors_are_capped_and_counted(
    bank_a_officer, borrower, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(imports, "MAX_STORED_ERRORS", 3)
    rows = [row(f"M-{n}", "interest", day(5), "10") for n in range(5)]
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert loan_import.error_count == 5
    assert len(loan_import.errors) == 3
    with translation.override("en"):  # the report is written in the reader's language
        report = error_report_rows(loan_import)
    assert len(report) == 1 + 3 + 1
    assert "2 more" in report[-1][-1]


# --- Duplicate references and other banks' loans -----------------------------------------------------


def test_a_reference_contracted_twice_in_the_file_is_an_error(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [*loan_life("D-1", borrower.uscc), *loan_life("D-1", borrower.uscc)[:1]]
    before = _counts()
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert loan_import.status == ImportStatus.REJECTED
    assert _fields(loan_import) == {(7, "bank_loan_ref")}
    assert "row 2" in loan_import.errors[0]["message"]
    assert _counts() == before


def test_a_reference_the_bank_already_reported_is_an_error(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    first = _import(
        bank_a_officer, csv_bytes(loan_life("E-1", borrower.uscc)), capture=django_capture_on_commit_callbacks
    )
    assert first.status == ImportStatus.APPLIED
    before = _counts()
    again = _import(
        bank_a_officer, csv_bytes(loan_life("E-1", borrower.uscc)), capture=django_capture_on_commit_callbacks
    )
    assert again.status == ImportStatus.REJECTED
    assert (2, "bank_loan_ref") in _fields(again)
    assert _counts() == before


def test_another_bank_may_use_the_same_reference(
    bank_a_officer, bank_b_officer, borrower, django_capture_on_commit_callbacks
):
    content = csv_bytes(loan_life("S-1", borrower.uscc))
    assert _import(bank_a_officer, content, capture=django_capture_on_commit_callbacks).status == "applied"
    assert _import(bank_b_officer, content, capture=django_capture_on_commit_callbacks).status == "applied"
    assert Loan.objects.filter(bank_loan_ref="S-1").count() == 2


def test_a_fact_for_another_banks_loan_is_an_error_and_not_applied(
    bank_a_officer, bank_b_officer, borrower, django_capture_on_commit_callbacks
):
    theirs = _import(
        bank_b_officer,
        csv_bytes(loan_life("B-LOAN", borrower.uscc)),
        capture=django_capture_on_commit_callbacks,
    )
    assert theirs.status == ImportStatus.APPLIED
    loan = Loan.objects.get(bank_loan_ref="B-LOAN")
    before = (loan.interest_paid, loan.facts.count())

    ours = _import(
        bank_a_officer,
        csv_bytes([row("B-LOAN", "interest", day(100), "999.00")]),
        capture=django_capture_on_commit_callbacks,
    )
    assert ours.status == ImportStatus.REJECTED
    assert _fields(ours) == {(2, "bank_loan_ref")}
    assert "B-LOAN" in ours.errors[0]["message"]
    loan.refresh_from_db()
    assert (loan.interest_paid, loan.facts.count()) == before


# --- Files the portal cannot read --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("bank_loan_ref,fact,date\r\nA,contract,2026-01-01\r\n".encode("utf-16"), "UTF-16"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "neither CSV nor Excel"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, ".xls"),
    ],
    ids=["utf16", "binary", "old-xls"],
)
def test_files_that_are_not_csv_or_xlsx_are_refused_on_upload(bank_a_officer, english, content, words):
    with pytest.raises(LoanValidationError) as refused:
        loan_import_create(
            bank=bank_a_officer.organisation, uploaded_file=upload_file(content), actor=bank_a_officer
        )
    assert words in refused.value.errors["file"][0]
    assert not LoanImport.objects.exists()


def test_text_in_no_known_encoding_is_rejected_with_a_clear_message(
    bank_a_officer, django_capture_on_commit_callbacks
):
    content = b"bank_loan_ref,fact,date\r\n\x81\x30\xff\xfe,contract,2026-01-01\r\n"
    loan_import = _import(bank_a_officer, content, capture=django_capture_on_commit_callbacks)
    assert loan_import.status == ImportStatus.REJECTED
    assert "neither UTF-8 nor GBK" in loan_import.errors[0]["message"]


def test_a_damaged_workbook_is_rejected(bank_a_officer, django_capture_on_commit_callbacks):
    loan_import = _import(
        bank_a_officer,
        b"PK\x03\x04 not really a zip",
        "facts.xlsx",
        capture=django_capture_on_commit_callbacks,
    )
    assert loan_import.status == ImportStatus.REJECTED
    assert "damaged" in loan_import.errors[0]["message"]


@pytest.mark.parametrize(
    ("header", "words"),
    [
        (["bank_loan_ref", "fact", "date", "利率"], "Unknown column “利率”"),
        (["bank_loan_ref", "fact", "amount"], "Missing column(s): date"),
        (["bank_loan_ref", "fact", "date", "日期"], "appears twice"),
    ],
)
def test_header_problems_reject_the_file(bank_a_officer, django_capture_on_commit_callbacks, header, words):
    content = csv_bytes([["X", "interest", day(1), "1"]], header=header)
    loan_import = _import(bank_a_officer, content, capture=django_capture_on_commit_callbacks)
    assert loan_import.status == ImportStatus.REJECTED
    assert loan_import.errors[0]["row"] == 1
    assert words in loan_import.errors[0]["message"]


def test_a_file_with_only_a_header_is_rejected(bank_a_officer, django_capture_on_commit_callbacks):
    loan_import = _import(bank_a_officer, csv_bytes([]), capture=django_capture_on_commit_callbacks)
    assert loan_import.status == ImportStatus.REJECTED
    assert "no facts" in loan_import.errors[0]["message"]


@override_settings(LOAN_IMPORT_MAX_MB=1)
def test_a_file_over_the_size_cap_is_refused(bank_a_officer, english):
    content = b"bank_loan_ref,fact,date\r\n" + b"x" * (1024 * 1024)
    with pytest.raises(LoanValidationError) as refused:
        loan_import_create(
            bank=bank_a_officer.organisation, uploaded_file=upload_file(content), actor=bank_a_officer
        )
    assert "larger than 1 MB" in refused.value.errors["file"][0]


def test_only_bank_officers_and_managers_upload(enterprise_user, bank_a, english):
    with pytest.raises(LoanNotAllowed):
        loan_import_create(bank=bank_a, uploaded_file=upload_file(b"a,b\r\n"), actor=enterprise_user)


def test_an_officer_uploads_only_for_the_bank_they_act_for(bank_a_officer, bank_b, english):
    with pytest.raises(LoanNotAllowed):
        loan_import_create(bank=bank_b, uploaded_file=upload_file(b"a,b\r\n"), actor=bank_a_officer)


# --- Runs: once, progress, failures ------------------------------------------------------------------


def test_the_task_run_twice_has_one_effect(bank_a_officer, borrower, django_capture_on_commit_callbacks):
    loan_import = _import(
        bank_a_officer, csv_bytes(loan_life("T-1", borrower.uscc)), capture=django_capture_on_commit_callbacks
    )
    assert loan_import.status == ImportStatus.APPLIED
    counts = _counts()
    tasks.loan_import_run_task(loan_import.pk)  # as a redelivery would run it
    assert loan_import_run(import_id=loan_import.pk) is None
    assert _counts() == counts
    assert Loan.objects.filter(bank_loan_ref="T-1").count() == 1


def test_a_queued_upload_runs_once_even_if_two_workers_get_it(bank_a_officer, borrower, english):
    loan_import = loan_import_create(
        bank=bank_a_officer.organisation,
        uploaded_file=upload_file(csv_bytes(loan_life("T-2", borrower.uscc))),
        actor=bank_a_officer,
    )  # on_commit never fires in this test: the upload stays queued
    assert LoanImport.objects.get(pk=loan_import.pk).status == ImportStatus.QUEUED
    assert loan_import_run(import_id=loan_import.pk).status == ImportStatus.APPLIED
    assert loan_import_run(import_id=loan_import.pk) is None
    assert Loan.objects.filter(bank_loan_ref="T-2").count() == 1


def test_progress_is_written_while_rows_are_checked(
    bank_a_officer, borrower, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 4)
    seen = []
    real_apply_fact = imports.apply_fact

    def spy(state, fact, *, today):
        seen.append(LoanImport.objects.values_list("status", "processed_rows", "total_rows").get())
        return real_apply_fact(state, fact, today=today)

    monkeypatch.setattr(imports, "apply_fact", spy)
    rows = [row for n in range(3) for row in loan_life(f"P-{n}", borrower.uscc)]
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)

    assert loan_import.status == ImportStatus.APPLIED
    assert {status for status, _done, _total in seen} == {ImportStatus.RUNNING}
    assert {total for _status, _done, total in seen} == {15}
    assert [done for _status, done, _total in seen] == sorted(done for _status, done, _total in seen)
    assert {0, 4, 8, 12} <= {done for _status, done, _total in seen}
    assert loan_import.processed_rows == 15
    assert loan_import.started_at and loan_import.finished_at


def test_an_unexpected_error_fails_the_upload_and_applies_nothing(
    bank_a_officer, borrower, django_capture_on_commit_callbacks, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(imports, "_update_existing", broken)  # after the loans, facts and events went in
    before = _counts()
    loan_import = _import(
        bank_a_officer, csv_bytes(loan_life("F-1", borrower.uscc)), capture=django_capture_on_commit_callbacks
    )
    assert loan_import.status == ImportStatus.FAILED
    assert "unexpected error" in loan_import.errors[0]["message"]
    assert "disk full" not in loan_import.errors[0]["message"]
    assert _counts() == before
    assert loan_import.finished_at is not None


def test_a_loan_changed_between_check_and_write_rejects_the_file(
    bank_a_officer, borrower, django_capture_on_commit_callbacks, monkeypatch
):
    loan = loan_create(
        bank=bank_a_officer.organisation,
        enterprise=borrower,
        bank_loan_ref="RACE-1",
        contract_number="HT-R",
        contract_signed_on=date.fromisoformat(day(0)),
        principal=D("100000.00"),
        annual_rate_pct=D("3.00"),
        term_months=12,
        actor=bank_a_officer,
    )
    real_run = imports._Checker.run

    def run_then_a_report_arrives(self, rows):
        plan = real_run(self, rows)
        loan_fact_record(
            loan=loan,
            kind=FactKind.DISBURSEMENT,
            occurred_on=date.fromisoformat(day(1)),
            amount=D("50000.00"),
            actor=bank_a_officer,
        )
        return plan

    monkeypatch.setattr(imports._Checker, "run", run_then_a_report_arrives)
    content = csv_bytes([row("RACE-1", "disbursement", day(2), "100000")])
    loan_import = _import(bank_a_officer, content, capture=django_capture_on_commit_callbacks)

    assert loan_import.status == ImportStatus.REJECTED
    assert "RACE-1 changed" in loan_import.errors[0]["message"]
    loan.refresh_from_db()
    assert loan.disbursed_amount == D("50000.00")  # the API's fact, not the file's


def test_a_reference_taken_between_check_and_write_rejects_the_file(
    bank_a_officer, borrower, django_capture_on_commit_callbacks, monkeypatch
):
    real_run = imports._Checker.run

    def run_then_the_api_reports_the_same_contract(self, rows):
        plan = real_run(self, rows)
        loan_create(
            bank=bank_a_officer.organisation,
            enterprise=borrower,
            bank_loan_ref="RACE-2",
            contract_number="HT-API",
            contract_signed_on=date.fromisoformat(day(0)),
            principal=D("100000.00"),
            annual_rate_pct=D("3.00"),
            term_months=12,
            actor=bank_a_officer,
        )
        return plan

    monkeypatch.setattr(imports._Checker, "run", run_then_the_api_reports_the_same_contract)
    loan_import = _import(
        bank_a_officer,
        csv_bytes(loan_life("RACE-2", borrower.uscc)),
        capture=django_capture_on_commit_callbacks,
    )
    assert loan_import.status == ImportStatus.REJECTED
    assert "Another report used one of the file's new loan references" in loan_import.errors[0]["message"]
    assert Loan.objects.get(bank_loan_ref="RACE-2").contract_number == "HT-API"
    assert not LoanFact.objects.exists()


def test_xlsx_errors_carry_the_row_numbers_excel_shows(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [
        *loan_life("XR-1", borrower.uscc),
        [None] * 13,
        [None] * 13,
        row("XR-1", "interest", day(200), -1),
    ]
    loan_import = _import(
        bank_a_officer, xlsx_bytes(rows), "facts.xlsx", capture=django_capture_on_commit_callbacks
    )
    assert _fields(loan_import) == {(9, "amount")}
    assert loan_import.errors[0]["value"] == "-1"


def test_a_file_that_names_no_contract_columns_says_so_once(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    header = ["bank_loan_ref", "fact", "date", "amount"]
    rows = [["K-1", "contract", day(0), "100"], ["K-2", "contract", day(0), "100"]]
    loan_import = _import(
        bank_a_officer, csv_bytes(rows, header=header), capture=django_capture_on_commit_callbacks
    )
    assert loan_import.status == ImportStatus.REJECTED
    assert loan_import.error_count == 1
    assert "enterprise_uscc 借款企业统一社会信用代码" in loan_import.errors[0]["message"]


def test_a_run_lost_past_the_time_limit_is_claimed_again(bank_a_officer, borrower, english):
    from datetime import timedelta

    from django.utils import timezone

    loan_import = loan_import_create(
        bank=bank_a_officer.organisation,
        uploaded_file=upload_file(csv_bytes(loan_life("W-1", borrower.uscc))),
        actor=bank_a_officer,
    )
    LoanImport.objects.filter(pk=loan_import.pk).update(
        status=ImportStatus.RUNNING, started_at=timezone.now() - timedelta(minutes=5)
    )
    assert loan_import_run(import_id=loan_import.pk) is None  # maybe still running elsewhere
    LoanImport.objects.filter(pk=loan_import.pk).update(started_at=timezone.now() - timedelta(hours=1))
    assert loan_import_run(import_id=loan_import.pk).status == ImportStatus.APPLIED


def test_loans_the_file_leaves_overdue_are_checked_for_alerts(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    rows = [*loan_life("AL-1", borrower.uscc), row("AL-1", "overdue", day(120), overdue_days="10")]
    rows += loan_life("AL-2", borrower.uscc)
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    assert loan_import.status == ImportStatus.APPLIED
    alerts = LoanAlert.objects.values_list("loan__bank_loan_ref", "kind")
    assert list(alerts) == [("AL-1", AlertKind.OVERDUE)]


def test_the_task_lets_a_database_outage_surface_for_a_retry(monkeypatch):
    from django.db import OperationalError

    def down(**kwargs):
        raise OperationalError("server closed the connection")

    monkeypatch.setattr(imports, "loan_import_run", down)
    with pytest.raises(OperationalError):
        tasks.loan_import_run_task(1)


def test_the_error_report_repeats_values_without_formulas(
    bank_a_officer, borrower, django_capture_on_commit_callbacks, english
):
    rows = [row("=HYPERLINK(1)", "interest", day(5), "10")]
    loan_import = _import(bank_a_officer, csv_bytes(rows), capture=django_capture_on_commit_callbacks)
    report = error_report_rows(loan_import)
    assert report[0] == ["Row", "Field", "Value", "Message"]
    assert report[1][:3] == ["2", "bank_loan_ref", "'=HYPERLINK(1)"]


def test_sample_file_imports_once_its_borrower_is_registered(
    bank_a_officer, borrower, django_capture_on_commit_callbacks
):
    for chinese in (True, False):
        rows = sample_rows(chinese=chinese, year=date.today().year - 1)
        code_column = rows[0].index("借款企业统一社会信用代码" if chinese else "enterprise_uscc")
        for values in rows[1:]:
            if values[code_column]:
                values[code_column] = borrower.uscc
            values[0] += "-zh" if chinese else "-en"
        loan_import = _import(
            bank_a_officer, csv_bytes(rows[1:], header=rows[0]), capture=django_capture_on_commit_callbacks
        )
        assert loan_import.status == ImportStatus.APPLIED, loan_import.errors
        assert (loan_import.loans_created, loan_import.facts_recorded) == (2, 8)
