"""The key-area ledger as an xlsx, as an office prints it: streamed, abnormal rows highlighted."""

import datetime as dt
import tempfile
from collections.abc import Iterable

from django.utils.translation import gettext as _

from bastion.campaigns.models import RiskLevel
from bastion.lib import divisions
from bastion.lib.sheets import ExportStamp, by_health, xlsx_table
from bastion.org.models import HealthStatus, PersonKind
from bastion.tracing.ledgers import ledger_title
from bastion.tracing.selectors import LedgerEntry


def key_area_ledger_xlsx(
    *,
    title: str,
    entries: Iterable[LedgerEntry],
    scope_name: str,
    day: dt.date,
    exporter: str,
    show_phone: bool,
    stamp: ExportStamp,
) -> tempfile.SpooledTemporaryFile:
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
    kinds = {value: str(label) for value, label in PersonKind.choices}
    statuses = {value: str(label) for value, label in HealthStatus.choices}
    risks = {value: str(label) for value, label in RiskLevel.choices}

    def rows():
        for entry in entries:
            area = entry.area
            if area.division not in names:
                names[area.division] = divisions.full_name(area.division)
            values = [
                entry.number,
                entry.name,
                kinds[entry.kind],
                entry.unit_name,
                names[area.division],
                risks[area.risk_level],
                entry.last_day.isoformat(),
                statuses[entry.health_status],
                entry.health_reason,
                entry.phone if show_phone else entry.phone_masked,
            ]
            yield by_health(values, entry.health_status)

    title = ledger_title(what=title, scope_name=scope_name, day=day, exporter=exporter)
    return xlsx_table(sheet=_("Key areas"), title=title, columns=columns, rows=rows(), stamp=stamp)
