"""The generic reading of uploaded tables (portal.tabular): the file's type by content, its encoding, CSV
and XLSX records with Excel's row numbers, the zip-bomb and row limits, the header matched against a
column table, cells, the formula-safe error report and the CSV download."""

import codecs
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from portal import tabular
from portal.tabular import (
    VALUE_SHOWN,
    Column,
    Dates,
    ImportFileError,
    SheetTexts,
    column_list,
    csv_download,
    csv_records,
    csv_with_bom,
    decimal_value,
    decode,
    error_report,
    formula_safe,
    integer_value,
    listing,
    match_header,
    max_upload_bytes,
    norm,
    read_rows,
    records,
    sniff,
    text,
    upload_kind,
    xlsx_records,
)

MB = 1024 * 1024
COLUMNS = (
    Column("ref", "编号", "The row's reference.", ("编码",)),
    Column("rate", "年利率(%)", "Percent a year.", ("利率",)),
    Column("note", "备注", "Anything."),
)
REQUIRED = ("ref",)
TEXTS = SheetTexts(no_rows="A header and no rows.")


@pytest.fixture(autouse=True)
def _messages_in_english(english):
    pass


def read(content: bytes, *, required=REQUIRED, texts=TEXTS, max_bytes=MB):
    return read_rows(content, columns=COLUMNS, required=required, texts=texts, max_bytes=max_bytes)


def header(cells, *, required=REQUIRED, texts=TEXTS):
    return match_header(1, cells, columns=COLUMNS, required=required, texts=texts)


def workbook_bytes(rows) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for number, cells in rows:
        for position, cell in enumerate(cells, start=1):
            sheet.cell(row=number, column=position, value=cell)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


# --- The file's type, by content ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [(b"PK\x03\x04rest of a zip", "xlsx"), (b"ref,rate\r\n", "csv"), ("编号,备注".encode("gb18030"), "csv")],
)
def test_the_content_tells_csv_from_xlsx(head, kind):
    assert sniff(head) == kind


@pytest.mark.parametrize(
    ("head", "words"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1old", "Excel 97-2003 (.xls)"),
        (codecs.BOM_UTF16_LE + "ref".encode("utf-16-le"), "UTF-16"),
        (codecs.BOM_UTF16_BE + "ref".encode("utf-16-be"), "UTF-16"),
        (b"\x7fELF\x02\x01\x01\x00\x00", "neither CSV nor Excel"),
    ],
    ids=["old-xls", "utf16-le", "utf16-be", "binary"],
)
def test_other_files_are_refused_saying_what_to_save_instead(head, words):
    with pytest.raises(ImportFileError) as refused:
        sniff(head)
    assert words in refused.value.message


def test_an_upload_is_typed_by_content_not_name_and_left_at_its_start():
    upload = SimpleUploadedFile("indicators.csv", zip_bytes({"xl/workbook.xml": b"<workbook/>"}))
    assert upload_kind(upload, limit_mb=1) == "xlsx"
    assert upload.read(4) == b"PK\x03\x04"


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (None, "Choose a CSV or Excel file"),
        (SimpleUploadedFile("a.csv", b""), "The file is empty."),
        (SimpleUploadedFile("a.csv", b"x" * (MB + 1)), "larger than 1 MB"),
        (SimpleUploadedFile("a.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"), ".xls"),
    ],
    ids=["none", "empty", "over-the-cap", "old-xls"],
)
def test_an_upload_that_cannot_be_a_table_is_refused(upload, words):
    with pytest.raises(ImportFileError) as refused:
        upload_kind(upload, limit_mb=1)
    assert words in refused.value.message


def test_an_upload_of_exactly_the_cap_is_taken():
    assert upload_kind(SimpleUploadedFile("a.csv", b"x" * MB), limit_mb=1) == "csv"


def test_the_cap_is_given_in_megabytes():
    assert max_upload_bytes(20) == 20 * MB


# --- Encodings -------------------------------------------------------------------------------------------


def test_utf8_without_a_byte_order_mark():
    assert decode("编号,备注".encode()) == ("编号,备注", "utf-8")


def test_utf8_with_a_byte_order_mark_loses_the_mark():
    assert decode(codecs.BOM_UTF8 + "编号,备注".encode()) == ("编号,备注", "utf-8-sig")


def test_gb18030_when_the_text_is_not_utf8():
    # What Excel writes for plain "CSV" on a Chinese Windows.
    assert decode("编号,备注,北京".encode("gb18030")) == ("编号,备注,北京", "gb18030")


def test_a_byte_order_mark_before_text_that_is_not_utf8_is_refused():
    with pytest.raises(ImportFileError) as refused:
        decode(codecs.BOM_UTF8 + "编号".encode("gb18030"))
    assert "starts like UTF-8 text but is not valid UTF-8" in refused.value.message


def test_text_in_no_known_encoding_is_refused():
    with pytest.raises(ImportFileError) as refused:
        decode(b"ref\r\n\x81\x30\xff\xfe\r\n")
    assert "neither UTF-8 nor GBK/GB18030" in refused.value.message


# --- CSV and XLSX records ----------------------------------------------------------------------------


def test_csv_records_are_numbered_as_excel_numbers_rows():
    text_ = 'ref,note\r\nA-1,"two\r\nlines"\r\n\r\nA-2,x\r\n'
    assert list(csv_records(text_)) == [
        (1, ["ref", "note"]),
        (2, ["A-1", "two\r\nlines"]),
        (3, []),
        (4, ["A-2", "x"]),
    ]


def test_csv_records_may_be_separated_by_tabs():
    assert list(csv_records("ref\tnote\nA-1\tx, y\n")) == [(1, ["ref", "note"]), (2, ["A-1", "x, y"])]


def test_an_unreadable_csv_record_is_refused_with_its_row():
    with pytest.raises(ImportFileError) as refused:
        list(csv_records("ref\r\nA-1\r\n" + "x" * 200_000 + "\r\n"))  # over the csv module's field limit
    assert "The CSV file cannot be read near row 3" in refused.value.message


def test_xlsx_records_keep_excel_row_numbers_and_cell_types():
    content = workbook_bytes([(1, ["ref", "rate"]), (2, ["A-1", 3.45]), (4, ["A-2", date(2026, 1, 2)])])
    rows = list(xlsx_records(content, max_bytes=MB))
    assert rows[0] == (1, ("ref", "rate"))
    assert rows[1] == (2, ("A-1", 3.45))
    assert rows[2] == (3, (None, None))
    assert rows[3] == (4, ("A-2", datetime(2026, 1, 2)))


def test_a_workbook_that_unpacks_to_far_more_than_the_cap_is_refused_in_neutral_words():
    # 40 kB of zeros pack to a few dozen bytes: more than 30 times a cap of 1,000 bytes unpacked.
    bomb = zip_bytes({"xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"\0" * 40_000})
    assert len(bomb) < 1_000
    with pytest.raises(ImportFileError) as refused:
        list(xlsx_records(bomb, max_bytes=1_000))
    message = refused.value.message
    assert message == "The Excel file unpacks to far more data than an uploaded sheet can hold."
    assert "loan" not in message


def test_a_workbook_of_too_many_parts_is_refused(monkeypatch):
    monkeypatch.setattr(tabular, "XLSX_MAX_ENTRIES", 3)
    parts = {f"xl/part{number}.xml": b"<x/>" for number in range(4)}
    with pytest.raises(ImportFileError) as refused:
        list(xlsx_records(zip_bytes(parts), max_bytes=MB))
    assert "unpacks to far more data" in refused.value.message


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"PK\x03\x04 not really a zip", "damaged"),
        (zip_bytes({"word/document.xml": b"<document/>"}), "not an Excel workbook"),
        (zip_bytes({"xl/workbook.xml": b"not xml at all"}), "damaged"),
    ],
    ids=["not-a-zip", "a-word-file", "broken-workbook"],
)
def test_a_zip_that_is_no_readable_workbook_is_refused(content, words):
    with pytest.raises(ImportFileError) as refused:
        list(xlsx_records(content, max_bytes=MB))
    assert words in refused.value.message


def test_records_of_any_file_come_with_the_encoding_found():
    assert records(b"ref\r\nA-1\r\n", max_bytes=MB)[1] == "utf-8"
    assert records(codecs.BOM_UTF8 + b"ref\r\n", max_bytes=MB)[1] == "utf-8-sig"
    assert records("编号\r\n".encode("gb18030"), max_bytes=MB)[1] == "gb18030"
    assert records(workbook_bytes([(1, ["ref"])]), max_bytes=MB)[1] == "xlsx"


# --- Rows ------------------------------------------------------------------------------------------------


def test_rows_are_padded_so_a_missing_column_reads_as_an_empty_cell():
    sheet = read(b"ref,rate\r\nA-1,3.45\r\nA-2\r\nA-3,1,extra\r\n")
    assert sheet.present == {"ref", "rate"}
    assert sheet.positions == {"ref": 0, "rate": 1, "note": 2}
    assert [cells for _number, cells in sheet.rows] == [
        ["A-1", "3.45", None],
        ["A-2", None, None],
        ["A-3", "1", None],
    ]
    assert sheet.labels == {"ref": "ref", "rate": "rate", "note": "note"}
    assert sheet.encoding == "utf-8"


def test_blank_rows_are_left_out_and_the_next_rows_keep_excel_numbers():
    content = workbook_bytes(
        [(2, ["编号", "年利率(%)"]), (3, ["A-1", 3.45]), (4, ["  ", None]), (6, ["A-2", 1])]
    )
    sheet = read(content)
    assert [number for number, _cells in sheet.rows] == [3, 6]
    assert sheet.rows[0][1] == ["A-1", 3.45, None]
    assert sheet.labels["rate"] == "年利率(%)"
    assert sheet.encoding == "xlsx"


def test_a_file_without_a_header_row_gets_the_apps_empty_message():
    texts = SheetTexts(no_rows="no rows", empty="Nothing here, not even a header.")
    with pytest.raises(ImportFileError) as refused:
        read(b"\r\n,\r\n", texts=texts)
    assert refused.value.message == "Nothing here, not even a header."
    with pytest.raises(ImportFileError) as refused:
        read(b"\r\n")
    assert refused.value.message == "The file is empty."


def test_a_header_without_rows_gets_the_apps_message_and_the_header_row():
    with pytest.raises(ImportFileError) as refused:
        read(b"\r\nref,rate\r\n,\r\n")
    assert (refused.value.message, refused.value.row) == ("A header and no rows.", 2)


def test_more_rows_than_the_limit_are_refused(monkeypatch):
    monkeypatch.setattr(tabular, "MAX_ROWS", 3)
    assert len(read(b"ref\r\n1\r\n2\r\n3\r\n").rows) == 3
    with pytest.raises(ImportFileError) as refused:
        read(b"ref\r\n1\r\n2\r\n3\r\n4\r\n")
    assert "more than 3 rows" in refused.value.message


def test_the_zip_bomb_limit_follows_the_cap_given():
    content = workbook_bytes([(1, ["ref"]), *((number, [f"A-{number}"]) for number in range(2, 200))])
    assert len(read(content, max_bytes=MB).rows) == 198
    with pytest.raises(ImportFileError, match="unpacks to far more data"):
        read(content, max_bytes=100)


# --- The header ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cells",
    [
        ["ref", "rate", "note"],
        ["编号", "年利率(%)", "备注"],
        ["编码", "利率", "备注"],  # aliases
        ["*编号", "年利率（％）", " NOTE "],  # a required mark, full-width brackets, case and spaces
        ["REF", "年 利 率 (%)", None],
    ],
    ids=["english", "chinese", "aliases", "folded", "spaced"],
)
def test_headers_match_in_chinese_or_english(cells):
    positions, labels = header(cells)
    assert positions["ref"] == 0 and positions["rate"] == 1
    assert labels["ref"] == str(cells[0]).strip()


def test_an_empty_header_cell_is_skipped():
    assert header(["ref", "", None, "note"])[0] == {"ref": 0, "note": 3}


def test_an_unknown_header_is_refused_naming_every_column():
    with pytest.raises(ImportFileError) as refused:
        header(["ref", "利息"])
    error = refused.value
    assert (error.row, error.field) == (1, "利息")
    assert error.message == "Unknown column “利息”. The columns are: ref 编号, rate 年利率(%), note 备注."


def test_a_long_unknown_header_is_cut_where_it_is_repeated():
    with pytest.raises(ImportFileError) as refused:
        header(["ref", "x" * 500])
    assert refused.value.field == "x" * VALUE_SHOWN
    assert "x" * (VALUE_SHOWN + 1) not in refused.value.message


def test_a_column_written_twice_in_either_language_is_refused():
    with pytest.raises(ImportFileError) as refused:
        header(["ref", "rate", "年利率(%)"])
    assert refused.value.message == "The column 年利率(%) appears twice."
    assert refused.value.field == "年利率(%)"


def test_the_required_columns_are_the_callers():
    assert header(["rate"], required=())[0] == {"rate": 0}
    assert header(["ref", "rate"], required=("ref", "rate"))[0] == {"ref": 0, "rate": 1}
    with pytest.raises(ImportFileError) as refused:
        header(["note"], required=("ref", "rate"))
    assert refused.value.row == 1
    assert (
        refused.value.message == "Missing column(s): ref 编号, rate 年利率(%). Is the first row the header?"
    )


def test_an_app_words_the_header_messages_about_its_own_content():
    texts = SheetTexts(
        no_rows="no rows",
        unknown_column="No column “%(column)s” here; ours: %(allowed)s.",
        repeated_column="“%(column)s” twice.",
        missing_columns="No reference column. Ours: %(allowed)s.",
    )

    def refusal(cells) -> str:
        with pytest.raises(ImportFileError) as refused:
            header(cells, texts=texts)
        return refused.value.message

    assert refusal(["ref", "x"]) == "No column “x” here; ours: ref 编号, rate 年利率(%), note 备注."
    assert refusal(["ref", "编号"]) == "“编号” twice."
    assert refusal(["note"]) == "No reference column. Ours: ref 编号, rate 年利率(%), note 备注."


def test_lists_for_messages():
    assert column_list(COLUMNS) == "ref 编号, rate 年利率(%), note 备注"
    assert column_list(COLUMNS, ["note", "ref"]) == "note 备注, ref 编号"
    assert listing({"normal": ("正常",), "loss": ("损失", "loss")}) == "normal 正常, loss 损失"
    assert norm("年利率（％） Rate") == "年利率(%)rate"


# --- Cells -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (None, ""),
        ("  A-1 ", "A-1"),
        (1000.0, "1000"),
        (3.45, "3.45"),
        (12, "12"),
        (True, "TRUE"),
        (datetime(2026, 1, 2), "2026-01-02"),
        (datetime(2026, 1, 2, 9, 30), "2026-01-02 09:30:00"),
        (date(2026, 1, 2), "2026-01-02"),
    ],
)
def test_a_cell_as_the_user_sees_it(value, shown):
    assert text(value) == shown


@pytest.mark.parametrize(
    ("value", "number"),
    [
        ("1,000,000.00", Decimal("1000000.00")),
        ("1000000.00", Decimal("1000000.00")),
        ("-12.5", Decimal("-12.5")),
        ("¥１,０００.５", Decimal("1000.5")),
        (0.1, Decimal("0.1")),
        (7, Decimal(7)),
        ("", None),
        (None, None),
    ],
)
def test_decimal_cells(value, number):
    assert decimal_value(value) == number


@pytest.mark.parametrize("value", ["1e5", "NaN", "Infinity", "1,00", "12 yuan", True])
def test_a_cell_that_is_not_a_plain_number_is_a_value_error(value):
    with pytest.raises(ValueError):
        decimal_value(value)


@pytest.mark.parametrize(
    ("value", "number"), [(12, 12), (12.0, 12), ("12", 12), ("１２", 12), ("12.00", 12), ("", None)]
)
def test_integer_cells(value, number):
    assert integer_value(value) == number


@pytest.mark.parametrize("value", [12.5, "12.5", "twelve", False])
def test_a_cell_that_is_not_a_whole_number_is_a_value_error(value):
    with pytest.raises(ValueError):
        integer_value(value)


def test_date_cells():
    dates = Dates()
    assert dates("2026-02-03") == dates("2026/2/3") == dates("2026.02.03 00:00") == date(2026, 2, 3)
    assert dates(datetime(2026, 2, 3, 0, 0)) == dates(date(2026, 2, 3)) == date(2026, 2, 3)
    assert dates("2026-02-30") is None
    assert dates("") is None
    assert dates("03/02/2026") is None


# --- The error report and downloads -----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["=1+1", "+86 10 1234", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_a_cell_excel_would_take_for_a_formula_is_written_as_text(value):
    assert formula_safe(value) == "'" + value


@pytest.mark.parametrize(("value", "written"), [("A-1", "A-1"), (None, ""), (12, "12"), ("1=1", "1=1")])
def test_other_cells_are_written_as_they_are(value, written):
    assert formula_safe(value) == written


def test_the_error_report_repeats_each_error_formula_safe_and_counts_the_ones_not_kept():
    errors = [
        {"row": 3, "field": "金额", "value": "=HYPERLINK(1)", "message": "Write a plain number."},
        ImportFileError("The file is empty.").as_error(),
    ]
    assert error_report(errors, 5) == [
        ["Row", "Field", "Value", "Message"],
        ["3", "金额", "'=HYPERLINK(1)", "Write a plain number."],
        ["", "", "", "The file is empty."],
        ["", "", "", "3 more error(s) not listed; fix these and upload again."],
    ]
    assert len(error_report(errors, 2)) == 3


def test_a_csv_download_opens_in_excel_as_utf8():
    assert csv_with_bom([["编号", "备注"], ["A-1", "x"]]) == "\ufeff编号,备注\r\nA-1,x\r\n"
    response = csv_download([["编号"], ["A-1"]], filename="示例.csv")
    assert response.content == "\ufeff编号\r\nA-1\r\n".encode()
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    assert response["X-Content-Type-Options"] == "nosniff"
