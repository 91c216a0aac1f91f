"""The file a bank uploads with its loan facts (issue 4): what it looks like and how it is read.

One row per fact under a header row; headers in Chinese or English (``COLUMNS``), fact and
classification names in either language (``FACT_NAMES``, ``CLASSIFICATION_NAMES``). The upload page and
the sample file are written from these tables, so the help and the reader cannot disagree.

Only the file's shape is handled here: its type (CSV or XLSX, by content), its encoding (UTF-8 with or
without a byte-order mark, else GB18030), its header, and cells turned into numbers and dates. What
the values mean for a loan is ``loans.services.imports``' business. Row numbers are the ones Excel
shows (header = row 1, blank rows counted), so a bank finds each error where it looks for it.
"""

import codecs
import csv
import io
import logging
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from loans.models import Classification, FactKind
from portal.identifiers.uscc import check_character

logger = logging.getLogger(__name__)

MAX_ROWS = 300_000  # a 20 MB CSV holds about 200,000 rows; more is a file to split
_XLSX_MAX_ENTRIES = 10_000
_XLSX_MAX_EXPANSION = 30  # unpacked size over the size cap beyond which a "workbook" is a zip bomb
VALUE_SHOWN = 100  # characters of a cell repeated in an error

CONTRACT = "contract"  # a contract row creates the loan; it is not a ledger fact


@dataclass(frozen=True)
class Column:
    key: str
    chinese: str
    help: str
    aliases: tuple[str, ...] = ()


# In the sample file's order. A header may be the key, the Chinese name or an alias; full-width
# brackets, spaces, case and a leading "*" (a template's "required" mark) do not matter.
COLUMNS: tuple[Column, ...] = (
    Column(
        "bank_loan_ref", "银行贷款编号", gettext_lazy("Your bank's own number for the loan."), ("贷款编号",)
    ),
    Column(
        "fact",
        "事项",
        gettext_lazy(
            "contract 合同, disbursement 放款, interest 付息, repayment 还本, settlement 结清, overdue 逾期, "
            "classification 五级分类 or write_off 核销."
        ),
    ),
    Column(
        "date",
        "日期",
        gettext_lazy("YYYY-MM-DD or YYYY/MM/DD, or an Excel date; for a contract, the day it was signed."),
    ),
    Column(
        "amount",
        "金额",
        gettext_lazy(
            "Yuan, at most two decimals, thousands separators allowed; for a contract, the principal. "
            "Needed for disbursement, interest and repayment; optional for a settlement (the last repayment)."
        ),
        ("金额(元)",),
    ),
    Column(
        "enterprise_uscc",
        "借款企业统一社会信用代码",
        gettext_lazy("Contract rows: the borrower's credit code; it must be registered in the portal."),
        ("统一社会信用代码",),
    ),
    Column("contract_number", "合同编号", gettext_lazy("Contract rows: the loan contract's number.")),
    Column(
        "annual_rate_pct",
        "年利率(%)",
        gettext_lazy("Contract rows: the annual rate in percent, e.g. 3.45."),
        ("年利率",),
    ),
    Column("term_months", "期限(月)", gettext_lazy("Contract rows: the term in whole months."), ("期限",)),
    Column(
        "ip_share",
        "知识产权占比",
        gettext_lazy(
            "Contract rows: the IP-secured share of a combination loan, 0 to 1 (or a percentage); empty "
            "means 1."
        ),
    ),
    Column(
        "ip_share_certified_by",
        "占比认定机构",
        gettext_lazy("Contract rows with an IP share below 1: the bank or guarantor that certified it."),
    ),
    Column(
        "overdue_days", "逾期天数", gettext_lazy("Overdue rows: days overdue on that date, 0 when cured.")
    ),
    Column(
        "classification",
        "五级分类结果",
        gettext_lazy(
            "Classification rows: normal 正常, special_mention 关注, substandard 次级, doubtful 可疑 or "
            "loss 损失."
        ),
    ),
    Column("note", "备注", gettext_lazy("Optional, at most 300 characters.")),
)
REQUIRED_COLUMNS = ("bank_loan_ref", "fact", "date")
CONTRACT_COLUMNS = ("enterprise_uscc", "contract_number", "amount", "annual_rate_pct", "term_months")
CHINESE_NAMES = {column.key: column.chinese for column in COLUMNS}

FACT_NAMES: dict[str, tuple[str, ...]] = {
    CONTRACT: ("合同",),
    FactKind.DISBURSEMENT: ("放款",),
    FactKind.INTEREST: ("付息",),
    FactKind.REPAYMENT: ("还本",),
    FactKind.SETTLEMENT: ("结清",),
    FactKind.OVERDUE: ("逾期",),
    FactKind.CLASSIFICATION: ("五级分类",),
    FactKind.WRITE_OFF: ("核销", "write-off", "writeoff"),
}
CLASSIFICATION_NAMES: dict[str, tuple[str, ...]] = {
    Classification.NORMAL: ("正常",),
    Classification.SPECIAL_MENTION: ("关注", "special-mention"),
    Classification.SUBSTANDARD: ("次级",),
    Classification.DOUBTFUL: ("可疑",),
    Classification.LOSS: ("损失",),
}


def norm(text: str) -> str:
    """Header and keyword matching: full-width forms folded (NFKC), case and spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).lower()


def _names(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found = {}
    for key, aliases in table.items():
        for name in (key, str(key).replace("_", " "), *aliases):
            found[norm(name)] = str(key)
    return found


_HEADERS = {
    norm(name): column.key for column in COLUMNS for name in (column.key, column.chinese, *column.aliases)
}
_FACTS = _names(FACT_NAMES)
_CLASSES = _names(CLASSIFICATION_NAMES)


def fact_named(value) -> str | None:
    """The fact (or CONTRACT) a cell names, in either language; None when unknown."""
    return _FACTS.get(norm(text(value)))


def classification_named(value) -> str:
    return _CLASSES.get(norm(text(value)), "")


def listing(table: dict[str, tuple[str, ...]]) -> str:
    """ "key 名称, ..." for messages."""
    return ", ".join(f"{key} {names[0]}" for key, names in table.items())


class ImportFileError(Exception):
    """The file as a whole cannot be read (type, encoding, header); ``row`` is the header's when known."""

    def __init__(self, message: str, *, row: int | None = None, field: str = "", value: str = ""):
        super().__init__(message)
        self.message = message
        self.row = row
        self.field = field
        self.value = value

    def as_error(self) -> dict:
        return {"row": self.row, "field": self.field, "value": self.value, "message": self.message}


@dataclass(frozen=True)
class SheetRows:
    positions: dict[str, int]  # column key -> position in a row; a missing column -> the empty last cell
    labels: dict[str, str]  # column key -> header as the file wrote it (errors name columns so)
    rows: list[tuple[int, list]]  # (row number as Excel shows it, cells), blank rows left out
    encoding: str
    present: frozenset[str]  # the columns the file has


# --- Type, encoding, rows ------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    return settings.LOAN_IMPORT_MAX_MB * 1024 * 1024


def sniff(head: bytes) -> str:
    """ "xlsx" or "csv" from the first bytes (the content decides, never the name: security.md check 24);
    raises ImportFileError saying what to do instead."""
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise ImportFileError(
            _("This is an old Excel 97-2003 (.xls) file. Save it as Excel Workbook (.xlsx) or as CSV.")
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head:
        # UTF-16 ("Unicode text" in Excel) puts a zero byte beside every ASCII letter; binaries have them too.
        raise ImportFileError(
            _(
                "This file is neither CSV nor Excel (.xlsx), or it is UTF-16 text. Save it from Excel as "
                "“CSV UTF-8” or as Excel Workbook (.xlsx)."
            )
        )
    return "csv"


def decode(content: bytes) -> tuple[str, str]:
    """The text and the encoding found: UTF-8 with or without a byte-order mark, else GB18030 (a superset
    of GBK, what Excel writes for plain “CSV” on a Chinese Windows)."""
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise ImportFileError(
                _("The file starts like UTF-8 text but is not valid UTF-8. Save it again as “CSV UTF-8”.")
            ) from None
    try:
        return content.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file's text is neither UTF-8 nor GBK/GB18030. Save it from Excel as “CSV UTF-8”.")
        ) from None


def _csv_rows(text_: str):
    first_line = text_.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first_line and "," not in first_line else ","
    reader = csv.reader(io.StringIO(text_, newline=""), delimiter=delimiter)
    try:
        # Excel numbers records, not lines (a quoted cell may hold a line break); header = row 1.
        yield from enumerate(reader, start=1)
    except csv.Error as error:
        raise ImportFileError(
            _("The CSV file cannot be read near row %(row)d: %(error)s")
            % {"row": reader.line_num, "error": error}
        ) from None


def _xlsx_rows(content: bytes):
    try:
        entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(_("The Excel file is damaged and cannot be opened.")) from None
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > _XLSX_MAX_ENTRIES or unpacked > _XLSX_MAX_EXPANSION * max_upload_bytes():
        raise ImportFileError(_("The Excel file unpacks to far more data than a sheet of loan facts holds."))
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise ImportFileError(_("This zip file is not an Excel workbook (.xlsx)."))
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        logger.info("loan import: unreadable workbook: %r", error)
        raise ImportFileError(_("The Excel file is damaged and cannot be opened.")) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The Excel file has no sheet."))
        # read_only fills empty rows in, so the position is the row number Excel shows.
        yield from enumerate(workbook.worksheets[0].iter_rows(min_row=1, values_only=True), start=1)
    finally:
        workbook.close()


def read_rows(content: bytes) -> SheetRows:
    """The header and the data rows of an uploaded file; raises ImportFileError.

    Every data row comes back as a list one cell longer than the header, the last cell empty: a column
    the file lacks points there, so reading a cell is a plain index whatever the file holds."""
    if sniff(content[:8192]) == "xlsx":
        rows, encoding = _xlsx_rows(content), "xlsx"
    else:
        decoded, encoding = decode(content)
        rows = _csv_rows(decoded)
    header_row = width = 0
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    padding: list = []
    data = []
    for number, cells in rows:
        try:
            blank = not "".join(cells).strip()
        except TypeError:  # an Excel row holds numbers and dates too
            blank = not any(
                cell is not None and (not isinstance(cell, str) or cell.strip()) for cell in cells
            )
        if blank:
            continue  # left out, but the next rows keep their numbers, as in Excel
        if not header_row:
            header_row, width = number, len(cells)
            positions, labels = _header(number, cells)
            padding = [None] * (width + 1)
            continue
        if len(data) >= MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)d rows; split it into smaller files.") % {"max": MAX_ROWS}
            )
        if len(cells) == width and isinstance(cells, list):
            cells.append(None)  # csv gives a fresh list per row
            data.append((number, cells))
        else:
            row = list(cells[:width])
            row.extend(padding[len(row) :])
            data.append((number, row))
    if not header_row:
        raise ImportFileError(_("The file is empty."))
    if not data:
        raise ImportFileError(_("The file has a header row but no facts."), row=header_row)
    present = frozenset(positions)
    for column in COLUMNS:
        positions.setdefault(column.key, width)
        labels.setdefault(column.key, column.key)
    return SheetRows(positions, labels, data, encoding, present)


def _header(number: int, cells) -> tuple[dict[str, int], dict[str, str]]:
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for position, cell in enumerate(cells):
        written = text(cell)
        if not written:
            continue
        key = _HEADERS.get(norm(written).lstrip("*"))
        if key is None:
            # A misspelt optional column would be dropped silently with its data (an IP share of 1!).
            raise ImportFileError(
                _("Unknown column “%(column)s”. The columns are: %(allowed)s.")
                % {"column": written, "allowed": ", ".join(f"{c.key} {c.chinese}" for c in COLUMNS)},
                row=number,
                field=written[:VALUE_SHOWN],
            )
        if key in positions:
            raise ImportFileError(
                _("The column %(column)s appears twice.") % {"column": written}, row=number, field=written
            )
        positions[key] = position
        labels[key] = written
    missing = [key for key in REQUIRED_COLUMNS if key not in positions]
    if missing:
        raise ImportFileError(
            _("Missing column(s): %(columns)s. Is the first row the header?")
            % {"columns": ", ".join(f"{key} {CHINESE_NAMES[key]}" for key in missing)},
            row=number,
        )
    return positions, labels


# --- Cells ---------------------------------------------------------------------------------------------

_NUMBER = re.compile(r"[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?|[+-]?\.\d+")
_INTEGER = re.compile(r"[+-]?\d+(?:\.0+)?")
_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]0{1,2}:00(?::00)?)?")
_MIDNIGHT = datetime.min.time()


def text(value) -> str:
    """A cell as the user sees it: Excel numbers without a spurious ".0", dates as YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == _MIDNIGHT else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def decimal_value(value) -> Decimal | None:
    """A number typed or stored in a cell (thousands separators allowed); None when empty; ValueError
    when it is not a plain number (no exponents, NaN or infinity)."""
    if value is None:
        return None
    if isinstance(value, str):
        stripped = value.strip()
        if not stripped:
            return None
        if stripped.isascii() and stripped.lstrip("+-").replace(".", "", 1).isdigit():
            return Decimal(stripped)  # the common case, "1000000.00", without the pattern below
        if not stripped.isascii():
            stripped = unicodedata.normalize("NFKC", stripped).removeprefix("¥").replace(" ", "")
        if not _NUMBER.fullmatch(stripped):
            raise ValueError(stripped)
        return Decimal(stripped.replace(",", "") if "," in stripped else stripped)
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Excel keeps a number as typed to 15 significant digits; repr gives back those digits.
        return Decimal(repr(value))
    return decimal_value(str(value))


def integer_value(value) -> int | None:
    """A whole number in a cell (12, "12", 12.0); None when empty; ValueError otherwise."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(value)
        return int(value)
    stripped = str(value).strip()
    if stripped.isascii() and stripped.isdigit():
        return int(stripped)
    stripped = unicodedata.normalize("NFKC", stripped)
    if not stripped:
        return None
    if not _INTEGER.fullmatch(stripped):
        raise ValueError(stripped)
    return int(Decimal(stripped))


class Dates:
    """Cells to dates, each distinct text parsed once (a file repeats the same few hundred days)."""

    def __init__(self):
        self._seen: dict[str, date | None] = {}

    def __call__(self, value) -> date | None:
        """The date, or None when the cell is not one (empty, or not a real calendar day)."""
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        key = value if isinstance(value, str) else text(value)
        try:
            return self._seen[key]
        except KeyError:
            pass
        parsed = None
        match = _DATE.fullmatch(key.strip())
        if match:
            try:
                parsed = date(int(match[1]), int(match[2]), int(match[3]))
            except ValueError:  # 2026-02-30
                parsed = None
        self._seen[key] = parsed
        return parsed


# --- The sample file ----------------------------------------------------------------------------------


def sample_rows(*, chinese: bool, year: int) -> list[list[str]]:
    """The sample file: the header and two loans' lives in ``year`` (the second a combination loan)."""
    # A well-formed credit code for the example; the bank writes its borrower's.
    uscc = "91110108MA0000001" + check_character("91110108MA0000001")
    contract = {"enterprise_uscc": uscc, "annual_rate_pct": "3.45", "term_months": "12"}
    guarantor = "北京中关村科技融资担保有限公司" if chinese else "Zhongguancun Guarantee Co."
    cured = "逾期已还清" if chinese else "arrears cured"
    examples = [
        ("BJ-0001", CONTRACT, "01-15", {**contract, "amount": "1,000,000.00", "contract_number": "ZY-001"}),
        ("BJ-0001", FactKind.DISBURSEMENT, "01-20", {"amount": "1,000,000.00"}),
        ("BJ-0001", FactKind.INTEREST, "02-20", {"amount": "2,875.00"}),
        ("BJ-0001", FactKind.REPAYMENT, "06-20", {"amount": "400,000.00"}),
        ("BJ-0001", FactKind.OVERDUE, "08-01", {"overdue_days": "12"}),
        ("BJ-0001", FactKind.OVERDUE, "08-15", {"overdue_days": "0", "note": cured}),
        ("BJ-0001", FactKind.SETTLEMENT, "12-20", {"amount": "600,000.00"}),
        (
            "BJ-0002",
            CONTRACT,
            "03-01",
            {
                **contract,
                "amount": "5,000,000.00",
                "contract_number": "ZY-002",
                "term_months": "24",
                "ip_share": "0.6",
                "ip_share_certified_by": guarantor,
            },
        ),
        ("BJ-0002", FactKind.DISBURSEMENT, "03-05", {"amount": "5,000,000.00"}),
        ("BJ-0002", FactKind.CLASSIFICATION, "09-30", {"classification": Classification.SPECIAL_MENTION}),
    ]
    chinese_values = {str(key): names[0] for key, names in {**FACT_NAMES, **CLASSIFICATION_NAMES}.items()}
    rows = [[column.chinese if chinese else column.key for column in COLUMNS]]
    for ref, fact, day, values in examples:
        values = {"bank_loan_ref": ref, "fact": fact, "date": f"{year}-{day}", **values}
        cells = [str(values.get(column.key, "")) for column in COLUMNS]
        rows.append([chinese_values.get(cell, cell) for cell in cells] if chinese else cells)
    return rows
