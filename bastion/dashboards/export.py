"""The list of who has not checked in as an xlsx: streamed rows, abnormal rows highlighted."""

import datetime as dt
import tempfile
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill

from bastion.org.models import HealthStatus, Person, Unit

HIGHLIGHT = {
    HealthStatus.RED: PatternFill("solid", fgColor="F8D7DA"),
    HealthStatus.YELLOW: PatternFill("solid", fgColor="FFF3CD"),
}
BOLD = Font(bold=True)


def missing_people_xlsx(
    *,
    people: Iterable[Person],
    unit: Unit,
    day: dt.date,
    exporter: str,
    show_phone: bool,
) -> tempfile.SpooledTemporaryFile:
    """Write the list into a spooled file (write-only workbook: rows go out as they come)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Not checked in"))
    headers = [
        _("Number"),
        _("Name"),
        _("Kind"),
        _("Unit"),
        _("Grid"),
        _("Phone"),
        _("Last check-in"),
        _("Health status"),
        _("Why"),
    ]
    for letter, width in zip("ABCDEFGHI", (14, 10, 8, 28, 22, 14, 12, 14, 30), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = "A3"
    title = _("Not checked in: %(unit)s, %(day)s. Exported by %(who)s at %(time)s.") % {
        "unit": unit.name,
        "day": day.isoformat(),
        "who": exporter,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    cell = WriteOnlyCell(sheet, value=title)
    cell.font = BOLD
    sheet.append([cell])
    header_cells = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.font = BOLD
        header_cells.append(cell)
    sheet.append(header_cells)
    for person in people:
        values = [
            person.number,
            person.name,
            person.get_kind_display(),
            person.unit.name,
            person.grid.name if person.grid else "",
            person.phone if show_phone else person.phone_masked,
            person.last_checkin_day.isoformat() if person.last_checkin_day else "",
            person.get_health_status_display(),
            person.health_reason,
        ]
        fill = HIGHLIGHT.get(person.health_status)
        if fill is None:
            sheet.append(values)
            continue
        row = []
        for value in values:
            cell = WriteOnlyCell(sheet, value=value)
            cell.fill = fill
            row.append(cell)
        sheet.append(row)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
    book.save(out)
    out.seek(0)
    return out
