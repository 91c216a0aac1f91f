"""Reading a legal-status feed file (docs/legal-status-feed.md): CSV or JSON into rows with line numbers.

Only the file's shape is checked here (encoding, syntax, columns); what the values mean (known asset,
valid status, dates) is checked by ``pledges.services.register.legal_status_import`` against the register.
Every row keeps the line it started on, so a staff member can find it in the file they uploaded.
"""

import csv
import io
import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

REQUIRED_COLUMNS = ("kind", "number", "status", "occurred_on")
OPTIONAL_COLUMNS = ("note", "annual_fee_paid_through")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

FILE_LINE = 0  # the line number of an error about the file as a whole
_JSON_WHITESPACE = " \t\n\r"


@dataclass(frozen=True)
class FeedRow:
    line: int
    values: dict[str, str]  # every column of COLUMNS, "" when absent


def decode(content: bytes | str) -> str:
    """UTF-8 text with or without a byte-order mark (Excel's "CSV UTF-8" writes one)."""
    if isinstance(content, str):
        return content.removeprefix("\ufeff")
    return content.decode("utf-8-sig")


def detect_format(filename: str, text: str) -> str:
    name = (filename or "").lower()
    if name.endswith(".json"):
        return "json"
    if name.endswith(".csv"):
        return "csv"
    return "json" if text.lstrip()[:1] in ("[", "{") else "csv"


def parse_feed(content: bytes | str, filename: str) -> tuple[list[FeedRow], list[tuple[int, str]]]:
    """The rows of a feed file and the errors of its shape: about the whole file (then there are no
    rows) or about single rows (those rows are left out, or kept when their values can still be
    checked)."""
    try:
        text = decode(content)
    except UnicodeDecodeError:
        return [], [
            (
                FILE_LINE,
                _("The file is not UTF-8 text. Save it as 'CSV UTF-8' (or UTF-8 JSON) and upload it again."),
            )
        ]
    if not text.strip():
        return [], [(FILE_LINE, _("The file is empty."))]
    if detect_format(filename, text) == "json":
        return _parse_json(text)
    return _parse_csv(text)


def _missing_and_unknown(columns: list[str]) -> list[str]:
    reasons = []
    missing = [column for column in REQUIRED_COLUMNS if column not in columns]
    if missing:
        reasons.append(_("Missing column(s): %(columns)s.") % {"columns": ", ".join(missing)})
    # A misspelt optional column would otherwise be dropped silently with its data.
    unknown = [column for column in columns if column not in COLUMNS]
    if unknown:
        reasons.append(
            _("Unknown column(s): %(columns)s. The columns are: %(allowed)s.")
            % {"columns": ", ".join(unknown), "allowed": ", ".join(COLUMNS)}
        )
    return reasons


def _parse_csv(text: str) -> tuple[list[FeedRow], list[tuple[int, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[FeedRow] = []
    errors: list[tuple[int, str]] = []
    header: list[str] | None = None
    next_line = 1
    try:
        for record in reader:
            # A quoted field may span lines: the row starts where the previous one ended.
            line, next_line = next_line, reader.line_num + 1
            if not any(field.strip() for field in record):
                continue
            if header is None:
                header = [field.strip().lower() for field in record]
                duplicated = sorted({column for column in header if header.count(column) > 1})
                reasons = _missing_and_unknown(header)
                if duplicated:
                    reasons.append(_("Repeated column(s): %(columns)s.") % {"columns": ", ".join(duplicated)})
                if reasons:
                    return [], [(line, reason) for reason in reasons]
                continue
            if len(record) > len(header):
                errors.append(
                    (
                        line,
                        _("The row has %(count)d fields but the header has %(columns)d.")
                        % {"count": len(record), "columns": len(header)},
                    )
                )
                continue
            values = dict.fromkeys(COLUMNS, "")
            values.update({column: field.strip() for column, field in zip(header, record, strict=False)})
            rows.append(FeedRow(line=line, values=values))
    except csv.Error as error:
        return [], [
            (
                reader.line_num or FILE_LINE,
                _("The CSV file cannot be read here: %(error)s") % {"error": error},
            )
        ]
    if header is None:
        return [], [(FILE_LINE, _("The file is empty."))]
    return rows, errors


def _json_value(value) -> str | None:
    if value is None:
        return ""
    # bool is an int, but true is no trademark number.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, str):
        return value.strip()
    return None


class _Lines:
    """Line numbers of offsets in a text, counted incrementally (offsets only ever grow)."""

    def __init__(self, text: str):
        self.text = text
        self.offset = 0
        self.line = 1

    def at(self, offset: int) -> int:
        self.line += self.text.count("\n", self.offset, offset)
        self.offset = offset
        return self.line


def _skip_whitespace(text: str, index: int) -> int:
    while index < len(text) and text[index] in _JSON_WHITESPACE:
        index += 1
    return index


def _parse_json(text: str) -> tuple[list[FeedRow], list[tuple[int, str]]]:
    # The array is walked element by element (rather than json.loads at once) to know the line each
    # event object starts on.
    decoder = json.JSONDecoder()
    lines = _Lines(text)
    index = _skip_whitespace(text, 0)
    if text[index] != "[":
        return [], [(lines.at(index), _("A JSON feed is a list of event objects: it starts with '['."))]
    index = _skip_whitespace(text, index + 1)
    items: list[tuple[int, object]] = []
    if index < len(text) and text[index] == "]":
        index += 1
    else:
        while True:
            line = lines.at(index)
            try:
                item, index = decoder.raw_decode(text, index)
            except json.JSONDecodeError as error:
                return [], [
                    (error.lineno, _("This is not valid JSON (column %(column)d).") % {"column": error.colno})
                ]
            items.append((line, item))
            index = _skip_whitespace(text, index)
            if index < len(text) and text[index] == ",":
                index = _skip_whitespace(text, index + 1)
                continue
            if index < len(text) and text[index] == "]":
                index += 1
                break
            return [], [(lines.at(min(index, len(text))), _("Expected ',' or ']' after an event object."))]
    if _skip_whitespace(text, index) != len(text):
        return [], [(lines.at(index), _("Nothing may follow the closing ']' of the list."))]
    if not items:
        return [], [(FILE_LINE, _("The file has no events."))]

    rows: list[FeedRow] = []
    errors: list[tuple[int, str]] = []
    for line, item in items:
        if not isinstance(item, dict):
            errors.append(
                (
                    line,
                    _("Each event must be an object with the keys %(keys)s.") % {"keys": ", ".join(COLUMNS)},
                )
            )
            continue
        reasons = _missing_and_unknown(list(item))
        complete = all(column in item for column in REQUIRED_COLUMNS)
        values = dict.fromkeys(COLUMNS, "")
        for key in COLUMNS:
            if key not in item:
                continue
            value = _json_value(item[key])
            if value is None:
                reasons.append(_("The value of %(key)s must be text.") % {"key": key})
                complete = False
            else:
                values[key] = value
        errors.extend((line, reason) for reason in reasons)
        # An extra key does not hide what else is wrong with the event: its values are checked too.
        if complete:
            rows.append(FeedRow(line=line, values=values))
    return rows, errors
