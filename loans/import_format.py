"""The file a bank uploads with its loan facts (issue 4): what it looks like and how it is read.

One row per fact under a header row; headers in Chinese or English (``COLUMNS``), fact and
classification names in either language (``FACT_NAMES``, ``CLASSIFICATION_NAMES``). The upload page and
the sample file are written from these tables, so the help and the reader cannot disagree.

Only the file's shape is handled here: its columns, the names of facts and classifications, and the
sample file. Reading any uploaded table (its type by content, its encoding, its records with the row
numbers Excel shows, its header, cells turned into numbers and dates) is ``portal.tabular``'s. What the
values mean for a loan is ``loans.services.imports``' business.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy

from loans.models import Classification, FactKind
from portal import tabular
from portal.identifiers.uscc import check_character
from portal.tabular import Column, SheetRows, SheetTexts, norm, text

CONTRACT = "contract"  # a contract row creates the loan; it is not a ledger fact


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


def _names(table: dict[str, tuple[str, ...]]) -> dict[str, str]:
    found = {}
    for key, aliases in table.items():
        for name in (key, str(key).replace("_", " "), *aliases):
            found[norm(name)] = str(key)
    return found


_FACTS = _names(FACT_NAMES)
_CLASSES = _names(CLASSIFICATION_NAMES)


def fact_named(value) -> str | None:
    """The fact (or CONTRACT) a cell names, in either language; None when unknown."""
    return _FACTS.get(norm(text(value)))


def classification_named(value) -> str:
    return _CLASSES.get(norm(text(value)), "")


# The header and file messages that are not about loan facts are portal.tabular's.
TEXTS = SheetTexts(no_rows=gettext_lazy("The file has a header row but no facts."))


def read_rows(content: bytes) -> SheetRows:
    """The header and the fact rows of an uploaded file (``portal.tabular.read_rows``); raises
    ImportFileError."""
    return tabular.read_rows(
        content,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        texts=TEXTS,
        max_bytes=tabular.max_upload_bytes(settings.LOAN_IMPORT_MAX_MB),
    )


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
