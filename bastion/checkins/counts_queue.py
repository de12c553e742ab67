"""Coalesced refreshes of the per-unit daily counts after check-ins.

At the morning peak hundreds of people of one unit check in within seconds; recomputing the
unit's counts after each of them is most of a check-in's cost. With
BASTION_COUNTS_COALESCE_SECONDS > 0 (the default when DEBUG is off) each process gathers the
units touched and refreshes each of them once per interval, in one grouped call, on a
background thread. With 0 (laptop and tests) the refresh runs at once. A refresh lost to a
crash heals at the next periodic tick of reports.counts.
"""

import atexit
import datetime as dt
import logging
import threading
import time

from django.conf import settings
from django.db import close_old_connections, connection

from bastion.campaigns.models import Campaign

log = logging.getLogger(__name__)


def _refresh(campaign: Campaign, day: dt.date, unit_ids: set[int]) -> None:
    from bastion.reports.counts import unit_day_counts_refresh

    unit_day_counts_refresh(campaign=campaign, day=day, unit_ids=sorted(unit_ids))


class CountsQueue:
    """Units whose counts are due, per (campaign, day); flushed by one daemon thread."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pending: dict[tuple[int, dt.date], tuple[Campaign, set[int]]] = {}
        self._thread: threading.Thread | None = None

    def add(self, *, campaign: Campaign, day: dt.date, unit_id: int) -> None:
        """Refresh this unit's counts now, or within the interval if coalescing is on."""
        interval = getattr(settings, "BASTION_COUNTS_COALESCE_SECONDS", 0)
        if not interval:
            _refresh(campaign, day, {unit_id})
            return
        with self._lock:
            entry = self._pending.setdefault((campaign.pk, day), (campaign, set()))
            entry[1].add(unit_id)
            if self._thread is None or not self._thread.is_alive():
                # Started lazily, so each forked server worker has its own thread.
                self._thread = threading.Thread(
                    target=self._run, args=(interval,), name="counts-queue", daemon=True
                )
                self._thread.start()

    def flush(self) -> None:
        """Refresh every pending unit now (one grouped call per campaign and day)."""
        with self._lock:
            pending, self._pending = self._pending, {}
        for (_pk, day), (campaign, unit_ids) in pending.items():
            try:
                _refresh(campaign, day, unit_ids)
            except Exception:
                log.exception("counts refresh of %d units failed; the tick heals it", len(unit_ids))

    def _run(self, interval: float) -> None:
        while True:
            time.sleep(interval)
            close_old_connections()
            self.flush()
            connection.close_if_unusable_or_obsolete()


QUEUE = CountsQueue()
atexit.register(QUEUE.flush)
