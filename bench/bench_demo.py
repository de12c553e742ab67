"""How long `bastion demo` takes to build a university of 30,000 people (the issue's goal)."""

from bench import Benchmark
from bench.runner import timed


def _build_demo() -> float:
    from bastion.demo.builder import demo_build

    return timed(lambda: demo_build(people=30000, seed=2020))


BENCHMARKS = [
    Benchmark(
        name="build demo university, 30,000 people",
        goal=60,
        unit="s",
        setup=lambda: _build_demo,
    ),
]
