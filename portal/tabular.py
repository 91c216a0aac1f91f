"""Uploaded tables, CSV or Excel: the reading every file upload of the portal shares.

An app describes its file with a column table (``Column``), the columns it requires and the messages
that speak of its content (``SheetTexts``); everything else is here. The file's type is told by its
content, never by its name (security.md check 24); its text is UTF-8 with or without a byte-order mark,
else GB18030; its records come with the row numbers Excel shows (header = row 1, blank rows counted),
so a user finds each error where they look for it; a workbook that unpacks to far more than the upload
cap, or a file of more than ``MAX_ROWS`` rows, is refused. Headers match in Chinese or English, cells
become text, numbers and dates, and the error report and the CSV downloads (with the byte-order mark
Excel needs) are written here too. What a value means is the app's business (``loans.import_format``,
``whitelist.import_format``).
"""

import codecs
import csv
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.http import HttpResponse
from django.utils.functional import Promise
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

logger = logging.getLogger(__name__)

MAX_ROWS = 300_000  # a 20 MB CSV holds about 200,000 rows; more is a file to split
XLSX_MAX_ENTRIES = 10_000
XLSX_MAX_EXPANSION = 30  # unpacked size over the size cap beyond which a "workbook" is a zip bomb
VALUE_SHOWN = 100  # characters of a cell repeated in an error
SNIFF_BYTES = 8192  # the head of a file ``sniff`` looks at
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    key: str
    chinese: str
    help: str
    aliases: tuple[str, ...] = ()


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


# The wording of SheetTexts' defaults, for a file whose content needs no word of its own there.
_EMPTY = gettext_lazy("The file is empty.")
_UNKNOWN_COLUMN = gettext_lazy("Unknown column “%(column)s”. The columns are: %(allowed)s.")
_REPEATED_COLUMN = gettext_lazy("The column %(column)s appears twice.")
_MISSING_COLUMNS = gettext_lazy("Missing column(s): %(columns)s. Is the first row the header?")


@dataclass(frozen=True)
class SheetTexts:
    """The messages refusing a file that speak of what it should hold, worded by the app. Lazy
    translations: they are put in the language active when the file is read. Each message may use the
    placeholders named beside it, or leave them out."""

    no_rows: str | Promise  # a header row and nothing under it
    empty: str | Promise = _EMPTY  # not even a header row
    unknown_column: str | Promise = _UNKNOWN_COLUMN  # %(column)s, %(allowed)s
    repeated_column: str | Promise = _REPEATED_COLUMN  # %(column)s
    missing_columns: str | Promise = _MISSING_COLUMNS  # %(columns)s (the missing ones), %(allowed)s


def norm(text_: str) -> str:
    """Header and keyword matching: full-width forms folded (NFKC), case and spaces ignored."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text_)).lower()


def column_list(columns: Sequence[Column], keys: Iterable[str] | None = None) -> str:
    """ "key 中文名, ..." for messages: the columns of ``keys`` in that order, else every column."""
    chinese = {column.key: column.chinese for column in columns}
    return ", ".join(f"{key} {chinese[key]}" for key in (chinese if keys is None else keys))


def listing(table: dict[str, tuple[str, ...]]) -> str:
    """ "key 名称, ..." for messages, from a table of each key's names (the first one shown)."""
    return ", ".join(f"{key} {names[0]}" for key, names in table.items())


# --- Type, encoding, records ---------------------------------------------------------------------------


def max_upload_bytes(limit_mb: int) -> int:
    return limit_mb * 1024 * 1024


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


def upload_kind(uploaded_file, *, limit_mb: int) -> str:
    """ "csv" or "xlsx" for an uploaded file, by its content, the file left at its start; raises
    ImportFileError when there is no file, or it is empty, larger than ``limit_mb`` megabytes or neither."""
    if uploaded_file is None:
        raise ImportFileError(_("Choose a CSV or Excel file to upload."))
    size = uploaded_file.size or 0
    if size == 0:
        raise ImportFileError(_("The file is empty."))
    if size > max_upload_bytes(limit_mb):
        raise ImportFileError(
            _("The file is larger than %(limit)d MB; split it into smaller files.") % {"limit": limit_mb}
        )
    uploaded_file.seek(0)
    kind = sniff(uploaded_file.read(SNIFF_BYTES))
    uploaded_file.seek(0)
    return kind


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


def csv_records(text_: str) -> Iterator[tuple[int, list[str]]]:
    """(record number, cells) for every record of a CSV text, commas or tabs between cells."""
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


def xlsx_records(content: bytes, *, max_bytes: int) -> Iterator[tuple[int, tuple]]:
    """(row number, cells) for every row of a workbook's first sheet, Excel's numbers; a workbook that
    unpacks to more than ``XLSX_MAX_EXPANSION`` times ``max_bytes`` (the upload cap) is refused."""
    try:
        entries = zipfile.ZipFile(io.BytesIO(content)).infolist()
    except zipfile.BadZipFile:
        raise ImportFileError(_("The Excel file is damaged and cannot be opened.")) from None
    unpacked = sum(entry.file_size for entry in entries)
    if len(entries) > XLSX_MAX_ENTRIES or unpacked > XLSX_MAX_EXPANSION * max_bytes:
        raise ImportFileError(_("The Excel file unpacks to far more data than an uploaded sheet can hold."))
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise ImportFileError(_("This zip file is not an Excel workbook (.xlsx)."))
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds on a damaged workbook
        logger.info("upload: unreadable workbook: %r", error)
        raise ImportFileError(_("The Excel file is damaged and cannot be opened.")) from None
    try:
        if not workbook.worksheets:
            raise ImportFileError(_("The Excel file has no sheet."))
        # read_only fills empty rows in, so the position is the row number Excel shows.
        yield from enumerate(workbook.worksheets[0].iter_rows(min_row=1, values_only=True), start=1)
    finally:
        workbook.close()


def records(content: bytes, *, max_bytes: int) -> tuple[Iterator[tuple[int, Sequence]], str]:
    """(row number, cells) for every record of an uploaded file, and its encoding ("xlsx" for a
    workbook); raises ImportFileError, some of it only while the records are read."""
    if sniff(content[:SNIFF_BYTES]) == "xlsx":
        return xlsx_records(content, max_bytes=max_bytes), "xlsx"
    decoded, encoding = decode(content)
    return csv_records(decoded), encoding


# --- Header and rows -----------------------------------------------------------------------------------


def read_rows(
    content: bytes,
    *,
    columns: Sequence[Column],
    required: Iterable[str],
    texts: SheetTexts,
    max_bytes: int,
) -> SheetRows:
    """The header and the data rows of an uploaded file; raises ImportFileError.

    Every data row comes back as a list one cell longer than the header, the last cell empty: a column
    the file lacks points there, so reading a cell is a plain index whatever the file holds."""
    rows, encoding = records(content, max_bytes=max_bytes)
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
            positions, labels = match_header(number, cells, columns=columns, required=required, texts=texts)
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
        raise ImportFileError(str(texts.empty))
    if not data:
        raise ImportFileError(str(texts.no_rows), row=header_row)
    present = frozenset(positions)
    for column in columns:
        positions.setdefault(column.key, width)
        labels.setdefault(column.key, column.key)
    return SheetRows(positions, labels, data, encoding, present)


def header_names(columns: Iterable[Column]) -> dict[str, str]:
    """Every way of writing a column's header, normalised -> the column's key."""
    return {
        norm(name): column.key for column in columns for name in (column.key, column.chinese, *column.aliases)
    }


def match_header(
    number: int, cells: Sequence, *, columns: Sequence[Column], required: Iterable[str], texts: SheetTexts
) -> tuple[dict[str, int], dict[str, str]]:
    """Each known column's position and its header as written. A header may be the key, the Chinese name
    or an alias; full-width brackets, spaces, case and a leading "*" (a template's "required" mark) do not
    matter. An unknown or repeated header, or a missing required one, refuses the file."""
    names = header_names(columns)
    positions: dict[str, int] = {}
    labels: dict[str, str] = {}
    for position, cell in enumerate(cells):
        written = text(cell)
        if not written:
            continue
        shown = written[:VALUE_SHOWN]
        key = names.get(norm(written).lstrip("*"))
        if key is None:
            # A misspelt optional column would be dropped silently with its data.
            raise ImportFileError(
                str(texts.unknown_column) % {"column": shown, "allowed": column_list(columns)},
                row=number,
                field=shown,
            )
        if key in positions:
            raise ImportFileError(str(texts.repeated_column) % {"column": shown}, row=number, field=shown)
        positions[key] = position
        labels[key] = written
    missing = [key for key in required if key not in positions]
    if missing:
        raise ImportFileError(
            str(texts.missing_columns)
            % {"columns": column_list(columns, missing), "allowed": column_list(columns)},
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


# --- The error report and downloads --------------------------------------------------------------------


def formula_safe(value) -> str:
    """A cell for a spreadsheet that repeats what a user uploaded: one starting with = + - @ (or a tab
    or carriage return) is a formula to Excel, so it is written as text behind a quote."""
    written = "" if value is None else str(value)
    return "'" + written if written[:1] in ("=", "+", "-", "@", "\t", "\r") else written


def error_report(errors: list[dict], error_count: int) -> list[list[str]]:
    """The error report of an upload: row, field, value, message of each stored error (as
    ``ImportFileError.as_error`` writes them), every cell formula-safe; a last line says how many of
    ``error_count`` were not kept."""
    rows = [[_("Row"), _("Field"), _("Value"), _("Message")]]
    for error in errors:
        row = error.get("row")
        rows.append(
            [
                "" if row is None else str(row),
                formula_safe(error.get("field", "")),
                formula_safe(error.get("value", "")),
                formula_safe(error.get("message", "")),
            ]
        )
    more = error_count - len(errors)
    if more > 0:
        message = _("%(count)d more error(s) not listed; fix these and upload again.") % {"count": more}
        rows.append(["", "", "", message])
    return rows


def csv_with_bom(rows: Iterable[Iterable]) -> str:
    # The byte-order mark tells Excel the file is UTF-8; without it Excel shows Chinese as mojibake.
    buffer = io.StringIO()
    buffer.write("\ufeff")
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue()


def download(body: str | bytes, *, filename: str, content_type: str) -> HttpResponse:
    """A file to save, under ``filename``, that no browser second-guesses the type of."""
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return response


def csv_download(rows: Iterable[Iterable], *, filename: str) -> HttpResponse:
    """The rows as a CSV file Excel opens as UTF-8."""
    return download(csv_with_bom(rows), filename=filename, content_type=CSV_CONTENT_TYPE)


def upload_claim(model, pk: int) -> bool:
    """An upload's run takes it: queued -> running, once, by a conditional UPDATE (a redelivered task finds
    it taken and does nothing). A run whose worker was lost (killed at the task time limit) is claimed
    again. ``model`` has the upload fields both apps' uploads share (status with "queued" and "running",
    started_at, processed_rows, finished_at)."""
    from datetime import timedelta

    from django.conf import settings
    from django.db.models import Q
    from django.utils import timezone

    now = timezone.now()
    lost = now - timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)
    claimable = Q(status="queued") | Q(status="running", started_at__lt=lost)
    claimed = model.objects.filter(claimable, pk=pk).update(
        status="running", started_at=now, processed_rows=0, finished_at=None
    )
    return claimed == 1


MONEY_FORMAT = "#,##0.00"


def sections_workbook(sections: Iterable[dict], *, number_format) -> bytes:
    """A workbook of report sections, one sheet each (``title``, ``headings``, ``rows``): the headings in
    bold, text cells made formula-safe, each cell's number format from ``number_format(section, column
    index, value)`` (None leaves it as is), the first column wide and frozen. Exports equal the screen
    because the pages show the same ``rows``."""
    import io

    import openpyxl
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for section in sections:
        sheet = workbook.create_sheet(title=str(section["title"])[:31])
        sheet.append([str(heading) for heading in section["headings"]])
        for cell in sheet[1]:
            cell.font = bold
        for row in section["rows"]:
            # Names (of banks, parks, enterprises) are data, never formulas.
            sheet.append([formula_safe(value) if isinstance(value, str) else value for value in row])
            for index, cell in enumerate(sheet[sheet.max_row]):
                if fmt := number_format(section, index, row[index]):
                    cell.number_format = fmt
        sheet.column_dimensions["A"].width = 40
        for index in range(2, len(section["headings"]) + 1):
            sheet.column_dimensions[openpyxl.utils.get_column_letter(index)].width = 20
        sheet.freeze_panes = "B2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
