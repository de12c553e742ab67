"""An item's ledger (物资台账) as an xlsx: the same columns as the page, a title line saying
which item, who exported it and when."""

import datetime as dt
import tempfile
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bastion.lib.sheets import ExportStamp, xlsx_table
from bastion.supplies.models import MovementKind, SupplyItem, SupplyMovement


def ledger_columns() -> list[tuple[str, float]]:
    """The ledger's columns, (header, width): the page shows the same."""
    return [
        (_("Time"), 17),
        (_("Store"), 16),
        (_("Movement"), 12),
        (pgettext("stock ledger", "Change"), 9),
        (_("Balance after"), 10),
        (_("To or from"), 20),
        (_("Handled by"), 10),
        (_("Note"), 30),
    ]


def ledger_row(movement: SupplyMovement) -> list[object]:
    by = movement.by
    who = (by.person.name if by.person_id else by.get_username()) if by else ""
    return [
        timezone.localtime(movement.at).replace(tzinfo=None),
        movement.store.name,
        str(MovementKind(movement.kind).label),
        movement.change,
        movement.balance,
        movement.unit.name if movement.unit_id else "",
        who,
        movement.note,
    ]


def ledger_xlsx(
    *,
    item: SupplyItem,
    movements: Iterable[SupplyMovement],
    exporter: str,
    now: dt.datetime,
    stamp: ExportStamp,
) -> tempfile.SpooledTemporaryFile:
    title = _("Ledger of %(item)s (%(measure)s). Exported by %(who)s at %(time)s.") % {
        "item": item.name,
        "measure": item.unit_of_measure,
        "who": exporter,
        "time": timezone.localtime(now).strftime("%Y-%m-%d %H:%M"),
    }
    return xlsx_table(
        sheet=item.name,
        title=title,
        columns=ledger_columns(),
        rows=(ledger_row(m) for m in movements),
        stamp=stamp,
    )
