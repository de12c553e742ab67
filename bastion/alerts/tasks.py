"""The daily cycle's minute tick: missing-check-in rules, escalations and reminders."""

import logging

from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import HUEY
from huey.exceptions import TaskLockedException

from bastion.alerts.services import daily_cycle_run
from bastion.ops.periodic import periodic

logger = logging.getLogger(__name__)
# Made once, here, so that Huey knows the lock's name and a starting worker clears it when a
# killed one left it held (settings.HUEY["consumer"]["flush_locks"]).
DAILY_CYCLE_LOCK = HUEY.lock_task("daily-cycle-tick")


@periodic(crontab(minute="*"))
def daily_cycle_tick() -> dict[str, int]:
    """Every minute, for the active campaign: missing rules, escalations, reminders."""
    # Each step is idempotent; the lock only spares a second worker a tick of finding nothing.
    try:
        with DAILY_CYCLE_LOCK:
            return daily_cycle_run(now=timezone.now())
    except TaskLockedException:
        logger.info("daily cycle tick skipped: another worker is running one")
        return {}
