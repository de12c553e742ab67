"""Periodic jobs that run once per scheduled minute, however many workers schedule them.

Huey's scheduler runs in every consumer: with two workers on one Redis, each enqueues every
periodic job when its minute comes, and each job would run twice. `periodic` is
db_periodic_task plus a claim: the scheduler stamps each enqueued job with the minute it fired
for (the slot), and the worker that starts the job first inserts (task, slot) into
PeriodicRun, whose unique constraint refuses the others; they skip it. The claim is its own
short transaction, committed before the job runs, so a slow job holds no lock on it.

A worker killed between its claim and the end of the job loses that slot's run: the next
slot runs the job again, and every periodic job recomputes its state (reminder rounds,
counts, escalations), so nothing is lost for good, as before. Called directly (tests, a
worker's start-up sweep) the job has no slot and runs unclaimed.
"""

import datetime as dt
import functools
import logging
import os
import socket
from collections.abc import Callable
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY, db_periodic_task

from bastion.ops.models import PeriodicRun

logger = logging.getLogger(__name__)

KEEP = dt.timedelta(days=7)  # claims older than this are pruned
STAMP = "periodic_run"  # the keyword the scheduler's stamp travels under


def periodic(schedule: Callable[[dt.datetime], bool], **options: Any) -> Callable:
    """`@periodic(crontab(…))`: db_periodic_task(schedule), run once per scheduled minute
    across every worker. Every periodic job of the project is declared with it."""

    def decorator(fn: Callable) -> Any:
        name = f"{fn.__module__}.{fn.__name__}"

        @functools.wraps(fn)
        def once(*args: Any, **kwargs: Any) -> Any:
            stamp = kwargs.pop(STAMP, None)
            if stamp is not None:
                slot = stamp["slot"]
                claimed = periodic_claim(
                    task=name,
                    slot=dt.datetime.fromisoformat(slot),
                    run_id=stamp["id"],
                    worker=_worker(),
                )
                if not claimed:
                    logger.info("periodic %s for %s: skipped, another worker ran it", name, slot)
                    return None
                logger.info("periodic %s for %s: running", name, slot)
            return fn(*args, **kwargs)

        wrapper = db_periodic_task(schedule, **options)(once)
        wrapper.task_class.validate_datetime = _stamping(schedule)
        wrapper.task_class.claimed_per_slot = True
        return wrapper

    return decorator


def _stamping(schedule: Callable[[dt.datetime], bool]) -> Callable:
    """validate_datetime of a periodic task: due at `timestamp`, and if so stamped with it.

    Huey's scheduler asks a fresh task instance whether it is due and enqueues that instance,
    so the stamp set here is what the worker receives."""

    def validate_datetime(task: Any, timestamp: dt.datetime) -> bool:
        if not schedule(timestamp):
            return False
        task.kwargs[STAMP] = {"slot": slot_of(timestamp).isoformat(), "id": task.id}
        return True

    return validate_datetime


def slot_of(timestamp: dt.datetime) -> dt.datetime:
    """The scheduled minute of a scheduler's timestamp (naive UTC when Huey runs on UTC)."""
    if timezone.is_naive(timestamp):
        zone = dt.UTC if HUEY.utc else timezone.get_default_timezone()
        timestamp = timestamp.replace(tzinfo=zone)
    return timestamp.astimezone(dt.UTC).replace(second=0, microsecond=0)


def _worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:200]


def periodic_claim(*, task: str, slot: dt.datetime, run_id: str, worker: str) -> bool:
    """Claim `task`'s run for `slot`: True for the first claimant (and a retry of its run),
    False for every other."""
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(task=task, slot=slot, run_id=run_id, worker=worker)
    except IntegrityError:
        return PeriodicRun.objects.filter(task=task, slot=slot, run_id=run_id).exists()
    return True


def periodic_runs_prune(*, now: dt.datetime) -> int:
    """Delete the claims of slots older than KEEP; how many."""
    deleted, _per_model = PeriodicRun.objects.filter(slot__lt=now - KEEP).delete()
    return deleted
