"""Long lists in pieces: IN (...) lists under SQLite's parameter limit, batches of writes."""

from collections.abc import Iterable, Iterator

CHUNK = 500


def chunks(items: Iterable, size: int = CHUNK) -> Iterator[list]:
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]
