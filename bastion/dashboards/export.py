"""The list of who has not checked in as an xlsx: streamed rows, abnormal rows highlighted."""

import datetime as dt
import tempfile
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.lib.sheets import ExportStamp, by_health, xlsx_table
from bastion.org.models import Person, Unit


def missing_people_xlsx(
    *,
    people: Iterable[Person],
    unit: Unit,
    day: dt.date,
    exporter: str,
    show_phone: bool,
    stamp: ExportStamp,
) -> tempfile.SpooledTemporaryFile:
    """The list as an office prints it (bastion.lib.sheets), abnormal rows highlighted."""
    title = _("Not checked in: %(unit)s, %(day)s. Exported by %(who)s at %(time)s.") % {
        "unit": unit.name,
        "day": day.isoformat(),
        "who": exporter,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    columns = [
        (_("Number"), 14),
        (_("Name"), 10),
        (_("Kind"), 8),
        (_("Unit"), 28),
        (_("Grid"), 22),
        (_("Phone"), 14),
        (_("Last check-in"), 12),
        (_("Health status"), 14),
        (_("Why"), 30),
    ]

    def rows():
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
            yield by_health(values, person.health_status)

    return xlsx_table(
        sheet=_("Not checked in"), title=title, columns=columns, rows=rows(), stamp=stamp
    )
