"""Streaming the cell values out of an xlsx file, fast: the subset a roster import needs.

openpyxl, even read-only, builds an object per cell and reads 50,000 rows in ~7 s; this reads
values only (shared, inline and formula strings, numbers, booleans) with the C XML parser.
Styles, dates and formulas are not interpreted: a cell is what Excel last stored in it.
"""

import io
import posixpath
import zipfile
from collections.abc import Iterator
from xml.parsers import expat

Row = tuple[int, list]  # (row number as Excel shows it, values by column from A)


class XlsxError(Exception):
    """The file is not an xlsx workbook this reader understands."""


def _local(tag: str) -> str:
    """A name without its prefix: transitional and strict OOXML use different namespaces."""
    return tag[tag.rfind(":") + 1 :]


def _column(ref: str) -> int:
    """0 for "A7", 27 for "AB3"."""
    index = 0
    for char in ref:
        if "A" <= char <= "Z":
            index = index * 26 + ord(char) - 64
        else:
            break
    return index - 1


def _elements(book: zipfile.ZipFile, path: str, name: str) -> list[dict[str, str]]:
    """The attributes of every <name> element of a small part of the package."""
    found: list[dict[str, str]] = []

    def start(tag: str, attrs: dict[str, str]) -> None:
        if _local(tag) == name:
            found.append({_local(k): v for k, v in attrs.items()})

    parser = _strict_parser()
    parser.StartElementHandler = start
    with book.open(path) as f:
        parser.ParseFile(f)
    return found


def _sheet_paths(book: zipfile.ZipFile) -> list[str]:
    """The worksheets' paths inside the package, in the workbook's order."""
    targets: dict[str, str] = {}
    for rel in _elements(book, "xl/_rels/workbook.xml.rels", "Relationship"):
        target = rel.get("Target", "")
        targets[rel.get("Id", "")] = (
            target.lstrip("/")
            if target.startswith("/")
            else posixpath.normpath(posixpath.join("xl", target))
        )
    sheets = [targets.get(s.get("id", ""), "") for s in _elements(book, "xl/workbook.xml", "sheet")]
    return [path for path in sheets if "worksheets/" in path]


def _refuse_dtd(*args: object) -> None:
    raise XlsxError("a DTD in an xlsx part")  # OOXML has none; entities only serve attacks


def _strict_parser() -> "expat.XMLParserType":
    parser = expat.ParserCreate()
    parser.StartDoctypeDeclHandler = _refuse_dtd
    parser.EntityDeclHandler = _refuse_dtd
    return parser


class _Handler:
    """Expat callbacks collecting cells into rows (expat skips building elements: ~3x faster)."""

    def __init__(self, shared: list[str], max_col: int) -> None:
        self.shared, self.max_col = shared, max_col
        self.rows: list[Row] = []
        self.values: list = []
        self.line = 0
        self.ref: str | None = None
        self.kind = "n"
        self.value: str | None = None
        self.text: list[str] = []
        self.inline: list[str] = []
        self.collecting = False
        self.locals: dict[str, str] = {}

    def local(self, tag: str) -> str:
        name = self.locals.get(tag)
        if name is None:
            name = self.locals[tag] = _local(tag)
        return name

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = self.local(tag)
        if name == "c":
            self.ref, self.kind, self.value, self.inline = (
                attrs.get("r"),
                attrs.get("t", "n"),
                None,
                [],
            )
        elif name in ("v", "t"):
            self.collecting, self.text = True, []
        elif name == "row":
            ref = attrs.get("r")
            self.line = int(ref) if ref else self.line + 1

    def end(self, tag: str) -> None:
        name = self.local(tag)
        if name == "v":
            self.value, self.collecting = "".join(self.text), False
        elif name == "t":
            self.inline.append("".join(self.text))
            self.collecting = False
        elif name == "c":
            self.cell()
        elif name == "row":
            self.rows.append((self.line, self.values))
            self.values = []

    def data(self, text: str) -> None:
        if self.collecting:
            self.text.append(text)

    def cell(self) -> None:
        col = _column(self.ref) if self.ref else len(self.values)
        if col >= self.max_col:
            return
        kind, value = self.kind, self.value
        if kind == "s" and value is not None:
            cell: object = self.shared[int(value)]
        elif kind == "inlineStr":
            cell = "".join(self.inline)
        elif kind == "b" and value is not None:
            cell = value == "1"
        elif kind == "n" and value:
            cell = _number(value)
        else:
            cell = value
        values = self.values
        if col >= len(values):
            values.extend([None] * (col - len(values) + 1))
        values[col] = cell


class _Strings(_Handler):
    """The shared-strings table: each <si>'s <t> runs joined, phonetic (<rPh>) runs left out."""

    def __init__(self) -> None:
        super().__init__([], 0)
        self.strings: list[str] = []
        self.phonetic = 0

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        name = self.local(tag)
        if name == "t" and not self.phonetic:
            self.collecting, self.text = True, []
        elif name == "rPh":
            self.phonetic += 1
        elif name == "si":
            self.inline = []

    def end(self, tag: str) -> None:
        name = self.local(tag)
        if name == "t" and self.collecting:
            self.inline.append("".join(self.text))
            self.collecting = False
        elif name == "rPh":
            self.phonetic -= 1
        elif name == "si":
            self.strings.append("".join(self.inline))


def _parser(handler: _Handler) -> "expat.XMLParserType":
    parser = _strict_parser()
    parser.StartElementHandler = handler.start
    parser.EndElementHandler = handler.end
    parser.CharacterDataHandler = handler.data
    parser.buffer_text = True
    return parser


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    handler = _Strings()
    with book.open("xl/sharedStrings.xml") as f:
        _parser(handler).ParseFile(f)
    return handler.strings


def _number(text: str) -> int | float:
    try:
        return int(text)
    except ValueError:
        return float(text)


def _rows(book: zipfile.ZipFile, path: str, shared: list[str], max_col: int) -> Iterator[Row]:
    handler = _Handler(shared, max_col)
    parser = _parser(handler)
    with book.open(path) as f:
        while chunk := f.read(1 << 16):
            parser.Parse(chunk, False)
            yield from handler.rows
            handler.rows = []
        parser.Parse(b"", True)
        yield from handler.rows


def iter_sheets(data: bytes, *, max_col: int = 60) -> Iterator[Iterator[Row]]:
    """For each worksheet in order, an iterator of its non-empty rows."""
    try:
        book = zipfile.ZipFile(io.BytesIO(data))
        shared = _shared_strings(book)
        paths = _sheet_paths(book)
    except (
        zipfile.BadZipFile,
        KeyError,
        expat.ExpatError,
        ValueError,
        OSError,
    ) as error:
        raise XlsxError(str(error)) from error
    for path in paths:
        yield _checked(_rows(book, path, shared, max_col))


def _checked(rows: Iterator[Row]) -> Iterator[Row]:
    try:
        yield from rows
    except (
        zipfile.BadZipFile,
        KeyError,
        IndexError,
        expat.ExpatError,
        ValueError,
        OSError,
        EOFError,
    ) as error:
        raise XlsxError(str(error)) from error
