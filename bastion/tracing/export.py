"""The key-area ledger as an xlsx, as an office prints it: streamed, abnormal rows highlighted."""

import datetime as dt
import tempfile
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from bastion.dashboards.export import HIGHLIGHT
from bastion.lib import divisions
from bastion.lib.sheets import xlsx_table
from bastion.tracing.selectors import LedgerEntry


def key_area_ledger_xlsx(
    *,
    entries: Iterable[LedgerEntry],
    scope_name: str,
    day: dt.date,
    exporter: str,
    show_phone: bool,
) -> tempfile.SpooledTemporaryFile:
    title = _(
        "Ledger of people in or back from key areas: %(scope)s, %(day)s. "
        "Exported by %(who)s at %(time)s."
    ) % {
        "scope": scope_name,
        "day": day.isoformat(),
        "who": exporter,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }
    columns = [
        (_("Number"), 14),
        (_("Name"), 10),
        (_("Kind"), 8),
        (_("Unit"), 28),
        (_("Key area"), 22),
        (_("Risk level"), 10),
        (_("Last day there"), 14),
        (_("Health status"), 14),
        (_("Why"), 30),
        (_("Phone"), 14),
    ]
    names: dict[str, str] = {}

    def rows():
        for entry in entries:
            person, area = entry.person, entry.area
            if area.division not in names:
                names[area.division] = divisions.full_name(area.division)
            values = [
                person.number,
                person.name,
                person.get_kind_display(),
                person.unit.name,
                names[area.division],
                area.get_risk_level_display(),
                entry.last_day.isoformat(),
                person.get_health_status_display(),
                person.health_reason,
                person.phone if show_phone else person.phone_masked,
            ]
            fill = HIGHLIGHT.get(person.health_status)
            yield values if fill is None else (values, fill)

    return xlsx_table(sheet=_("Key areas"), title=title, columns=columns, rows=rows())
