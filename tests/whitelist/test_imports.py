"""Partner departments' indicator files: file types and encodings, every row checked, all or nothing,
duplicate codes, safe to run twice; and the pages (upload, progress, errors, error report, sample),
for whitelist staff only."""

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone, translation

from portal.audit.models import AuditEvent
from portal.identifiers.uscc import check_character
from tests.conftest import make_uscc
from whitelist import import_format, imports, tasks
from whitelist.errors import WhitelistNotAllowed, WhitelistValidationError
from whitelist.imports import error_report_rows, indicator_import_create, indicator_import_run
from whitelist.models import CreditRating, EnterpriseIndicator, ImportStatus, IndicatorImport, RevenueBand

pytestmark = pytest.mark.django_db
D = Decimal
EN = {"accept-language": "en"}
AS_OF = date(2025, 12, 31)
SOURCE = "北京市科学技术委员会"
HEADER_EN = ["uscc", "enterprise_name", "rd_ratio_pct", "revenue_band", "credit_rating", "serious_dishonesty"]
HEADER_ZH = ["统一社会信用代码", "企业名称", "研发投入占比(%)", "营业收入区间", "信用等级", "严重失信"]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def firms(make_enterprise):
    return [make_enterprise("北京芯算科技有限公司"), make_enterprise("北京云图软件有限公司")]


@pytest.fixture
def existing(firms):
    """The first firm's figures before any upload."""
    return EnterpriseIndicator.objects.create(
        enterprise=firms[0],
        rd_ratio_pct=D("3.00"),
        revenue_band=RevenueBand.UNDER_10M,
        credit_rating=CreditRating.BB,
        serious_dishonesty=False,
        source="旧来源",
        as_of=date(2024, 12, 31),
    )


def csv_bytes(rows, *, header=None, encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([HEADER_EN if header is None else header, *rows])
    data = buffer.getvalue().encode(encoding)
    return b"\xef\xbb\xbf" + data if bom else data


def xlsx_bytes(rows, *, header=None) -> bytes:
    workbook = openpyxl.Workbook()
    for values in [header or HEADER_EN, *rows]:
        workbook.active.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_file(content: bytes, name: str = "indicators.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def upload(
    actor, content: bytes, name: str = "indicators.csv", *, run: bool = True, **fields
) -> IndicatorImport:
    """Upload as ``actor``; the queued task runs (eagerly) when the upload commits, unless ``run`` is off."""
    with translation.override("en"), TestCase.captureOnCommitCallbacks(execute=run):
        record = indicator_import_create(
            source=fields.get("source", SOURCE),
            as_of=fields.get("as_of", AS_OF),
            uploaded_file=upload_file(content, name),
            actor=actor,
        )
    record.refresh_from_db()
    return record


def good_rows(firms) -> list[list]:
    return [
        [firms[0].uscc, "北京芯算科技有限公司", "6.50", "10m_50m", "AA", "no"],
        [firms[1].uscc, "北京云图软件有限公司", "12.25", "gte_1b", "AAA", "yes"],
    ]


def fields_of(record) -> set[tuple]:
    return {(error["row"], error["field"]) for error in record.errors}


def indicator_values(enterprise) -> tuple:
    return EnterpriseIndicator.objects.filter(enterprise=enterprise).values_list(
        "rd_ratio_pct", "revenue_band", "credit_rating", "serious_dishonesty", "source", "as_of"
    )[0]


# --- Good files in every accepted form ------------------------------------------------------------------


def test_a_good_utf8_csv_updates_and_creates_indicators(reviewer, firms, existing):
    record = upload(reviewer, csv_bytes(good_rows(firms)))

    assert record.status == ImportStatus.APPLIED, record.errors
    assert (record.total_rows, record.processed_rows, record.applied_rows) == (2, 2, 2)
    assert (record.error_count, record.errors) == (0, [])
    assert record.encoding == "utf-8"
    assert record.started_at and record.finished_at
    assert indicator_values(firms[0]) == (D("6.50"), "10m_50m", "AA", False, SOURCE, AS_OF)
    assert indicator_values(firms[1]) == (D("12.25"), "gte_1b", "AAA", True, SOURCE, AS_OF)
    assert EnterpriseIndicator.objects.count() == 2  # upserted: one row per enterprise
    assert EnterpriseIndicator.objects.get(pk=existing.pk).enterprise == firms[0]
    assert AuditEvent.objects.filter(
        action="whitelist.indicator_import.run", object_id=str(record.pk), outcome="success"
    ).exists()


def test_a_gbk_csv_with_chinese_headers_and_band_names(promotion_officer, firms):
    rows = [
        [firms[0].uscc, "北京芯算科技有限公司", "4.5%", "1000万-5000万元", "aa", "否"],
        [firms[1].uscc.lower(), "北京云图软件有限公司", "", "10亿元及以上", "BBB级", "是"],
    ]
    content = csv_bytes(rows, header=HEADER_ZH, encoding="gbk")
    with pytest.raises(UnicodeDecodeError):
        content.decode("utf-8")  # really not UTF-8
    record = upload(promotion_officer, content)

    assert record.status == ImportStatus.APPLIED, record.errors
    assert record.encoding == "gb18030"
    assert indicator_values(firms[0])[:4] == (D("4.50"), RevenueBand.FROM_10M, "AA", False)
    assert indicator_values(firms[1])[:4] == (None, RevenueBand.OVER_1B, "BBB", True)


def test_a_csv_with_a_byte_order_mark(reviewer, firms):
    record = upload(reviewer, csv_bytes(good_rows(firms), header=HEADER_ZH, bom=True))
    assert record.status == ImportStatus.APPLIED, record.errors
    assert record.encoding == "utf-8-sig"
    assert indicator_values(firms[0])[:3] == (D("6.50"), "10m_50m", "AA")


def test_an_excel_workbook_with_numbers_and_true_false_cells(reviewer, firms):
    rows = [
        [firms[0].uscc, "北京芯算科技有限公司", 7.25, "5000万至2亿元", "A", False],
        [firms[1].uscc, None, 15, "lt_10m", "C", 1],
    ]
    record = upload(reviewer, xlsx_bytes(rows, header=HEADER_ZH), "指标.xlsx")

    assert record.status == ImportStatus.APPLIED, record.errors
    assert record.encoding == "xlsx"
    assert record.original_name == "指标.xlsx"
    assert record.file.name.endswith(".xlsx") and "指标" not in record.file.name
    assert indicator_values(firms[0])[:4] == (D("7.25"), RevenueBand.FROM_50M, "A", False)
    assert indicator_values(firms[1])[:4] == (D("15.00"), RevenueBand.UNDER_10M, "C", True)


def test_a_column_the_file_leaves_out_keeps_the_current_figure(reviewer, firms, existing):
    content = csv_bytes([[firms[0].uscc, "AAA"]], header=["统一社会信用代码", "信用等级"])
    record = upload(reviewer, content, source="北京市信用中心", as_of=date(2026, 1, 31))

    assert record.status == ImportStatus.APPLIED, record.errors
    expected = (D("3.00"), "lt_10m", "AAA", False, "北京市信用中心", date(2026, 1, 31))
    assert indicator_values(firms[0]) == expected


def test_an_empty_cell_clears_the_figure_and_dishonesty_defaults_to_no(reviewer, firms, existing):
    EnterpriseIndicator.objects.filter(pk=existing.pk).update(serious_dishonesty=True)
    record = upload(reviewer, csv_bytes([[firms[0].uscc, "", "", "", "", ""]]))
    assert record.status == ImportStatus.APPLIED, record.errors
    assert indicator_values(firms[0])[:4] == (None, "", "", False)


def test_blank_rows_keep_excel_row_numbers(reviewer, firms):
    content = csv_bytes([[], [firms[0].uscc, "", "101", "", "", ""]])
    record = upload(reviewer, content)
    assert record.status == ImportStatus.REJECTED
    assert fields_of(record) == {(3, "rd_ratio_pct")}


# --- Bad rows: rejected, nothing applied ---------------------------------------------------------------


def test_bad_rows_are_each_named_and_nothing_is_applied(reviewer, firms, existing):
    unregistered = make_uscc()
    wrong_check = firms[1].uscc[:17] + ("0" if firms[1].uscc[17] != "0" else "1")
    before = indicator_values(firms[0])
    rows = [
        [firms[0].uscc, "好企业", "6.00", "", "AA", "否"],  # row 2: fine, but the file is rejected
        [unregistered, "未注册", "", "", "", ""],  # row 3
        [wrong_check, "校验位错", "", "", "", ""],  # row 4
        [firms[1].uscc, "", "120", "", "", ""],  # row 5: ratio over 100
        [firms[1].uscc, "", "", "", "Z", ""],  # row 6: duplicate of row 5, unknown rating
        ["", "", "", "huge", "", "maybe"],  # row 7: no code, unknown band, not yes/no
        [firms[0].uscc, "", "1.234", "", "", ""],  # row 8: three decimals, duplicate of row 2
    ]
    record = upload(reviewer, csv_bytes(rows))

    assert record.status == ImportStatus.REJECTED
    assert record.applied_rows == 0
    assert record.processed_rows == record.total_rows == 7
    assert fields_of(record) == {
        (3, "uscc"),
        (4, "uscc"),
        (5, "rd_ratio_pct"),
        (6, "uscc"),
        (6, "credit_rating"),
        (7, "uscc"),
        (7, "revenue_band"),
        (7, "serious_dishonesty"),
        (8, "uscc"),
        (8, "rd_ratio_pct"),
    }
    assert record.error_count == 10
    messages = {(error["row"], error["field"]): error for error in record.errors}
    assert "registered" in messages[3, "uscc"]["message"]
    assert messages[3, "uscc"]["value"] == unregistered
    assert "last character should be" in messages[4, "uscc"]["message"]
    assert "between 0 and 100" in messages[5, "rd_ratio_pct"]["message"]
    assert "row 5 and again on row 6" in messages[6, "uscc"]["message"]
    assert "row 2 and again on row 8" in messages[8, "uscc"]["message"]
    assert "AAA, AA, A, BBB" in messages[6, "credit_rating"]["message"]
    assert "two decimals" in messages[8, "rd_ratio_pct"]["message"]
    # Nothing applied: the existing row is as it was, and no new one appeared.
    assert indicator_values(firms[0]) == before
    assert EnterpriseIndicator.objects.count() == 1


def test_errors_name_the_column_as_the_file_wrote_it(reviewer, firms):
    record = upload(reviewer, csv_bytes([[firms[0].uscc, "", "abc", "", "", ""]], header=HEADER_ZH))
    assert fields_of(record) == {(2, "研发投入占比(%)")}
    assert record.errors[0]["value"] == "abc"


def test_an_inactive_enterprise_is_refused(reviewer, firms):
    firms[1].is_active = False
    firms[1].save(update_fields=["is_active"])
    record = upload(reviewer, csv_bytes(good_rows(firms)))
    assert record.status == ImportStatus.REJECTED
    assert fields_of(record) == {(3, "uscc")}
    assert "no longer active" in record.errors[0]["message"]
    assert not EnterpriseIndicator.objects.exists()


def test_errors_beyond_the_cap_are_counted_not_kept(reviewer, monkeypatch):
    monkeypatch.setattr(imports, "MAX_STORED_ERRORS", 3)
    rows = [[make_uscc(), "", "", "", "", ""] for _n in range(5)]
    record = upload(reviewer, csv_bytes(rows))
    assert (record.error_count, len(record.errors)) == (5, 3)
    with translation.override("en"):
        assert "2 more error(s) not listed" in error_report_rows(record)[-1][3]


def test_an_unexpected_error_fails_the_upload_with_nothing_applied(reviewer, firms, existing, monkeypatch):
    before = indicator_values(firms[0])
    manager = EnterpriseIndicator.objects
    real = manager.bulk_create

    def write_then_break(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("disk full")

    monkeypatch.setattr(manager, "bulk_create", write_then_break)
    record = upload(reviewer, csv_bytes(good_rows(firms)))

    assert record.status == ImportStatus.FAILED
    assert "unexpected error; nothing was applied" in record.errors[0]["message"]
    assert "disk full" not in str(record.errors)
    assert indicator_values(firms[0]) == before
    assert EnterpriseIndicator.objects.count() == 1


# --- Files that cannot be read ---------------------------------------------------------------------------


def test_an_empty_upload_is_refused_at_once(reviewer):
    with translation.override("en"), pytest.raises(WhitelistValidationError) as refused:
        indicator_import_create(source=SOURCE, as_of=AS_OF, uploaded_file=upload_file(b""), actor=reviewer)
    assert refused.value.errors == {"file": ["The file is empty."]}
    assert not IndicatorImport.objects.exists()


@pytest.mark.parametrize(
    ("content", "words", "row"),
    [
        (b"\r\n  \r\n,,\r\n", "The file is empty", None),
        (",".join(HEADER_EN).encode() + b"\r\n", "a header row but no enterprises", 1),
        ("统一社会信用代码,研发占比\r\n91110108MA00000010,5\r\n".encode(), "Unknown column “研发占比”", 1),
        (b"enterprise_name,credit_rating\r\nA,AA\r\n", "no credit code column", 1),
        ("uscc,credit_rating,信用等级\r\nX,AA,AA\r\n".encode(), "appears twice", 1),
    ],
    ids=["blank", "header-only", "unknown-column", "no-code-column", "twice"],
)
def test_a_file_without_usable_rows_is_rejected_with_a_clear_message(reviewer, content, words, row):
    record = upload(reviewer, content)
    assert record.status == ImportStatus.REJECTED
    assert record.error_count == 1
    assert words in record.errors[0]["message"]
    assert record.errors[0]["row"] == row
    assert not EnterpriseIndicator.objects.exists()


def test_an_unknown_column_message_lists_the_columns(reviewer):
    record = upload(reviewer, b"uscc,revenue\xef\xbc\x88yuan\xef\xbc\x89\r\nX,1\r\n")
    message = record.errors[0]["message"]
    assert "Unknown column" in message
    for column in HEADER_ZH:
        assert column in message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("uscc\r\n".encode("utf-16"), "UTF-16"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", ".xls"),
    ],
    ids=["utf16", "xls"],
)
def test_an_unreadable_file_type_is_refused_at_once(reviewer, content, words):
    with translation.override("en"), pytest.raises(WhitelistValidationError) as refused:
        indicator_import_create(
            source=SOURCE, as_of=AS_OF, uploaded_file=upload_file(content), actor=reviewer
        )
    assert words in refused.value.errors["file"][0]


def test_the_upload_needs_a_source_and_a_date_not_in_the_future(reviewer, firms):
    tomorrow = timezone.localdate() + timedelta(days=1)
    with translation.override("en"), pytest.raises(WhitelistValidationError) as refused:
        indicator_import_create(
            source="  ",
            as_of=tomorrow,
            uploaded_file=upload_file(csv_bytes(good_rows(firms))),
            actor=reviewer,
        )
    assert set(refused.value.errors) == {"source", "as_of"}
    assert not IndicatorImport.objects.exists()


@pytest.mark.parametrize("persona", ["bank_a_officer", "enterprise_user", "commissioner"])
def test_only_whitelist_staff_may_upload(request, persona, firms):
    user = request.getfixturevalue(persona)
    with pytest.raises(WhitelistNotAllowed):
        indicator_import_create(
            source=SOURCE, as_of=AS_OF, uploaded_file=upload_file(csv_bytes(good_rows(firms))), actor=user
        )
    assert not IndicatorImport.objects.exists()


# --- Running --------------------------------------------------------------------------------------------------


def test_the_task_run_twice_does_nothing_the_second_time(reviewer, firms):
    record = upload(reviewer, csv_bytes(good_rows(firms)), run=False)
    assert record.status == ImportStatus.QUEUED
    tasks.indicator_import_task(record.pk, "en")
    record.refresh_from_db()
    assert record.status == ImportStatus.APPLIED
    finished = record.finished_at
    EnterpriseIndicator.objects.update(credit_rating="C")  # a later change the second run must not undo

    assert indicator_import_run(import_id=record.pk, language="en") is None
    tasks.indicator_import_task(record.pk, "en")
    record.refresh_from_db()
    assert record.finished_at == finished
    assert set(EnterpriseIndicator.objects.values_list("credit_rating", flat=True)) == {"C"}
    assert (
        AuditEvent.objects.filter(action="whitelist.indicator_import.run", object_id=str(record.pk)).count()
        == 1
    )


def test_a_run_its_worker_lost_is_claimed_again(reviewer, firms, settings):
    record = upload(reviewer, csv_bytes(good_rows(firms)), run=False)
    long_ago = timezone.now() - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 120)
    IndicatorImport.objects.filter(pk=record.pk).update(status=ImportStatus.RUNNING, started_at=long_ago)
    assert indicator_import_run(import_id=record.pk).status == ImportStatus.APPLIED


def test_a_running_upload_is_not_claimed_twice(reviewer, firms):
    record = upload(reviewer, csv_bytes(good_rows(firms)), run=False)
    IndicatorImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.RUNNING, started_at=timezone.now()
    )
    assert indicator_import_run(import_id=record.pk) is None
    assert not EnterpriseIndicator.objects.exists()


def test_progress_is_committed_while_checking(reviewer, monkeypatch):
    monkeypatch.setattr(imports, "PROGRESS_EVERY", 2)
    seen = []
    real = imports._Checker.run

    def spy(self, rows):
        original = self.progress

        def progress(done):
            original(done)
            seen.append(IndicatorImport.objects.values_list("processed_rows", flat=True).get())

        self.progress = progress
        return real(self, rows)

    monkeypatch.setattr(imports._Checker, "run", spy)
    upload(reviewer, csv_bytes([[make_uscc(), "", "", "", "", ""] for _n in range(5)]))
    assert seen == [2, 4]  # then the run's last figure, 5, with the result


def test_the_run_speaks_the_uploaders_language(reviewer, firms, monkeypatch):
    languages = []
    monkeypatch.setattr(
        imports, "indicator_import_run", lambda **kwargs: languages.append(kwargs["language"])
    )
    upload(reviewer, csv_bytes(good_rows(firms)))  # uploaded in English
    assert languages == ["en"]


# --- The error report --------------------------------------------------------------------------------


def test_the_error_report_is_safe_from_formula_injection(reviewer):
    record = upload(reviewer, csv_bytes([['=HYPERLINK("http://x")', "", "", "", "", ""]]))
    with translation.override("en"):
        rows = error_report_rows(record)
    assert rows[0] == ["Row", "Field", "Value", "Message"]
    assert rows[1][0] == "2"
    assert rows[1][1] == "uscc"
    assert rows[1][2].startswith("'=")


# --- The format ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("chinese", [True, False])
def test_the_sample_file_reads_back_with_every_cell_valid(chinese):
    rows = import_format.sample_rows(chinese=chinese)
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    sheet = import_format.read_rows(buffer.getvalue().encode())
    assert sheet.present == {column.key for column in import_format.COLUMNS}
    for _number, cells in sheet.rows:
        code = import_format.credit_code(cells[sheet.positions["uscc"]])
        assert code[17] == check_character(code[:17])
        import_format.rd_ratio(cells[sheet.positions["rd_ratio_pct"]])
        assert import_format.revenue_band(cells[sheet.positions["revenue_band"]])
        assert import_format.credit_rating(cells[sheet.positions["credit_rating"]])
        import_format.serious_dishonesty(cells[sheet.positions["serious_dishonesty"]])


@pytest.mark.parametrize(
    ("written", "band"),
    [
        ("1000万元以下", RevenueBand.UNDER_10M),
        ("1000万~5000万元", RevenueBand.FROM_10M),
        ("5000万元至2亿元", RevenueBand.FROM_50M),
        ("2亿—10亿元", RevenueBand.FROM_200M),
        ("200M_1B", RevenueBand.FROM_200M),
        ("1 billion yuan or more", RevenueBand.OVER_1B),
        ("", ""),
    ],
)
def test_revenue_bands_by_code_chinese_name_or_label(written, band):
    assert import_format.revenue_band(written) == band


@pytest.mark.parametrize("written", ["-1", "100.01", "4,5", "1e2", "abc", 0.065])
def test_bad_rd_ratios(written):
    with pytest.raises(import_format.CellError):
        import_format.rd_ratio(written)


@pytest.mark.parametrize(
    ("written", "answer"), [("是", True), ("YES", True), (1, True), ("否", False), (0, False)]
)
def test_dishonesty_answers(written, answer):
    assert import_format.serious_dishonesty(written) is answer


# --- Pages ----------------------------------------------------------------------------------------------


def _post(client, content: bytes, name: str = "indicators.csv", **fields):
    data = {"source": fields.get("source", SOURCE), "as_of": fields.get("as_of", AS_OF.isoformat())}
    return client.post(reviewer_url("import_list"), {**data, "file": upload_file(content, name)}, headers=EN)


def reviewer_url(name: str, *args) -> str:
    return reverse(f"whitelist:{name}", args=args)


def test_staff_upload_a_file_through_the_page_and_see_it_applied(client, reviewer, firms):
    client.force_login(reviewer)
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = _post(client, csv_bytes(good_rows(firms)), "科委12月.csv")
    record = IndicatorImport.objects.get()
    assert response.status_code == 302
    assert response.url == reviewer_url("import_detail", record.pk)
    assert record.uploaded_by == reviewer
    page = client.get(response.url, headers=EN).content.decode()
    assert "科委12月.csv" in page and SOURCE in page and "2025-12-31" in page
    assert 'data-testid="import-result"' in page
    assert "the indicators of 2 enterprises were updated" in page
    assert "hx-get" not in page  # finished: no more polling
    assert indicator_values(firms[1])[:3] == (D("12.25"), "gte_1b", "AAA")


def test_the_list_shows_uploads_with_status_and_counts_and_the_format(client, promotion_officer, firms):
    record = upload(promotion_officer, csv_bytes(good_rows(firms)), "科委.csv")
    client.force_login(promotion_officer)
    response = client.get(reviewer_url("import_list"), headers=EN)
    page = response.content.decode()
    assert response.status_code == 200
    assert reviewer_url("import_detail", record.pk) in page and "科委.csv" in page
    assert "Applied" in page
    for text in ("统一社会信用代码", "研发投入占比(%)", "营业收入区间", "10亿元及以上", "GBK", "row 1"):
        assert text in page
    assert reviewer_url("import_sample") in page
    assert 'enctype="multipart/form-data"' in page


def test_the_list_is_paginated(client, reviewer, firms):
    for n in range(21):
        upload(reviewer, csv_bytes(good_rows(firms)), f"file-{n:02d}.csv", run=False)
    client.force_login(reviewer)
    first = client.get(reviewer_url("import_list"), headers=EN).content.decode()
    second = client.get(reviewer_url("import_list") + "?page=2", headers=EN).content.decode()
    assert "file-20.csv" in first and "file-00.csv" not in first
    assert "file-00.csv" in second and "Page 2 of 2" in second


def test_a_refused_upload_rerenders_the_form_with_400_and_keeps_the_input(client, reviewer):
    client.force_login(reviewer)
    response = _post(client, "uscc\r\n".encode("utf-16"), source="北京市税务局")
    page = response.content.decode()
    assert response.status_code == 400
    assert "UTF-16" in page
    assert 'value="北京市税务局"' in page and 'value="2025-12-31"' in page
    assert not IndicatorImport.objects.exists()


def test_posting_without_a_file_or_date_is_a_400(client, reviewer):
    client.force_login(reviewer)
    response = client.post(reviewer_url("import_list"), {"source": SOURCE}, headers=EN)
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()


def test_a_future_date_is_refused_on_the_page(client, reviewer, firms):
    client.force_login(reviewer)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _post(client, csv_bytes(good_rows(firms)), as_of=tomorrow)
    assert response.status_code == 400
    assert "cannot describe a day after today" in response.content.decode()


@pytest.mark.parametrize("persona", ["bank_a_officer", "enterprise_user"])
@pytest.mark.parametrize("name", ["import_list", "import_detail", "import_errors_csv", "import_sample"])
def test_bank_officers_and_enterprises_get_403(client, request, reviewer, persona, name):
    record = upload(reviewer, b"uscc\r\nX\r\n")
    client.force_login(request.getfixturevalue(persona))
    args = (record.pk,) if name in ("import_detail", "import_errors_csv") else ()
    assert client.get(reviewer_url(name, *args)).status_code == 403


def test_a_bank_officer_cannot_post_an_upload(client, bank_a_officer, firms):
    client.force_login(bank_a_officer)
    assert _post(client, csv_bytes(good_rows(firms))).status_code == 403
    assert not IndicatorImport.objects.exists()


def test_signed_out_visitors_are_sent_to_sign_in(client):
    response = client.get(reviewer_url("import_list"))
    assert response.status_code == 302
    assert "login" in response.url


@pytest.mark.parametrize("name", ["import_detail", "import_errors_csv"])
def test_an_upload_that_does_not_exist_is_404(client, reviewer, name):
    client.force_login(reviewer)
    assert client.get(reviewer_url(name, 999_999)).status_code == 404


def test_a_queued_upload_polls_its_progress(client, reviewer, firms):
    record = upload(reviewer, csv_bytes(good_rows(firms)), run=False)
    client.force_login(reviewer)
    url = reviewer_url("import_detail", record.pk)
    page = client.get(url, headers=EN).content.decode()
    assert "<progress" in page
    assert f'hx-get="{url}"' in page and 'hx-trigger="every 1s"' in page
    assert f'href="{url}">Refresh' in page


def test_the_progress_fragment_shows_rows_checked(client, reviewer, firms):
    record = upload(reviewer, csv_bytes(good_rows(firms)), run=False)
    IndicatorImport.objects.filter(pk=record.pk).update(
        status=ImportStatus.RUNNING, total_rows=4000, processed_rows=1000
    )
    client.force_login(reviewer)
    response = client.get(reviewer_url("import_detail", record.pk), headers={**EN, "HX-Request": "true"})
    page = response.content.decode()
    assert response.status_code == 200
    assert '<progress max="4000" value="1000"' in page
    assert "1000 of 4000 rows checked (25%)" in page
    assert "<html" not in page  # a fragment, not a page
    assert "HX-Request" in response["Vary"]


def test_the_progress_fragment_reloads_the_page_once_the_run_is_over(client, reviewer):
    record = upload(reviewer, b"uscc\r\nX\r\n")
    client.force_login(reviewer)
    response = client.get(reviewer_url("import_detail", record.pk), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert response.headers["HX-Refresh"] == "true"


def test_a_rejected_upload_shows_its_errors_and_the_report_link(client, reviewer, firms):
    record = upload(reviewer, csv_bytes([[firms[0].uscc, "", "", "", "ZZ", ""]]))
    client.force_login(reviewer)
    page = client.get(reviewer_url("import_detail", record.pk), headers=EN).content.decode()
    assert 'data-testid="import-errors"' in page
    assert "Nothing was applied" in page and "The file has 1 error." in page
    assert "credit_rating" in page and "ZZ" in page
    assert reviewer_url("import_errors_csv", record.pk) in page


def test_the_error_report_downloads_as_a_csv_excel_reads(client, reviewer, firms):
    rows = [[firms[0].uscc, "", "", "", "=1+2", ""], [firms[0].uscc, "", "", "", "", ""]]
    record = upload(reviewer, csv_bytes(rows, header=HEADER_ZH))
    client.force_login(reviewer)
    response = client.get(reviewer_url("import_errors_csv", record.pk), headers=EN)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment")
    assert f"indicator-import-{record.pk}-errors.csv" in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    assert response.content.startswith(b"\xef\xbb\xbf")
    report = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert report[0] == ["Row", "Field", "Value", "Message"]
    assert report[1][:3] == ["2", "信用等级", "'=1+2"]  # a formula is written as text
    assert report[2][:2] == ["3", "统一社会信用代码"]
    assert "row 2 and again on row 3" in report[2][3]
    assert AuditEvent.objects.filter(
        action="data.export", object_type="whitelist.indicatorimport.errors"
    ).exists()


def test_the_sample_csv_has_chinese_headers_by_default_and_english_on_request(client, reviewer):
    client.force_login(reviewer)
    chinese = client.get(reviewer_url("import_sample"))
    assert chinese.status_code == 200
    assert chinese.content.startswith(b"\xef\xbb\xbf")
    assert chinese["Content-Disposition"].startswith("attachment")
    assert chinese.content.decode("utf-8-sig").startswith(",".join(HEADER_ZH))
    english = client.get(reviewer_url("import_sample"), headers=EN)
    assert english.content.decode("utf-8-sig").startswith(",".join(HEADER_EN))


def test_the_pages_render_in_the_default_language(client, reviewer, firms):
    record = upload(reviewer, csv_bytes([[firms[0].uscc, "", "", "", "ZZ", ""]]))
    client.force_login(reviewer)
    assert client.get(reviewer_url("import_list")).status_code == 200
    page = client.get(reviewer_url("import_detail", record.pk)).content.decode()
    assert "ZZ" in page and "credit_rating" in page


def test_a_file_over_the_whitelist_size_cap_is_refused_before_it_is_stored(reviewer, settings):
    settings.WHITELIST_IMPORT_MAX_MB = 1
    settings.LOAN_IMPORT_MAX_MB = 50  # the loan-fact cap does not apply here
    with pytest.raises(WhitelistValidationError):
        upload(reviewer, b"x" * (1024 * 1024 + 1), run=False)
    assert not IndicatorImport.objects.exists()
