"""Periodic jobs run once per scheduled minute, however many workers' schedulers enqueue them.

The schedulers are simulated as Huey's consumer runs them: `HUEY.read_periodic(timestamp)`
gives the jobs due at that minute, each stamped with it, and each is then enqueued (here, with
the suite's immediate Huey, run at once). Two schedulers are two such reads of one minute.
"""

import datetime as dt
import threading

import pytest
from django.db import connection, connections
from django.utils.module_loading import autodiscover_modules
from huey import crontab
from huey.contrib.djhuey import HUEY

from bastion.ops.models import PeriodicRun
from bastion.ops.periodic import periodic, periodic_claim, periodic_runs_prune, slot_of

T = dt.datetime(2020, 2, 10, 1, 30, 12)  # a scheduler's timestamp: naive UTC, as Huey's
SLOT = dt.datetime(2020, 2, 10, 1, 30, tzinfo=dt.UTC)


@pytest.fixture
def job():
    """A periodic job of the test's own, every minute, counting its runs."""
    runs: list[int] = []

    @periodic(crontab(minute="*"))
    def count_a_run() -> int:
        runs.append(1)
        return len(runs)

    count_a_run.runs = runs
    yield count_a_run
    count_a_run.unregister()


def schedule(job, timestamp: dt.datetime) -> int:
    """One scheduler's firing at `timestamp`: enqueue (run) the job if due; how many enqueued."""
    due = [t for t in HUEY.read_periodic(timestamp) if isinstance(t, job.task_class)]
    for task in due:
        HUEY.enqueue(task)
    return len(due)


def test_a_slot_is_claimed_once(db):
    assert periodic_claim(task="a", slot=SLOT, run_id="r1", worker="w1")
    assert not periodic_claim(task="a", slot=SLOT, run_id="r2", worker="w2")
    assert PeriodicRun.objects.get(task="a", slot=SLOT).worker == "w1"


def test_a_retry_of_the_claimed_run_may_run_again(db):
    assert periodic_claim(task="a", slot=SLOT, run_id="r1", worker="w1")
    assert periodic_claim(task="a", slot=SLOT, run_id="r1", worker="w1")
    assert PeriodicRun.objects.count() == 1


def test_the_next_minute_and_another_job_are_claims_of_their_own(db):
    assert periodic_claim(task="a", slot=SLOT, run_id="r1", worker="w1")
    assert periodic_claim(task="a", slot=SLOT + dt.timedelta(minutes=1), run_id="r2", worker="w1")
    assert periodic_claim(task="b", slot=SLOT, run_id="r3", worker="w1")
    assert PeriodicRun.objects.count() == 3


def test_the_slot_is_the_minute_the_scheduler_fired_for():
    assert slot_of(T) == SLOT
    assert slot_of(T.replace(tzinfo=dt.UTC) + dt.timedelta(hours=8)) == SLOT + dt.timedelta(hours=8)


def test_two_schedulers_firing_for_the_same_minute_run_the_job_once(db, job):
    assert schedule(job, T) == 1
    assert schedule(job, T + dt.timedelta(seconds=40)) == 1  # the other worker, same minute
    assert job.runs == [1]
    [run] = PeriodicRun.objects.filter(task__endswith=".count_a_run")
    assert run.slot == SLOT


def test_the_next_minute_runs_the_job_again(db, job):
    schedule(job, T)
    schedule(job, T + dt.timedelta(minutes=1))
    assert len(job.runs) == 2


def test_a_job_called_directly_runs_every_time_unclaimed(db, job):
    """Tests and a worker's start-up sweep call a job without a slot: it is not scheduled."""
    job()
    job.call_local()
    assert len(job.runs) == 2
    assert not PeriodicRun.objects.exists()


def test_a_job_not_due_is_not_stamped_nor_enqueued(db):
    @periodic(crontab(minute="5"))
    def at_five() -> None:
        pass

    try:
        assert not [t for t in HUEY.read_periodic(T) if isinstance(t, at_five.task_class)]
        [task] = [
            t for t in HUEY.read_periodic(T.replace(minute=5)) if isinstance(t, at_five.task_class)
        ]
        assert task.kwargs["periodic_run"]["slot"] == "2020-02-10T01:05:00+00:00"
    finally:
        at_five.unregister()


def test_every_periodic_job_of_the_project_is_claimed_per_slot():
    autodiscover_modules("tasks")
    jobs = HUEY._registry._periodic_tasks
    assert len(jobs) >= 10  # the discovery found them
    unclaimed = [j.__name__ for j in jobs if not getattr(j, "claimed_per_slot", False)]
    assert unclaimed == [], "declare periodic jobs with bastion.ops.periodic.periodic"


def test_claims_older_than_a_week_are_pruned(db):
    now = SLOT + dt.timedelta(days=8)
    periodic_claim(task="a", slot=SLOT, run_id="old", worker="w1")
    periodic_claim(task="a", slot=now - dt.timedelta(days=6), run_id="recent", worker="w1")
    assert periodic_runs_prune(now=now) == 1
    assert list(PeriodicRun.objects.values_list("run_id", flat=True)) == ["recent"]


def test_the_daily_pruning_is_itself_a_claimed_job(db):
    from bastion.ops.tasks import periodic_runs_prune_daily

    due = [
        t
        for t in HUEY.read_periodic(dt.datetime(2020, 2, 10, 19, 23))
        if isinstance(t, periodic_runs_prune_daily.task_class)
    ]
    assert len(due) == 1 and "periodic_run" in due[0].kwargs


@pytest.mark.django_db(transaction=True)
def test_racing_claims_from_many_connections_let_one_through():
    """Eight threads, each with its own connection, claim the same slot at the same moment."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite admits one writer at a time: the race is PostgreSQL's to test")
    barrier = threading.Barrier(8)
    won: list[bool] = []

    def claim(k: int) -> None:
        try:
            barrier.wait()
            won.append(periodic_claim(task="race", slot=SLOT, run_id=f"r{k}", worker=f"w{k}"))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=claim, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(won) == [False] * 7 + [True]
    assert PeriodicRun.objects.filter(task="race").count() == 1
