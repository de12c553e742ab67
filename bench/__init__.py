"""Bastion's benchmarks: `make bench` runs every one on SQLite and PostgreSQL, prints a table.

A benchmark module is `bench/bench_<area>.py` with a list `BENCHMARKS` of `Benchmark`s. Each
run happens in a fresh database, in its own process; the table shows the median of the runs.
`make bench ONLY=load` (or BENCH_ONLY=load) runs only the benchmarks whose module or name
contains "load".
"""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Figure:
    """One row of the table among those one measurement gives (see Benchmark.figures)."""

    name: str
    goal: float
    unit: str
    higher_is_better: bool = False
    information: bool = False  # printed, never "met"/"NO" (a memory timeline value, a ceiling)


@dataclass(frozen=True)
class Benchmark:
    name: str
    goal: float  # the figure must stay at or below this (at or above if higher_is_better)
    unit: str  # "s", "ms", "MiB"…
    # Prepares the database (untimed) and returns the callable to measure, which returns the
    # figure itself (seconds for the default timer; see bench.runner.timed), or with `figures`
    # a dict of them keyed by Figure.name (None for one that a run could not give).
    setup: Callable[[], Callable[[], float | dict[str, float]]]
    repeat: int = 3
    higher_is_better: bool = False  # rates: the goal is a floor, not a ceiling
    # When set, one measurement gives several figures, each a row of the table; the name,
    # goal and unit above are then only the group's title.
    figures: tuple[Figure, ...] = ()
    databases: tuple[str, ...] = ("sqlite", "postgresql")  # some run on PostgreSQL only

    def rows(self) -> tuple[Figure, ...]:
        """The table's rows: the figures, or the benchmark itself as its one figure."""
        if self.figures:
            return self.figures
        return (Figure(self.name, self.goal, self.unit, self.higher_is_better),)


def median_ms(func: Callable[[], object], n: int, *, warm: int = 1) -> float:
    """The median of `n` timed calls of `func`, in milliseconds, after `warm` untimed ones
    (caches filled, connections open)."""
    for _ in range(warm):
        func()
    runs = []
    for _ in range(n):
        start = time.perf_counter()
        func()
        runs.append((time.perf_counter() - start) * 1000)
    return statistics.median(runs)
