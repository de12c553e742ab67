"""Bastion's benchmarks: `make bench` runs every one on SQLite and PostgreSQL, prints a table.

A benchmark module is `bench/bench_<area>.py` with a list `BENCHMARKS` of `Benchmark`s. Each
run happens in a fresh database, in its own process; the table shows the median of the runs.
"""

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Benchmark:
    name: str
    goal: float  # the figure must stay at or below this (at or above if higher_is_better)
    unit: str  # "s", "ms", "MiB"…
    # Prepares the database (untimed) and returns the callable to measure, which returns the
    # figure itself (seconds for the default timer); see bench.runner.measure.
    setup: Callable[[], Callable[[], float]]
    repeat: int = 3
    higher_is_better: bool = False  # rates: the goal is a floor, not a ceiling
