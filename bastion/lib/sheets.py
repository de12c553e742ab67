"""Spreadsheets as an office prints them: a title row (what, where, who exported it and when),
a bold header, fixed column widths, the header frozen, rows streamed as they come."""

import tempfile
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

BOLD = Font(bold=True)
# Rows of people whose health status is not green, as the dashboards colour them.
HEALTH_FILLS = {
    "red": PatternFill("solid", fgColor="F8D7DA"),
    "yellow": PatternFill("solid", fgColor="FFF3CD"),
}


def by_health(values: Sequence[object], status: str) -> Sequence[object] | tuple:
    """A row for xlsx_table, highlighted when `status` (a health status) is not green."""
    fill = HEALTH_FILLS.get(status)
    return values if fill is None else (values, fill)


def xlsx_table(
    *,
    sheet: str,
    title: str,
    columns: Sequence[tuple[str, float]],
    rows: Iterable[Sequence[object] | tuple[Sequence[object], PatternFill]],
) -> tempfile.SpooledTemporaryFile:
    """One sheet: `columns` are (header, width); a row is its values, or (values, fill) to
    highlight it. A write-only workbook into a spooled file: memory stays flat however many
    rows there are."""
    book = Workbook(write_only=True)
    out_sheet = book.create_sheet(sheet)
    for i, (_header, width) in enumerate(columns, start=1):
        out_sheet.column_dimensions[get_column_letter(i)].width = width
    out_sheet.freeze_panes = "A3"
    cell = WriteOnlyCell(out_sheet, value=title)
    cell.font = BOLD
    out_sheet.append([cell])
    headers = []
    for header, _width in columns:
        cell = WriteOnlyCell(out_sheet, value=header)
        cell.font = BOLD
        headers.append(cell)
    out_sheet.append(headers)
    for row in rows:
        if isinstance(row, tuple) and len(row) == 2 and isinstance(row[1], PatternFill):
            values, fill = row
            cells = []
            for value in values:
                cell = WriteOnlyCell(out_sheet, value=value)
                cell.fill = fill
                cells.append(cell)
            out_sheet.append(cells)
        else:
            out_sheet.append(list(row))
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(out)
    out.seek(0)
    return out
