"""The file a partner department uploads with enterprise indicators (issue 5): what it looks like and
how it is read.

One row per enterprise under a header row; headers in Chinese or English (``COLUMNS``), revenue bands
and yes/no answers in either language. The upload page and the sample file are written from these
tables, so the help and the reader cannot disagree.

The generic reading (file type by content, UTF-8 with or without a byte-order mark else GB18030, CSV
and XLSX records with Excel's row numbers, the zip-bomb and size limits, the header matched against
``COLUMNS``, cells to text and numbers) is ``portal.tabular``'s. Only the columns, the messages about
them and the meaning of each cell are the whitelist's. What a row means for an enterprise (is the code
registered?) is ``whitelist.imports``'.
"""

import functools
import unicodedata
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from portal import tabular
from portal.identifiers.uscc import check_character
from portal.tabular import Column, SheetRows, SheetTexts, decimal_value, listing, norm, text
from whitelist.models import CreditRating, RevenueBand

USCC, RD_RATIO, REVENUE, RATING, DISHONESTY, NAME = (
    "uscc",
    "rd_ratio_pct",
    "revenue_band",
    "credit_rating",
    "serious_dishonesty",
    "enterprise_name",
)

# Chinese names of the revenue bands, the first one written in the sample file and on the page. (The
# model's labels are English and translated later; a file from a department is written in Chinese.)
REVENUE_BAND_NAMES: dict[str, tuple[str, ...]] = {
    RevenueBand.UNDER_10M: ("1000万元以下", "1千万元以下", "小于1000万元", "不足1000万元"),
    RevenueBand.FROM_10M: ("1000万至5000万元", "1000万元至5000万元", "1千万至5千万元"),
    RevenueBand.FROM_50M: ("5000万至2亿元", "5000万元至2亿元", "5千万至2亿元"),
    RevenueBand.FROM_200M: ("2亿至10亿元", "2亿元至10亿元"),
    RevenueBand.OVER_1B: ("10亿元及以上", "10亿元以上", "10亿以上", "不低于10亿元"),
}
YES = ("是", "有", "yes", "y", "true", "1")
NO = ("否", "无", "no", "n", "false", "0")

# In the sample file's order. A header may be the key, the Chinese name or an alias; full-width
# brackets, spaces, case and a leading "*" (a template's "required" mark) do not matter.
COLUMNS: tuple[Column, ...] = (
    Column(
        USCC,
        "统一社会信用代码",
        gettext_lazy("Required. The enterprise's 18-character code; it must be registered in the portal."),
        ("credit_code", "enterprise_uscc", "企业统一社会信用代码", "社会信用代码", "信用代码"),
    ),
    Column(
        NAME,
        "企业名称",
        gettext_lazy("Optional, for the people reading the file; the portal goes by the credit code."),
        ("name", "enterprise", "企业"),
    ),
    Column(
        RD_RATIO,
        "研发投入占比(%)",
        gettext_lazy("Optional. R&D spending in percent of revenue, 0 to 100, at most two decimals: 4.25."),
        ("rd_ratio", "研发投入占比", "研发费用占比(%)", "研发费用占比"),
    ),
    Column(
        REVENUE,
        "营业收入区间",
        gettext_lazy("Optional. The annual revenue band, as its code or Chinese name (see below)."),
        ("revenue", "营业收入"),
    ),
    Column(
        RATING,
        "信用等级",
        gettext_lazy("Optional. One of AAA, AA, A, BBB, BB, B, C."),
        ("rating", "信用评级"),
    ),
    Column(
        DISHONESTY,
        "严重失信",
        gettext_lazy("Optional. 是 / 否, yes / no or 1 / 0; empty means no."),
        ("dishonesty", "严重失信记录", "是否严重失信"),
    ),
)
REQUIRED_COLUMNS = (USCC,)
INDICATOR_COLUMNS = (RD_RATIO, REVENUE, RATING, DISHONESTY)  # the columns written to EnterpriseIndicator


class CellError(ValueError):
    """A cell that does not say what its column asks; ``message`` says how to write it."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _lookup(pairs) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, key in pairs:
        found[norm(str(name))] = str(key)
    return found


_TRUTH = {norm(name): answer for answers, answer in ((YES, True), (NO, False)) for name in answers}


def _band_key(name: str) -> str:
    """Bands are written with every kind of dash or word between the bounds: fold them to one."""
    folded = norm(name)
    for separator in ("-", "~", "—", "–", "〜", "到"):
        folded = folded.replace(separator, "至")
    return folded


@functools.cache
def _band_names() -> dict[str, str]:
    """Every way of naming a band -> its value; built once (translations are fixed per process)."""
    pairs = [(band, band) for band in RevenueBand.values]
    pairs += [(name, band) for band, names in REVENUE_BAND_NAMES.items() for name in names]
    for language, _name in settings.LANGUAGES:  # the model's label in every language the portal speaks
        with translation.override(language):
            pairs += [(str(label), band) for band, label in RevenueBand.choices]
    return {_band_key(name): band for name, band in _lookup(pairs).items()}


# --- The file ------------------------------------------------------------------------------------------

# The header's messages name the credit code and the enterprises a department's file is about.
TEXTS = SheetTexts(
    empty=gettext_lazy("The file is empty: it has neither a header row nor any enterprise."),
    no_rows=gettext_lazy("The file has a header row but no enterprises under it."),
    unknown_column=gettext_lazy("Unknown column “%(column)s” in the header. The columns are: %(allowed)s."),
    repeated_column=gettext_lazy("The column “%(column)s” appears twice in the header."),
    missing_columns=gettext_lazy(
        "The header has no credit code column (uscc 统一社会信用代码). Is the first row the header? "
        "The columns are: %(allowed)s."
    ),
)


def max_upload_mb() -> int:
    """The size cap of a department's file, in MB (``WHITELIST_IMPORT_MAX_MB``)."""
    return settings.WHITELIST_IMPORT_MAX_MB


def read_rows(content: bytes) -> SheetRows:
    """The header and the data rows of an uploaded file (``portal.tabular.read_rows``); raises
    ImportFileError."""
    return tabular.read_rows(
        content,
        columns=COLUMNS,
        required=REQUIRED_COLUMNS,
        texts=TEXTS,
        max_bytes=tabular.max_upload_bytes(max_upload_mb()),
    )


# --- Cells -----------------------------------------------------------------------------------------------

_HUNDRED = Decimal(100)
_CENT = Decimal("0.01")


def credit_code(value) -> str:
    """The code as written, full-width characters folded and upper-cased ("" when empty)."""
    return unicodedata.normalize("NFKC", text(value)).replace(" ", "").upper()


def rd_ratio(value) -> Decimal | None:
    """Percent of revenue, 0 to 100, at most two decimals; a trailing "%" allowed; None when empty."""
    if isinstance(value, str):
        value = value.strip().removesuffix("%").removesuffix("％")
    try:
        ratio = decimal_value(value)
    except (ValueError, InvalidOperation):
        raise CellError(_("Write the R&D ratio as a plain number of percent, such as 4.25.")) from None
    if ratio is None:
        return None
    if not ratio.is_finite() or ratio < 0 or ratio > _HUNDRED:
        raise CellError(_("The R&D ratio is a percentage between 0 and 100."))
    if ratio != ratio.quantize(_CENT):
        raise CellError(
            _(
                "The R&D ratio has at most two decimals, such as 4.25 for 4.25%. (An Excel cell formatted "
                "as a percentage holds a fraction: write the number of percent instead.)"
            )
        )
    return ratio.quantize(_CENT)


def revenue_band(value) -> str:
    """The RevenueBand value the cell names, "" when empty."""
    written = text(value)
    if not written:
        return ""
    band = _band_names().get(_band_key(written))
    if band is None:
        raise CellError(
            _("Unknown revenue band. Use one of: %(bands)s.") % {"bands": listing(REVENUE_BAND_NAMES)}
        )
    return band


def credit_rating(value) -> str:
    """The CreditRating value the cell names ("aa" and "AA级" too), "" when empty."""
    written = norm(text(value)).removesuffix("级").upper()
    if not written:
        return ""
    if written not in CreditRating.values:
        raise CellError(
            _("Unknown credit rating. Use one of: %(ratings)s.") % {"ratings": ", ".join(CreditRating.values)}
        )
    return written


def serious_dishonesty(value) -> bool:
    """是/否, yes/no, 1/0 (and Excel's TRUE/FALSE); empty means no."""
    written = norm(text(value))
    if not written:
        return False
    answer = _TRUTH.get(written)
    if answer is None:
        raise CellError(_("Write 是 or 否 (yes or no, 1 or 0); leave it empty for no."))
    return answer


# --- The sample file -------------------------------------------------------------------------------------


def sample_rows(*, chinese: bool) -> list[list[str]]:
    """The sample file: the header and three enterprises, written as the page's language reads."""
    # Well-formed credit codes for the example; the department writes its enterprises'.
    bodies = ("91110108MA0000001", "91110105MA0000002", "91110114MA0000003")
    codes = [body + check_character(body) for body in bodies]
    names = {
        True: ("北京示例科技有限公司", "北京样本生物有限公司", "北京模板制造有限公司"),
        False: ("Example Tech Co.", "Sample Bio Co.", "Template Manufacturing Co."),
    }[chinese]
    bands = (RevenueBand.FROM_10M, RevenueBand.FROM_50M, RevenueBand.UNDER_10M)
    answers = (NO[0], YES[0]) if chinese else ("no", "yes")
    examples = zip(codes, names, ("6.50", "12.25", ""), bands, ("AA", "AAA", "B"), (0, 0, 1), strict=True)
    rows = [[column.chinese if chinese else column.key for column in COLUMNS]]
    for code, name, ratio, band, rating, dishonest in examples:
        written = {
            USCC: code,
            NAME: name,
            RD_RATIO: ratio,
            REVENUE: REVENUE_BAND_NAMES[band][0] if chinese else str(band),
            RATING: rating,
            DISHONESTY: answers[dishonest],
        }
        rows.append([written[column.key] for column in COLUMNS])
    return rows
