"""Chinese first, English complete (issue 11): every message of the portal has its Chinese translation.

Chinese is the portal's primary language, so an entry of ``locale/zh_Hans/LC_MESSAGES/django.po`` with an
empty ``msgstr`` (any plural form) or flagged ``fuzzy`` shows English, or a guess, to a Chinese user; this
test fails listing every such entry. It also checks that ``django.mo`` was compiled from the current
``django.po`` (``manage.py compile_translations``): Django reads only the ``.mo``, so a translation added to the ``.po`` but not compiled is
still missing on the page. The check compares contents, not modification times, because a git checkout
writes both files in the same instant in no guaranteed order.

The parser is a small one on the standard library (the PO format as GNU gettext documents it), so the
test reads exactly what ``msgfmt`` reads.
"""

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings

PO = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CONTEXT_GLUE = "\x04"  # gettext joins a context and its msgid with EOT in the compiled catalogue

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\", "a": "\a", "b": "\b", "f": "\f", "v": "\v"}
_KEYWORD = re.compile(r"^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(\".*\")\s*$")


@dataclass
class Entry:
    line: int
    msgid: str = ""
    msgctxt: str | None = None
    msgid_plural: str | None = None
    # msgstr by plural index; a singular entry has only index 0.
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    @property
    def fuzzy(self) -> bool:
        return "fuzzy" in self.flags

    @property
    def key(self) -> str:
        return self.msgid if self.msgctxt is None else f"{self.msgctxt}{CONTEXT_GLUE}{self.msgid}"

    def label(self) -> str:
        context = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {context}{self.msgid!r}"


def _unquote(literal: str, line: int) -> str:
    if len(literal) < 2 or literal[0] != '"' or literal[-1] != '"':
        raise ValueError(f"line {line}: expected a quoted string, got {literal!r}")
    body, out, i = literal[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            if i + 1 >= len(body) or body[i + 1] not in _ESCAPES:
                raise ValueError(f"line {line}: bad escape in {literal!r}")
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_po(path: Path) -> list[Entry]:
    """The active entries of a PO file, header included (``msgid ""``); obsolete ``#~`` entries are left
    out, as msgfmt leaves them out."""
    entries: list[Entry] = []
    current: Entry | None = None
    pending_flags: set[str] = set()
    target: tuple[str, int | None] | None = None  # the field a continuation line appends to

    def finish():
        nonlocal current
        if current is not None:
            entries.append(current)
        current = None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text:
            continue
        if text.startswith("#"):
            if text.startswith("#,"):
                if current is not None and current.msgstr:
                    finish()
                pending_flags |= {flag.strip() for flag in text[2:].split(",") if flag.strip()}
            elif text.startswith("#~"):
                target = None  # obsolete entry: not compiled, not checked
            elif current is not None and current.msgstr:
                finish()  # a comment after a complete entry starts the next one
            continue
        if text.startswith('"'):
            if target is None:
                raise ValueError(f"{path}:{number}: a string with no keyword before it")
            value = _unquote(text, number)
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        match = _KEYWORD.match(text)
        if match is None:
            raise ValueError(f"{path}:{number}: cannot read {raw!r}")
        keyword, index, literal = match.group(1), match.group(2), match.group(3)
        value = _unquote(literal, number)
        if keyword in ("msgctxt", "msgid") and (current is None or current.msgstr):
            finish()
            current = Entry(line=number, flags=pending_flags)
            pending_flags = set()
        if current is None:
            raise ValueError(f"{path}:{number}: {keyword} before msgid")
        if keyword.startswith("msgstr"):
            position = int(index) if index is not None else 0
            current.msgstr[position] = value
            target = ("msgstr", position)
        else:
            setattr(current, keyword, value)
            target = (keyword, None)
    finish()
    return entries


def plural_count(entries: list[Entry]) -> int:
    header = next((entry for entry in entries if entry.msgid == "" and entry.msgctxt is None), None)
    found = re.search(r"nplurals\s*=\s*(\d+)", header.msgstr.get(0, "")) if header else None
    return int(found.group(1)) if found else 1


def incomplete(entries: list[Entry]) -> list[str]:
    """Every message entry a Chinese reader would not see in Chinese: fuzzy, or a form left empty."""
    forms = plural_count(entries)
    problems = []
    for entry in entries:
        if entry.msgid == "" and entry.msgctxt is None:
            continue  # the header
        if entry.fuzzy:
            problems.append(f"{entry.label()} is fuzzy")
            continue
        indexes = range(forms) if entry.msgid_plural is not None else (0,)
        empty = [index for index in indexes if not entry.msgstr.get(index)]
        if empty:
            where = "" if entry.msgid_plural is None else f" (plural form {', '.join(map(str, empty))})"
            problems.append(f"{entry.label()} has no translation{where}")
    return problems


def compiled_catalogue(entries: list[Entry]) -> dict:
    """What msgfmt would write for these entries, keyed as :class:`gettext.GNUTranslations` reads them."""
    catalogue = {}
    for entry in entries:
        if (entry.msgid == "" and entry.msgctxt is None) or entry.fuzzy:
            continue
        if entry.msgid_plural is None:
            if entry.msgstr.get(0):
                catalogue[entry.key] = entry.msgstr[0]
        elif entry.msgstr and all(entry.msgstr.values()):
            for index, text in entry.msgstr.items():
                catalogue[(entry.key, index)] = text
    return catalogue


def mo_mismatches(entries: list[Entry], mo_path: Path) -> list[str]:
    """Differences between the compiled ``.mo`` and the ``.po`` it should have been compiled from."""
    with mo_path.open("rb") as handle:
        compiled = dict(gettext.GNUTranslations(handle)._catalog)  # the parsed catalogue
    compiled.pop("", None)  # the header
    expected = compiled_catalogue(entries)
    problems = []
    for key, text in expected.items():
        if key not in compiled:
            problems.append(f"{key!r} is translated in the .po but missing from the .mo")
        elif compiled[key] != text:
            problems.append(f"{key!r} differs: .po {text!r}, .mo {compiled[key]!r}")
    # Babel compiles a plural with an empty form, filling in the English; the completeness test reports it.
    plural_keys = {entry.key for entry in entries if entry.msgid_plural is not None}
    extra = [
        key
        for key in compiled.keys() - expected.keys()
        if not (isinstance(key, tuple) and key[0] in plural_keys)
    ]
    problems += [f"{key!r} is in the .mo but not in the .po" for key in extra]
    return problems


# ---------------------------------------------------------------------------------------------------------


def test_every_message_has_its_chinese_translation():
    problems = incomplete(parse_po(PO))
    assert not problems, (
        f"{len(problems)} entries of {PO.relative_to(settings.BASE_DIR)} are not translated:\n"
        + "\n".join(problems)
    )


def test_the_compiled_catalogue_is_compiled_from_the_current_po():
    assert MO.exists(), f"{MO} is missing: run `python manage.py compile_translations`"
    problems = mo_mismatches(parse_po(PO), MO)
    assert not problems, (
        f"{MO.name} is older than {PO.name}: run `python manage.py compile_translations` "
        "(it skips a .mo not older than the .po by its time: touch the .po first).\n"
        + "\n".join(problems[:50])
    )


SAMPLE = r"""# header comment
msgid ""
msgstr ""
"Language: zh_Hans\n"
"Plural-Forms: nplurals=1; plural=0;\n"

#: a.py:1
msgid "Plain"
msgstr "普通"

#: a.py:2
msgid ""
"A long "
"message with a \"quote\"\n"
msgstr ""
"一条"
"长消息"

#, fuzzy, python-format
msgid "Guessed %(n)s"
msgstr "猜的 %(n)s"

msgctxt "legal status"
msgid "In force"
msgstr "有效"

msgid "%(count)d day"
msgid_plural "%(count)d days"
msgstr[0] "%(count)d天"

msgid "%(count)d month"
msgid_plural "%(count)d months"
msgstr[0] ""

msgid "Missing"
msgstr ""

#~ msgid "Old"
#~ msgstr ""
"""


def test_the_parser_reads_every_kind_of_entry(tmp_path):
    path = tmp_path / "django.po"
    path.write_text(SAMPLE, encoding="utf-8")
    entries = parse_po(path)
    by_id = {entry.key: entry for entry in entries}
    assert len(entries) == 8  # header + 7 entries; the obsolete one is not read
    assert by_id['A long message with a "quote"\n'].msgstr == {0: "一条长消息"}
    assert by_id["Guessed %(n)s"].fuzzy and not by_id["Plain"].fuzzy
    assert by_id[f"legal status{CONTEXT_GLUE}In force"].msgstr == {0: "有效"}
    assert by_id["%(count)d day"].msgid_plural == "%(count)d days"
    assert incomplete(entries) == [
        "line 20: 'Guessed %(n)s' is fuzzy",
        "line 31: '%(count)d month' has no translation (plural form 0)",
        "line 35: 'Missing' has no translation",
    ]


def test_a_stale_mo_is_caught(tmp_path):
    """A .mo compiled before the last .po edit misses the new translation and keeps the old one."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    po, mo = tmp_path / "django.po", tmp_path / "django.mo"
    po.write_text(SAMPLE, encoding="utf-8")
    with po.open("rb") as po_file, mo.open("wb") as mo_file:
        write_mo(mo_file, read_po(po_file, locale="zh_Hans"), use_fuzzy=False)
    assert mo_mismatches(parse_po(po), mo) == []

    po.write_text(
        SAMPLE.replace('msgstr "普通"', 'msgstr "普通文本"').replace(
            'msgid "Missing"\nmsgstr ""', 'msgid "Missing"\nmsgstr "缺"'
        ),
        encoding="utf-8",
    )
    assert mo_mismatches(parse_po(po), mo) == [
        "'Plain' differs: .po '普通文本', .mo '普通'",
        "'Missing' is translated in the .po but missing from the .mo",
    ]
