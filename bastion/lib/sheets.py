"""Spreadsheets as an office prints them: a title row (what, where, who exported it and when),
a bold header, fixed column widths, the header frozen, rows streamed as they come.

Every sheet is stamped here, so no export can forget it: the footer of every printed page and
the file's own properties (author, time, description) say who exported it, when, and under
which reference the export is in the audit trail (the callers' title lines name the exporter
too, on screen); the stamp's `done` is told the number of rows, which records
the export (bastion.audit.services.audit_export makes stamps).

The workbook is written as its XML parts straight into a zip, a row at a time: openpyxl's
write-only mode builds a cell object for every value, and for a 50,000-row ledger that was
nine seconds in ten (7 s of a 10 s export on a slow machine; this writer: about 1 s). Files
are read back with openpyxl in the tests, and open in Excel, WPS and LibreOffice.
"""

import datetime as dt
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _


@dataclass(frozen=True)
class Highlight:
    """A row's background colour (RRGGBB)."""

    color: str


@dataclass(frozen=True)
class ExportStamp:
    """Who exported a file and when, and its reference in the audit trail; `done` is called
    with the number of rows once the file is written."""

    who: str
    at: dt.datetime
    ref: str
    done: Callable[[int], None]

    @property
    def line(self) -> str:
        return _("Exported from Bastion by %(who)s at %(time)s, reference %(ref)s.") % {
            "who": self.who,
            "time": timezone.localtime(self.at).strftime("%Y-%m-%d %H:%M"),
            "ref": self.ref,
        }


def stamp_workbook(book, stamp: ExportStamp, *, title: str, rows: int) -> None:
    """Stamp a workbook made with openpyxl (several sheets) as xlsx_table stamps its own: the
    printed footer of every sheet and the file's properties; then `done`."""
    book.properties.title = title
    book.properties.creator = book.properties.lastModifiedBy = stamp.who
    book.properties.created = book.properties.modified = stamp.at.astimezone(dt.UTC).replace(
        tzinfo=None
    )
    book.properties.description = stamp.line
    book.properties.keywords = stamp.ref
    for sheet in book.worksheets:
        sheet.oddFooter.left.text = stamp.line.replace("&", "&&")[:200]
        sheet.oddFooter.right.text = "&P / &N"
    stamp.done(rows)


# Rows of people whose health status is not green, as the dashboards colour them.
HEALTH_FILLS = {"red": Highlight("F8D7DA"), "yellow": Highlight("FFF3CD")}

Row = Sequence[object] | tuple[Sequence[object], Highlight]


def by_health(values: Sequence[object], status: str) -> Row:
    """A row for xlsx_table, highlighted when `status` (a health status) is not green."""
    fill = HEALTH_FILLS.get(status)
    return values if fill is None else (values, fill)


# Characters XML 1.0 cannot carry (a stray control character pasted into a note).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_NAME_BAD = re.compile(r"[\[\]:*?/\\]")

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '<Override PartName="/docProps/core.xml" '
    'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/'
    'relationships/metadata/core-properties" Target="docProps/core.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>'
)
_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
BOLD = 1  # the style index of bold text; fills follow


def _workbook(sheet: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
        f'<sheet name="{escape(sheet, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/>'
        "</sheets></workbook>"
    )


def _core(title: str, stamp: ExportStamp) -> str:
    """The file's properties: its title, who made it and when, and the stamp's line."""
    when = stamp.at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    who = escape(_ILLEGAL.sub("", stamp.who))
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(_ILLEGAL.sub('', title))}</dc:title>"
        f"<dc:creator>{who}</dc:creator><cp:lastModifiedBy>{who}</cp:lastModifiedBy>"
        f"<dc:description>{escape(_ILLEGAL.sub('', stamp.line))}</dc:description>"
        f"<cp:keywords>{escape(stamp.ref)}</cp:keywords>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        "</cp:coreProperties>"
    )


def _styles(colors: list[str]) -> str:
    """Two fonts (plain, bold), the two fills every workbook has, one per highlight colour;
    style 0 plain, 1 bold, 2… one per colour."""
    fills = "".join(
        f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/></patternFill></fill>'
        for c in colors
    )
    xfs = "".join(
        f'<xf numFmtId="0" fontId="0" fillId="{i + 2}" borderId="0" applyFill="1"/>'
        for i in range(len(colors))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<styleSheet xmlns="{_MAIN}">'
        '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
        '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
        f'<fills count="{len(colors) + 2}"><fill><patternFill patternType="none"/></fill>'
        f'<fill><patternFill patternType="gray125"/></fill>{fills}</fills>'
        '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
        '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        "</cellStyleXfs>"
        f'<cellXfs count="{len(colors) + 2}">'
        '<xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
        '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" applyFont="1"/>'
        f"{xfs}</cellXfs>"
        '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
        "</styleSheet>"
    )


def _cell(value: object, style: int) -> str:
    """One cell: a number as a number, anything else as text (days as 2020-02-01)."""
    s = f' s="{style}"' if style else ""
    if value is None or value == "":
        return f"<c{s}/>" if style else "<c/>"
    if isinstance(value, bool):
        value = "是" if value else "否"
    elif isinstance(value, int | float | Decimal):
        return f"<c{s}><v>{value}</v></c>"
    elif isinstance(value, dt.datetime):
        value = value.strftime("%Y-%m-%d %H:%M")
    elif isinstance(value, dt.date):
        value = value.isoformat()
    text = escape(_ILLEGAL.sub("", str(value)))
    return f'<c t="inlineStr"{s}><is><t xml:space="preserve">{text}</t></is></c>'


def xlsx_table(
    *,
    sheet: str,
    title: str,
    columns: Sequence[tuple[str, float]],
    rows: Iterable[Row],
    stamp: ExportStamp,
) -> tempfile.SpooledTemporaryFile:
    """One sheet: `columns` are (header, width); a row is its values, or (values, Highlight)
    to colour it. Written a row at a time into a spooled file: memory stays flat however many
    rows there are. The stamp goes into the printed footer and the file's properties; its
    `done` is told how many rows were written."""
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    colors: list[str] = []
    sheet = _SHEET_NAME_BAD.sub(" ", sheet)[:31] or "Sheet1"
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=5) as book:
        book.writestr("[Content_Types].xml", _CONTENT_TYPES)
        book.writestr("_rels/.rels", _ROOT_RELS)
        book.writestr("xl/workbook.xml", _workbook(sheet))
        book.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        book.writestr("docProps/core.xml", _core(title, stamp))
        with book.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            widths = "".join(
                f'<col min="{i}" max="{i}" width="{width}" customWidth="1"/>'
                for i, (_header, width) in enumerate(columns, start=1)
            )
            head = "".join(_cell(header, BOLD) for header, _width in columns)
            part.write(
                (
                    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}">'
                    '<sheetViews><sheetView workbookViewId="0">'
                    '<pane ySplit="2" topLeftCell="A3" activePane="bottomLeft" state="frozen"/>'
                    '<selection pane="bottomLeft" activeCell="A3" sqref="A3"/>'
                    "</sheetView></sheetViews>"
                    f"<cols>{widths}</cols><sheetData>"
                    f'<row r="1">{_cell(title, BOLD)}</row><row r="2">{head}</row>'
                ).encode()
            )
            buffer: list[str] = []
            number = 2
            for number, row in enumerate(rows, start=3):
                style = 0
                if isinstance(row, tuple) and len(row) == 2 and isinstance(row[1], Highlight):
                    row, fill = row
                    if fill.color not in colors:
                        colors.append(fill.color)
                    style = colors.index(fill.color) + 2
                cells = "".join(_cell(value, style) for value in row)
                buffer.append(f'<row r="{number}">{cells}</row>')
                if len(buffer) == 500:
                    part.write("".join(buffer).encode())
                    buffer.clear()
            # The stamp at the foot of every printed page ("&&" is a literal "&" there), and
            # the page number on the right.
            footer = escape(_ILLEGAL.sub("", stamp.line).replace("&", "&&")[:200])
            part.write(
                (
                    "".join(buffer) + "</sheetData>"
                    f"<headerFooter><oddFooter>&amp;L{footer}&amp;R&amp;P / &amp;N</oddFooter>"
                    "</headerFooter></worksheet>"
                ).encode()
            )
        book.writestr("xl/styles.xml", _styles(colors))
    out.seek(0)
    stamp.done(number - 2)
    return out
