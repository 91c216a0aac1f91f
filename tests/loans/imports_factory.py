"""Files of loan facts for the upload tests: CSV in any encoding, XLSX built with openpyxl."""

import csv
import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.timezone import localdate

HEADER_EN = ["bank_loan_ref", "fact", "date", "amount", "enterprise_uscc", "contract_number"]
HEADER_EN += ["annual_rate_pct", "term_months", "ip_share", "ip_share_certified_by", "overdue_days"]
HEADER_EN += ["classification", "note"]
HEADER_ZH = ["银行贷款编号", "事项", "日期", "金额", "借款企业统一社会信用代码", "合同编号", "年利率(%)"]
HEADER_ZH += ["期限(月)", "知识产权占比", "占比认定机构", "逾期天数", "五级分类结果", "备注"]


def day(offset: int) -> str:
    """A Beijing date ``offset`` days after 300 days ago, as YYYY-MM-DD."""
    return (localdate() - timedelta(days=300) + timedelta(days=offset)).isoformat()


def row(ref, fact, date, amount="", uscc="", number="", rate="", term="", share="", certifier="", **extra):
    return [
        ref,
        fact,
        date,
        amount,
        uscc,
        number,
        rate,
        term,
        share,
        certifier,
        extra.get("overdue_days", ""),
        extra.get("classification", ""),
        extra.get("note", ""),
    ]


def loan_life(ref: str, uscc: str, *, start: int = 0) -> list[list[str]]:
    """A contract of 1,000,000 yuan, disbursed, two interest payments and a repayment (five rows)."""
    return [
        row(ref, "contract", day(start), "1,000,000.00", uscc, f"HT-{ref}", "3.45", "12"),
        row(ref, "disbursement", day(start + 5), "1000000.00"),
        row(ref, "interest", day(start + 35), "2875.00"),
        row(ref, "interest", day(start + 65), "2875.00"),
        row(ref, "repayment", day(start + 90), "400,000.00"),
    ]


def csv_bytes(rows, *, header=None, encoding="utf-8", bom=False) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header or HEADER_EN, *rows])
    data = buffer.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def xlsx_bytes(rows, *, header=None) -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in [header or HEADER_EN, *rows]:
        sheet.append(values)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def upload_file(content: bytes, name: str = "facts.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")
