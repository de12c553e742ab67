"""The layout of Bastion's official documents (公文) in .docx: A4 with the margins of GB/T 9704,
the red header (红头), 仿宋_GB2312 body text at 三号 (16 pt) on a 28 pt line, 黑体 section
headings. Used by the daily briefing and the stories' collection.

Fonts are named, not embedded: Word on the university's machines has them (and substitutes
its own where one is missing); the East Asian name is set beside the Latin one, or Word keeps
its default for Chinese characters.
"""

import datetime as dt
import io
import logging

from django.utils.translation import gettext as _
from docx import Document
from docx.document import Document as DocumentType
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from bastion.lib.sheets import ExportStamp

log = logging.getLogger(__name__)

FANGSONG = "仿宋_GB2312"
HEI = "黑体"
KAI = "楷体_GB2312"
SONG = "宋体"
XIAOBIAOSONG = "方正小标宋简体"  # the red header's and titles' face
RED = RGBColor(0xE6, 0x00, 0x12)
BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
HEADER_SIZE = Pt(36)  # the red header's title (小初-like)
LINE = Pt(28)
PHOTO_WIDTH = Cm(14.5)


def date_words(day: dt.date) -> str:
    """A day as official documents write it: 2020年2月10日."""
    return _("%(year)d-%(month)d-%(day)d") % {"year": day.year, "month": day.month, "day": day.day}


def stamp(document: DocumentType, export: ExportStamp | None, *, title: str, rows: int) -> None:
    """Say in the file's properties who exported it, when, under which reference of the
    audit trail; then record the export (bastion.audit.services.audit_export)."""
    if export is None:
        return
    properties = document.core_properties
    properties.title = title
    properties.author = properties.last_modified_by = export.who
    properties.created = properties.modified = export.at.astimezone(dt.UTC).replace(tzinfo=None)
    properties.comments = export.line
    properties.keywords = export.ref
    export.done(rows)


def a4_document() -> DocumentType:
    """An empty A4 portrait document with the margins and body font of GB/T 9704."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    normal = document.styles["Normal"]
    normal.font.name = FANGSONG
    normal.font.size = BODY_SIZE
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)
    return document


def font(run: Run, name: str, size: Pt = BODY_SIZE, *, bold: bool = False, color=None) -> Run:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if color is not None:
        run.font.color.rgb = color
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), name)
    return run


def _paragraph(document: DocumentType, *, center: bool = False, exact: bool = True) -> Paragraph:
    paragraph = document.add_paragraph()
    fmt = paragraph.paragraph_format
    if exact:
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    if center:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return paragraph


def heading(
    document: DocumentType,
    text: str,
    *,
    size: Pt = BODY_SIZE,
    face: str = HEI,
    center: bool = False,
    color=None,
) -> Paragraph:
    paragraph = _paragraph(document, center=center, exact=size <= BODY_SIZE)
    if not center:
        paragraph.paragraph_format.first_line_indent = Pt(32)
    if size > BODY_SIZE:
        paragraph.paragraph_format.space_before = Pt(12)
        paragraph.paragraph_format.space_after = Pt(12)
    font(paragraph.add_run(text), face, size, bold=face != HEI, color=color)
    return paragraph


def line(
    document: DocumentType, text: str, *, face: str = FANGSONG, center: bool = False, right=False
) -> Paragraph:
    paragraph = _paragraph(document, center=center)
    if right:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    font(paragraph.add_run(text), face)
    return paragraph


def body(document: DocumentType, text: str) -> Paragraph:
    """A paragraph of body text, its first line indented by two characters."""
    paragraph = _paragraph(document)
    paragraph.paragraph_format.first_line_indent = Pt(32)
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    font(paragraph.add_run(text), FANGSONG)
    return paragraph


def rule(paragraph: Paragraph, *, color: str = "E60012", size: int = 18) -> None:
    """A line under the paragraph (the red rule under a red header)."""
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", str(size)), ("w:space", "6")):
        bottom.set(qn(key), value)
    bottom.set(qn("w:color"), color)
    borders.append(bottom)
    paragraph.paragraph_format.element.get_or_add_pPr().append(borders)


def red_header(document: DocumentType, *, title: str, number: str, left: str, right: str) -> None:
    """The red header of a briefing (简报): its name in red, the issue's number, the issuing
    office on the left and the day on the right, a red rule under them."""
    head = _paragraph(document, center=True, exact=False)
    head.paragraph_format.space_before = Pt(12)
    head.paragraph_format.space_after = Pt(12)
    font(head.add_run(title), XIAOBIAOSONG, HEADER_SIZE, bold=True, color=RED)
    font(_paragraph(document, center=True).add_run(number), FANGSONG)
    byline = _paragraph(document)
    byline.paragraph_format.space_before = Pt(12)
    section = document.sections[0]
    width = section.page_width - section.left_margin - section.right_margin
    byline.paragraph_format.tab_stops.add_tab_stop(width, alignment=WD_TAB_ALIGNMENT.RIGHT)
    font(byline.add_run(f"{left}\t{right}"), KAI)
    rule(byline)
    _paragraph(document)


def table(document: DocumentType, headers: list[str], rows: list[list[str]]) -> None:
    """A small table, 仿宋 at 四号 (14 pt), header row in 黑体."""
    grid = document.add_table(rows=1 + len(rows), cols=len(headers))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    for i, values in enumerate([headers, *rows]):
        for j, value in enumerate(values):
            cell = grid.rows[i].cells[j]
            paragraph = cell.paragraphs[0]
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER if j else WD_ALIGN_PARAGRAPH.LEFT
            font(paragraph.add_run(str(value)), HEI if i == 0 else FANGSONG, Pt(14))
    _paragraph(document)


def page_break(document: DocumentType) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def title_page(document: DocumentType, *, title: str, subtitle: str, issuer: str, day: dt.date):
    """A collection's cover: the title in the middle of the page, the issuer and day below."""
    for _blank in range(6):
        _paragraph(document)
    heading(document, title, size=Pt(26), face=XIAOBIAOSONG, center=True, color=RED)
    line(document, subtitle, face=KAI, center=True)
    for _blank in range(10):
        _paragraph(document)
    line(document, issuer, center=True)
    line(document, date_words(day), center=True)


def picture(document: DocumentType, content: bytes, content_type: str, *, caption: str) -> None:
    """A photo across the text width, its caption below in 楷体; a line in its place where Word
    cannot show it (WebP) or it does not read as an image."""
    paragraph = _paragraph(document, center=True, exact=False)
    placed = False
    if content_type in ("image/jpeg", "image/png"):
        try:
            paragraph.add_run().add_picture(io.BytesIO(content), width=PHOTO_WIDTH)
            placed = True
        except Exception:  # a file with an image's first bytes and a broken body
            log.warning("a story photo could not be placed in the document", exc_info=True)
    if not placed:
        font(paragraph.add_run(_("[Photo: see the stories page]")), KAI, Pt(14))
    if caption:
        font(_paragraph(document, center=True).add_run(caption), KAI, Pt(14))
